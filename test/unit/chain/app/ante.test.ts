import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { TxRaw, TxBody, AuthInfo, SignDoc } from 'cosmjs-types/cosmos/tx/v1beta1/tx'
import { sha256 } from '@noble/hashes/sha2.js'
import { SimulateRequest, SimulateResponse } from 'cosmjs-types/cosmos/tx/v1beta1/service'
import { QueryAccountRequest, QueryAccountResponse } from 'cosmjs-types/cosmos/auth/v1beta1/query'
import { BaseAccount } from 'cosmjs-types/cosmos/auth/v1beta1/auth'
import { PubKey } from 'cosmjs-types/cosmos/crypto/secp256k1/keys'
import { CheckTxType } from 'cosmjs-types/tendermint/abci/types'
import { createTestChain, signTx, testKey, type TestChain } from '../../../../chain/app/testing.js'
import { LedgerCode, SdkCode } from '../../../../chain/app/index.js'
import { msg, id32, expectOk, patientWithTokens } from './helpers.js'

let chain: TestChain
beforeAll(() => { chain = createTestChain({ params: { rateMaxTxs: 3, rateWindowBlocks: 5 } }) })
afterAll(() => { chain.close() })

const op = (c: string) => chain.members[c]!.operator
const revoke = (c: string) => msg('MsgRevokeCredential', { operator: op(c).address, credentialId: id32() })
const check = (tx: Uint8Array, type: CheckTxType = CheckTxType.NEW) => chain.app.checkTx({ tx, type })

function deliver (tx: Uint8Array) {
  return chain.block([tx]).txResults[0]!
}

