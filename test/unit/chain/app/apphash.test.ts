/**
 * The app hash of one small block, computed by hand from DESIGN.md §3 and docs/chain.md: the
 * protobuf values are written out byte by byte here, not with the generated code.
 */
import { describe, it, expect } from 'vitest'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestChain, openLedgerDatabases, testKey } from '../../../../chain/app/testing.js'
import { createLedgerApp } from '../../../../chain/app/index.js'
import { msg } from './helpers.js'

const sha256 = (...parts: Uint8Array[]): Buffer => { const h = createHash('sha256'); for (const p of parts) h.update(p); return h.digest() }

function varint (n: bigint): Buffer {
  const out: number[] = []
  let v = n
  while (v >= 0x80n) { out.push(Number(v & 0x7fn) | 0x80); v >>= 7n }
  out.push(Number(v))
  return Buffer.from(out)
}
const field = (tag: number, bytes: Uint8Array): Buffer => Buffer.concat([Buffer.from([tag]), varint(BigInt(bytes.length)), bytes])
const u32be = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b }
const u64be = (n: bigint): Buffer => { const b = Buffer.alloc(8); b.writeBigUInt64BE(n); return b }

describe('app hash', () => {
  it('of a block with one MsgRevokeCredential equals the hand computation', async () => {
    const chain = createTestChain()
    try {
      const de = chain.members.DE!.operator
      const before = chain.account(de.address)!
      const prevHash = chain.app.info({ version: '', blockVersion: 0n, p2pVersion: 0n, abciVersion: '' }).lastBlockAppHash
      const credentialId = Buffer.alloc(32, 0xab)
      const tx = await chain.sign(de, [msg('MsgRevokeCredential', { operator: de.address, credentialId })])
      const height = chain.head.height + 1n
      const time = chain.head.time + 1n
      const result = chain.block([tx])
      expect(result.txResults[0]!.code).toBe(0)

      // acct/<address>: cosmos.auth.v1beta1.BaseAccount{address, pub_key Any, account_number, sequence + 1}
      const pubKeyAny = Buffer.concat([field(0x0a, Buffer.from('/cosmos.crypto.secp256k1.PubKey')), field(0x12, field(0x0a, de.publicKey))])
      const account = Buffer.concat([
        field(0x0a, Buffer.from(de.address)), field(0x12, pubKeyAny),
        ...(before.accountNumber === 0n ? [] : [Buffer.from([0x18]), varint(before.accountNumber)]),
        Buffer.from([0x20]), varint(before.sequence + 1n)
      ])
      // crev/<id>: CredentialRevocation{credential_id, country, revoked_at, height}
      const revocation = Buffer.concat([field(0x0a, credentialId), field(0x12, Buffer.from('DE')), Buffer.from([0x18]), varint(time), Buffer.from([0x20]), varint(height)])
      // rate/<address>: u64be(window) ‖ u32be(count)
      const rate = Buffer.concat([u64be((height - 1n) / 10n), u32be(1)])
      const writes: Array<[Buffer, Buffer]> = [
        [Buffer.from(`acct/${de.address}`, 'latin1'), account],
        [Buffer.concat([Buffer.from('crev/'), credentialId]), revocation],
        [Buffer.from(`rate/${de.address}`, 'latin1'), rate]
      ].sort((a, b) => Buffer.compare(a[0] as Buffer, b[0] as Buffer)) as Array<[Buffer, Buffer]>
      const encoded = Buffer.concat(writes.map(([k, v]) => Buffer.concat([u32be(k.length), k, Buffer.from([1]), u32be(v.length), v])))
      const expected = sha256(prevHash, sha256(encoded))
      expect(Buffer.from(result.appHash).toString('hex')).toBe(expected.toString('hex'))
      expect(Buffer.from(chain.app.info({ version: '', blockVersion: 0n, p2pVersion: 0n, abciVersion: '' }).lastBlockAppHash).toString('hex')).toBe(expected.toString('hex'))

      // an empty block writes nothing: SHA-256(previous ‖ SHA-256(""))
      const empty = chain.block([])
      expect(Buffer.from(empty.appHash).toString('hex')).toBe(sha256(expected, sha256()).toString('hex'))
    } finally {
      chain.close()
    }
  })

  it('of a one-member genesis is SHA-256(SHA-256(write set)), by hand', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hr-genesis-hash-'))
    const { db, readDb } = openLedgerDatabases(join(dir, 'chain.sqlite'))
    try {
      const app = createLedgerApp({ db, readDb })
      const op = testKey('genesis-hash-op').address
      const appState = { members: [{ country: 'DE', operators: [op] }] }
      const res = app.initChain({ time: { seconds: 1n, nanos: 0 }, chainId: 'hash-test', validators: [], appStateBytes: Buffer.from(JSON.stringify(appState)), initialHeight: 1n })
      // Params with the defaults (proto3: zero values are not written)
      const params = Buffer.concat([
        Buffer.from([0x08, 2, 0x10, 3, 0x18]), varint(7200n), Buffer.from([0x20]), varint(262_144n), Buffer.from([0x28]), varint(64n),
        Buffer.from([0x30]), varint(500n), Buffer.from([0x38]), varint(2048n), Buffer.from([0x40]), varint(131_072n),
        Buffer.from([0x48]), varint(10n), Buffer.from([0x50]), varint(500n), Buffer.from([0x70]), varint(500n)
      ])
      const writes: Array<[string, Buffer]> = [
        [`acct/${op}`, field(0x0a, Buffer.from(op))], // BaseAccount{address}, account number 0, no key yet
        ['member/DE', Buffer.concat([field(0x0a, Buffer.from('DE')), field(0x12, Buffer.from(op))])],
        ['next/account', u64be(1n)],
        [`op/${op}`, Buffer.from('DE')],
        ['params', params]
      ]
      const encoded = Buffer.concat(writes.map(([k, v]) => Buffer.concat([u32be(k.length), Buffer.from(k, 'latin1'), Buffer.from([1]), u32be(v.length), v])))
      expect(Buffer.from(res.appHash).toString('hex')).toBe(sha256(sha256(encoded)).toString('hex'))
      app.close()
    } finally {
      db.close(); readDb.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
