/** Named errors of the embedded engine (one class per condition). */
import { HealthrelayError, InvalidInputError, NotFoundError, UnavailableError } from '../../common/errors.js'

/** `<home>/genesis.json` is absent: the user must run `healthrelay chain init` first. */
export class GenesisMissingError extends HealthrelayError {
  override name = 'GenesisMissingError'
  override readonly expose = true
}

/** genesis.json or priv_validator_key.json cannot be read as a CometBFT document. */
export class GenesisInvalidError extends HealthrelayError {
  override name = 'GenesisInvalidError'
  override readonly expose = true
}

/** The application's state and the engine's block store disagree (different height or app hash). */
export class StoreMismatchError extends HealthrelayError {
  override name = 'StoreMismatchError'
  override readonly expose = true
}

/** The chain stopped at the upgrade height that the application's params name. */
export class UpgradeHaltError extends HealthrelayError {
  override name = 'UpgradeHaltError'
  override readonly expose = true
}

/** The mempool holds as many txs (or bytes) as it may. */
export class MempoolFullError extends UnavailableError {
  override name = 'MempoolFullError'
}

/** The tx is already in the mempool or already committed. */
export class TxInMempoolError extends InvalidInputError {
  override name = 'TxInMempoolError'
}

/** The tx exceeds the engine's `maxTxBytes`. */
export class TxTooLargeError extends InvalidInputError {
  override name = 'TxTooLargeError'
}

/** A JSON-RPC request whose params are wrong (bad base64, bad height, bad query...). */
export class InvalidParamsError extends InvalidInputError {
  override name = 'InvalidParamsError'
}

/** A `tx_search`/`subscribe` query outside the CometBFT query grammar. */
export class InvalidQueryError extends InvalidInputError {
  override name = 'InvalidQueryError'
}

/** A block, tx or height the store does not hold. */
export class NotStoredError extends NotFoundError {
  override name = 'NotStoredError'
}

/** The engine is stopping or stopped. */
export class EngineStoppedError extends UnavailableError {
  override name = 'EngineStoppedError'
}

/** `broadcast_tx_commit` did not see the tx in a block within its time-out. */
export class BroadcastTimeoutError extends UnavailableError {
  override name = 'BroadcastTimeoutError'
}