describe('ante: rejected txs change nothing', () => {
  it('malformed bytes → sdk 2', () => {
    for (const tx of [new Uint8Array([1, 2, 3, 4, 5]), new Uint8Array(0), TxRaw.encode({ bodyBytes: new Uint8Array([0xff, 0xff]), authInfoBytes: new Uint8Array(0), signatures: [] }).finish()]) {
      const r = check(tx)
      expect([r.code, r.codespace]).toEqual([SdkCode.TxDecode, 'sdk'])
      expect(r.log).toMatch(/tx parse error/)
    }
  })

  it('bad signature, wrong chain id, wrong account number, high-S → sdk 4 with the SDK wording', async () => {
    const before = chain.account(op('DE').address)!
    const wrongChain = await chain.sign(op('DE'), [revoke('DE')], { chainId: 'other-chain' })
    const r1 = deliver(wrongChain)
    expect([r1.code, r1.codespace]).toEqual([SdkCode.Unauthorized, 'sdk'])
    expect(r1.log).toBe(`signature verification failed; please verify account number (${before.accountNumber}) and chain-id (${chain.chainId}): unauthorized`)
    const wrongNumber = await signTx({ key: op('DE'), msgs: [revoke('DE')], chainId: chain.chainId, accountNumber: before.accountNumber + 1n, sequence: before.sequence })
    expect(check(wrongNumber).code).toBe(SdkCode.Unauthorized)
    const good = await chain.sign(op('DE'), [revoke('DE')])
    const raw = TxRaw.decode(good)
    const tampered = TxRaw.encode({ ...raw, signatures: [raw.signatures[0]!.map((b, i) => (i === 10 ? b ^ 1 : b))] }).finish()
    expect(check(tampered).code).toBe(SdkCode.Unauthorized)
    const sig = secp256k1.Signature.fromBytes(raw.signatures[0]!, 'compact')
    const highS = new secp256k1.Signature(sig.r, secp256k1.Point.CURVE().n - sig.s).toBytes('compact')
    // (r, n - s) is the same signature in its malleated form: valid ECDSA, refused for its high S
    const signBytes = SignDoc.encode({ bodyBytes: raw.bodyBytes, authInfoBytes: raw.authInfoBytes, chainId: chain.chainId, accountNumber: before.accountNumber }).finish()
    expect(secp256k1.verify(highS, sha256(signBytes), op('DE').publicKey, { prehash: false, lowS: false })).toBe(true)
    const rHigh = check(TxRaw.encode({ ...raw, signatures: [highS] }).finish())
    expect(rHigh.code).toBe(SdkCode.Unauthorized)
    const short = check(TxRaw.encode({ ...raw, signatures: [raw.signatures[0]!.subarray(0, 63)] }).finish())
    expect(short.code).toBe(SdkCode.Unauthorized)
    expect(chain.account(op('DE').address)).toEqual(before)
    expect(check(good).code).toBe(0)
  })

  it('replayed or future sequence → sdk 32; several pending txs of one account are admitted in a row', async () => {
    chain.block()
    const a = await chain.sign(op('FR'), [revoke('FR')])
    const b = await chain.sign(op('FR'), [revoke('FR')], { pending: 1 })
    const c = await chain.sign(op('FR'), [revoke('FR')], { pending: 2 })
    expect(check(a).code).toBe(0)
    expect(check(b).code).toBe(0)
    const replay = check(b)
    expect([replay.code, replay.codespace]).toEqual([SdkCode.WrongSequence, 'sdk'])
    expect(replay.log).toMatch(/account sequence mismatch, expected \d+, got \d+: incorrect account sequence/)
    const res = chain.block([a])
    expect(res.txResults[0]!.code).toBe(0)
    // after commit the driver rechecks what is left: b is still valid, a is now a replay
    expect(check(b, CheckTxType.RECHECK).code).toBe(0)
    expect(check(a, CheckTxType.RECHECK).code).toBe(SdkCode.WrongSequence)
    expect(check(c, CheckTxType.RECHECK).code).toBe(0)
    const results = chain.block([b, c, a]).txResults
    expect(results.map((r) => r.code)).toEqual([0, 0, SdkCode.WrongSequence])
  })

  it('unknown account → sdk 9; a signer key that does not match the Msg signer → sdk 8', async () => {
    const stranger = testKey('stranger')
    const r = check(await signTx({ key: stranger, msgs: [msg('MsgRevokeCredential', { operator: stranger.address, credentialId: id32() })], chainId: chain.chainId, accountNumber: 0n, sequence: 0n }))
    expect([r.code, r.codespace]).toEqual([SdkCode.UnknownAddress, 'sdk'])
    expect(r.log).toMatch(/does not exist: unknown address/)
    const wrongSigner = await chain.sign(op('DE'), [revoke('FR')])
    const w = check(wrongSigner)
    expect(w.code).toBe(SdkCode.InvalidPubKey)
    expect(w.log).toMatch(/pubKey does not match signer address/)
    const mixed = check(await chain.sign(op('DE'), [revoke('DE'), revoke('FR')]))
    expect(mixed.code).toBe(SdkCode.Unauthorized)
    expect(mixed.log).toMatch(/wrong number of signers/)
  })

  it('oversized tx → sdk 21; long memo → sdk 12; too many msgs → sdk 18; unknown Msg type → sdk 2', async () => {
    const big = await chain.sign(chain.members.DE!.regulator, [msg('MsgPublishPolicy', { regulator: chain.members.DE!.regulator.address, jurisdiction: 'DE', version: '9', cedar: 'x'.repeat(270_000), metadataJson: '{}' })])
    const r = check(big)
    expect([r.code, r.codespace]).toEqual([SdkCode.TxTooLarge, 'sdk'])
    expect(check(await chain.sign(op('DE'), [revoke('DE')], { memo: 'm'.repeat(300) })).code).toBe(SdkCode.MemoTooLarge)
    expect(check(await chain.sign(op('DE'), Array.from({ length: 65 }, () => revoke('DE')))).code).toBe(SdkCode.InvalidRequest)
    const send = { typeUrl: '/cosmos.bank.v1beta1.MsgSend', value: { fromAddress: op('DE').address, toAddress: op('FR').address, amount: [] } }
    const u = check(await chain.sign(op('DE'), [send]))
    expect([u.code, u.codespace]).toEqual([SdkCode.TxDecode, 'sdk'])
    expect(u.log).toMatch(/unable to resolve type URL \/cosmos.bank.v1beta1.MsgSend/)
  })

  it('a tx whose gas limit is below its gas → sdk 11, and only the sequence moves', async () => {
    chain.block()
    const before = chain.account(op('US').address)!
    const r = deliver(await chain.sign(op('US'), [revoke('US')], { gas: 1000n }))
    expect([r.code, r.codespace]).toEqual([SdkCode.OutOfGas, 'sdk'])
    expect(r.gasUsed > r.gasWanted).toBe(true)
    expect(chain.account(op('US').address)?.sequence).toBe(before.sequence + 1n)
  })

  it('rate quota: at most rate_max_txs per account per window of blocks (ledger 6)', async () => {
    while (chain.head.height % 5n !== 0n) chain.block() // the next block starts a window
    const txs = await Promise.all([0, 1, 2, 3].map((i) => chain.sign(op('DE'), [revoke('DE')], { pending: i })))
    const admitted = txs.map((tx) => check(tx))
    expect(admitted.map((r) => r.code)).toEqual([0, 0, 0, LedgerCode.RateLimited])
    expect(admitted[3]!.log).toMatch(/rate_max_txs 3/)
    const res = chain.block(txs)
    expect(res.txResults.map((r) => r.code)).toEqual([0, 0, 0, LedgerCode.RateLimited])
    while (chain.head.height % 5n !== 0n) chain.block()
    expectOk(deliver(txs[3]!))
  })
})

