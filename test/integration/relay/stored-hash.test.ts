// The ciphertext hash kept with a record, across real nodes on loopback (DE custodian, FR doctor;
// embedded chain, bundled Cedar modules, real SQLite and blob files): a record ingested by the
// node's record service is relayed with the hash kept at ingestion in its signed trailer, and the
// doctor's openEnvelope accepts it; a blob altered on disk after ingestion, or a kept hash that is
// not the segments', is rejected; a record stored before the hash was kept is relayed as before and
// keeps its hash after one full retrieval; a redacted release (new content) still verifies.
import { createHash, randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../../common/logger.js'
import { BLOB_HEADER_BYTES, bytesToHex, generateX25519KeyPair, hexToBytes } from '../../../relay/crypto/index.js'
import { TamperedSegmentError, TranscriptMismatchError } from '../../../relay/errors.js'
import { createRecordService, type RecordService } from '../../../node/services/records.js'
import { getRecord, setRecordStatus } from '../../../node/storage/index.js'
import { MARKERS, paddedSummary } from '../../unit/node/relay-adapters/fixtures.js'
import { createRelayWorld, fhirBundle, type Doctor, type Patient, type RelayNode, type RelayWorld } from './harness.js'

const sha256hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

/** A synthetic patient summary (optionally with genomic results inside), padded with 240 kB of narrative. */
const summary = (label: string, genomic = false): Uint8Array => paddedSummary(label, 240_000, { genomic })

describe('ciphertext hash kept with the record, across real nodes', () => {
  let w: RelayWorld
  let de: RelayNode
  let fr: RelayNode
  let patient: Patient
  let doctor: Doctor
  let records: RecordService

  /** Ingested by the DE node's record service, minted on chain, granted to FR for treatment. */
  const ingest = async (body: Uint8Array): Promise<Uint8Array> => {
    const r = await records.ingest(body, { contentType: 'application/fhir+json', subject: patient.subject })
    const row = getRecord(de.storage.db, r.tokenId)!
    const tokenId = hexToBytes(r.tokenId)
    await (await w.signer(w.operator('DE'))).mintRecordTokens([{ id: tokenId, subject: patient.subject, commitment: hexToBytes(row.commitment), sealedMetadata: new Uint8Array(randomBytes(48)) }])
    setRecordStatus(de.storage.db, r.tokenId, 'active', Date.now())
    await w.grant(patient, [tokenId], { country: 'FR' }, ['treatment'])
    return tokenId
  }
  const blobPath = (tokenId: Uint8Array): string => de.storage.blobs.path(getRecord(de.storage.db, bytesToHex(tokenId))!.blobHash)
  const keptHash = (tokenId: Uint8Array): string | undefined => getRecord(de.storage.db, bytesToHex(tokenId))!.ciphertextHash

  beforeAll(async () => {
    w = await createRelayWorld({ label: 'stored-hash', nodes: [{ name: 'de1', country: 'DE' }, { name: 'fr1', country: 'FR' }] })
    de = w.node('de1')
    fr = w.node('fr1')
    patient = await w.enrol(de, 'hash')
    doctor = w.doctor(fr, { providerId: 'dr-fr-hash' })
    records = createRecordService({
      storage: de.storage, kek: de.kek, country: 'DE', custodianX25519: generateX25519KeyPair().publicKey,
      enrollOnChain: async () => { await Promise.resolve() }, logger: silentLogger()
    })
  }, 120_000)

  afterAll(async () => { await w?.stop() }, 60_000)

  it('an ingested record is relayed with the hash kept at ingestion, and the doctor accepts it', async () => {
    const body = summary('hash-round-trip')
    const tokenId = await ingest(body)
    const kept = keptHash(tokenId)
    expect(kept).toBe(sha256hex((await readFile(blobPath(tokenId))).subarray(BLOB_HEADER_BYTES)))
    const opened = await w.fetch(fr, doctor, w.sign(doctor, tokenId, de))
    expect(Buffer.from(opened.plaintext).equals(Buffer.from(body))).toBe(true)
    expect(opened.header).toMatchObject({ status: 'OK', contentTransformed: false })
    expect(bytesToHex(opened.trailer.ciphertextHash)).toBe(kept)
  })

  it('a blob altered on disk after ingestion is rejected by the doctor (fail closed)', async () => {
    const tokenId = await ingest(summary('hash-tampered'))
    const file = await readFile(blobPath(tokenId))
    file[BLOB_HEADER_BYTES + 70_000] = file[BLOB_HEADER_BYTES + 70_000]! ^ 0xff
    await writeFile(blobPath(tokenId), file)
    await expect(w.fetch(fr, doctor, w.sign(doctor, tokenId, de))).rejects.toBeInstanceOf(TamperedSegmentError)
  })

  it('a kept hash that is not the segments\' (altered in the database) is rejected by the doctor: the relay signs it as kept', async () => {
    const tokenId = await ingest(summary('hash-wrong'))
    de.storage.db.prepare('UPDATE records SET ciphertext_hash = ? WHERE token_id = ?').run(sha256hex(new Uint8Array(1)), bytesToHex(tokenId))
    await expect(w.fetch(fr, doctor, w.sign(doctor, tokenId, de))).rejects.toBeInstanceOf(TranscriptMismatchError)
  })

  it('a record stored before the hash was kept is relayed as before and keeps its hash after one full retrieval', async () => {
    const old = await w.store([de], patient, 'patient-summary', fhirBundle('hash-old', 300_000))
    await w.grant(patient, [old.tokenId], { country: 'FR' }, ['treatment'])
    expect(keptHash(old.tokenId)).toBeUndefined()
    const first = await w.fetch(fr, doctor, w.sign(doctor, old.tokenId, de))
    expect(sha256hex(first.plaintext)).toBe(old.sha256)
    const expected = sha256hex((await readFile(blobPath(old.tokenId))).subarray(BLOB_HEADER_BYTES))
    expect(bytesToHex(first.trailer.ciphertextHash)).toBe(expected)
    expect(keptHash(old.tokenId)).toBe(expected)
    const second = await w.fetch(fr, doctor, w.sign(doctor, old.tokenId, de))
    expect(sha256hex(second.plaintext)).toBe(old.sha256)
    expect(bytesToHex(second.trailer.ciphertextHash)).toBe(expected)
  })

  it('a redacted release (new content under a new key) is hashed as streamed and verifies', async () => {
    const tokenId = await ingest(summary('hash-redacted', true))
    expect(keptHash(tokenId)).toBeDefined()
    expect(getRecord(de.storage.db, bytesToHex(tokenId))!.contains).toEqual(['genomic'])
    const medic = w.doctor(fr, { providerId: 'dr-fr-hash-emergency' })
    const opened = await w.fetch(fr, medic, w.sign(medic, tokenId, de, 'emergency', 'unconscious after a road accident'))
    expect(opened.header).toMatchObject({ status: 'OK', contentTransformed: true })
    expect(opened.header.obligations).toContain('redact:genomic')
    expect(bytesToHex(opened.trailer.ciphertextHash)).not.toBe(keptHash(tokenId))
    const text = new TextDecoder().decode(opened.plaintext)
    expect(text).not.toContain(MARKERS.genomicObservation)
    // the rest of the summary intact (the redaction drops the narratives too)
    expect(text).toContain('Allergy to penicillin')
  })
})
