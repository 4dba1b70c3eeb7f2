import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { randomBytes } from 'node:crypto'
import { GasPrice, SigningStargateClient, StargateClient, BroadcastTxError, type DeliverTxResponse } from '@cosmjs/stargate'
import { Comet38Client } from '@cosmjs/tendermint-rpc'
import { TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx'
import { TxMsgData } from 'cosmjs-types/cosmos/base/abci/v1beta1/abci'
import type { EncodeObject } from '@cosmjs/proto-signing'
import { ledger, toBigInt, toLong } from '../../../proto/index.js'
import { GOVERNANCE_ADDRESS, type OperatorKey } from '../../../chain/app/index.js'
import { signTx } from '../../../chain/app/testing.js'
import { createChainClient, createLedgerRegistry, ledgerMsgs, membershipMsgs } from '../../../chain/client/index.js'
import type { Engine } from '../../../chain/engine/index.js'
import { writeLedgerHome, startLedgerEngine, walletOf, testKey, type LedgerHome } from './harness.js'

const registry = createLedgerRegistry()
const id32 = (): Uint8Array => new Uint8Array(randomBytes(32))
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('unmodified cosmjs against the engine running the ledger', () => {
  let home: LedgerHome
  let engine: Engine
  let reader: StargateClient
  const signers = new Map<string, SigningStargateClient>()
  const op = (c: string): OperatorKey => home.members[c]!.operator
  const reg = (c: string): OperatorKey => home.members[c]!.regulator

  async function signing (key: OperatorKey): Promise<SigningStargateClient> {
    let c = signers.get(key.address)
    if (c === undefined) {
      c = await SigningStargateClient.connectWithSigner(engine.rpcUrl, await walletOf(key), {
        registry, gasPrice: GasPrice.fromString('0uhr'), broadcastPollIntervalMs: 50, broadcastTimeoutMs: 20_000
      })
      signers.set(key.address, c)
    }
    return c
  }

  async function send (key: OperatorKey, msgs: EncodeObject[]): Promise<DeliverTxResponse> {
    return await (await signing(key)).signAndBroadcast(key.address, msgs, 'auto')
  }

  async function sendOk (key: OperatorKey, msgs: EncodeObject[]): Promise<DeliverTxResponse> {
    const r = await send(key, msgs)
    expect(r.code, JSON.stringify(r.events)).toBe(0)
    return r
  }

  const patient = testKey('it-patient-1')
  const tokenIds = [id32(), id32()]

  beforeAll(async () => {
    home = writeLedgerHome()
    engine = await startLedgerEngine(home)
    reader = await StargateClient.connect(engine.rpcUrl)
  })

  afterAll(async () => {
    for (const c of signers.values()) c.disconnect()
    reader?.disconnect()
    await engine?.stop()
    home?.cleanup()
  })

  it('reads chain id, height, blocks and accounts (present and missing)', async () => {
    expect(await reader.getChainId()).toBe(home.chainId)
    expect(await reader.getHeight()).toBeGreaterThan(0)
    const latest = await reader.getBlock()
    expect(latest.header.chainId).toBe(home.chainId)
    const first = await reader.getBlock(1)
    expect(first.header.height).toBe(1)
    const acc = await reader.getAccount(op('DE').address)
    expect(acc?.address).toBe(op('DE').address)
    expect(acc?.sequence).toBe(0)
    expect(await reader.getAccount(testKey('nobody-at-all').address)).toBeNull()
  })

  it('signs and broadcasts every record and consent Msg with fee "auto"; getTx and searchTx find them', async () => {
    const enrol = await sendOk(op('DE'), [ledgerMsgs.enrollSubject(op('DE').address, patient.address, patient.publicKey, new Uint8Array(32).fill(7))])
    const mint = await sendOk(op('DE'), [ledgerMsgs.mintRecordTokens(op('DE').address, tokenIds.map((id) => ({
      id, subject: patient.address, commitment: id32(), sealedMetadata: new Uint8Array(64).fill(1)
    })))])
    expect(ledger.MsgMintRecordTokensResponse.decode(mint.msgResponses[0]!.value).tokenIds.map(hex)).toEqual(tokenIds.map(hex))
    expect(mint.gasUsed).toBeGreaterThan(0n)

    const tx = await reader.getTx(mint.transactionHash)
    expect(tx?.height).toBe(mint.height)
    expect(tx?.code).toBe(0)
    const found = await reader.searchTx(`healthrelay.ledger.v1.EventTokenMinted.token_id='${hex(tokenIds[1]!)}'`)
    expect(found.map((t) => t.hash)).toEqual([mint.transactionHash])
    const bySubject = await reader.searchTx(`healthrelay.ledger.v1.EventSubjectEnrolled.subject='${patient.address}'`)
    expect(bySubject.map((t) => t.hash)).toEqual([enrol.transactionHash])

    const now = BigInt(Math.floor(Date.now() / 1000))
    const grant = await sendOk(patient, [ledgerMsgs.grantAccess(patient.address, {
      subject: patient.address, grantee: { country: 'FR' }, tokenIds: [tokenIds[0]!], purposes: ['treatment'], notBefore: now - 60n, expiresAt: now + 3600n
    })])
    const grantId = toBigInt(ledger.MsgGrantAccessResponse.decode(grant.msgResponses[0]!.value).grantId)
    expect(grantId).toBeGreaterThan(0n)
    expect((await reader.searchTx(`healthrelay.ledger.v1.EventGrantCreated.grant_id='${grantId}'`)).length).toBe(1)
    await sendOk(patient, [ledgerMsgs.revokeAccess(patient.address, grantId)])
    await sendOk(op('DE'), [ledgerMsgs.setRecordStatus(op('DE').address, tokenIds[1]!, 'erased')])
    await sendOk(op('FR'), [ledgerMsgs.revokeCredential(op('FR').address, id32())])
    await sendOk(op('DE'), [ledgerMsgs.recordAccess(op('DE').address, [{
      tokenId: tokenIds[0]!, requesterCountry: 'FR', purpose: 'treatment', decision: 'permit', time: now, sealedDetails: new Uint8Array(40).fill(5)
    }])])
    const published = await sendOk(reg('FR'), [ledgerMsgs.publishPolicy(reg('FR').address, {
      jurisdiction: 'FR', version: '1.0.0', cedar: 'permit (principal, action, resource);', metadataJson: '{"name":"France"}'
    })])
    const effective = toBigInt(ledger.MsgPublishPolicyResponse.decode(published.msgResponses[0]!.value).effectiveHeight)
    expect(effective).toBe(BigInt(published.height) + 1n)
  })

  it('runs a governance round: every membership Msg through proposals, votes and execution', async () => {
    const itOp = testKey('it-IT-operator')
    const euReg = testKey('it-EU-regulator')
    const node = {
      peerId: '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN', country: 'DE', multiaddrs: ['/ip4/127.0.0.1/tcp/4001'],
      x25519PublicKey: new Uint8Array(32).fill(9), ed25519PublicKey: new Uint8Array(32).fill(8), operator: op('DE').address, role: 'custodian' as const
    }
    const client = createChainClient({ rpcUrl: engine.rpcUrl })
    await client.start()
    const params = await client.queries.params()
    await client.stop()
    const rounds: EncodeObject[][] = [
      [membershipMsgs.addMember(GOVERNANCE_ADDRESS, { country: 'IT', operators: [itOp.address] }, [itOp.publicKey]),
        membershipMsgs.registerNode(GOVERNANCE_ADDRESS, node),
        membershipMsgs.registerRegulator(GOVERNANCE_ADDRESS, euReg.address, 'EU')],
      [membershipMsgs.updateNode(GOVERNANCE_ADDRESS, { ...node, multiaddrs: ['/ip4/127.0.0.1/tcp/4101'] }),
        membershipMsgs.updateParams(GOVERNANCE_ADDRESS, { ...params, maxAccessEvents: params.maxAccessEvents + 1 })],
      [membershipMsgs.removeNode(GOVERNANCE_ADDRESS, node.peerId), membershipMsgs.removeRegulator(GOVERNANCE_ADDRESS, euReg.address),
        membershipMsgs.removeMember(GOVERNANCE_ADDRESS, 'IT')]
    ]
    for (const messages of rounds) {
      const submitted = await sendOk(op('DE'), [ledgerMsgs.submitProposal(op('DE').address, 'change', 'why', messages, (m) => registry.encodeAsAny(m))])
      const proposalId = toBigInt(ledger.MsgSubmitProposalResponse.decode(submitted.msgResponses[0]!.value).proposalId)
      const status = async (): Promise<number | undefined> => {
        const q = await Comet38Client.connect(engine.rpcUrl)
        const r = await q.abciQuery({ path: '/healthrelay.ledger.v1.Query/Proposal', data: ledger.QueryProposalRequest.encode({ id: toLong(proposalId, true) }).finish() })
        q.disconnect()
        return ledger.QueryProposalResponse.decode(r.value).proposal?.status ?? undefined
      }
      // two thirds of the member countries must vote YES (4 members once IT has joined)
      for (const country of ['DE', 'FR', 'US']) {
        if (await status() !== ledger.ProposalStatus.PROPOSAL_STATUS_VOTING) break
        await sendOk(op(country), [ledgerMsgs.vote(op(country).address, proposalId, 'yes')])
      }
      const proposal = { status: await status() }
      expect(proposal.status).toBe(ledger.ProposalStatus.PROPOSAL_STATUS_PASSED)
    }
    const members = await Comet38Client.connect(engine.rpcUrl)
    const r = await members.abciQuery({ path: '/healthrelay.ledger.v1.Query/Members', data: ledger.QueryMembersRequest.encode({}).finish() })
    members.disconnect()
    expect(ledger.QueryMembersResponse.decode(r.value).members.map((m) => m.country)).toEqual(['DE', 'FR', 'US'])
  })

  describe('bad input gets a clear error, changes nothing, and the engine keeps serving', () => {
    async function rawSign (key: OperatorKey, msgs: EncodeObject[], o: { chainId?: string, sequence?: bigint } = {}): Promise<Uint8Array> {
      const acc = await reader.getAccount(key.address)
      return await signTx({
        key, msgs, registry, chainId: o.chainId ?? home.chainId, accountNumber: BigInt(acc?.accountNumber ?? 0), sequence: o.sequence ?? BigInt(acc?.sequence ?? 0)
      })
    }
    async function refused (tx: Uint8Array): Promise<{ code: number, codespace: string, log: string }> {
      try {
        await reader.broadcastTxSync(tx)
      } catch (err) {
        if (err instanceof BroadcastTxError) return { code: err.code, codespace: err.codespace, log: err.log ?? '' }
        throw err
      }
      throw new Error('the tx was accepted')
    }
    const revoke = (): EncodeObject => ledgerMsgs.revokeCredential(op('US').address, id32())

    it('malformed tx bytes, bad signature, wrong chain id, replayed sequence, unknown account, oversized tx', async () => {
      const before = await reader.getAccount(op('US').address)
      expect(await refused(new Uint8Array(randomBytes(100)))).toMatchObject({ code: 2, codespace: 'sdk' })

      const good = TxRaw.decode(await rawSign(op('US'), [revoke()]))
      const flipped = TxRaw.encode({ ...good, signatures: [Uint8Array.from(good.signatures[0]!, (b, i) => (i === 5 ? b ^ 1 : b))] }).finish()
      const badSig = await refused(flipped)
      expect(badSig).toMatchObject({ code: 4, codespace: 'sdk' })
      expect(badSig.log).toMatch(/signature verification failed/)

      const wrongChain = await refused(await rawSign(op('US'), [revoke()], { chainId: 'another-chain-1' }))
      expect(wrongChain.code).toBe(4)

      const first = await rawSign(op('US'), [revoke()])
      const committed = await reader.broadcastTx(first, 20_000, 50)
      expect(committed.code).toBe(0)
      await expect(reader.broadcastTxSync(first)).rejects.toThrow(/already exists/)
      const stale = await refused(await rawSign(op('US'), [revoke()], { sequence: BigInt(before!.sequence) }))
      expect(stale).toMatchObject({ code: 32, codespace: 'sdk' })

      const stranger = testKey('it-stranger')
      const unknown = await refused(await signTx({ key: stranger, msgs: [ledgerMsgs.revokeCredential(stranger.address, id32())], registry, chainId: home.chainId, accountNumber: 0n, sequence: 0n }))
      expect(unknown.code).not.toBe(0)
      expect(await reader.getAccount(stranger.address)).toBeNull()

      const huge = await refused(await rawSign(op('US'), [ledgerMsgs.publishPolicy(op('US').address, { jurisdiction: 'US', version: '9', cedar: 'x'.repeat(300_000), metadataJson: '{}' })]))
      expect(huge).toMatchObject({ code: 21, codespace: 'sdk' })
      expect((await reader.getAccount(op('US').address))?.sequence).toBe(before!.sequence + 1)
    })

    it('unknown Msg type, wrong signer, membership Msg outside a proposal', async () => {
      const unknownType = await refused(await rawSign(op('US'), [{ typeUrl: '/cosmos.bank.v1beta1.MsgSend', value: { fromAddress: op('US').address, toAddress: op('FR').address, amount: [] } }]))
      expect(unknownType.code).not.toBe(0)
      expect(unknownType.log).toMatch(/MsgSend/)

      const wrong = await send(op('US'), [ledgerMsgs.revokeCredential(op('FR').address, id32())]).catch((err: unknown) => err)
      expect(wrong).toBeInstanceOf(Error)
      expect((wrong as Error).message).toMatch(/signer|unauthorized|not allowed/i)

      const outside = await send(op('US'), [membershipMsgs.removeMember(GOVERNANCE_ADDRESS, 'DE')]).catch((err: unknown) => err)
      expect(outside).toBeInstanceOf(Error)
      const q = await Comet38Client.connect(engine.rpcUrl)
      const r = await q.abciQuery({ path: '/healthrelay.ledger.v1.Query/Members', data: new Uint8Array(0) })
      expect(ledger.QueryMembersResponse.decode(r.value).members.map((m) => m.country)).toContain('DE')
      q.disconnect()
    })

    it('malformed query data and malformed JSON-RPC', async () => {
      const q = await Comet38Client.connect(engine.rpcUrl)
      const bad = await q.abciQuery({ path: '/healthrelay.ledger.v1.Query/Token', data: Uint8Array.from([0xff, 0xff, 0xff]) })
      expect(bad.code).not.toBe(0)
      const unknownPath = await q.abciQuery({ path: '/healthrelay.ledger.v1.Query/Nope', data: new Uint8Array(0) })
      expect(unknownPath.code).not.toBe(0)
      q.disconnect()
      const res = await fetch(engine.rpcUrl, { method: 'POST', body: '{"jsonrpc":"2.0","id":1,"method":' })
      expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32700)
      expect(await reader.getHeight()).toBeGreaterThan(0)
    })
  })

  it('a tx result carries TxMsgData that cosmjs decodes', async () => {
    const r = await sendOk(op('DE'), [ledgerMsgs.revokeCredential(op('DE').address, id32())])
    const c = await Comet38Client.connect(engine.rpcUrl)
    const t = await c.tx({ hash: Buffer.from(r.transactionHash, 'hex') })
    expect(TxMsgData.decode(t.result.data!).msgResponses[0]!.typeUrl).toBe('/healthrelay.ledger.v1.MsgRevokeCredentialResponse')
    c.disconnect()
  })
})