describe('cosmos queries', () => {
  it('/cosmos.auth.v1beta1.Query/Account: a BaseAccount, or code 38 NotFound', () => {
    const q = (address: string) => chain.app.query({ path: '/cosmos.auth.v1beta1.Query/Account', data: QueryAccountRequest.encode({ address }).finish(), height: 0n, prove: false })
    const found = q(op('DE').address)
    expect(found.code).toBe(0)
    expect(found.height).toBe(chain.head.height)
    const any = QueryAccountResponse.decode(found.value).account!
    expect(any.typeUrl).toBe('/cosmos.auth.v1beta1.BaseAccount')
    const acc = BaseAccount.decode(any.value)
    expect(acc.address).toBe(op('DE').address)
    expect(acc.pubKey?.typeUrl).toBe('/cosmos.crypto.secp256k1.PubKey')
    expect(Buffer.from(PubKey.decode(acc.pubKey!.value).key).equals(Buffer.from(op('DE').publicKey))).toBe(true)
    const missing = q(testKey('missing').address)
    expect([missing.code, missing.codespace]).toEqual([38, 'sdk'])
    expect(missing.log).toMatch(/rpc error: code = NotFound/)
    expect(missing.height).toBe(chain.head.height)
  })

  it('/cosmos.tx.v1beta1.Service/Simulate: gas_info for a tx with an empty signature', async () => {
    const { patient } = await patientWithTokens(chain, 'DE', 'sim-1', 0)
    const acc = chain.account(op('DE').address)!
    const signed = await signTx({ key: op('DE'), msgs: [msg('MsgMintRecordTokens', { custodian: op('DE').address, tokens: [{ id: id32(), subject: patient.address, commitment: id32(), sealedMetadata: new Uint8Array(40) }] })], chainId: chain.chainId, accountNumber: acc.accountNumber, sequence: acc.sequence })
    const raw = TxRaw.decode(signed)
    const authInfo = AuthInfo.decode(raw.authInfoBytes)
    const unsigned = TxRaw.encode({
      bodyBytes: raw.bodyBytes,
      authInfoBytes: AuthInfo.encode({ ...authInfo, fee: { amount: [], gasLimit: 0n, payer: '', granter: '' }, signerInfos: authInfo.signerInfos.map((s) => ({ ...s, modeInfo: { single: { mode: 0 } } })) }).finish(),
      signatures: [new Uint8Array(0)]
    }).finish()
    const res = chain.app.query({ path: '/cosmos.tx.v1beta1.Service/Simulate', data: SimulateRequest.encode({ txBytes: unsigned }).finish(), height: 0n, prove: false })
    expect(res.code).toBe(0)
    const sim = SimulateResponse.decode(res.value)
    expect(sim.gasInfo).toBeDefined()
    const real = expectOk(deliver(signed))
    expect(sim.gasInfo!.gasUsed > 0n).toBe(true)
    // same writes; only the auth info bytes differ a little (fee and mode)
    expect(Number(real.gasUsed - sim.gasInfo!.gasUsed)).toBeLessThan(200)
    expect(sim.result?.msgResponses[0]?.typeUrl).toBe('/healthrelay.ledger.v1.MsgMintRecordTokensResponse')
    expect(TxBody.decode(raw.bodyBytes).messages).toHaveLength(1)
  })

  it('malformed query data → sdk 18; unknown path → sdk 6', () => {
    const bad = chain.app.query({ path: '/healthrelay.ledger.v1.Query/Token', data: new Uint8Array([0xff, 0xff, 0xff]), height: 0n, prove: false })
    expect([bad.code, bad.codespace]).toEqual([SdkCode.InvalidRequest, 'sdk'])
    const badId = chain.app.query({ path: '/healthrelay.ledger.v1.Query/Token', data: new Uint8Array([10, 2, 1, 2]), height: 0n, prove: false })
    expect(badId.log).toMatch(/id: must be 32 bytes/)
    const unknown = chain.app.query({ path: '/healthrelay.ledger.v1.Query/Nope', data: new Uint8Array(0), height: 0n, prove: false })
    expect([unknown.code, unknown.codespace]).toEqual([SdkCode.UnknownRequest, 'sdk'])
    const sim = chain.app.query({ path: '/cosmos.tx.v1beta1.Service/Simulate', data: new Uint8Array([1, 2, 3]), height: 0n, prove: false })
    expect(sim.code).not.toBe(0)
  })
})
