/** Named errors of the relay service (stream handling, requester side). */
import { HealthrelayError, UnavailableError } from '../../common/errors.js'

/** The custodian peer a request names could not be reached (no stream opened). */
export class CustodianUnreachableError extends UnavailableError {
  override name = 'CustodianUnreachableError'
  constructor (message: string, readonly peerId: string, readonly alternatives: readonly string[] = []) {
    super(message)
  }
}

/**
 * The custodian's stream failed or ended before its signed trailer (the custodian died, reset
 * the stream or stalled). Whatever arrived is unverified and must be discarded; `alternatives`
 * are other providers of the same country to sign a new request for.
 */
export class CustodianStreamError extends UnavailableError {
  override name = 'CustodianStreamError'
  constructor (message: string, readonly peerId: string, readonly alternatives: readonly string[] = []) {
    super(message)
  }
}

/** A peer of that country answering discovery is not registered (or none is reachable). */
export class NoDiscoveryPeerError extends UnavailableError {
  override name = 'NoDiscoveryPeerError'
}

/** A stream refused because the per-peer or global limit of concurrent streams was reached. */
export class StreamLimitError extends HealthrelayError {
  override name = 'StreamLimitError'
}

/** A stream step took longer than its time-out. */
export class StreamTimeoutError extends HealthrelayError {
  override name = 'StreamTimeoutError'
}

/** The service is stopping; streams in flight are aborted. */
export class RelayServiceStoppedError extends UnavailableError {
  override name = 'RelayServiceStoppedError'
}
