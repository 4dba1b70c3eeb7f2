/**
 * Conformance of the node's ingestion path with real-world FHIR: every bundle of
 * HEALTHRELAY_IPS_DIR is validated, categorised, encrypted with relay/crypto into the blob store
 * (data key wrapped under a file KEK, metadata in SQLite), then released the way a custodian
 * releases it (key re-wrapped to a doctor's X25519 key from a doctor key file) and decrypted on the
 * doctor's side, which must give back the received bytes exactly and match the commitment.
 *
 * The non-conformant Danish bundle is refused with a precise report (see EXPECTED_REFUSALS and
 * docs/operations.md "Keys and storage"). The relay over libp2p between two nodes is exercised by
 * the integration and e2e suites; here the two sides share one process.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../common/logger.js'
import {
  DEFAULT_SEGMENT_BYTES, computeCommitment, createFileKeyProvider, decodeRecordKeys, decodeWrappedSecret, encodeRecordKeys,
  encodeWrappedSecret, generateRecordKeys, openBlob, sealBlob, unwrapFromSender, wrapToRecipient, commitmentMatches, type KeyProvider
} from '../../relay/crypto/index.js'
import { examineFhirRecord, formatIssue, FhirValidationError, isRecordCategory } from '../../node/fhir/index.js'
import { createKeystore, generateDoctorKeys, readDoctorKeyFile, writeDoctorKeyFile } from '../../node/keystore/index.js'
import { createStorage, getRecord, getRecordKey, insertRecord, type Storage } from '../../node/storage/index.js'
import { IPS_DIR, ipsBundles } from './ips-dir.js'

const bundles = ipsBundles()
if (bundles.length === 0) console.warn(`conformance: skipped, no FHIR bundles in ${IPS_DIR} (set HEALTHRELAY_IPS_DIR)`)

/** Category expected of each known bundle; others must simply derive a valid category. */
const EXPECTED_CATEGORY: Readonly<Record<string, string>> = {
  'IPS_IG_bundle-minimal.json': 'patient-summary',
  'IPS_IG-bundle-01.json': 'patient-summary',
  'NZ_Peter_Jordan_NNJ9186.json': 'patient-summary',
  'CA_VeroSource_colorful_balloon.json': 'patient-summary',
  'Lawrence741_Hammes673_6d44fe03-2478-a82d-7495-3a7c433ed921.json': 'other'
}

/** Bundles the node refuses, with exactly the errors it must report. */
const EXPECTED_REFUSALS: Readonly<Record<string, readonly string[]>> = {
  'DK_Jens_Villadsen_02.json': [
    'Bundle.entry[0].resource.author: required',
    'Bundle.entry[2].fullUrl: an empty string is not a valid FHIR value (omit the element instead)',
    "Bundle.entry[2].resource.patient.reference: 'Patient/6651632d-31ab-346a-afd0-71271798eb70' does not resolve inside the Bundle " +
      "(no entry has this fullUrl or is a Patient with id '6651632d-31ab-346a-afd0-71271798eb70')"
  ]
}

async function collect (source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const c of source) parts.push(Buffer.from(c))
  return Buffer.concat(parts)
}

describe.runIf(bundles.length > 0)(`conformance: real FHIR bundles in ${IPS_DIR}`, () => {
  let home: string
  let storage: Storage
  let kek: KeyProvider
  let doctorKeyFile: string

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'hr-conformance-'))
    const keystore = createKeystore({ home, country: 'DE' }, { logger: silentLogger() })
    await keystore.ensure()
    storage = createStorage({ home, lookupSecret: await keystore.lookupSecret() }, { logger: silentLogger() })
    await storage.start()
    kek = createFileKeyProvider({ directory: keystore.paths.kekDir })
    doctorKeyFile = join(home, 'doctor.json')
    await writeDoctorKeyFile(doctorKeyFile, generateDoctorKeys('fr-conformance-1', 'FR'))
  })

  afterAll(async () => {
    await storage.stop()
    await rm(home, { recursive: true, force: true })
  })

  for (const file of bundles) {
    it(file, async () => {
      const received = await readFile(join(IPS_DIR, file))
      const refusal = EXPECTED_REFUSALS[file]
      if (refusal !== undefined) {
        const err = (() => { try { examineFhirRecord(received, { contentType: 'application/fhir+json' }) } catch (e) { return e } })()
        expect(err).toBeInstanceOf(FhirValidationError)
        expect((err as FhirValidationError).issues.filter((i) => i.severity === 'error').map(formatIssue)).toEqual(refusal)
        return
      }

      // ingestion: validate, categorise, find the patient
      const record = examineFhirRecord(received, { contentType: 'application/fhir+json' })
      expect(record.bytes).toBe(received)
      const expected = EXPECTED_CATEGORY[file]
      if (expected !== undefined) expect(record.category.category).toBe(expected)
      expect(isRecordCategory(record.category.category)).toBe(true)
      expect(record.patient?.birthDate).toMatch(/^\d{4}(-\d{2}(-\d{2})?)?$/)

      // encrypt into the blob store, wrap the keys under the KEK, store the metadata
      const tokenId = new Uint8Array(randomBytes(32))
      const keys = generateRecordKeys()
      const blob = await storage.blobs.put(sealBlob([received], { key: keys.dataKey, noncePrefix: keys.noncePrefix, recordId: tokenId, segmentBytes: DEFAULT_SEGMENT_BYTES }))
      const wrapped = await kek.wrap(encodeRecordKeys(keys), tokenId)
      const tokenHex = Buffer.from(tokenId).toString('hex')
      insertRecord(storage.db, {
        tokenId: tokenHex, subject: 'hr1conformance', category: record.category.category, mediaType: record.mediaType,
        plaintextBytes: received.byteLength, blobHash: blob.hash, blobBytes: blob.bytes,
        commitment: Buffer.from(computeCommitment(keys.commitmentSalt, received)).toString('hex'), status: 'local',
        wrappedKey: encodeWrappedSecret(wrapped), kekId: wrapped.keyId, at: Date.now()
      })
      expect((await collect(storage.blobs.read(blob.hash))).includes(received.subarray(0, 64))).toBe(false)

      // custodian: unwrap under the KEK, re-wrap to the doctor's credential key
      const doctor = await readDoctorKeyFile(doctorKeyFile)
      const stored = getRecord(storage.db, tokenHex)
      const key = getRecordKey(storage.db, tokenHex)
      if (stored === undefined || key === undefined) throw new Error('record not stored')
      const atRest = decodeRecordKeys(await kek.unwrap(decodeWrappedSecret(key.wrappedKey), tokenId))
      const toDoctor = wrapToRecipient(atRest, tokenId, doctor.x25519.publicKey)

      // doctor: unwrap, decrypt the stored ciphertext as relayed, check the commitment
      const opened = unwrapFromSender(toDoctor, tokenId, doctor.x25519.privateKey)
      const plaintext = await collect(openBlob(storage.blobs.read(stored.blobHash, { verify: true }), { key: opened.dataKey, recordId: tokenId }))
      expect(plaintext.equals(received)).toBe(true)
      expect(commitmentMatches(Buffer.from(stored.commitment, 'hex'), computeCommitment(opened.commitmentSalt, plaintext))).toBe(true)
    })
  }
})
