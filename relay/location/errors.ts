/**
 * Errors of the location layer, one class per condition, told apart by `.name`.
 */
import { InvalidInputError, NotFoundError, UnavailableError } from '../../common/errors.js'

/** A token id that is not 32 bytes (or not 64 hex characters). */
export class InvalidTokenIdError extends InvalidInputError {
  override name = 'InvalidTokenIdError'
}

/** The chain knows no token with this id (no custodian country). */
export class UnknownTokenError extends NotFoundError {
  override name = 'UnknownTokenError'
}

/** The custodian country of a token could not be read from the chain (error or time-out). */
export class CustodianLookupError extends UnavailableError {
  override name = 'CustodianLookupError'
}

/** Every provider of a record was tried and none opened the protocol (or there was none). */
export class NoHolderReachableError extends UnavailableError {
  override name = 'NoHolderReachableError'
  /** What happened with each peer tried (peer id → error name and message). */
  readonly attempts: ReadonlyArray<{ peerId: string, error: string }>

  constructor (message: string, attempts: ReadonlyArray<{ peerId: string, error: string }> = []) {
    super(message)
    this.attempts = attempts
  }
}
