/** Named errors of the chain client. Tx failures carry `code`, `codespace` and `txHash`, as cosmjs's BroadcastTxError. */
import { HealthrelayError, InvalidInputError, UnavailableError } from '../../common/errors.js'

/** The chain refused a tx at admission (CheckTx) or it failed in its block (code ≠ 0). */
export class ChainTxError extends HealthrelayError {
  override name = 'ChainTxError'
  override readonly expose = true
  override readonly status: number = 422
  constructor (
    readonly code: number,
    readonly codespace: string,
    /** Upper-case hex; empty when the tx was refused in simulation, before it was signed. */
    readonly txHash: string,
    readonly log: string,
    /** Height of the block that included the failed tx; undefined when it was refused at admission. */
    readonly height?: bigint
  ) {
    super(`${txHash === '' ? 'tx refused in simulation' : `tx ${txHash} ${height === undefined ? 'refused' : `failed in block ${height}`}`} (${codespace}/${code}): ${log}`)
  }
}

/** The tx was accepted but not seen in a block within the time-out. */
export class ChainTxTimeoutError extends UnavailableError {
  override name = 'ChainTxTimeoutError'
  constructor (readonly txHash: string, timeoutMs: number) {
    super(`tx ${txHash} was not included in a block within ${timeoutMs} ms`)
  }
}

/** A ledger query answered with a non-zero code (malformed request, unknown path...). */
export class ChainQueryError extends HealthrelayError {
  override name = 'ChainQueryError'
  override readonly expose = true
  override readonly status: number = 400
  constructor (readonly path: string, message: string) {
    super(`query ${path} failed: ${message}`)
  }
}

/** The chain's RPC cannot be reached or answered something that is not CometBFT. */
export class ChainUnavailableError extends UnavailableError {
  override name = 'ChainUnavailableError'
}

/** The client was used before `start()` or after `stop()`. */
export class ChainClientStoppedError extends UnavailableError {
  override name = 'ChainClientStoppedError'
}

/** An argument given to a client helper is malformed (bad hex id, wrong length...). */
export class ChainInputError extends InvalidInputError {
  override name = 'ChainInputError'
}

/** A subscriber did not drain its events fast enough and the bounded buffer overflowed. */
export class SubscriptionOverflowError extends UnavailableError {
  override name = 'SubscriptionOverflowError'
}
