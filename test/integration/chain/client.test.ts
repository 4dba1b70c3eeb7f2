import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { randomBytes } from 'node:crypto'
import { GOVERNANCE_ADDRESS, type OperatorKey } from '../../../chain/app/index.js'
import {
  createChainClient, membershipMsgs, ChainTxError, ChainQueryError, ChainInputError, type ChainClient, type ChainEvent, type LedgerSigner
} from '../../../chain/client/index.js'
import type { Engine } from '../../../chain/engine/index.js'
import { writeLedgerHome, startLedgerEngine, walletOf, testKey, type LedgerHome } from './harness.js'

const id32 = (): string => randomBytes(32).toString('hex')

describe('chain/client against the engine running the ledger', () => {
  let home: LedgerHome
  let engine: Engine
  let client: ChainClient
  const signers = new Map<string, LedgerSigner>()
  const op = (c: string): OperatorKey => home.members[c]!.operator
  const signer = async (key: OperatorKey): Promise<LedgerSigner> => {
    let s = signers.get(key.address)
    if (s === undefined) { s = await client.signer(await walletOf(key)); signers.set(key.address, s) }
    return s
  }
  const patient = testKey('client-patient')
  const tokens = [id32(), id32(), id32()]
  const now = BigInt(Math.floor(Date.now() / 1000))

  beforeAll(async () => {
    home = writeLedgerHome({ label: 'client' })
    engine = await startLedgerEngine(home)
    client = createChainClient({ rpcUrl: engine.rpcUrl, chainId: home.chainId, broadcastPollIntervalMs: 20 })
    await client.start()
  })

  afterAll(async () => {
    await client?.stop()
    await engine?.stop()
    home?.cleanup()
  })

  it('refuses a chain with another id', async () => {
    const other = createChainClient({ rpcUrl: engine.rpcUrl, chainId: 'not-this-one' })
    await expect(other.start()).rejects.toThrow(/not not-this-one/)
  })

  it('sends several txs in a row from one account (pending sequences) and decodes every response', async () => {
    const de = await signer(op('DE'))
    await de.enrollSubject({ subject: patient.address, publicKey: patient.publicKey, x25519PublicKey: new Uint8Array(32).fill(3) })
    const mints = await Promise.all(tokens.map(async (id) => await de.mintRecordTokens([{
      id, subject: patient.address, commitment: id32(), sealedMetadata: new Uint8Array(32).fill(4)
    }])))
    expect(mints.map((m) => m.value.tokenIds[0])).toEqual(tokens)
    expect(mints.every((m) => m.events.some((e) => e.type === 'TokenMinted' && e.subject === patient.address && e.custodian === 'DE'))).toBe(true)
    expect((await client.getAccount(op('DE').address))?.sequence).toBe(4n)
  })

  it('answers every ledger query with domain types', async () => {
    const q = client.queries
    const token = await q.token(tokens[0]!)
    expect(token).toMatchObject({ id: tokens[0], subject: patient.address, custodian: 'DE', status: 'active' })
    expect(typeof token?.mintedHeight).toBe('bigint')
    expect(await q.token(id32())).toBeUndefined()
    const page = await q.tokensBySubject(patient.address, { limit: 2 })
    expect(page.items).toHaveLength(2)
    expect(page.total).toBe(3n)
    expect((await q.subject(patient.address))?.homeCountry).toBe('DE')
    expect(await q.subject(testKey('nobody').address)).toBeUndefined()
    expect((await q.params()).quorumDenominator).toBe(3)
    const members = await q.members()
    expect(members.members.map((m) => m.country)).toEqual(['DE', 'FR', 'US'])
    expect(members.governanceAccount).toBe(GOVERNANCE_ADDRESS)
    expect((await q.regulators()).map((r) => r.jurisdiction).sort()).toEqual(['DE', 'FR', 'US'])
    expect(await q.nodes()).toEqual([])
    expect(await q.node('12D3KooWnothing')).toBeUndefined()
    expect(await q.policy('FR')).toBeUndefined()
    expect(await q.policies()).toEqual([])
    expect((await q.accessLog(patient.address)).items).toEqual([])
    expect(await q.proposal(999n)).toBeUndefined()
    expect(await q.grant(999n)).toBeUndefined()
    expect(await q.credentialRevoked(id32())).toBeUndefined()
    await expect(q.tokensBySubject('not-an-address')).rejects.toBeInstanceOf(ChainQueryError)
    await expect(q.token('abcd')).rejects.toBeInstanceOf(ChainInputError)
  })

  it('sees a grant on the websocket within the block that commits it, and typed errors on failure', async () => {
    const controller = new AbortController()
    const seen: ChainEvent[] = []
    const consumer = (async () => {
      for await (const e of client.events({ signal: controller.signal })) {
        seen.push(e)
        if (e.name === 'LEDGER_EVENT' && e.event.type === 'GrantCreated') break
      }
    })()
    await new Promise((resolve) => setTimeout(resolve, 300))
    const me = await signer(patient)
    const grant = await me.grantAccess({
      subject: patient.address, grantee: { country: 'FR', providerId: 'dr-1' }, tokenIds: [tokens[0]!], purposes: ['treatment', 'emergency'], notBefore: now - 10n, expiresAt: now + 86_400n
    })
    await consumer
    controller.abort()
    const event = seen.find((e) => e.name === 'LEDGER_EVENT' && e.event.type === 'GrantCreated')
    expect(event).toMatchObject({ name: 'LEDGER_EVENT', height: grant.height, txHash: grant.txHash, event: { grantId: grant.value.grantId, granteeCountry: 'FR' } })
    expect(seen.some((e) => e.name === 'NEW_BLOCK')).toBe(true)
    const stored = await client.queries.grant(grant.value.grantId)
    expect(stored).toMatchObject({ subject: patient.address, grantee: { country: 'FR', providerId: 'dr-1' }, tokenIds: [tokens[0]], revokedAt: 0n })
    expect((await client.queries.grantsBySubject(patient.address)).total).toBe(1n)

    const other = await signer(op('FR'))
    const err = await other.revokeAccess(grant.value.grantId).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ChainTxError)
    expect(err).toMatchObject({ codespace: 'ledger', code: 3 })
    expect((err as ChainTxError).message).toMatch(/only its subject or its creator/)
    await me.revokeAccess(grant.value.grantId)
    expect((await client.queries.grant(grant.value.grantId))?.revokedAt).toBeGreaterThan(0n)
  })

  it('helpers for status, credentials, policies, access log and a governance round', async () => {
    const de = await signer(op('DE'))
    await de.setRecordStatus(tokens[2]!, 'erased')
    expect((await client.queries.token(tokens[2]!))?.status).toBe('erased')
    const cred = id32()
    await de.revokeCredential(cred)
    expect((await client.queries.credentialRevoked(cred))?.country).toBe('DE')
    await de.recordAccess([{ tokenId: tokens[0]!, requesterCountry: 'FR', purpose: 'treatment', decision: 'permit', time: now, sealedDetails: new Uint8Array(24).fill(1) }])
    const log = await client.queries.accessLog(patient.address)
    expect(log.items[0]?.event).toMatchObject({ tokenId: tokens[0], decision: 'permit', requesterCountry: 'FR' })
    const fr = await signer(home.members.FR!.regulator)
    const published = await fr.publishPolicy({ jurisdiction: 'FR', version: '2.0.0', cedar: 'permit (principal, action, resource);', metadataJson: '{}' })
    expect(published.value.effectiveHeight).toBe(published.height + 1n)
    expect((await client.queries.policy('FR'))?.version).toBe('2.0.0')
    expect((await client.queries.policies()).length).toBe(1)

    const reg = testKey('client-CH-regulator')
    const proposal = await de.submitProposal({ title: 'CH regulator', summary: 'register', messages: [membershipMsgs.registerRegulator(GOVERNANCE_ADDRESS, reg.address, 'CH')] })
    await de.vote(proposal.value.proposalId, 'yes')
    await (await signer(op('FR'))).vote(proposal.value.proposalId, 'yes')
    expect((await client.queries.proposal(proposal.value.proposalId))?.status).toBe('passed')
    expect((await client.queries.regulators()).some((r) => r.jurisdiction === 'CH')).toBe(true)
  })
})
