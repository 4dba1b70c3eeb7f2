/**
 * Structured logging (pino). A `ComponentLogger` is injected into each part, which derives a child
 * per component: `log.forComponent('relay:retrieve')`. Nothing logs through a global. Redaction
 * removes fields that could hold keys or health data even when a caller passes them by mistake.
 */
import { pino, type Logger, type LevelWithSilent, type DestinationStream } from 'pino'

export interface ComponentLogger {
  trace: (obj: object | string, msg?: string) => void
  debug: (obj: object | string, msg?: string) => void
  info: (obj: object | string, msg?: string) => void
  warn: (obj: object | string, msg?: string) => void
  error: (obj: object | string, msg?: string) => void
  /** A child logger whose lines carry `component: name`. */
  forComponent: (name: string) => ComponentLogger
}

export interface LoggerInit {
  level?: LevelWithSilent
  /** Extra fields on every line (e.g. `{ country: 'DE' }`). */
  base?: Record<string, unknown>
  destination?: DestinationStream
}

/** Field names never written to a log line. */
export const REDACTED_FIELDS: readonly string[] = [
  'key', 'privateKey', 'secret', 'mnemonic', 'apiKey', 'authorization', 'password', 'passphrase',
  'plaintext', 'fhir', 'body', 'record', 'dataKey', 'nationalId', 'birthDate', 'shareCode'
]

function wrap (logger: Logger): ComponentLogger {
  const call = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') =>
    (obj: object | string, msg?: string): void => {
      if (typeof obj === 'string') logger[level](obj)
      else logger[level](obj, msg)
    }
  return {
    trace: call('trace'),
    debug: call('debug'),
    info: call('info'),
    warn: call('warn'),
    error: call('error'),
    forComponent: (name: string) => wrap(logger.child({ component: name }))
  }
}

export function createLogger (init: LoggerInit = {}): ComponentLogger {
  const options = {
    level: init.level ?? 'info',
    base: init.base ?? {},
    redact: { paths: REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`]), censor: '[redacted]' }
  }
  return wrap(init.destination === undefined ? pino(options) : pino(options, init.destination))
}

/** A logger that writes nothing (tests, library defaults). */
export function silentLogger (): ComponentLogger {
  return createLogger({ level: 'silent' })
}
