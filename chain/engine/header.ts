/**
 * Block headers with CometBFT 0.38 semantics: the header hash is the RFC 6962 Merkle root of the
 * protobuf encodings of the header's fields (CometBFT's `Header.Hash`), data hash the Merkle root of
 * the txs' SHA-256, last-results hash the Merkle root of the deterministic part of each
 * ExecTxResult, validators hash the Merkle root of the `SimpleValidator` encodings, and a commit is
 * signed over CometBFT's length-delimited `CanonicalVote`.
 */
import { hash as oneShotHash, createPrivateKey, sign as nodeSign, type KeyObject } from 'node:crypto'
import { BinaryWriter } from 'cosmjs-types/binary'
import { Timestamp } from 'cosmjs-types/google/protobuf/timestamp'
import { BlockID, CommitSig } from 'cosmjs-types/tendermint/types/types'
import { BlockIDFlag, SimpleValidator } from 'cosmjs-types/tendermint/types/validator'
import { Consensus } from 'cosmjs-types/tendermint/version/types'
import { ExecTxResult } from 'cosmjs-types/tendermint/abci/types'

/** CometBFT 0.38 block protocol version. */
export const BLOCK_PROTOCOL = 11n

export interface BlockIdParts { readonly total: number, readonly hash: Uint8Array }
export interface BlockId { readonly hash: Uint8Array, readonly parts: BlockIdParts }

export interface BlockHeader {
  readonly chainId: string
  readonly height: bigint
  /** Unix milliseconds. */
  readonly timeMs: number
  readonly appVersion: bigint
  readonly lastBlockId: BlockId
  readonly lastCommitHash: Uint8Array
  readonly dataHash: Uint8Array
  readonly validatorsHash: Uint8Array
  readonly nextValidatorsHash: Uint8Array
  readonly consensusHash: Uint8Array
  readonly appHash: Uint8Array
  readonly lastResultsHash: Uint8Array
  readonly evidenceHash: Uint8Array
  readonly proposerAddress: Uint8Array
}

export interface CommitSignature {
  readonly validatorAddress: Uint8Array
  readonly timeMs: number
  readonly signature: Uint8Array
}

export const EMPTY_BLOCK_ID: BlockId = { hash: new Uint8Array(0), parts: { total: 0, hash: new Uint8Array(0) } }

const LEAF_PREFIX = Uint8Array.of(0)
const INNER_PREFIX = Uint8Array.of(1)

/** SHA-256 by node:crypto's one-shot hash (native, no Hash object per call). */
function sha256 (data: Uint8Array): Uint8Array {
  return new Uint8Array(oneShotHash('sha256', data, 'buffer'))
}

function leafHash (leaf: Uint8Array): Uint8Array {
  return sha256(Buffer.concat([LEAF_PREFIX, leaf]))
}

function innerHash (left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(Buffer.concat([INNER_PREFIX, left, right]))
}

/** RFC 6962 Merkle root, as CometBFT's `merkle.HashFromByteSlices` (empty → SHA-256 of nothing). */
export function merkleRoot (items: readonly Uint8Array[]): Uint8Array {
  if (items.length === 0) return sha256(new Uint8Array(0))
  const [only] = items
  if (items.length === 1 && only !== undefined) return leafHash(only)
  let split = 1
  while (split * 2 < items.length) split *= 2
  return innerHash(merkleRoot(items.slice(0, split)), merkleRoot(items.slice(split)))
}

export function timestamp (ms: number): Timestamp {
  return Timestamp.fromPartial({ seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 })
}

function wrapBytes (b: Uint8Array): Uint8Array {
  return b.length === 0 ? new Uint8Array(0) : new BinaryWriter().uint32(10).bytes(b).finish()
}

function wrapString (s: string): Uint8Array {
  return s === '' ? new Uint8Array(0) : new BinaryWriter().uint32(10).string(s).finish()
}

function wrapInt64 (v: bigint): Uint8Array {
  return v === 0n ? new Uint8Array(0) : new BinaryWriter().uint32(8).int64(v).finish()
}

export function blockIdProto (id: BlockId): BlockID {
  return { hash: id.hash, partSetHeader: { total: id.parts.total, hash: id.parts.hash } }
}

