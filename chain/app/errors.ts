/**
 * Errors of the ledger state machine. A rejected tx or query carries an ABCI `code` and
 * `codespace`: `sdk` for the Cosmos SDK conditions that cosmjs and other clients recognise (the
 * SDK's own numbers and wording, e.g. `incorrect account sequence` = 32), `ledger` for ours. The
 * `log` is what the client sees: the detail, then `: ` and the condition's description, as the SDK
 * wraps its errors.
 */
import { HealthrelayError, InvalidInputError } from '../../common/errors.js'

export const SDK_CODESPACE = 'sdk'
export const LEDGER_CODESPACE = 'ledger'

/** Codes of codespace `sdk` (cosmos-sdk types/errors), as numbers and descriptions. */
export const SdkCode = {
  TxDecode: 2,
  Unauthorized: 4,
  UnknownRequest: 6,
  InvalidAddress: 7,
  InvalidPubKey: 8,
  UnknownAddress: 9,
  OutOfGas: 11,
  MemoTooLarge: 12,
  NoSignatures: 15,
  InvalidRequest: 18,
  TxTooLarge: 21,
  TxTimeoutHeight: 30,
  WrongSequence: 32,
  NotFound: 38
} as const

/** Codes of codespace `ledger`. */
export const LedgerCode = {
  InvalidMsg: 2,
  SignerNotAllowed: 3,
  NotFound: 4,
  AlreadyExists: 5,
  RateLimited: 6,
  GovernanceOnly: 7,
  ProposalClosed: 8,
  InvalidTransition: 9
} as const

/** A tx or query rejected with an ABCI code. */
export class AbciCodeError extends HealthrelayError {
  override name = 'AbciCodeError'
  override readonly expose: boolean = true
  constructor (readonly code: number, readonly codespace: string, readonly log: string) {
    super(log)
  }
}

function sdk (name: string, code: number, description: string): new (detail: string) => AbciCodeError {
  return class extends AbciCodeError {
    override name = name
    constructor (detail: string) { super(code, SDK_CODESPACE, detail === '' ? description : `${detail}: ${description}`) }
  }
}

function ledgerError (name: string, code: number): new (detail: string) => AbciCodeError {
  return class extends AbciCodeError {
    override name = name
    constructor (detail: string) { super(code, LEDGER_CODESPACE, detail) }
  }
}

export const TxDecodeError = sdk('TxDecodeError', SdkCode.TxDecode, 'tx parse error')
export const UnauthorizedTxError = sdk('UnauthorizedTxError', SdkCode.Unauthorized, 'unauthorized')
export const UnknownRequestError = sdk('UnknownRequestError', SdkCode.UnknownRequest, 'unknown request')
export const InvalidAddressError = sdk('InvalidAddressError', SdkCode.InvalidAddress, 'invalid address')
export const InvalidPubKeyError = sdk('InvalidPubKeyError', SdkCode.InvalidPubKey, 'invalid pubkey')
export const UnknownAddressError = sdk('UnknownAddressError', SdkCode.UnknownAddress, 'unknown address')
export const OutOfGasError = sdk('OutOfGasError', SdkCode.OutOfGas, 'out of gas')
export const MemoTooLargeError = sdk('MemoTooLargeError', SdkCode.MemoTooLarge, 'memo too large')
export const NoSignaturesError = sdk('NoSignaturesError', SdkCode.NoSignatures, 'no signatures supplied')
export const InvalidRequestError = sdk('InvalidRequestError', SdkCode.InvalidRequest, 'invalid request')
export const TxTooLargeError = sdk('TxTooLargeError', SdkCode.TxTooLarge, 'tx too large')
export const TxTimeoutHeightError = sdk('TxTimeoutHeightError', SdkCode.TxTimeoutHeight, 'tx timeout height')
export const WrongSequenceError = sdk('WrongSequenceError', SdkCode.WrongSequence, 'incorrect account sequence')
/** Queries: the log carries `rpc error: code = NotFound`, which cosmjs maps to "no such account". */
export const NotFoundQueryError = sdk('NotFoundQueryError', SdkCode.NotFound, 'not found')

export const InvalidMsgError = ledgerError('InvalidMsgError', LedgerCode.InvalidMsg)
export const SignerNotAllowedError = ledgerError('SignerNotAllowedError', LedgerCode.SignerNotAllowed)
export const LedgerNotFoundError = ledgerError('LedgerNotFoundError', LedgerCode.NotFound)
export const AlreadyExistsError = ledgerError('AlreadyExistsError', LedgerCode.AlreadyExists)
export const RateLimitedError = ledgerError('RateLimitedError', LedgerCode.RateLimited)
export const GovernanceOnlyError = ledgerError('GovernanceOnlyError', LedgerCode.GovernanceOnly)
export const ProposalClosedError = ledgerError('ProposalClosedError', LedgerCode.ProposalClosed)
export const InvalidTransitionError = ledgerError('InvalidTransitionError', LedgerCode.InvalidTransition)

/**
 * Thrown by `finalizeBlock` (and `prepareProposal`) at or after `params.upgrade_height`: the
 * block is not executed, nothing changes, and the driver stops cleanly so that operators can
 * install the upgraded binary. `info().lastBlockHeight` is then `height - 1`.
 */
export class UpgradeHaltError extends HealthrelayError {
  override name = 'UpgradeHaltError'
  constructor (readonly height: bigint, readonly upgradeName: string) {
    super(`upgrade "${upgradeName}" needed at height ${height}: the chain halts here for a coordinated upgrade`)
  }
}

/** A genesis document or app_state that does not validate. */
export class InvalidGenesisError extends InvalidInputError {
  override name = 'InvalidGenesisError'
}

/** The driver called the application out of the ABCI order (e.g. commit without a block). */
export class AbciOrderError extends HealthrelayError {
  override name = 'AbciOrderError'
}

/** The genesis file exists and `--force` was not given. */
export class GenesisExistsError extends InvalidInputError {
  override name = 'GenesisExistsError'
}
