/**
 * Advertises, in the DHT, the records this peer holds: at mint and after a move in (`provide`),
 * everything the store holds at start and on a schedule (`reprovideAll`: batched, with a pause
 * between batches and bounded concurrency, progress logged and counted), and stops advertising a
 * record that was erased or moved out (`withdraw`).
 *
 * Withdrawal is local: kad-dht's `cancelReprovide` deletes this peer's own provider record so it is
 * never re-published, but copies already stored on other peers live until they expire
 * (`provideValidity`). Resolvers therefore treat every provider as a candidate and confirm liveness
 * by dialling it (see `connectToHolder`).
 */
import type { CID } from 'multiformats/cid'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { ComponentLogger } from '../../common/logger.js'
import { locationKey, tokenIdToHex } from './key.js'
import { errorMessage } from '../p2p/abort.js'
import { timeoutSignal } from '../../common/abort.js'

/** The part of libp2p's content routing the provider uses. */
export interface ProvideRouting {
  provide: (cid: CID, options?: { signal?: AbortSignal }) => Promise<void>
  cancelReprovide: (cid: CID, options?: { signal?: AbortSignal }) => Promise<void>
}

/** What this peer holds (the daemon backs it with its blob store). */
export interface HeldRecords {
  heldTokenIds: (options?: { signal?: AbortSignal }) => AsyncIterable<Uint8Array>
}

export const DEFAULT_REPROVIDE_INTERVAL_MS = 6 * 60 * 60 * 1000
export const DEFAULT_REPROVIDE_BATCH_SIZE = 64
export const DEFAULT_REPROVIDE_BATCH_PAUSE_MS = 500
export const DEFAULT_PROVIDE_CONCURRENCY = 4
export const DEFAULT_PROVIDE_TIMEOUT_MS = 30_000
export const DEFAULT_INITIAL_REPROVIDE_DELAY_MS = 1_000

export interface ProviderInit {
  /** Period of the full re-provide (0: only at start). @default 6 h */
  reprovideIntervalMs?: number
  /** Records per batch. @default 64 */
  batchSize?: number
  /** Pause between batches (rate limit). @default 500 */
  batchPauseMs?: number
  /** Provides in flight within a batch. @default 4 */
  concurrency?: number
  /** Time-out of one provide. @default 30 s */
  provideTimeoutMs?: number
  /** Delay of the first full re-provide after `start()` (lets the bootstrapper connect). @default 1 s */
  initialDelayMs?: number
  /** Run the full re-provide at start. @default true */
  reprovideOnStart?: boolean
}

export interface ProviderComponents {
  routing: ProvideRouting
  held: HeldRecords
  logger: ComponentLogger
  /** prom-client registry for the counters (a private one when absent). */
  metrics?: Registry
}

export interface ReprovideReport {
  readonly total: number
  readonly provided: number
  readonly failed: number
  readonly skipped: number
  readonly seconds: number
  readonly aborted: boolean
}

export interface ProviderProgress {
  readonly running: boolean
  readonly done: number
  readonly failed: number
  readonly lastRun?: ReprovideReport
}

export interface Provider {
  start: () => Promise<void>
  stop: () => Promise<void>
  /** Advertises one record now (at mint, after a move in). Throws on failure. */
  provide: (tokenId: Uint8Array, options?: { signal?: AbortSignal }) => Promise<void>
  /** Stops advertising a record (erased, moved out). */
  withdraw: (tokenId: Uint8Array, options?: { signal?: AbortSignal }) => Promise<void>
  /** Re-provides everything `held` lists; a run already going is joined, not doubled. */
  reprovideAll: (options?: { signal?: AbortSignal }) => Promise<ReprovideReport>
  readonly progress: ProviderProgress
}

