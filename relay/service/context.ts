/** What a pipeline run needs: the components, resolved options, a logger and per-step signals. */
import type { ComponentLogger } from '../../common/logger.js'
import type { RequestVerifierComponents } from '../protocol/index.js'
import type { RelayServiceComponents } from './api.js'
import type { Clock } from './ports.js'

export interface ResolvedInit {
  readonly maxConcurrentStreams: number
  readonly maxStreamsPerPeer: number
  readonly requestTimeoutMs: number
  readonly stepTimeoutMs: number
  readonly writeTimeoutMs: number
  readonly responseTimeoutMs: number
  readonly freshnessWindowMs: number | undefined
  readonly vitalInterestOverride: boolean
  readonly maxTransformBytes: number
}

export interface PipelineContext {
  readonly components: RelayServiceComponents
  readonly init: ResolvedInit
  readonly verifier: RequestVerifierComponents
  readonly log: ComponentLogger
  readonly clock: Clock
  /** Aborts when the service stops or the stream ends. */
  readonly shutdown: AbortSignal
  /**
   * The signal for the next step: the shutdown signal plus the step time-out, re-armed by every
   * call (steps run one after the other; one timer and one combined signal per pipeline run).
   */
  step: () => AbortSignal
  /** Disarms the step time-out (the pipeline is waiting on something that is not a step). */
  settle: () => void
}
