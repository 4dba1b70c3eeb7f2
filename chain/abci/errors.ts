import { HealthrelayError } from '../../common/errors.js'

/** A frame on an ABCI connection that cannot be read: the connection is closed. */
export class AbciFrameError extends HealthrelayError {
  override name = 'AbciFrameError'
}

/** A request the application cannot answer (unknown or unsupported kind). */
export class AbciRequestError extends HealthrelayError {
  override name = 'AbciRequestError'
}