class LocationProvider implements Provider {
  readonly #c: ProviderComponents
  readonly #log: ComponentLogger
  readonly #interval: number
  readonly #batchSize: number
  readonly #pause: number
  readonly #concurrency: number
  readonly #timeout: number
  readonly #initialDelay: number
  readonly #onStart: boolean
  readonly #withdrawn = new Set<string>()
  readonly #m: { provides: Counter<'reason' | 'result'>, withdrawals: Counter<'result'>, runs: Counter<'result'>, runRecords: Gauge<'outcome'>, seconds: Histogram<'reason'> }
  #controller?: AbortController
  #timer?: ReturnType<typeof setTimeout>
  #run?: Promise<ReprovideReport>
  #done = 0
  #failed = 0
  #lastRun?: ReprovideReport

  constructor (components: ProviderComponents, init: ProviderInit = {}) {
    this.#c = components
    this.#log = components.logger.forComponent('relay:location:provider')
    this.#interval = init.reprovideIntervalMs ?? DEFAULT_REPROVIDE_INTERVAL_MS
    this.#batchSize = Math.max(1, init.batchSize ?? DEFAULT_REPROVIDE_BATCH_SIZE)
    this.#pause = init.batchPauseMs ?? DEFAULT_REPROVIDE_BATCH_PAUSE_MS
    this.#concurrency = Math.max(1, init.concurrency ?? DEFAULT_PROVIDE_CONCURRENCY)
    this.#timeout = init.provideTimeoutMs ?? DEFAULT_PROVIDE_TIMEOUT_MS
    this.#initialDelay = init.initialDelayMs ?? DEFAULT_INITIAL_REPROVIDE_DELAY_MS
    this.#onStart = init.reprovideOnStart ?? true
    const registers = [components.metrics ?? new Registry()]
    this.#m = {
      provides: new Counter({ name: 'healthrelay_location_provide_total', help: 'DHT provide operations by reason (mint|reprovide) and result (ok|error)', labelNames: ['reason', 'result'], registers }),
      withdrawals: new Counter({ name: 'healthrelay_location_withdraw_total', help: 'Records withdrawn from the DHT by result', labelNames: ['result'], registers }),
      runs: new Counter({ name: 'healthrelay_location_reprovide_runs_total', help: 'Full re-provide runs by result (ok|partial|aborted)', labelNames: ['result'], registers }),
      runRecords: new Gauge({ name: 'healthrelay_location_reprovide_records', help: 'Records of the current or last re-provide run by outcome (provided|failed)', labelNames: ['outcome'], registers }),
      seconds: new Histogram({ name: 'healthrelay_location_provide_seconds', help: 'Duration of one DHT provide', labelNames: ['reason'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers })
    }
  }

