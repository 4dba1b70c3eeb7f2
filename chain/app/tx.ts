/**
 * Standard Cosmos tx handling ("ante") and execution of one tx against a state layer.
 *
 * Checks, in order: size ≤ max_tx_bytes (sdk 21); TxRaw, TxBody, AuthInfo decode (sdk 2); 1..
 * max_msgs_per_tx messages (sdk 18), each of a known type (sdk 2) that decodes and validates
 * (ledger 2); membership Msgs never at top level (ledger 7); one signer for every Msg, one signer
 * info and one signature (sdk 4 / 15); secp256k1 public key (sdk 8); memo ≤ 256 (sdk 12); timeout
 * height (sdk 30); a known account (sdk 9) whose address matches the key (sdk 8); the sequence
 * (sdk 32); the signature over SignDoc{body_bytes, auth_info_bytes, chain_id, account_number}
 * (sdk 4, message as the SDK words it); the per-account rate quota (ledger 6). Then the Msgs run in
 * a child layer: all or nothing. The ante's effects (sequence + 1, public key stored, quota count)
 * persist even when a Msg fails, as in the SDK.
 *
 * Gas is a pure function of the tx and of its writes:
 *   TX_BASE + PER_BYTE × (len(body_bytes) + len(auth_info_bytes) + 64 × signers)
 *   + PER_MSG × msgs + Σ over the writes of (PER_WRITE + PER_WRITE_BYTE × (len(key) + len(value)))
 * The 64 bytes per signer count the signature whether or not it is present, so `Simulate`
 * (empty signature) and the signed tx are charged alike.
 */
import { hash as oneShotHash } from 'node:crypto'
import { TxRaw, TxBody, AuthInfo } from 'cosmjs-types/cosmos/tx/v1beta1/tx'
import { PubKey } from 'cosmjs-types/cosmos/crypto/secp256k1/keys'
import { SignMode } from 'cosmjs-types/cosmos/tx/signing/v1beta1/signing'
import { encodeSignDoc, encodeTxMsgData } from './cosmos-codec.js'
import type { Event } from 'cosmjs-types/tendermint/abci/types'
import type { Any } from 'cosmjs-types/google/protobuf/any'
import { HANDLERS } from './router.js'
import type { ExecContext, ExecMode, MsgHandler } from './exec.js'
import type { KvLayer } from './store.js'
import type { LedgerParams } from './params.js'
import { K, u64Key, u64FromKey } from './keys.js'
import { addressFromPublicKey } from './address.js'
import { getAccount, putAccount, SECP256K1_PUBKEY_TYPE_URL } from './state.js'
import type { Secp256k1Verifier } from './sig.js'
import {
  AbciCodeError, GovernanceOnlyError, InvalidMsgError, InvalidPubKeyError, InvalidRequestError, MemoTooLargeError,
  NoSignaturesError, OutOfGasError, RateLimitedError, TxDecodeError, TxTimeoutHeightError, TxTooLargeError,
  UnauthorizedTxError, UnknownAddressError, WrongSequenceError
} from './errors.js'

export const GAS = Object.freeze({
  TX_BASE: 20_000n,
  PER_BYTE: 10n,
  PER_MSG: 2_000n,
  PER_WRITE: 1_000n,
  PER_WRITE_BYTE: 10n
})

const MAX_MEMO = 256

export interface DecodedTx {
  readonly hash: Uint8Array
  readonly bodyBytes: Uint8Array
  readonly authInfoBytes: Uint8Array
  readonly msgs: ReadonlyArray<{ readonly handler: MsgHandler, readonly msg: unknown, readonly any: Any }>
  readonly signer: string
  /** From the signer info; empty when omitted (then the stored key is used). */
  readonly publicKey: Uint8Array
  readonly sequence: bigint
  readonly signature: Uint8Array
  readonly gasWanted: bigint
  readonly timeoutHeight: bigint
  /** The gas charged before any write: base, bytes and messages. */
  readonly intrinsicGas: bigint
}

function decodeOrThrow<T> (what: string, f: () => T): T {
  try { return f() } catch (err) { throw new TxDecodeError(`cannot decode ${what}: ${(err as Error).message}`) }
}

