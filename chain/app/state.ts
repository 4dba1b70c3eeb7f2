/**
 * Typed access to the key-value state: accounts, roles and the ledger's objects, each stored as
 * its protobuf encoding under the keys of keys.ts.
 */
import { BaseAccount } from 'cosmjs-types/cosmos/auth/v1beta1/auth'
import { PubKey } from 'cosmjs-types/cosmos/crypto/secp256k1/keys'
import { ledger, toBigInt } from '../../proto/index.js'
import { encodeBaseAccount } from './cosmos-codec.js'
import { K, u64Key, u64FromKey } from './keys.js'
import type { KvLayer, KvReader } from './store.js'
import { decodeParams, encodeParams, type LedgerParams } from './params.js'
import { AbciOrderError } from './errors.js'
import type { Member, Regulator, Subject, Token } from './wire.js'

export const SECP256K1_PUBKEY_TYPE_URL = '/cosmos.crypto.secp256k1.PubKey'
export const BASE_ACCOUNT_TYPE_URL = '/cosmos.auth.v1beta1.BaseAccount'

export interface AccountState {
  readonly address: string
  readonly accountNumber: bigint
  readonly sequence: bigint
  /** 33-byte compressed secp256k1 key; empty until the account's first tx (or given at creation). */
  readonly publicKey: Uint8Array
}

/**
 * The decoded form of value objects this process encoded or decoded, keyed by the very byte array
 * (layers and the committed cache hand out the same object until the key is written again). Both
 * kinds are immutable (readonly fields; updates build a new object), so sharing them is safe.
 */
const decodedAccounts = new WeakMap<Uint8Array, AccountState>()
const decodedParams = new WeakMap<Uint8Array, LedgerParams>()

export function encodeAccount (a: AccountState): Uint8Array {
  const bytes = encodeBaseAccount(a.address, a.publicKey, a.accountNumber, a.sequence, SECP256K1_PUBKEY_TYPE_URL)
  decodedAccounts.set(bytes, a)
  return bytes
}

export function decodeAccount (bytes: Uint8Array): AccountState {
  const known = decodedAccounts.get(bytes)
  if (known !== undefined) return known
  const b = BaseAccount.decode(bytes)
  const a: AccountState = {
    address: b.address,
    accountNumber: b.accountNumber,
    sequence: b.sequence,
    publicKey: b.pubKey === undefined ? new Uint8Array(0) : PubKey.decode(b.pubKey.value).key
  }
  decodedAccounts.set(bytes, a)
  return a
}

export function getAccount (s: KvReader, address: string): AccountState | undefined {
  const v = s.get(K.account(address))
  return v === undefined ? undefined : decodeAccount(v)
}

export function putAccount (s: KvLayer, a: AccountState): void {
  s.set(K.account(a.address), encodeAccount(a))
}

/** Next value of a counter (starting at `first`), stored as u64 big-endian. */
export function nextCounter (s: KvLayer, name: 'account' | 'proposal' | 'accesslog', first = 0n): bigint {
  const key = K.counter(name)
  const v = s.get(key)
  const n = v === undefined ? first : u64FromKey(Buffer.from(v).toString('latin1'))
  s.set(key, Buffer.from(u64Key(n + 1n), 'latin1'))
  return n
}

/** Creates an account with the next account number, unless it exists (then returns it). */
export function ensureAccount (s: KvLayer, address: string, publicKey?: Uint8Array): AccountState {
  const existing = getAccount(s, address)
  if (existing !== undefined) {
    if (existing.publicKey.length === 0 && publicKey !== undefined && publicKey.length > 0) {
      const updated = { ...existing, publicKey }
      putAccount(s, updated)
      return updated
    }
    return existing
  }
  const a: AccountState = { address, accountNumber: nextCounter(s, 'account'), sequence: 0n, publicKey: publicKey ?? new Uint8Array(0) }
  putAccount(s, a)
  return a
}

export function getParams (s: KvReader): LedgerParams {
  const v = s.get(K.params)
  if (v === undefined) throw new AbciOrderError('the chain has no params: initChain has not run')
  let p = decodedParams.get(v)
  if (p === undefined) {
    p = Object.freeze(decodeParams(v))
    decodedParams.set(v, p)
  }
  return p
}

export function putParams (s: KvLayer, p: LedgerParams): void {
  s.set(K.params, encodeParams(p))
}

/** The member country an operator acts for, if the address is an operator. */
export function operatorCountry (s: KvReader, address: string): string | undefined {
  const v = s.get(K.operator(address))
  return v === undefined ? undefined : Buffer.from(v).toString('utf8')
}

export function getMember (s: KvReader, country: string): Member | undefined {
  const v = s.get(K.member(country))
  return v === undefined ? undefined : ledger.Member.decode(v)
}

/** Whether `country` is a member (without decoding its operator list). */
export function isMember (s: KvReader, country: string): boolean {
  return s.get(K.member(country)) !== undefined
}

export function listMembers (s: KvReader): Member[] {
  return s.scan(K.memberPrefix).map(([, v]) => ledger.Member.decode(v))
}

export function getSubject (s: KvReader, address: string): Subject | undefined {
  const v = s.get(K.subject(address))
  return v === undefined ? undefined : ledger.Subject.decode(v)
}

export function getRegulator (s: KvReader, address: string): Regulator | undefined {
  const v = s.get(K.regulator(address))
  return v === undefined ? undefined : ledger.Regulator.decode(v)
}

export function getToken (s: KvReader, id: Uint8Array): Token | undefined {
  const v = s.get(K.token(id))
  return v === undefined ? undefined : ledger.Token.decode(v)
}

export function putToken (s: KvLayer, t: Token): void {
  s.set(K.token(t.id), ledger.Token.encode(t).finish())
}

export function int (v: Parameters<typeof toBigInt>[0]): bigint {
  return toBigInt(v)
}
