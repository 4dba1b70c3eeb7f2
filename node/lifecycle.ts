/**
 * Ordered start with rollback and reverse stop (STYLE.md §3): `start()` starts each part in order;
 * when one fails, the parts already started stop in reverse and the error is rethrown. `stop()`
 * stops every started part in reverse, logging (not throwing) a part's failure so the rest stop.
 */
import type { ComponentLogger } from '../common/logger.js'

export interface Part {
  readonly name: string
  start: () => Promise<void>
  stop: () => Promise<void>
}

export interface Lifecycle {
  start: () => Promise<void>
  stop: () => Promise<void>
  readonly started: readonly string[]
}

export function createLifecycle (parts: readonly Part[], logger: ComponentLogger): Lifecycle {
  const started: Part[] = []
  const stopAll = async (): Promise<void> => {
    for (let p = started.pop(); p !== undefined; p = started.pop()) {
      try { await p.stop() } catch (err) { logger.error({ part: p.name, err: err instanceof Error ? err.message : String(err) }, 'stop failed') }
      logger.debug({ part: p.name }, 'stopped')
    }
  }
  return {
    get started () { return started.map((p) => p.name) },
    async start () {
      for (const p of parts) {
        try {
          await p.start()
        } catch (err) {
          logger.error({ part: p.name, err: err instanceof Error ? err.message : String(err) }, 'start failed; rolling back')
          await stopAll()
          throw err
        }
        started.push(p)
        logger.debug({ part: p.name }, 'started')
      }
    },
    stop: stopAll
  }
}
