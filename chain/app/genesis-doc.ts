/**
 * The genesis document of `healthrelay chain init`, in CometBFT's genesis-doc format, built from
 * keys made elsewhere (pure: same input, same document). Key generation lives here too, as the
 * one place that knows the key formats of the genesis members and of the validator.
 *
 * Files written by the CLI (see docs/chain.md):
 * - `genesis.json`: { genesis_time, chain_id, initial_height: "1", consensus_params, validators:
 *   [{ address, pub_key: { type: "tendermint/PubKeyEd25519", value }, power, name }], app_hash: "",
 *   app_state } with app_state as genesis.ts documents;
 * - `keys/<COUNTRY>-operator.json`, `keys/<COUNTRY>-regulator.json`: { address, publicKey (hex,
 *   33 bytes compressed secp256k1), privateKey (hex, 32 bytes) }, mode 0600;
 * - `config/priv_validator_key.json`: CometBFT's { address, pub_key, priv_key } (Ed25519; priv_key
 *   is the 64-byte seed ‖ public key, base64).
 */
import { createHash } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { addressFromPublicKey } from './address.js'
import { DEFAULT_PARAMS, type LedgerParams } from './params.js'
import { genesisStateToJson, validateGenesisState, type GenesisNode, type GenesisPolicy, type GenesisState } from './genesis.js'
import { InvalidGenesisError } from './errors.js'
import { isCountryCode } from './jurisdictions.js'

import { DEFAULT_CHAIN_ID } from '../defaults.js'

export { DEFAULT_CHAIN_ID }
export const DEFAULT_VALIDATOR_POWER = 10n

export interface OperatorKey {
  readonly address: string
  /** 33-byte compressed secp256k1 public key. */
  readonly publicKey: Uint8Array
  /** 32-byte secp256k1 secret key. */
  readonly privateKey: Uint8Array
}

export interface CometValidatorKey {
  /** Upper-case hex of the first 20 bytes of SHA-256(public key). */
  readonly address: string
  readonly publicKey: Uint8Array
  /** 32-byte Ed25519 seed. */
  readonly seed: Uint8Array
}

/** Keys of one member country: its operator and its regulator. */
export interface GenesisKeySet {
  readonly country: string
  readonly operator: Pick<OperatorKey, 'address' | 'publicKey'>
  readonly regulator: Pick<OperatorKey, 'address' | 'publicKey'>
}

export interface GenesisDocInput {
  readonly chainId?: string
  /** RFC 3339; the caller passes the time (keeps this function pure). */
  readonly genesisTime: string
  readonly members: readonly GenesisKeySet[]
  readonly validator: Pick<CometValidatorKey, 'address' | 'publicKey'>
  readonly validatorName?: string
  readonly params?: Partial<LedgerParams>
  readonly nodes?: readonly GenesisNode[]
  /** The bundled jurisdiction policy modules (added by `policies/`); empty by default. */
  readonly policies?: readonly GenesisPolicy[]
}

export interface GenesisDoc {
  genesis_time: string
  chain_id: string
  initial_height: string
  consensus_params: Record<string, unknown>
  validators: Array<{ address: string, pub_key: { type: string, value: string }, power: string, name: string }>
  app_hash: string
  app_state: Record<string, unknown>
}

export function generateOperatorKey (): OperatorKey {
  const privateKey = secp256k1.utils.randomSecretKey()
  const publicKey = secp256k1.getPublicKey(privateKey, true)
  return { address: addressFromPublicKey(publicKey), publicKey, privateKey }
}

/** An operator key from a given 32-byte secret (tests, deterministic fixtures). */
export function operatorKeyFromSecret (privateKey: Uint8Array): OperatorKey {
  const publicKey = secp256k1.getPublicKey(privateKey, true)
  return { address: addressFromPublicKey(publicKey), publicKey, privateKey }
}

export function validatorKeyFromSeed (seed: Uint8Array): CometValidatorKey {
  const publicKey = ed25519.getPublicKey(seed)
  const address = createHash('sha256').update(publicKey).digest().subarray(0, 20).toString('hex').toUpperCase()
  return { address, publicKey, seed }
}

export function generateValidatorKey (): CometValidatorKey {
  return validatorKeyFromSeed(ed25519.utils.randomSecretKey())
}

/** CometBFT's priv_validator_key.json content. */
export function validatorKeyJson (key: CometValidatorKey): Record<string, unknown> {
  return {
    address: key.address,
    pub_key: { type: 'tendermint/PubKeyEd25519', value: Buffer.from(key.publicKey).toString('base64') },
    priv_key: { type: 'tendermint/PrivKeyEd25519', value: Buffer.concat([key.seed, key.publicKey]).toString('base64') }
  }
}

/** The key-file JSON of an operator or regulator account (holds the private key). */
export function accountKeyJson (key: OperatorKey): Record<string, string> {
  return { address: key.address, publicKey: Buffer.from(key.publicKey).toString('hex'), privateKey: Buffer.from(key.privateKey).toString('hex') }
}

/** CometBFT 0.38 consensus params with the defaults CometBFT itself uses. */
export function defaultConsensusParams (): Record<string, unknown> {
  return {
    block: { max_bytes: '22020096', max_gas: '-1' },
    evidence: { max_age_num_blocks: '100000', max_age_duration: '172800000000000', max_bytes: '1048576' },
    validator: { pub_key_types: ['ed25519'] },
    version: { app: '0' },
    abci: { vote_extensions_enable_height: '0' }
  }
}

/** The genesis state of the given members: each country's operator and regulator, the params. */
export function buildGenesisState (input: Pick<GenesisDocInput, 'members' | 'params' | 'nodes' | 'policies'>): GenesisState {
  const countries = input.members.map((m) => m.country)
  for (const c of countries) if (!isCountryCode(c)) throw new InvalidGenesisError(`${c} is not an ISO 3166-1 alpha-2 country code`)
  if (new Set(countries).size !== countries.length) throw new InvalidGenesisError('a country is listed twice')
  const state: GenesisState = {
    params: { ...DEFAULT_PARAMS, ...input.params },
    members: input.members.map((m) => ({ country: m.country, operators: [m.operator.address] })),
    accounts: input.members.flatMap((m) => [
      { address: m.operator.address, publicKey: m.operator.publicKey },
      { address: m.regulator.address, publicKey: m.regulator.publicKey }
    ]),
    nodes: input.nodes ?? [],
    regulators: input.members.map((m) => ({ account: m.regulator.address, jurisdiction: m.country })),
    policies: input.policies ?? []
  }
  validateGenesisState(state)
  return state
}

export function buildGenesisDoc (input: GenesisDocInput): GenesisDoc {
  const chainId = input.chainId ?? DEFAULT_CHAIN_ID
  if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,49}$/.test(chainId)) throw new InvalidGenesisError(`chain id "${chainId}": 1..50 characters of [a-zA-Z0-9._-]`)
  if (Number.isNaN(Date.parse(input.genesisTime))) throw new InvalidGenesisError(`genesis time "${input.genesisTime}" is not RFC 3339`)
  const state = buildGenesisState(input)
  return {
    genesis_time: input.genesisTime,
    chain_id: chainId,
    initial_height: '1',
    consensus_params: defaultConsensusParams(),
    validators: [{
      address: input.validator.address,
      pub_key: { type: 'tendermint/PubKeyEd25519', value: Buffer.from(input.validator.publicKey).toString('base64') },
      power: DEFAULT_VALIDATOR_POWER.toString(),
      name: input.validatorName ?? 'healthrelay-validator'
    }],
    app_hash: '',
    app_state: genesisStateToJson(state)
  }
}
