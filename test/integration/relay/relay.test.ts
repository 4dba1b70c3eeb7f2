// Relay protocol across real nodes on loopback: a DE custodian (and a DE replica), a FR node
// carrying a French doctor's requests, the embedded chain engine with the ledger, the bundled
// Cedar modules, real SQLite storage. Each refusal is checked the way a doctor sees it: the
// signed header's status and machine-readable reason.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { randomBytes } from 'node:crypto'
import {
  RELAY_PROTOCOL, signDiscoverRequest, readResponseFrames,
  encodeResponseFrame, encodeFrame, decodeResponseFrame, readFrames
} from '../../../relay/protocol/index.js'
import { ForgedTrailerError, RetrievalDeniedError, TamperedSegmentError } from '../../../relay/errors.js'
import { bytesToHex, generateEd25519KeyPair, signPayload, commitmentMatches } from '../../../relay/crypto/index.js'
import { openSealed, ACCESS_DETAILS_LABEL } from '../../../relay/service/index.js'
import { createAccessBatcher } from '../../../node/relay-adapters/index.js'
import { decisionsBetween, inboxMessages, getOutboxEntry, accessQueueDepth } from '../../../node/storage/index.js'
import { ledger } from '../../../proto/index.js'
import { createRelayWorld, addIssuer, fhirBundle, type RelayWorld, type Patient, type StoredRecord, type Doctor, type RelayNode } from './harness.js'

async function denial (p: Promise<unknown>): Promise<RetrievalDeniedError> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(RetrievalDeniedError)
  return err as RetrievalDeniedError
}

/** Waits (bounded) for the custodian's work after the trailer: the access event, the inbox. */
async function eventually (check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 20))
}

