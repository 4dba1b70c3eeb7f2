/**
 * Genesis: the shape of `app_state` in genesis.json, its validation, the writes that InitChain
 * makes from it, and the pure builder of a CometBFT genesis document.
 *
 * `app_state` JSON (snake_case as in genesis.proto; uint64 values as decimal strings, uint32 as
 * numbers, keys base64):
 * ```json
 * { "params": { "quorum_numerator": 2, "quorum_denominator": 3, "voting_period_blocks": "7200",
 *     "max_tx_bytes": 262144, "max_msgs_per_tx": 64, "max_tokens_per_mint": 500,
 *     "max_sealed_bytes": 2048, "max_policy_bytes": 131072, "rate_window_blocks": 10,
 *     "rate_max_txs": 500, "upgrade_height": "0", "upgrade_name": "", "max_block_gas": "0",
 *     "max_access_events": 500 },
 *   "members": [ { "country": "DE", "operators": ["hr1…"] } ],
 *   "accounts": [ { "address": "hr1…", "public_key": "<base64 33 bytes, or empty>" } ],
 *   "nodes": [ { "peer_id": "12D3KooW…", "country": "DE", "multiaddrs": ["/ip4/…"],
 *     "x25519_public_key": "<base64>", "ed25519_public_key": "<base64>", "operator": "hr1…",
 *     "role": "custodian" | "replica" } ],
 *   "regulators": [ { "account": "hr1…", "jurisdiction": "DE" } ],
 *   "policies": [ { "jurisdiction": "DE", "version": "1.0.0", "cedar": "…", "metadata_json": "{…}" } ] }
 * ```
 * Omitted params take their defaults; omitted lists are empty.
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { ledger, toLong, type healthrelay } from '../../proto/index.js'
import { DEFAULT_PARAMS, validateParams, type LedgerParams } from './params.js'
import { AbciCodeError, InvalidGenesisError } from './errors.js'
import { isAddress } from './validation.js'
import { isCountryCode, isJurisdictionCode } from './jurisdictions.js'
import { addressFromPublicKey, GOVERNANCE_ADDRESS } from './address.js'
import { validateNode } from './msgs/membership.js'
import { publishPolicy } from './msgs/policy.js'
import { K } from './keys.js'
import type { KvLayer } from './store.js'
import { ensureAccount, putParams } from './state.js'

export type NodeRoleName = 'custodian' | 'replica'

export interface GenesisAccount { readonly address: string, readonly publicKey: Uint8Array }
export interface GenesisMember { readonly country: string, readonly operators: readonly string[] }
export interface GenesisNode {
  readonly peerId: string
  readonly country: string
  readonly multiaddrs: readonly string[]
  readonly x25519PublicKey: Uint8Array
  readonly ed25519PublicKey: Uint8Array
  readonly operator: string
  readonly role: NodeRoleName
}
export interface GenesisRegulator { readonly account: string, readonly jurisdiction: string }
/** A bundled policy module, published at genesis (effective from the initial height). */
export interface GenesisPolicy { readonly jurisdiction: string, readonly version: string, readonly cedar: string, readonly metadataJson: string }

export interface GenesisState {
  readonly params: LedgerParams
  readonly members: readonly GenesisMember[]
  readonly accounts: readonly GenesisAccount[]
  readonly nodes: readonly GenesisNode[]
  readonly regulators: readonly GenesisRegulator[]
  readonly policies: readonly GenesisPolicy[]
}

const u64 = z.union([z.string().regex(/^[0-9]{1,20}$/), z.number().int().nonnegative()]).transform((v) => BigInt(v))
const u32 = z.number().int().min(0).max(0xffffffff)
const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64').transform((s) => new Uint8Array(Buffer.from(s, 'base64')))

const d = DEFAULT_PARAMS
const ParamsJson = z.object({
  quorum_numerator: u32.default(d.quorumNumerator),
  quorum_denominator: u32.default(d.quorumDenominator),
  voting_period_blocks: u64.default(d.votingPeriodBlocks),
  max_tx_bytes: u32.default(d.maxTxBytes),
  max_msgs_per_tx: u32.default(d.maxMsgsPerTx),
  max_tokens_per_mint: u32.default(d.maxTokensPerMint),
  max_sealed_bytes: u32.default(d.maxSealedBytes),
  max_policy_bytes: u32.default(d.maxPolicyBytes),
  rate_window_blocks: u32.default(d.rateWindowBlocks),
  rate_max_txs: u32.default(d.rateMaxTxs),
  upgrade_height: u64.default(d.upgradeHeight),
  upgrade_name: z.string().default(d.upgradeName),
  max_block_gas: u64.default(d.maxBlockGas),
  max_access_events: u32.default(d.maxAccessEvents)
}).strict()

