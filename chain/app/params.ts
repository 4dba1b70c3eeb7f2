/**
 * Chain parameters: their defaults, validation, and the conversion between the domain shape
 * (bigint for 64-bit values) and the wire `healthrelay.ledger.v1.Params`.
 */
import { ledger, toBigInt, toLong, type healthrelay } from '../../proto/index.js'
import { InvalidMsgError } from './errors.js'

export interface LedgerParams {
  /** A proposal passes when YES countries × denominator ≥ members × numerator. */
  readonly quorumNumerator: number
  readonly quorumDenominator: number
  readonly votingPeriodBlocks: bigint
  readonly maxTxBytes: number
  readonly maxMsgsPerTx: number
  readonly maxTokensPerMint: number
  readonly maxSealedBytes: number
  readonly maxPolicyBytes: number
  readonly rateWindowBlocks: number
  readonly rateMaxTxs: number
  /** 0 = none; blocks at or above it are not executed (UpgradeHaltError). */
  readonly upgradeHeight: bigint
  readonly upgradeName: string
  /** Sum of the gas_wanted of a block's txs; 0 = no limit. */
  readonly maxBlockGas: bigint
  readonly maxAccessEvents: number
}

export const DEFAULT_PARAMS: LedgerParams = Object.freeze({
  quorumNumerator: 2,
  quorumDenominator: 3,
  votingPeriodBlocks: 7200n, // one hour at one block per 500 ms
  maxTxBytes: 262_144,
  maxMsgsPerTx: 64,
  maxTokensPerMint: 500,
  maxSealedBytes: 2048,
  maxPolicyBytes: 131_072,
  rateWindowBlocks: 10,
  rateMaxTxs: 500,
  upgradeHeight: 0n,
  upgradeName: '',
  maxBlockGas: 0n,
  maxAccessEvents: 500
})

export function validateParams (p: LedgerParams): void {
  const bad = (m: string): never => { throw new InvalidMsgError(`params: ${m}`) }
  const u32 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffffffff
  for (const [k, v] of Object.entries(p)) {
    if (typeof v === 'number' && !u32(v)) bad(`${k} must be a uint32`)
    if (typeof v === 'bigint' && (v < 0n || v > 0xffffffffffffffffn)) bad(`${k} must be a uint64`)
  }
  if (p.quorumDenominator === 0 || p.quorumNumerator === 0 || p.quorumNumerator > p.quorumDenominator) bad('quorum must be a fraction in (0, 1]')
  if (p.votingPeriodBlocks < 1n) bad('voting_period_blocks must be at least 1')
  if (p.maxTxBytes < 1024) bad('max_tx_bytes must be at least 1024')
  if (p.maxMsgsPerTx < 1) bad('max_msgs_per_tx must be at least 1')
  if (p.maxTokensPerMint < 1) bad('max_tokens_per_mint must be at least 1')
  if (p.maxSealedBytes < 64) bad('max_sealed_bytes must be at least 64')
  if (p.maxPolicyBytes < 256) bad('max_policy_bytes must be at least 256')
  if (p.rateWindowBlocks < 1 || p.rateMaxTxs < 1) bad('rate_window_blocks and rate_max_txs must be at least 1')
  if (p.maxAccessEvents < 1) bad('max_access_events must be at least 1')
  if (p.upgradeName.length > 128) bad('upgrade_name longer than 128')
  if (p.upgradeHeight > 0n && p.upgradeName === '') bad('upgrade_name is required with an upgrade_height')
}

export function paramsToWire (p: LedgerParams): healthrelay.ledger.v1.Params {
  return ledger.Params.create({
    quorumNumerator: p.quorumNumerator,
    quorumDenominator: p.quorumDenominator,
    votingPeriodBlocks: toLong(p.votingPeriodBlocks, true),
    maxTxBytes: p.maxTxBytes,
    maxMsgsPerTx: p.maxMsgsPerTx,
    maxTokensPerMint: p.maxTokensPerMint,
    maxSealedBytes: p.maxSealedBytes,
    maxPolicyBytes: p.maxPolicyBytes,
    rateWindowBlocks: p.rateWindowBlocks,
    rateMaxTxs: p.rateMaxTxs,
    upgradeHeight: toLong(p.upgradeHeight, true),
    upgradeName: p.upgradeName,
    maxBlockGas: toLong(p.maxBlockGas, true),
    maxAccessEvents: p.maxAccessEvents
  })
}

export function paramsFromWire (w: healthrelay.ledger.v1.Params.$Properties): LedgerParams {
  return {
    quorumNumerator: w.quorumNumerator ?? 0,
    quorumDenominator: w.quorumDenominator ?? 0,
    votingPeriodBlocks: toBigInt(w.votingPeriodBlocks),
    maxTxBytes: w.maxTxBytes ?? 0,
    maxMsgsPerTx: w.maxMsgsPerTx ?? 0,
    maxTokensPerMint: w.maxTokensPerMint ?? 0,
    maxSealedBytes: w.maxSealedBytes ?? 0,
    maxPolicyBytes: w.maxPolicyBytes ?? 0,
    rateWindowBlocks: w.rateWindowBlocks ?? 0,
    rateMaxTxs: w.rateMaxTxs ?? 0,
    upgradeHeight: toBigInt(w.upgradeHeight),
    upgradeName: w.upgradeName ?? '',
    maxBlockGas: toBigInt(w.maxBlockGas),
    maxAccessEvents: w.maxAccessEvents ?? 0
  }
}

export function encodeParams (p: LedgerParams): Uint8Array {
  return ledger.Params.encode(paramsToWire(p)).finish()
}

export function decodeParams (bytes: Uint8Array): LedgerParams {
  return paramsFromWire(ledger.Params.decode(bytes))
}
