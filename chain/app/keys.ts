/**
 * The key layout of `app_kv`. Keys are latin1 strings (one char per byte; see store.ts): an ASCII
 * prefix ending in `/`, then the parts. A variable-length part that is followed by another part
 * is preceded by its length in one byte, so that no key is a prefix of another by accident.
 */

function bin (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

function lp (s: string): string {
  if (s.length > 255) throw new RangeError('key part longer than 255 bytes')
  return String.fromCharCode(s.length) + s
}

/** 8-byte big-endian, so numeric order is key order. */
export function u64Key (n: bigint): string {
  const b = Buffer.allocUnsafe(8)
  b.writeBigUInt64BE(n)
  return b.toString('latin1')
}

export function u64FromKey (s: string): bigint {
  return Buffer.from(s, 'latin1').readBigUInt64BE(0)
}

export const K = {
  params: 'params',
  account: (address: string) => `acct/${address}`,
  operator: (address: string) => `op/${address}`,
  subject: (address: string) => `subj/${address}`,
  regulator: (address: string) => `reg/${address}`,
  regulatorPrefix: 'reg/',
  member: (country: string) => `member/${country}`,
  memberPrefix: 'member/',
  node: (peerId: string) => `node/${peerId}`,
  nodePrefix: 'node/',
  token: (id: Uint8Array) => `tok/${bin(id)}`,
  tokenBySubject: (subject: string, id: Uint8Array) => `tsub/${lp(subject)}${bin(id)}`,
  tokensBySubjectPrefix: (subject: string) => `tsub/${lp(subject)}`,
  grant: (id: bigint) => `grant/${u64Key(id)}`,
  grantBySubject: (subject: string, id: bigint) => `gsub/${lp(subject)}${u64Key(id)}`,
  grantsBySubjectPrefix: (subject: string) => `gsub/${lp(subject)}`,
  credentialRevoked: (id: Uint8Array) => `crev/${bin(id)}`,
  policy: (jurisdiction: string, version: string) => `pol/${lp(jurisdiction)}${version}`,
  policyLatest: (jurisdiction: string) => `polh/${jurisdiction}`,
  policyLatestPrefix: 'polh/',
  accessLog: (subject: string, seq: bigint) => `alog/${lp(subject)}${u64Key(seq)}`,
  accessLogPrefix: (subject: string) => `alog/${lp(subject)}`,
  proposal: (id: bigint) => `prop/${u64Key(id)}`,
  activeProposal: (id: bigint) => `pact/${u64Key(id)}`,
  activeProposalPrefix: 'pact/',
  rate: (address: string) => `rate/${address}`,
  counter: (name: 'account' | 'proposal' | 'accesslog') => `next/${name}`
} as const

/** Reads the 8-byte id at the end of an index key. */
export function trailingU64 (key: string): bigint {
  return u64FromKey(key.slice(key.length - 8))
}

/** Reads the trailing 32-byte id of an index key. */
export function trailingId (key: string): Uint8Array {
  return new Uint8Array(Buffer.from(key.slice(key.length - 32), 'latin1'))
}