  get progress (): ProviderProgress {
    return { running: this.#run !== undefined, done: this.#done, failed: this.#failed, lastRun: this.#lastRun }
  }

  start (): Promise<void> {
    if (this.#controller !== undefined) return Promise.resolve()
    this.#controller = new AbortController()
    if (this.#onStart) this.#schedule(this.#initialDelay)
    else if (this.#interval > 0) this.#schedule(this.#interval)
    return Promise.resolve()
  }

  async stop (): Promise<void> {
    const controller = this.#controller
    if (controller === undefined) return
    this.#controller = undefined
    clearTimeout(this.#timer)
    controller.abort()
    await this.#run?.catch(() => {})
  }

  #schedule (delay: number): void {
    const signal = this.#controller?.signal
    if (signal === undefined || signal.aborted) return
    this.#timer = setTimeout(() => {
      this.reprovideAll({ signal })
        .catch((err: unknown) => { this.#log.error({ err: errorMessage(err) }, 're-provide run failed') })
        .finally(() => { if (this.#interval > 0) this.#schedule(this.#interval) })
    }, delay)
    this.#timer.unref?.()
  }

  #signal (options?: { signal?: AbortSignal }): AbortSignal {
    const signals = [timeoutSignal(this.#timeout)]
    if (options?.signal !== undefined) signals.push(options.signal)
    if (this.#controller !== undefined) signals.push(this.#controller.signal)
    return AbortSignal.any(signals)
  }

  async #provideOne (tokenId: Uint8Array, reason: 'mint' | 'reprovide', options?: { signal?: AbortSignal }): Promise<void> {
    const end = this.#m.seconds.startTimer({ reason })
    try {
      await this.#c.routing.provide(locationKey(tokenId), { signal: this.#signal(options) })
      this.#m.provides.inc({ reason, result: 'ok' })
    } catch (err) {
      this.#m.provides.inc({ reason, result: 'error' })
      throw err
    } finally {
      end()
    }
  }

  async provide (tokenId: Uint8Array, options?: { signal?: AbortSignal }): Promise<void> {
    const hex = tokenIdToHex(tokenId)
    this.#withdrawn.delete(hex)
    await this.#provideOne(tokenId, 'mint', options)
    this.#log.debug({ tokenId: hex }, 'provided')
  }

  async withdraw (tokenId: Uint8Array, options?: { signal?: AbortSignal }): Promise<void> {
    const hex = tokenIdToHex(tokenId)
    this.#withdrawn.add(hex)
    try {
      await this.#c.routing.cancelReprovide(locationKey(tokenId), { signal: this.#signal(options) })
      this.#m.withdrawals.inc({ result: 'ok' })
      this.#log.debug({ tokenId: hex }, 'withdrawn')
    } catch (err) {
      this.#m.withdrawals.inc({ result: 'error' })
      throw err
    }
  }

  async reprovideAll (options?: { signal?: AbortSignal }): Promise<ReprovideReport> {
    this.#run ??= this.#reprovide(options).finally(() => { this.#run = undefined })
    return this.#run
  }

  async #reprovide (options?: { signal?: AbortSignal }): Promise<ReprovideReport> {
    const started = performance.now()
    const signals = [options?.signal, this.#controller?.signal].filter((s): s is AbortSignal => s !== undefined)
    const signal = signals.length > 0 ? AbortSignal.any(signals) : new AbortController().signal
    this.#done = 0
    this.#failed = 0
    this.#m.runRecords.reset()
    let total = 0
    let skipped = 0
    let batch: Uint8Array[] = []
    this.#log.info('re-provide run started')
    const flush = async (): Promise<void> => {
      const queue = batch
      batch = []
      const worker = async (): Promise<void> => {
        for (let id = queue.shift(); id !== undefined && !signal.aborted; id = queue.shift()) {
          try {
            await this.#provideOne(id, 'reprovide', { signal })
            this.#done++
            this.#m.runRecords.inc({ outcome: 'provided' })
          } catch (err) {
            if (signal.aborted) return
            this.#failed++
            this.#m.runRecords.inc({ outcome: 'failed' })
            this.#log.warn({ tokenId: tokenIdToHex(id), err: (err as Error).message }, 're-provide of a record failed')
          }
        }
      }
      await Promise.all(Array.from({ length: Math.min(this.#concurrency, queue.length) }, worker))
      this.#log.info({ done: this.#done, failed: this.#failed, seen: total }, 're-provide progress')
    }
    try {
      for await (const id of this.#c.held.heldTokenIds({ signal })) {
        if (signal.aborted) break
        total++
        if (this.#withdrawn.has(tokenIdToHex(id))) {
          skipped++
          continue
        }
        batch.push(id)
        if (batch.length >= this.#batchSize) {
          await flush()
          if (this.#pause > 0 && !signal.aborted) await sleep(this.#pause, signal)
        }
      }
      if (batch.length > 0 && !signal.aborted) await flush()
    } catch (err) {
      if (!signal.aborted) throw err
    }
    const aborted = signal.aborted
    if (!aborted) this.#withdrawn.clear()
    const report: ReprovideReport = {
      total, provided: this.#done, failed: this.#failed, skipped, seconds: (performance.now() - started) / 1000, aborted
    }
    this.#lastRun = report
    this.#m.runs.inc({ result: aborted ? 'aborted' : report.failed > 0 ? 'partial' : 'ok' })
    this.#log.info({ ...report }, 're-provide run finished')
    return report
  }
}

async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    function done (): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}

/** Factory: `locationProvider(init)(components)`. */
export function locationProvider (init: ProviderInit = {}): (components: ProviderComponents) => Provider {
  return (components) => new LocationProvider(components, init)
}

export function createProvider (components: ProviderComponents, init: ProviderInit = {}): Provider {
  return new LocationProvider(components, init)
}