const AppStateJson = z.object({
  params: ParamsJson.prefault({}),
  members: z.array(z.object({ country: z.string(), operators: z.array(z.string()) }).strict()).default([]),
  accounts: z.array(z.object({ address: z.string(), public_key: b64.prefault('') }).strict()).default([]),
  nodes: z.array(z.object({
    peer_id: z.string(),
    country: z.string(),
    multiaddrs: z.array(z.string()),
    x25519_public_key: b64,
    ed25519_public_key: b64,
    operator: z.string(),
    role: z.enum(['custodian', 'replica'])
  }).strict()).default([]),
  regulators: z.array(z.object({ account: z.string(), jurisdiction: z.string() }).strict()).default([]),
  policies: z.array(z.object({ jurisdiction: z.string(), version: z.string(), cedar: z.string(), metadata_json: z.string() }).strict()).default([])
}).strict()

function paramsToJson (p: LedgerParams): Record<string, string | number> {
  return {
    quorum_numerator: p.quorumNumerator,
    quorum_denominator: p.quorumDenominator,
    voting_period_blocks: p.votingPeriodBlocks.toString(),
    max_tx_bytes: p.maxTxBytes,
    max_msgs_per_tx: p.maxMsgsPerTx,
    max_tokens_per_mint: p.maxTokensPerMint,
    max_sealed_bytes: p.maxSealedBytes,
    max_policy_bytes: p.maxPolicyBytes,
    rate_window_blocks: p.rateWindowBlocks,
    rate_max_txs: p.rateMaxTxs,
    upgrade_height: p.upgradeHeight.toString(),
    upgrade_name: p.upgradeName,
    max_block_gas: p.maxBlockGas.toString(),
    max_access_events: p.maxAccessEvents
  }
}

const b64s = (b: Uint8Array): string => Buffer.from(b).toString('base64')

/** The `app_state` JSON object of a genesis state. */
export function genesisStateToJson (g: GenesisState): Record<string, unknown> {
  return {
    params: paramsToJson(g.params),
    members: g.members.map((m) => ({ country: m.country, operators: [...m.operators] })),
    accounts: g.accounts.map((a) => ({ address: a.address, public_key: b64s(a.publicKey) })),
    nodes: g.nodes.map((n) => ({
      peer_id: n.peerId, country: n.country, multiaddrs: [...n.multiaddrs], x25519_public_key: b64s(n.x25519PublicKey),
      ed25519_public_key: b64s(n.ed25519PublicKey), operator: n.operator, role: n.role
    })),
    regulators: g.regulators.map((r) => ({ account: r.account, jurisdiction: r.jurisdiction })),
    policies: g.policies.map((p) => ({ jurisdiction: p.jurisdiction, version: p.version, cedar: p.cedar, metadata_json: p.metadataJson }))
  }
}

/** Parses and validates `app_state` (a JSON value, or its UTF-8 bytes as InitChain passes it). */
export function parseGenesisState (input: unknown): GenesisState {
  let value = input
  if (input instanceof Uint8Array) {
    try { value = JSON.parse(Buffer.from(input).toString('utf8')) } catch (err) {
      throw new InvalidGenesisError(`app_state is not JSON: ${(err as Error).message}`)
    }
  }
  const parsed = AppStateJson.safeParse(value)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    throw new InvalidGenesisError(`app_state.${first?.path.join('.') ?? ''}: ${first?.message ?? 'invalid'}`)
  }
  const j = parsed.data
  const p = j.params
  const g: GenesisState = {
    params: {
      quorumNumerator: p.quorum_numerator,
      quorumDenominator: p.quorum_denominator,
      votingPeriodBlocks: p.voting_period_blocks,
      maxTxBytes: p.max_tx_bytes,
      maxMsgsPerTx: p.max_msgs_per_tx,
      maxTokensPerMint: p.max_tokens_per_mint,
      maxSealedBytes: p.max_sealed_bytes,
      maxPolicyBytes: p.max_policy_bytes,
      rateWindowBlocks: p.rate_window_blocks,
      rateMaxTxs: p.rate_max_txs,
      upgradeHeight: p.upgrade_height,
      upgradeName: p.upgrade_name,
      maxBlockGas: p.max_block_gas,
      maxAccessEvents: p.max_access_events
    },
    members: j.members,
    accounts: j.accounts.map((a) => ({ address: a.address, publicKey: a.public_key })),
    nodes: j.nodes.map((n) => ({
      peerId: n.peer_id, country: n.country, multiaddrs: n.multiaddrs, x25519PublicKey: n.x25519_public_key,
      ed25519PublicKey: n.ed25519_public_key, operator: n.operator, role: n.role
    })),
    regulators: j.regulators,
    policies: j.policies.map((x) => ({ jurisdiction: x.jurisdiction, version: x.version, cedar: x.cedar, metadataJson: x.metadata_json }))
  }
  validateGenesisState(g)
  return g
}

function fail (msg: string): never { throw new InvalidGenesisError(`genesis: ${msg}`) }

function check (what: string, f: () => void): void {
  try { f() } catch (err) {
    if (err instanceof AbciCodeError) fail(`${what}: ${err.log}`)
    throw err
  }
}