/** Stateless part of the ante: decoding, limits, Msg validation, one consistent signer. */
export function decodeTx (bytes: Uint8Array, params: LedgerParams, mode: ExecMode, hash?: Uint8Array): DecodedTx {
  if (bytes.length > params.maxTxBytes) throw new TxTooLargeError(`tx of ${bytes.length} bytes is larger than max_tx_bytes ${params.maxTxBytes}`)
  if (bytes.length === 0) throw new TxDecodeError('empty tx')
  const raw = decodeOrThrow('TxRaw', () => TxRaw.decode(bytes))
  const body = decodeOrThrow('TxBody', () => TxBody.decode(raw.bodyBytes))
  const authInfo = decodeOrThrow('AuthInfo', () => AuthInfo.decode(raw.authInfoBytes))
  if (body.messages.length === 0) throw new InvalidRequestError('must contain at least one message')
  if (body.messages.length > params.maxMsgsPerTx) throw new InvalidRequestError(`too many messages: ${body.messages.length} > max_msgs_per_tx ${params.maxMsgsPerTx}`)
  if (body.extensionOptions.length > 0 || body.nonCriticalExtensionOptions.length > 0) throw new InvalidRequestError('extension options are not supported')
  if (body.memo.length > MAX_MEMO) throw new MemoTooLargeError(`maximum number of characters is ${MAX_MEMO} but received ${body.memo.length} characters`)

  const msgs = body.messages.map((any, i) => {
    const handler = HANDLERS.get(any.typeUrl)
    if (handler === undefined) throw new TxDecodeError(`unable to resolve type URL ${any.typeUrl.slice(0, 200)}`)
    if (handler.governance) {
      throw new GovernanceOnlyError(`${any.typeUrl} runs only inside a proposal that the member countries approved (send it in a MsgSubmitProposal)`)
    }
    const msg = decodeOrThrow(any.typeUrl, () => handler.decode(any.value))
    try {
      handler.validate(msg, params)
    } catch (err) {
      if (err instanceof AbciCodeError) throw new InvalidMsgError(`message ${i} (${handler.name}): ${err.log}`)
      throw err
    }
    return { handler, msg, any }
  })
  const signers = [...new Set(msgs.map(({ handler, msg }) => handler.signer(msg)))]
  if (signers.length !== 1) throw new UnauthorizedTxError(`wrong number of signers; expected ${signers.length}, got 1 (every message of a tx must name the same signer)`)

  if (authInfo.signerInfos.length !== 1) throw new UnauthorizedTxError(`wrong number of signers; expected 1, got ${authInfo.signerInfos.length}`)
  if (raw.signatures.length === 0) throw new NoSignaturesError('')
  if (raw.signatures.length !== 1) throw new UnauthorizedTxError(`invalid number of signatures; expected 1, got ${raw.signatures.length}`)
  const [info] = authInfo.signerInfos
  const [signature] = raw.signatures
  const [signer] = signers
  if (info === undefined || signature === undefined || signer === undefined) throw new UnauthorizedTxError('no signer')
  let publicKey: Uint8Array = new Uint8Array(0)
  if (info.publicKey !== undefined) {
    const pk = info.publicKey
    if (pk.typeUrl !== SECP256K1_PUBKEY_TYPE_URL) throw new InvalidPubKeyError(`unsupported public key type ${pk.typeUrl.slice(0, 100)}`)
    publicKey = decodeOrThrow('PubKey', () => PubKey.decode(pk.value)).key
    if (publicKey.length !== 33) throw new InvalidPubKeyError(`secp256k1 public key must be 33 bytes, got ${publicKey.length}`)
  }
  if (mode !== 'simulate' && info.modeInfo?.single?.mode !== SignMode.SIGN_MODE_DIRECT) {
    throw new UnauthorizedTxError('signature mode not supported: only SIGN_MODE_DIRECT')
  }
  const intrinsicGas = GAS.TX_BASE +
    GAS.PER_BYTE * BigInt(raw.bodyBytes.length + raw.authInfoBytes.length + 64) +
    GAS.PER_MSG * BigInt(msgs.length)
  return {
    hash: hash ?? oneShotHash('sha256', bytes, 'buffer'),
    bodyBytes: raw.bodyBytes,
    authInfoBytes: raw.authInfoBytes,
    msgs,
    signer,
    publicKey,
    sequence: info.sequence,
    signature,
    gasWanted: authInfo.fee?.gasLimit ?? 0n,
    timeoutHeight: body.timeoutHeight,
    intrinsicGas
  }
}

/**
 * Txs decoded and validated by CheckTx, by the SHA-256 of their bytes, for FinalizeBlock and
 * RECHECK to reuse: decoding is a pure function of the bytes and the params, and an entry is used
 * only with the very params object it was validated against (getParams returns the same frozen
 * object until the params change). Handlers never modify a decoded Msg.
 */