/** CometBFT's `Header.Hash()`. */
export function hashHeader (h: BlockHeader): Uint8Array {
  return merkleRoot([
    Consensus.encode({ block: BLOCK_PROTOCOL, app: h.appVersion }).finish(),
    wrapString(h.chainId),
    wrapInt64(h.height),
    Timestamp.encode(timestamp(h.timeMs)).finish(),
    BlockID.encode(blockIdProto(h.lastBlockId)).finish(),
    wrapBytes(h.lastCommitHash),
    wrapBytes(h.dataHash),
    wrapBytes(h.validatorsHash),
    wrapBytes(h.nextValidatorsHash),
    wrapBytes(h.consensusHash),
    wrapBytes(h.appHash),
    wrapBytes(h.lastResultsHash),
    wrapBytes(h.evidenceHash),
    wrapBytes(h.proposerAddress)
  ])
}

/** The block id: the header hash, and one part whose hash binds the header, the txs and the last commit. */
export function blockIdOf (h: BlockHeader): BlockId {
  const hash = hashHeader(h)
  return { hash, parts: { total: 1, hash: merkleRoot([hash, h.dataHash, h.lastCommitHash]) } }
}

export function txHash (tx: Uint8Array): Uint8Array {
  return sha256(tx)
}

/** `Txs.Hash()`: Merkle root of the SHA-256 of each tx. */
export function dataHash (txs: readonly Uint8Array[]): Uint8Array {
  return merkleRoot(txs.map((tx) => sha256(tx)))
}

/** `ABCIResults.Hash()`: Merkle root of {code, data, gas_wanted, gas_used} of each result. */
export function resultsHash (results: readonly ExecTxResult[]): Uint8Array {
  return merkleRoot(results.map((r) => ExecTxResult.encode(ExecTxResult.fromPartial({
    code: r.code, data: r.data, gasWanted: r.gasWanted, gasUsed: r.gasUsed
  })).finish()))
}

/** `ValidatorSet.Hash()` for Ed25519 validators. */
export function validatorsHash (validators: ReadonlyArray<{ publicKey: Uint8Array, power: bigint }>): Uint8Array {
  return merkleRoot(validators.map((v) => SimpleValidator.encode({ pubKey: { ed25519: v.publicKey }, votingPower: v.power }).finish()))
}

/** `HashedParams` hash of the consensus params (block max bytes and max gas). */
export function consensusHash (maxBytes: bigint, maxGas: bigint): Uint8Array {
  const w = new BinaryWriter()
  if (maxBytes !== 0n) w.uint32(8).int64(maxBytes)
  if (maxGas !== 0n) w.uint32(16).int64(maxGas)
  return sha256(w.finish())
}

/** `Commit.Hash()`: Merkle root of the commit signatures' protobuf encodings. */
export function commitHash (sigs: readonly CommitSignature[]): Uint8Array {
  return merkleRoot(sigs.map((s) => CommitSig.encode({
    blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_COMMIT, validatorAddress: s.validatorAddress, timestamp: timestamp(s.timeMs), signature: s.signature
  }).finish()))
}

/** CometBFT's precommit sign bytes: the length-delimited `CanonicalVote`. */
export function voteSignBytes (chainId: string, height: bigint, id: BlockId, timeMs: number): Uint8Array {
  const w = new BinaryWriter()
  w.uint32(8).int32(2) // SIGNED_MSG_TYPE_PRECOMMIT
  w.uint32(17).sfixed64(height)
  // round 0 is the proto3 default and is omitted
  w.uint32(34).fork()
  w.uint32(10).bytes(id.hash)
  w.uint32(18).fork().uint32(8).uint32(id.parts.total).uint32(18).bytes(id.parts.hash).ldelim()
  w.ldelim()
  w.uint32(42).fork()
  Timestamp.encode(timestamp(timeMs), w)
  w.ldelim()
  w.uint32(50).string(chainId)
  const body = w.finish()
  return new BinaryWriter().bytes(body).finish()
}

/** PKCS#8 DER of an Ed25519 private key, up to the 32-byte seed. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const signingKeys = new WeakMap<Uint8Array, KeyObject>()

function ed25519Key (seed: Uint8Array): KeyObject {
  let key = signingKeys.get(seed)
  if (key === undefined) {
    key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' })
    signingKeys.set(seed, key)
  }
  return key
}

/** Ed25519 (RFC 8032, deterministic: the same bytes as any other implementation) by node:crypto. */
export function signCommit (secretKey: Uint8Array, address: Uint8Array, chainId: string, height: bigint, id: BlockId, timeMs: number): CommitSignature {
  const signature = new Uint8Array(nodeSign(null, voteSignBytes(chainId, height, id, timeMs), ed25519Key(secretKey)))
  return { validatorAddress: address, timeMs, signature }
}