/** Checks a genesis state as the chain's Msgs would (throws InvalidGenesisError). */
export function validateGenesisState (g: GenesisState): void {
  check('params', () => { validateParams(g.params) })
  if (g.members.length === 0) fail('at least one member country is required')
  const operators = new Map<string, string>()
  for (const m of g.members) {
    if (!isCountryCode(m.country)) fail(`member ${m.country}: not an ISO 3166-1 alpha-2 country code`)
    if (g.members.filter((x) => x.country === m.country).length > 1) fail(`member ${m.country} listed twice`)
    if (m.operators.length === 0) fail(`member ${m.country}: at least one operator`)
    for (const op of m.operators) {
      if (!isAddress(op)) fail(`member ${m.country}: operator ${op} is not an hr address`)
      if (operators.has(op)) fail(`operator ${op} listed twice`)
      operators.set(op, m.country)
    }
  }
  const accounts = new Set<string>()
  for (const a of g.accounts) {
    if (!isAddress(a.address)) fail(`account ${a.address} is not an hr address`)
    if (accounts.has(a.address)) fail(`account ${a.address} listed twice`)
    accounts.add(a.address)
    if (a.publicKey.length !== 0 && (a.publicKey.length !== 33 || addressFromPublicKey(a.publicKey) !== a.address)) {
      fail(`account ${a.address}: public_key must be the 33-byte key of this address`)
    }
  }
  const regs = new Set<string>()
  for (const r of g.regulators) {
    if (!isAddress(r.account)) fail(`regulator ${r.account} is not an hr address`)
    if (!isJurisdictionCode(r.jurisdiction)) fail(`regulator ${r.account}: ${r.jurisdiction} is not a jurisdiction code`)
    if (regs.has(r.account)) fail(`regulator ${r.account} listed twice`)
    regs.add(r.account)
  }
  const peers = new Set<string>()
  for (const n of g.nodes) {
    check(`node ${n.peerId}`, () => { validateNode({ ...n, multiaddrs: [...n.multiaddrs], role: nodeRole(n.role) }) })
    if (operators.get(n.operator) !== n.country) fail(`node ${n.peerId}: operator ${n.operator} is not an operator of ${n.country}`)
    if (peers.has(n.peerId)) fail(`node ${n.peerId} listed twice`)
    peers.add(n.peerId)
  }
  const versions = new Set<string>()
  for (const p of g.policies) {
    check(`policy ${p.jurisdiction} ${p.version}`, () => {
      publishPolicy.validate(ledger.MsgPublishPolicy.create({ regulator: GOVERNANCE_ADDRESS, ...p }), g.params)
    })
    const id = `${p.jurisdiction} ${p.version}`
    if (versions.has(id)) fail(`policy ${id} listed twice`)
    versions.add(id)
  }
}

function nodeRole (r: NodeRoleName): healthrelay.ledger.v1.NodeRole {
  return r === 'custodian' ? ledger.NodeRole.NODE_ROLE_CUSTODIAN : ledger.NodeRole.NODE_ROLE_REPLICA
}

/**
 * The writes of InitChain, in this order: params; `accounts` (account numbers from 0 in list
 * order); members and their operators (accounts created for operators not listed, in member
 * order); regulators (likewise); nodes; policies (publisher = the governance account, height 0,
 * effective from `initialHeight`; the last one listed per jurisdiction is its latest).
 */
export function applyGenesis (store: KvLayer, g: GenesisState, initialHeight: bigint): void {
  putParams(store, g.params)
  for (const a of g.accounts) ensureAccount(store, a.address, a.publicKey)
  for (const m of g.members) {
    for (const op of m.operators) {
      ensureAccount(store, op)
      store.set(K.operator(op), Buffer.from(m.country, 'utf8'))
    }
    store.set(K.member(m.country), ledger.Member.encode({ country: m.country, operators: [...m.operators] }).finish())
  }
  for (const r of g.regulators) {
    ensureAccount(store, r.account)
    store.set(K.regulator(r.account), ledger.Regulator.encode({ account: r.account, jurisdiction: r.jurisdiction }).finish())
  }
  for (const n of g.nodes) {
    store.set(K.node(n.peerId), ledger.Node.encode({ ...n, multiaddrs: [...n.multiaddrs], role: nodeRole(n.role) }).finish())
  }
  for (const p of g.policies) {
    store.set(K.policy(p.jurisdiction, p.version), ledger.Policy.encode({
      jurisdiction: p.jurisdiction, version: p.version, cedar: p.cedar, metadataJson: p.metadataJson,
      publisher: GOVERNANCE_ADDRESS, height: toLong(0n, true), effectiveHeight: toLong(initialHeight, true),
      sha256: createHash('sha256').update(p.cedar, 'utf8').digest()
    }).finish())
    store.set(K.policyLatest(p.jurisdiction), Buffer.from(p.version, 'utf8'))
  }
}
