import { describe, it, expect } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestChain, openLedgerDatabases, runBlock } from '../../../../chain/app/testing.js'
import { createLedgerApp, GOVERNANCE_ADDRESS, paramsToWire, DEFAULT_PARAMS, isAddress } from '../../../../chain/app/index.js'
import { isErrorNamed } from '../../../../common/errors.js'
import { toBigInt, toLong } from '../../../../proto/index.js'
import { msg, id32, expectOk, responses, query, enrollMsg, mintMsg, ledger } from './helpers.js'
import { testKey } from '../../../../chain/app/testing.js'

const v1 = ledger
const INFO = { version: '', blockVersion: 0n, p2pVersion: 0n, abciVersion: '' }
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('determinism', () => {
  it('two apps fed the same blocks reach the same app hash at every height; a restart resumes', async () => {
    const dirA = mkdtempSync(join(tmpdir(), 'hr-det-a-'))
    const a = createTestChain({ dir: dirA })
    const b = createTestChain()
    try {
      expect(hex(a.app.info(INFO).lastBlockAppHash)).toBe(hex(b.app.info(INFO).lastBlockAppHash))
      const de = a.members.DE!.operator
      const patients = [testKey('det-1'), testKey('det-2')]
      const blocks: Uint8Array[][] = [
        [await a.sign(de, [enrollMsg(de, patients[0]!)]), await a.sign(de, [enrollMsg(de, patients[1]!)], { pending: 1 })],
        [await a.sign(de, [mintMsg(de, patients[0]!.address, [id32(), id32()])], { pending: 2 }), await a.sign(de, [mintMsg(de, patients[1]!.address, [id32()])], { pending: 3 })],
        [],
        [await a.sign(de, [msg('MsgRevokeCredential', { operator: de.address, credentialId: id32() })], { pending: 4 }), new Uint8Array([9, 9, 9])]
      ]
      for (const txs of blocks) {
        const ra = a.block(txs)
        const rb = b.block(txs)
        expect(hex(ra.appHash)).toBe(hex(rb.appHash))
        expect(ra.txResults.map((r) => r.code)).toEqual(rb.txResults.map((r) => r.code))
      }
      const last = a.app.info(INFO)
      a.close()
      const again = createTestChain({ dir: dirA })
      try {
        const info = again.app.info(INFO)
        expect(info.lastBlockHeight).toBe(last.lastBlockHeight)
        expect(hex(info.lastBlockAppHash)).toBe(hex(last.lastBlockAppHash))
        again.head.time = b.head.time
        const tx = await again.sign(de, [msg('MsgRevokeCredential', { operator: de.address, credentialId: id32() })])
        expect(hex(again.block([tx]).appHash)).toBe(hex(b.block([tx]).appHash))
      } finally {
        again.close()
      }
    } finally {
      a.close()
      b.close()
      rmSync(dirA, { recursive: true, force: true })
    }
  })

  it('a block finalized but not committed is lost on restart and replays to the same hash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hr-det-c-'))
    try {
      const chain = createTestChain({ dir })
      const de = chain.members.DE!.operator
      const tx = await chain.sign(de, [enrollMsg(de, testKey('det-3'))])
      const height = chain.head.height + 1n
      const time = { seconds: chain.head.time + 1n, nanos: 0 }
      const common = { misbehavior: [], height, time, nextValidatorsHash: new Uint8Array(32), proposerAddress: new Uint8Array(20), hash: new Uint8Array(32) }
      const first = chain.app.finalizeBlock({ ...common, txs: [tx], decidedLastCommit: { round: 0, votes: [] } })
      chain.close() // no commit
      const { db, readDb } = openLedgerDatabases(join(dir, 'chain.sqlite'))
      const app = createLedgerApp({ db, readDb })
      expect(app.info(INFO).lastBlockHeight).toBe(height - 1n)
      const replay = runBlock(app, [tx], { height, time: time.seconds })
      expect(hex(replay.appHash)).toBe(hex(first.appHash))
      app.close(); db.close(); readDb.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('heights, times and grant ids above 2^53 round-trip', async () => {
    const big = 2n ** 53n + 17n
    const chain = createTestChain({ initialHeight: big, genesisTime: 2n ** 40n })
    try {
      expect(chain.head.height).toBe(big)
      expect(chain.app.info(INFO).lastBlockHeight).toBe(big)
      const de = chain.members.DE!.operator
      const patient = testKey('big-1')
      expectOk(await chain.send(de, [enrollMsg(de, patient)]))
      const id = id32()
      expectOk(await chain.send(de, [mintMsg(de, patient.address, [id])]))
      const t = query(chain, 'Token', v1.QueryTokenRequest, { id }, v1.QueryTokenResponse).token
      expect(toBigInt(t?.mintedHeight)).toBe(big + 2n)
      expect(toBigInt(t?.mintedAt)).toBe(2n ** 40n + 3n)
      const r = expectOk(await chain.send(patient, [msg('MsgGrantAccess', {
        granter: patient.address, subject: patient.address, grantee: { country: 'FR' }, tokenIds: [id], purposes: ['emergency'],
        notBefore: toLong(0n), expiresAt: toLong(2n ** 62n)
      })]))
      const grantId = toBigInt(v1.MsgGrantAccessResponse.decode(responses(r)[0]!.value).grantId)
      expect(grantId > 2n ** 53n).toBe(true)
      const g = query(chain, 'Grant', v1.QueryGrantRequest, { id: toLong(grantId, true) }, v1.QueryGrantResponse).grant
      expect(toBigInt(g?.id)).toBe(grantId)
      expect(toBigInt(g?.expiresAt)).toBe(2n ** 62n)
      const q = chain.app.query({ path: '/healthrelay.ledger.v1.Query/Params', data: new Uint8Array(0), height: 0n, prove: false })
      expect(q.height).toBe(big + 3n)
    } finally {
      chain.close()
    }
  })

  it('halts cleanly at the upgrade height: nothing executes, info() stays at the block before', async () => {
    const chain = createTestChain()
    try {
      const op = (c: string) => chain.members[c]!.operator
      const upgradeHeight = chain.head.height + 8n
      const any = { type_url: '/healthrelay.ledger.v1.MsgUpdateParams', value: v1.MsgUpdateParams.encode({ authority: GOVERNANCE_ADDRESS, params: paramsToWire({ ...DEFAULT_PARAMS, upgradeHeight, upgradeName: 'v2' }) }).finish() }
      const r = expectOk(await chain.send(op('DE'), [msg('MsgSubmitProposal', { proposer: op('DE').address, title: 'upgrade to v2', summary: '', messages: [any] })]))
      const id = v1.MsgSubmitProposalResponse.decode(responses(r)[0]!.value).proposalId
      expectOk(await chain.send(op('DE'), [msg('MsgVote', { voter: op('DE').address, proposalId: id, option: 1 })]))
      expectOk(await chain.send(op('FR'), [msg('MsgVote', { voter: op('FR').address, proposalId: id, option: 1 })]))
      expect(chain.app.haltHeight()).toBe(upgradeHeight)
      while (chain.head.height < upgradeHeight - 1n) chain.block()
      const hashBefore = hex(chain.app.info(INFO).lastBlockAppHash)
      let caught: unknown
      try { chain.block() } catch (err) { caught = err }
      expect(isErrorNamed(caught, 'UpgradeHaltError')).toBe(true)
      expect((caught as Error).message).toMatch(/upgrade "v2" needed at height/)
      expect(chain.app.info(INFO).lastBlockHeight).toBe(upgradeHeight - 1n)
      expect(hex(chain.app.info(INFO).lastBlockAppHash)).toBe(hashBefore)
      expect(isAddress(op('DE').address)).toBe(true)
    } finally {
      chain.close()
    }
  })
})