export class DecodedTxCache {
  private readonly entries = new Map<string, { readonly params: LedgerParams, readonly tx: DecodedTx }>()
  hits = 0
  misses = 0

  constructor (private readonly maxEntries = 20_000) {}

  get size (): number { return this.entries.size }

  /** The decoded tx (from the cache when decoded under `params`); `consume` drops the entry (a tx runs once in a block). */
  decode (bytes: Uint8Array, params: LedgerParams, mode: ExecMode, consume: boolean): DecodedTx {
    if (mode === 'simulate' || bytes.length > params.maxTxBytes) return decodeTx(bytes, params, mode)
    const hash = oneShotHash('sha256', bytes, 'buffer')
    const key = hash.toString('latin1')
    const entry = this.entries.get(key)
    if (entry !== undefined && entry.params === params) {
      this.hits++
      if (consume) this.entries.delete(key)
      return entry.tx
    }
    this.misses++
    const tx = decodeTx(bytes, params, mode, hash)
    if (consume) {
      this.entries.delete(key)
    } else {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string)
      this.entries.set(key, { params, tx })
    }
    return tx
  }

  clear (): void { this.entries.clear() }
}

export interface TxEnv {
  readonly store: KvLayer
  readonly height: bigint
  readonly time: bigint
  readonly params: LedgerParams
  readonly mode: ExecMode
  readonly chainId: string
  readonly verify: Secp256k1Verifier
  /** Tx hashes (hex + account number) whose signature was already verified. */
  readonly verified: Map<string, true>
  /** Txs already decoded by CheckTx (optional). */
  readonly decoded?: DecodedTxCache
}

export interface TxOutcome {
  readonly code: number
  readonly codespace: string
  readonly log: string
  readonly data: Uint8Array
  readonly gasWanted: bigint
  readonly gasUsed: bigint
  readonly events: Event[]
  readonly msgResponses: Any[]
}

const VERIFIED_MAX = 100_000

function writeGas (layer: KvLayer): bigint {
  let gas = 0n
  for (const [k, v] of layer.writes) gas += GAS.PER_WRITE + GAS.PER_WRITE_BYTE * BigInt(k.length + (v?.length ?? 0))
  return gas
}

function attr (key: string, value: string): { key: string, value: string, index: boolean } {
  return { key, value, index: true }
}

/** The ante's stateful part: account, key, sequence, signature, quota. Writes into `layer`. */
function ante (env: TxEnv, tx: DecodedTx, layer: KvLayer): Event[] {
  if (tx.timeoutHeight > 0n && env.height > tx.timeoutHeight) throw new TxTimeoutHeightError(`block height: ${env.height}, timeout height: ${tx.timeoutHeight}`)
  const account = getAccount(layer, tx.signer)
  if (account === undefined) throw new UnknownAddressError(`account ${tx.signer} does not exist`)
  const publicKey = tx.publicKey.length > 0 ? tx.publicKey : account.publicKey
  if (publicKey.length === 0) throw new InvalidPubKeyError(`pubkey on account is not set: ${tx.signer}`)
  if (addressFromPublicKey(publicKey) !== tx.signer) throw new InvalidPubKeyError(`pubKey does not match signer address ${tx.signer} with signer index: 0`)
  if (account.publicKey.length > 0 && Buffer.compare(account.publicKey, publicKey) !== 0) throw new InvalidPubKeyError(`pubKey does not match the key stored for ${tx.signer}`)
  if (tx.sequence !== account.sequence) throw new WrongSequenceError(`account sequence mismatch, expected ${account.sequence}, got ${tx.sequence}`)
  if (env.mode !== 'simulate') {
    const cacheKey = `${Buffer.from(tx.hash).toString('hex')}/${account.accountNumber}`
    if (env.verified.get(cacheKey) === undefined) {
      const signDoc = encodeSignDoc(tx.bodyBytes, tx.authInfoBytes, env.chainId, account.accountNumber)
      if (!env.verify(publicKey, signDoc, tx.signature)) {
        throw new UnauthorizedTxError(`signature verification failed; please verify account number (${account.accountNumber}) and chain-id (${env.chainId})`)
      }
      if (env.verified.size >= VERIFIED_MAX) env.verified.delete(env.verified.keys().next().value as string)
      env.verified.set(cacheKey, true)
    }
  }
  const window = (env.height - 1n) / BigInt(env.params.rateWindowBlocks)
  const rateKey = K.rate(tx.signer)
  const rate = layer.get(rateKey)
  let count = 0
  if (rate !== undefined && u64FromKey(Buffer.from(rate).toString('latin1')) === window) count = Buffer.from(rate).readUInt32BE(8)
  if (count >= env.params.rateMaxTxs) {
    throw new RateLimitedError(`account ${tx.signer} sent ${count} txs in the current window of ${env.params.rateWindowBlocks} blocks (rate_max_txs ${env.params.rateMaxTxs}); retry in a later block`)
  }
  const rateValue = Buffer.alloc(12)
  Buffer.from(u64Key(window), 'latin1').copy(rateValue, 0)
  rateValue.writeUInt32BE(count + 1, 8)
  layer.set(rateKey, rateValue)
  putAccount(layer, { ...account, sequence: account.sequence + 1n, publicKey })
  return [
    { type: 'tx', attributes: [attr('acc_seq', `${tx.signer}/${tx.sequence}`)] },
    { type: 'tx', attributes: [attr('signature', Buffer.from(tx.signature).toString('base64'))] }
  ]
}

