/**
 * Reading the two files `healthrelay chain init` writes: `<home>/genesis.json` (a CometBFT genesis
 * document whose `app_state` is the ledger's genesis) and `<home>/config/priv_validator_key.json`
 * (CometBFT's Ed25519 validator key). Both are validated here, at the edge.
 */
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { z } from 'zod'
import { GenesisInvalidError, GenesisMissingError } from './errors.js'

export const GENESIS_FILE = 'genesis.json'
export const VALIDATOR_KEY_FILE = join('config', 'priv_validator_key.json')

const pubKeyJson = z.object({ type: z.literal('tendermint/PubKeyEd25519'), value: z.base64() })

const genesisSchema = z.object({
  genesis_time: z.string().min(1),
  chain_id: z.string().min(1).max(50),
  initial_height: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).optional(),
  consensus_params: z.record(z.string(), z.unknown()).optional(),
  validators: z.array(z.object({
    address: z.string().optional(),
    pub_key: pubKeyJson,
    power: z.union([z.string().regex(/^\d+$/), z.number().int()]),
    name: z.string().optional()
  })).optional(),
  app_hash: z.string().optional(),
  app_state: z.unknown()
})

const validatorKeySchema = z.object({
  address: z.string().regex(/^[0-9A-Fa-f]{40}$/),
  pub_key: pubKeyJson,
  priv_key: z.object({ type: z.literal('tendermint/PrivKeyEd25519'), value: z.base64() })
})

export interface GenesisDoc {
  readonly genesisTime: Date
  readonly chainId: string
  readonly initialHeight: bigint
  /** `app_state` serialised as JSON: the `appStateBytes` of InitChain. */
  readonly appStateBytes: Uint8Array
  /** `app_hash` of the document (usually empty). */
  readonly appHash: Uint8Array
  /** The document as read, for the `genesis` RPC method. */
  readonly raw: Record<string, unknown>
}

export interface ValidatorKey {
  /** 20 bytes: the first 20 bytes of SHA-256(public key). */
  readonly address: Uint8Array
  readonly publicKey: Uint8Array
  /** 32-byte Ed25519 seed. */
  readonly secretKey: Uint8Array
}

function readJson (path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new GenesisInvalidError(`${what} ${path} is not valid JSON: ${(err as Error).message}`)
  }
}

/** Reads and validates `<home>/genesis.json`. */
export function readGenesis (home: string): GenesisDoc {
  const path = join(home, GENESIS_FILE)
  if (!existsSync(path)) {
    throw new GenesisMissingError(`no genesis at ${path}: run \`healthrelay chain init --home ${home}\` first`)
  }
  const json = readJson(path, 'genesis')
  const parsed = genesisSchema.safeParse(json)
  if (!parsed.success) {
    throw new GenesisInvalidError(`genesis ${path} is not a CometBFT genesis document: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  }
  const g = parsed.data
  const genesisTime = new Date(g.genesis_time)
  if (Number.isNaN(genesisTime.getTime())) throw new GenesisInvalidError(`genesis_time is not an RFC 3339 time: ${g.genesis_time}`)
  const initialHeight = BigInt(g.initial_height ?? 1)
  const appHashHex = g.app_hash ?? ''
  if (!/^([0-9A-Fa-f]{2})*$/.test(appHashHex)) throw new GenesisInvalidError('app_hash is not hex')
  return {
    genesisTime,
    chainId: g.chain_id,
    initialHeight: initialHeight === 0n ? 1n : initialHeight,
    appStateBytes: new TextEncoder().encode(JSON.stringify(g.app_state ?? {})),
    appHash: Buffer.from(appHashHex, 'hex'),
    raw: json as Record<string, unknown>
  }
}

/** Reads and checks `<home>/config/priv_validator_key.json` (the public key must match the secret). */
export function readValidatorKey (home: string): ValidatorKey {
  const path = join(home, VALIDATOR_KEY_FILE)
  if (!existsSync(path)) {
    throw new GenesisMissingError(`no validator key at ${path}: run \`healthrelay chain init --home ${home}\` first`)
  }
  const parsed = validatorKeySchema.safeParse(readJson(path, 'validator key'))
  if (!parsed.success) throw new GenesisInvalidError(`${path} is not a CometBFT Ed25519 validator key`)
  const publicKey = Buffer.from(parsed.data.pub_key.value, 'base64')
  const priv = Buffer.from(parsed.data.priv_key.value, 'base64')
  if (publicKey.length !== 32 || (priv.length !== 64 && priv.length !== 32)) {
    throw new GenesisInvalidError(`${path}: wrong key lengths`)
  }
  const secretKey = new Uint8Array(priv.subarray(0, 32))
  if (Buffer.compare(Buffer.from(ed25519.getPublicKey(secretKey)), publicKey) !== 0) {
    throw new GenesisInvalidError(`${path}: the public key does not belong to the private key`)
  }
  const address = sha256(publicKey).subarray(0, 20)
  if (Buffer.from(address).toString('hex').toUpperCase() !== parsed.data.address.toUpperCase()) {
    throw new GenesisInvalidError(`${path}: address is not SHA-256(pub_key)[:20]`)
  }
  return { address, publicKey: new Uint8Array(publicKey), secretKey }
}

/** Writes nothing; builds the JSON of a validator key (used by tests and `chain init` helpers). */
export function validatorKeyJson (secretKey: Uint8Array): Record<string, unknown> {
  const publicKey = ed25519.getPublicKey(secretKey)
  const full = new Uint8Array(64)
  full.set(secretKey, 0)
  full.set(publicKey, 32)
  return {
    address: Buffer.from(sha256(publicKey).subarray(0, 20)).toString('hex').toUpperCase(),
    pub_key: { type: 'tendermint/PubKeyEd25519', value: Buffer.from(publicKey).toString('base64') },
    priv_key: { type: 'tendermint/PrivKeyEd25519', value: Buffer.from(full).toString('base64') }
  }
}
