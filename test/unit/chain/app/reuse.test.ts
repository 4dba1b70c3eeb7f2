import { describe, it, expect, afterEach } from 'vitest'
import { CheckTxType } from 'cosmjs-types/tendermint/abci/types'
import { createTestChain, testKey, type TestChain } from '../../../../chain/app/testing.js'
import { toBigInt, toLong } from '../../../../proto/index.js'
import { GOVERNANCE_ADDRESS, LedgerCode, paramsToWire, DEFAULT_PARAMS } from '../../../../chain/app/index.js'
import { msg, expectOk, responses, enrollMsg, mintMsg, id32, ledger } from './helpers.js'

const v1 = ledger
let chain: TestChain
afterEach(() => { chain.close() })

const op = (c: string) => chain.members[c]!.operator

describe('work of CheckTx reused by FinalizeBlock', () => {
  it('verifies each signature once and decodes each tx once when its block runs', async () => {
    chain = createTestChain()
    const patient = testKey('reuse-patient')
    expectOk(await chain.send(op('DE'), [enrollMsg(op('DE'), patient)]))
    const txs = await Promise.all([0, 1, 2].map(async (i) => await chain.sign(op('DE'), [mintMsg(op('DE'), patient.address, [id32()])], { pending: i })))
    const before = chain.app.stats()
    for (const tx of txs) expect(chain.app.checkTx({ tx, type: CheckTxType.NEW }).code).toBe(0)
    const results = chain.block(txs).txResults
    expect(results.map((r) => r.code)).toEqual([0, 0, 0])
    const after = chain.app.stats()
    expect(after.signatureVerifications - before.signatureVerifications).toBe(3)
    expect(after.decodedFresh - before.decodedFresh).toBe(3)
    expect(after.decodedReused - before.decodedReused).toBe(3)
    // a tx that CheckTx never saw is decoded and verified in its block
    const unseen = await chain.sign(op('DE'), [mintMsg(op('DE'), patient.address, [id32()])])
    expect(chain.block([unseen]).txResults[0]?.code).toBe(0)
    expect(chain.app.stats().signatureVerifications - after.signatureVerifications).toBe(1)
  })

  it('validates a tx admitted under old params again when the params change before its block', async () => {
    chain = createTestChain()
    const patient = testKey('reuse-params-patient')
    expectOk(await chain.send(op('DE'), [enrollMsg(op('DE'), patient)]))
    const proposal = expectOk(await chain.send(op('FR'), [msg('MsgSubmitProposal', {
      proposer: op('FR').address, title: 'fewer tokens per mint', summary: '',
      messages: [{ type_url: '/healthrelay.ledger.v1.MsgUpdateParams', value: v1.MsgUpdateParams.encode({ authority: GOVERNANCE_ADDRESS, params: paramsToWire({ ...DEFAULT_PARAMS, maxTokensPerMint: 2 }) }).finish() }]
    })]))
    const id = toBigInt(v1.MsgSubmitProposalResponse.decode(responses(proposal)[0]!.value).proposalId)
    const vote = async (c: string) => await chain.sign(op(c), [msg('MsgVote', { voter: op(c).address, proposalId: toLong(id, true), option: v1.VoteOption.VOTE_OPTION_YES })])
    expectOk(chain.block([await vote('FR')]).txResults[0]!)
    // three tokens: admitted under the current params (at most 500)
    const mint = await chain.sign(op('DE'), [mintMsg(op('DE'), patient.address, [id32(), id32(), id32()])])
    expect(chain.app.checkTx({ tx: mint, type: CheckTxType.NEW }).code).toBe(0)
    // the deciding vote: at the end of this block at most 2 tokens per mint
    expectOk(chain.block([await vote('DE')]).txResults[0]!)
    const r = chain.block([mint]).txResults[0]!
    expect([r.code, r.codespace]).toEqual([LedgerCode.InvalidMsg, 'ledger'])
    expect(r.log).toMatch(/count must be 1\.\.2, got 3/)
    // and CheckTx of the same bytes now refuses it too
    expect(chain.app.checkTx({ tx: mint, type: CheckTxType.RECHECK }).code).toBe(LedgerCode.InvalidMsg)
  })
})