/** The SDK's code for a tx whose execution panicked (recovered, the tx fails, the chain goes on). */
export const PANIC_CODE = 111222

function failure (err: unknown, gasWanted: bigint, gasUsed: bigint, events: Event[]): TxOutcome {
  if (!(err instanceof AbciCodeError)) {
    // An I/O failure of the database is no property of the tx: stop rather than diverge.
    if (!(err instanceof Error) || err.name === 'SqliteError') throw err
    return { code: PANIC_CODE, codespace: 'sdk', log: `recovered: ${err.name}: ${err.message.slice(0, 200)}: panic`, data: new Uint8Array(0), gasWanted, gasUsed, events, msgResponses: [] }
  }
  return { code: err.code, codespace: err.codespace, log: err.log, data: new Uint8Array(0), gasWanted, gasUsed, events, msgResponses: [] }
}

/**
 * Runs one tx against `env.store`: on success its writes are in `env.store`; on a Msg failure only
 * the ante's; on an ante failure none. An unexpected error of the code fails the tx with code
 * 111222 (as the SDK recovers a panic); a database error propagates and stops the driver.
 */
export function runTx (env: TxEnv, bytes: Uint8Array, decoded?: DecodedTx): TxOutcome {
  let tx: DecodedTx
  try {
    tx = decoded ?? (env.decoded !== undefined ? env.decoded.decode(bytes, env.params, env.mode, env.mode === 'deliver') : decodeTx(bytes, env.params, env.mode))
  } catch (err) {
    return failure(err, 0n, 0n, [])
  }
  const anteLayer = env.store.child()
  let anteEvents: Event[]
  try {
    anteEvents = ante(env, tx, anteLayer)
  } catch (err) {
    return failure(err, tx.gasWanted, tx.intrinsicGas, [])
  }
  const anteGas = writeGas(anteLayer)
  anteLayer.flushInto(env.store)
  let gasUsed = tx.intrinsicGas + anteGas
  const msgLayer = env.store.child()
  const events: Event[] = []
  const msgResponses: Any[] = []
  try {
    for (const [i, { handler, msg }] of tx.msgs.entries()) {
      events.push({
        type: 'message',
        attributes: [attr('action', handler.typeUrl), attr('sender', tx.signer), attr('module', 'ledger'), attr('msg_index', String(i))]
      })
      const ctx: ExecContext = { store: msgLayer, height: env.height, time: env.time, params: env.params, mode: env.mode, txHash: tx.hash, msgIndex: i, events }
      const value = handler.execute(ctx, msg)
      msgResponses.push({ typeUrl: `${handler.typeUrl}Response`, value })
    }
  } catch (err) {
    return failure(err, tx.gasWanted, gasUsed, anteEvents)
  }
  gasUsed += writeGas(msgLayer)
  if (env.mode !== 'simulate' && gasUsed > tx.gasWanted) {
    return failure(new OutOfGasError(`out of gas in location: ledger; gasWanted: ${tx.gasWanted}, gasUsed: ${gasUsed}`), tx.gasWanted, gasUsed, anteEvents)
  }
  msgLayer.flushInto(env.store)
  return {
    code: 0,
    codespace: '',
    log: '',
    data: encodeTxMsgData(msgResponses),
    gasWanted: tx.gasWanted,
    gasUsed,
    events: [...anteEvents, ...events],
    msgResponses
  }
}