describe('relay service across real nodes', () => {
  let w: RelayWorld
  let de: RelayNode
  let fr: RelayNode
  let patient: Patient
  let summary: StoredRecord
  let lab: StoredRecord
  let mental: StoredRecord
  let genomic: StoredRecord
  let doctor: Doctor
  const summaryText = fhirBundle('summary', 100_000)

  beforeAll(async () => {
    w = await createRelayWorld({ label: 'relay-it', nodes: [{ name: 'de1', country: 'DE' }, { name: 'fr1', country: 'FR' }], ports: { emergencyPerDoctor: 2 } })
    de = w.node('de1')
    fr = w.node('fr1')
    patient = await w.enrol(de, 'anna')
    summary = await w.store([de], patient, 'patient-summary', summaryText)
    lab = await w.store([de], patient, 'lab-result', fhirBundle('lab'))
    mental = await w.store([de], patient, 'mental-health', fhirBundle('mental'))
    genomic = await w.store([de], patient, 'genomic', fhirBundle('genomic'))
    await w.grant(patient, [summary.tokenId, mental.tokenId], { country: 'FR' }, ['treatment'])
    await w.grant(patient, [genomic.tokenId], { country: 'FR' }, ['insurance'])
    // the patient hides mental health (EHDS Art. 8)
    de.storage.db.prepare('INSERT INTO restrictions (subject, category) VALUES (?, ?)').run(patient.subject, 'mental-health')
    doctor = w.doctor(fr, { providerId: 'dr-fr-1' })
  }, 120_000)

  afterAll(async () => { await w?.stop() }, 60_000)

  it('round trip: the doctor signs, DE releases, the doctor decrypts and the commitment matches the chain', async () => {
    const req = w.sign(doctor, summary.tokenId, de)
    const opened = await w.fetch(fr, doctor, req)
    expect(Buffer.from(opened.plaintext).equals(Buffer.from(summaryText))).toBe(true)
    const onChain = await w.chain.queries.token(summary.tokenId)
    expect(commitmentMatches(Buffer.from(onChain!.commitment, 'hex'), opened.commitment)).toBe(true)
    expect(opened.header).toMatchObject({ status: 'OK', category: 'patient-summary', contentTransformed: false })
    expect(opened.header.obligations).toContain('audit')
    expect(opened.header.policyVersions.some((v) => v.startsWith('DE@'))).toBe(true)

    // audit: the decision log and an access event (appended after the trailer), sealed to the patient once batched
    await eventually(() => accessQueueDepth(de.storage.db) > 0)
    const decisions = decisionsBetween(de.storage.db, 0, Date.now() + 1)
    expect(decisions.some((d) => d.tokenId === bytesToHex(summary.tokenId) && d.decision === 'allow' && d.direction === 'export')).toBe(true)
    expect(accessQueueDepth(de.storage.db)).toBeGreaterThan(0)
    const batcher = createAccessBatcher({ custodianAddress: w.operator('DE').address }, {
      storage: de.storage, subjectKey: async (s) => await Promise.resolve(s === patient.subject ? patient.x.publicKey : undefined)
    })
    const outboxId = await batcher.flush()
    const msg = ledger.MsgRecordAccess.decode(getOutboxEntry(de.storage.db, outboxId!)!.payload)
    const event = msg.events.find((e) => bytesToHex(e.tokenId as Uint8Array) === bytesToHex(summary.tokenId))!
    expect(event.requesterCountry).toBe('FR')
    const details = JSON.parse(new TextDecoder().decode(openSealed(event.sealedDetails as Uint8Array, patient.x.privateKey, patient.x.publicKey, ACCESS_DETAILS_LABEL))) as { providerId: string }
    expect(details.providerId).toBe('dr-fr-1')
    // and the Msg goes on chain as the custodian's
    await (await w.signer(w.operator('DE'))).recordAccess(msg.events.map((e) => ({
      tokenId: e.tokenId as Uint8Array, requesterCountry: e.requesterCountry!, purpose: e.purpose!, decision: e.decision === ledger.AccessDecision.ACCESS_DECISION_PERMIT ? 'permit' : 'deny',
      time: BigInt(e.time!.toString()), sealedDetails: e.sealedDetails as Uint8Array, emergency: e.emergency === true
    })))
    expect((await w.chain.queries.accessLog(patient.subject)).total).toBeGreaterThan(0n)
  })

  it('serves a request whose custodian is the carrying node itself (a domestic doctor)', async () => {
    const german = w.doctor(de)
    await w.grant(patient, [summary.tokenId], { country: 'DE' }, ['treatment'])
    const opened = await w.fetch(de, german, w.sign(german, summary.tokenId, de))
    expect(Buffer.from(opened.plaintext).equals(Buffer.from(summaryText))).toBe(true)
  })

  it('discovery by share code and by identity answers the subject and only the releasable tokens', async () => {
    for (const q of [{ shareCode: patient.shareCode.toLowerCase() }, { homeCountry: 'DE', nationalId: patient.nationalId, birthDate: patient.birthDate }]) {
      const signed = signDiscoverRequest({ ...q, purpose: 'treatment', targetPeerId: de.peerId }, { ed25519PrivateKey: doctor.ed.privateKey, credential: doctor.credential.signed })
      const result = await fr.client.discover(signed.request, 'DE')
      expect(result.status).toBe('OK')
      expect(result.subject).toBe(patient.subject)
      expect(result.tokens.map((t) => bytesToHex(t.tokenId))).toEqual([bytesToHex(summary.tokenId)])
      expect(result.tokens[0]!.custodian).toBe(de.peerId)
    }
    const wrong = signDiscoverRequest({ shareCode: 'NOPE-NOPE-1', purpose: 'treatment', targetPeerId: de.peerId }, { ed25519PrivateKey: doctor.ed.privateKey, credential: doctor.credential.signed })
    expect(await fr.client.discover(wrong.request, 'DE')).toMatchObject({ status: 'NOT_FOUND', subject: '', tokens: [] })
  })

  it('refuses a forged doctor signature', async () => {
    const req = w.sign(doctor, summary.tokenId, de)
    const forged = { ...req, request: { ...req.request, signature: signPayload('retrieveRequest', req.payloadBytes, generateEd25519KeyPair().privateKey) } }
    const err = await denial(w.fetch(fr, doctor, forged))
    expect(err.reason?.code).toBe('bad-request-signature')
  })

  it('refuses a credential of another country presented through this node', async () => {
    const us = await addIssuer(w, 'US')
    const american = w.doctor(us)
    const err = await denial(w.fetch(fr, american, w.sign(american, summary.tokenId, de)))
    expect(err.reason?.code).toBe('credential-country-mismatch')
  })

  it('refuses expired and revoked credentials', async () => {
    const old = w.doctor(fr, { ttlSeconds: 60, clock: () => Date.now() - 3_600_000 })
    expect((await denial(w.fetch(fr, old, w.sign(old, summary.tokenId, de)))).reason?.code).toBe('credential-expired')
    const revoked = w.doctor(fr)
    await w.fetch(fr, revoked, w.sign(revoked, summary.tokenId, de))
    await (await w.signer(w.operator('FR'))).revokeCredential(revoked.credential.id)
    w.newBlock()
    expect((await denial(w.fetch(fr, revoked, w.sign(revoked, summary.tokenId, de)))).reason?.code).toBe('credential-revoked')
  })

  it('refuses a replayed nonce', async () => {
    const req = w.sign(doctor, summary.tokenId, de)
    await w.fetch(fr, doctor, req)
    expect((await denial(w.fetch(fr, doctor, req))).reason?.code).toBe('replayed-nonce')
  })

  it('refuses after the patient revokes the grant', async () => {
    const other = await w.store([de], patient, 'patient-summary', fhirBundle('v2'))
    const id = await w.grant(patient, [other.tokenId], { country: 'FR' }, ['treatment'])
    await w.fetch(fr, doctor, w.sign(doctor, other.tokenId, de))
    await (await w.signer(patient.key)).revokeAccess(id)
    w.newBlock()
    const err = await denial(w.fetch(fr, doctor, w.sign(doctor, other.tokenId, de)))
    expect(err.relayStatus).toBe('DENIED')
    expect(err.reason).toMatchObject({ code: 'grant-revoked', jurisdiction: 'DE' })
  })

  it('answers a restricted category exactly as an unknown token', async () => {
    const headerOf = async (tokenId: Uint8Array): Promise<{ status: string, reason: unknown, rest: unknown }> => {
      const req = w.sign(doctor, tokenId, de)
      for await (const frame of readResponseFrames(fr.client.retrieve(req.request))) {
        if (frame.kind === 'header') {
          const { tokenId: _t, reason, status, ...rest } = frame.header
          return { status, reason, rest }
        }
      }
      throw new Error('no header')
    }
    const restricted = await headerOf(mental.tokenId)
    const unknown = await headerOf(new Uint8Array(randomBytes(32)))
    expect(restricted.status).toBe('NOT_FOUND')
    expect(restricted).toEqual(unknown)
    expect((await denial(w.fetch(fr, doctor, w.sign(doctor, mental.tokenId, de)))).reason?.code).toBe('not-found')
  })

  it('refuses an unknown token', async () => {
    const err = await denial(w.fetch(fr, doctor, w.sign(doctor, new Uint8Array(randomBytes(32)), de)))
    expect(err.relayStatus).toBe('NOT_FOUND')
    expect(err.reason?.code).toBe('not-found')
  })

  it('gives a policy denial with its jurisdiction, policy id and reason', async () => {
    const insurer = w.doctor(fr, { role: 'insurer' })
    const err = await denial(w.fetch(fr, insurer, w.sign(insurer, genomic.tokenId, de, 'insurance')))
    expect(err.reason).toMatchObject({ code: 'policy-denied', jurisdiction: 'DE', policyId: 'DE.gendg-insurance' })
    expect(err.reason?.message).toContain('de-gendg-18-insurance')
  })

  it('detects a tampered segment at rest and a forged trailer, never delivering them as valid', async () => {
    // tamper: flip a byte of a stored segment on the custodian's disk
    const victim = await w.store([de], patient, 'patient-summary', fhirBundle('tamper', 200_000))
    await w.grant(patient, [victim.tokenId], { country: 'FR' }, ['treatment'])
    const { openSync, readSync, writeSync, closeSync } = await import('node:fs')
    const fd = openSync(de.storage.blobs.path(victim.blobHash), 'r+')
    const b = Buffer.alloc(1)
    readSync(fd, b, 0, 1, 70_000)
    b[0] = b[0]! ^ 0xff
    writeSync(fd, b, 0, 1, 70_000)
    closeSync(fd)
    await expect(w.fetch(fr, doctor, w.sign(doctor, victim.tokenId, de))).rejects.toBeInstanceOf(TamperedSegmentError)

    // forged trailer: someone on the way re-signs the trailer with another key
    const intruder = generateEd25519KeyPair()
    const forge = async function * (frames: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
      for await (const raw of readFrames(frames)) {
        const f = decodeResponseFrame(raw)
        if (f.kind === 'trailer') {
          yield encodeFrame(encodeResponseFrame({ kind: 'trailer', trailer: { payload: f.trailer.payload, signature: signPayload('trailer', f.trailer.payload, intruder.privateKey) } }))
        } else yield encodeFrame(raw)
      }
    }
    await expect(w.fetch(fr, doctor, w.sign(doctor, summary.tokenId, de), undefined, forge)).rejects.toBeInstanceOf(ForgedTrailerError)
  })

  it('resets an oversized frame and keeps serving', async () => {
    const stream = await fr.host.libp2p.dialProtocol(de.host.getMultiaddrs(), RELAY_PROTOCOL)
    const closed = new Promise<void>((resolve) => { stream.addEventListener('close', () => { resolve() }) })
    // a varint length of 2 MiB, then bytes: refused as soon as the prefix arrives
    stream.send(Uint8Array.of(0x80, 0x80, 0x80, 0x01, 1, 2, 3))
    await closed
    expect(stream.status).not.toBe('open')
    const ok = await w.fetch(fr, doctor, w.sign(doctor, summary.tokenId, de))
    expect(ok.header.status).toBe('OK')
  })

  it('emergency: needs a justification, proceeds without a grant for emergency categories, notifies and flags, within the per-doctor budget', async () => {
    const medic = w.doctor(fr, { providerId: 'dr-fr-er' })
    expect(() => w.sign(medic, lab.tokenId, de, 'emergency', '')).toThrow(/justification/)
    const opened = await w.fetch(fr, medic, w.sign(medic, lab.tokenId, de, 'emergency', 'unconscious after a road accident'))
    expect(opened.header.obligations).toEqual(expect.arrayContaining(['audit', 'notify-patient']))
    await eventually(() => inboxMessages(de.storage.db, patient.subject).length > 0)
    const inbox = inboxMessages(de.storage.db, patient.subject)
    expect(inbox.some((m) => m.kind === 'emergency-access')).toBe(true)
    const flagged = decisionsBetween(de.storage.db, 0, Date.now() + 1).filter((d) => d.emergency && d.decision === 'allow')
    expect(flagged.length).toBeGreaterThan(0)
    // genomic data is not an emergency category
    const g = await denial(w.fetch(fr, medic, w.sign(medic, genomic.tokenId, de, 'emergency', 'unconscious')))
    expect(g.reason?.code).toBe('policy-denied')
    // the budget of 2 per doctor is spent
    const limited = await denial(w.fetch(fr, medic, w.sign(medic, lab.tokenId, de, 'emergency', 'still unconscious')))
    expect(limited.relayStatus).toBe('RATE_LIMITED')
  })

  it('an emergency may reach a restricted record only through the policies (vital interests)', async () => {
    const medic = w.doctor(fr)
    // mental health is not an emergency category of the EU module: refused, and refused as unknown
    const err = await denial(w.fetch(fr, medic, w.sign(medic, mental.tokenId, de, 'emergency', 'unconscious')))
    expect(err.reason?.code).toBe('not-found')
  })
})
