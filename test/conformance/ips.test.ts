/**
 * Conformance of the product with real-world FHIR: every bundle of HEALTHRELAY_IPS_DIR (default
 * ../shared/fixtures/ips beside the repository; read in place, never copied) goes through the
 * whole cross-border path between two real nodes, a DE custodian and a FR requester, on the real
 * embedded chain engine (SQLite, libp2p on 127.0.0.1, cosmjs; test/helpers/cross-border.ts):
 *
 * 1. the patient the bundle is about is enrolled at the DE node with a synthetic key pair and the
 *    identifiers and birth date of the bundle's Patient (or, when the bundle names none usable,
 *    with synthetic ones, and the record is posted with `?subject=`);
 * 2. the bundle's bytes are POSTed to DE's /v1/records as a German provider would, and the record
 *    must be matched to that patient, categorised, encrypted at rest and minted on chain;
 * 3. the patient grants France treatment access on that token with `healthrelay grant create`
 *    (signed with the patient's own key, broadcast through their node);
 * 4. the French doctor runs `healthrelay record get` against the FR node: the doctor-signed
 *    request crosses to DE over libp2p, the envelope's trailer is checked against the custodian's
 *    key in the chain's node registry and the content against the commitment on chain, and the
 *    decrypted file must equal the input bytes exactly.
 *
 * A bundle the node refuses must be listed in EXPECTED_REFUSALS with exactly the errors the API
 * returns (resource, element location, message) and why refusing is right; the suite prints both.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CATEGORIES } from '../../policies/vocabulary.js'
import { getRecord } from '../../node/storage/index.js'
import { runCli, startCrossBorderPair, waitFor, type CliRun, type CrossBorderPair, type EnrolledPatient } from '../helpers/cross-border.js'
import { IPS_DIR, ipsBundles, ipsDirExists } from './ips-dir.js'

const present = ipsDirExists()
const bundles = ipsBundles()
if (!present) console.warn(`conformance: SKIPPED, the FHIR bundle directory ${IPS_DIR} does not exist (set HEALTHRELAY_IPS_DIR to a folder of FHIR R4 JSON bundles)`)

/** Category expected of each known bundle; others must simply derive a valid category. */
const EXPECTED_CATEGORY: Readonly<Record<string, string>> = {
  'IPS_IG_bundle-minimal.json': 'patient-summary',
  'IPS_IG-bundle-01.json': 'patient-summary',
  'NZ_Peter_Jordan_NNJ9186.json': 'patient-summary',
  'CA_VeroSource_colorful_balloon.json': 'patient-summary',
  'Lawrence741_Hammes673_6d44fe03-2478-a82d-7495-3a7c433ed921.json': 'other'
}

interface ReportedError { readonly resource: string, readonly location: string, readonly message: string }

/** Bundles the node refuses: exactly the errors its API must report, and why refusing is right. */
const EXPECTED_REFUSALS: Readonly<Record<string, { readonly errors: readonly ReportedError[], readonly why: string }>> = {
  'DK_Jens_Villadsen_02.json': {
    errors: [
      { resource: 'Composition', location: 'Bundle.entry[0].resource.author', message: 'required' },
      { resource: 'Immunization', location: 'Bundle.entry[2].fullUrl', message: 'an empty string is not a valid FHIR value (omit the element instead)' },
      {
        resource: 'Immunization',
        location: 'Bundle.entry[2].resource.patient.reference',
        message: "'Patient/6651632d-31ab-346a-afd0-71271798eb70' does not resolve inside the Bundle " +
          "(no entry has this fullUrl or is a Patient with id '6651632d-31ab-346a-afd0-71271798eb70')"
      }
    ],
    why: 'refused, not accepted leniently. The node is lenient where the meaning stays certain: the relative ' +
      'fullUrls (resolved as Type/id), the missing Bundle.identifier (the token identifies the record) and the ' +
      'untitled IPS sections are warnings. These three are not: a document Composition without author (1..* in R4) ' +
      'names nobody who attests the summary; an empty-string fullUrl is invalid FHIR JSON; and that entry, an ' +
      'Immunization, is about Patient/6651632d-…, which is not the Bundle\'s Patient (37478061-…) nor any entry of it, ' +
      'so the document may carry another person\'s data. A custodian cannot release that across a border as this ' +
      'patient\'s summary, so it fails closed and tells the provider exactly what to fix.'
  }
}

/** Identifiers and full birth date of the bundle's one Patient (or its document's subject). */
function patientOf (bundle: unknown): { identifiers: Array<{ system?: string, value: string }>, birthDate: string } | undefined {
  const b = bundle as { resourceType?: unknown, type?: unknown, entry?: unknown }
  if (b.resourceType !== 'Bundle' || !Array.isArray(b.entry)) return undefined
  const entries = b.entry as Array<{ fullUrl?: unknown, resource?: Record<string, unknown> }>
  let patients = entries.filter((e) => e.resource?.resourceType === 'Patient')
  if (patients.length > 1 && b.type === 'document') {
    const ref = (entries[0]?.resource?.subject as { reference?: unknown } | undefined)?.reference
    patients = patients.filter((e) => e.fullUrl === ref || `Patient/${String(e.resource?.id)}` === ref)
  }
  const p = patients.length === 1 ? patients[0]?.resource : undefined
  if (p === undefined || typeof p.birthDate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(p.birthDate)) return undefined
  const identifiers = (Array.isArray(p.identifier) ? p.identifier as Array<{ system?: unknown, value?: unknown }> : [])
    .filter((i) => typeof i.value === 'string' && i.value !== '' && i.value.length <= 200)
    .slice(0, 10)
    .map((i) => ({ value: i.value as string, ...(typeof i.system === 'string' && i.system.length <= 200 ? { system: i.system } : {}) }))
  return identifiers.length === 0 ? undefined : { identifiers, birthDate: p.birthDate }
}

/** The resource type an issue's location points into (`Bundle.entry[2]…` → the entry's resource). */
function resourceAt (bundle: unknown, location: string): string {
  const m = /^Bundle\.entry\[(\d+)\](?:\.resource\.contained\[(\d+)\])?/.exec(location)
  if (m === null) return (bundle as { resourceType?: string }).resourceType ?? '(unknown)'
  const entry = ((bundle as { entry?: Array<{ resource?: { resourceType?: string, contained?: Array<{ resourceType?: string }> } }> }).entry ?? [])[Number(m[1])]
  const r = m[2] !== undefined ? entry?.resource?.contained?.[Number(m[2])] : entry?.resource
  return r?.resourceType ?? '(no resource)'
}

/** The errors listed in a FhirValidationError message, one `  - <location>: <message>` per line. */
function listedErrors (message: string, bundle: unknown): ReportedError[] {
  return message.split('\n').filter((l) => l.startsWith('  - ')).map((l) => {
    const line = l.slice(4)
    const at = line.indexOf(': ')
    const location = line.slice(0, at)
    return { resource: resourceAt(bundle, location), location, message: line.slice(at + 2) }
  })
}

async function collect (source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const c of source) parts.push(Buffer.from(c))
  return Buffer.concat(parts)
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

describe.runIf(present)(`conformance: real FHIR bundles of ${IPS_DIR}, DE custodian → FR doctor`, () => {
  let pair: CrossBorderPair
  /** Patients already enrolled, by identity: bundles about the same person go to the same subject. */
  const patients = new Map<string, EnrolledPatient>()
  let synthetic = 0

  beforeAll(async () => {
    pair = await startCrossBorderPair({ label: 'conformance' })
  }, 180_000)

  afterAll(async () => {
    await pair?.stop()
  }, 60_000)

  it('the directory holds FHIR bundles', () => {
    expect(bundles, `no *.json in ${IPS_DIR}`).not.toEqual([])
  })

  /** The enrolled patient the bundle is about, and the `?subject=` to post with when it names none. */
  async function patientFor (bundle: unknown): Promise<{ patient: EnrolledPatient, query: string }> {
    const who = patientOf(bundle)
    if (who === undefined) {
      const patient = await pair.enrol({
        identifiers: [{ system: 'urn:healthrelay:conformance', value: `synthetic-${++synthetic}` }], birthDate: '1970-01-01', categories: [...CATEGORIES]
      })
      return { patient, query: `?subject=${patient.subject}` }
    }
    const identity = `${who.birthDate}|${who.identifiers.map((i) => i.value).sort().join('|')}`
    let patient = patients.get(identity)
    if (patient === undefined) {
      patient = await pair.enrol({ ...who, categories: [...CATEGORIES] })
      patients.set(identity, patient)
    }
    return { patient, query: '' }
  }

  for (const file of bundles) {
    it(file, async () => {
      const received = await readFile(join(IPS_DIR, file))
      const bundle: unknown = JSON.parse(received.toString('utf8'))
      const { patient, query } = await patientFor(bundle)

      // 1. ingestion at the custodian, exactly as its provider posts it
      const put = await pair.api('custodian', `/v1/records${query}`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: received })
      const answer = await put.json() as { tokenId?: string, subject?: string, category?: string, status?: string, warnings?: string[], error?: { name: string, message: string } }
      const refusal = EXPECTED_REFUSALS[file]
      if (refusal !== undefined) {
        expect(put.status, JSON.stringify(answer)).toBe(400)
        expect(answer.error?.name).toBe('FhirValidationError')
        const errors = listedErrors(answer.error?.message ?? '', bundle)
        console.log([
          `conformance: ${file} (${received.byteLength} bytes) REFUSED by the DE node: ${put.status} ${answer.error?.name ?? ''}, ${errors.length} errors:`,
          ...errors.map((e) => `  - ${e.resource} at ${e.location}: ${e.message}`),
          `  why: ${refusal.why}`
        ].join('\n'))
        expect(answer.error?.message.split('\n')[0]).toBe(`the FHIR record has ${refusal.errors.length} errors:`)
        expect(errors).toEqual(refusal.errors)
        // nothing of it was kept: the patient's records at the custodian are unchanged
        const mine = await pair.asPatient(patient, `/v1/subjects/${patient.subject}/records`)
        expect(mine.status).toBe(200)
        expect(((await mine.json()) as { records: Array<{ bytes: number }> }).records.filter((r) => r.bytes === received.byteLength)).toEqual([])
        return
      }
      expect(put.status, `${file} was refused: ${JSON.stringify(answer)}`).toBe(201)
      const tokenId = answer.tokenId ?? ''
      expect(tokenId).toMatch(/^[0-9a-f]{64}$/)
      expect(answer.subject).toBe(patient.subject) // matched by the Patient's identifiers and birth date
      const expected = EXPECTED_CATEGORY[file]
      if (expected !== undefined) expect(answer.category).toBe(expected)
      expect(CATEGORIES as readonly string[]).toContain(answer.category)
      expect(answer.status).toBe('pending')

      // 2. the mint: the token is on chain, with the commitment the custodian stored
      const view = await waitFor(async () => {
        const res = await pair.api('custodian', `/v1/records/${tokenId}`)
        const v = await res.json() as { chain: { status: string, custodian: string, subject: string, commitment: string, mintedHeight: string } | null, local?: { status: string, commitment: string, bytes: number, blobHash?: string } }
        return v.chain !== null && v.chain.status === 'active' && v.local?.status === 'active' ? v : undefined
      }, `the mint of ${file}`, 300, 100)
      expect(view.chain?.custodian).toBe('DE')
      expect(view.chain?.subject).toBe(patient.subject)
      expect(view.chain?.commitment).toBe(view.local?.commitment)
      expect(view.local?.bytes).toBe(received.byteLength)
      // encrypted at rest: the stored blob does not contain the record's text
      const stored = getRecord(pair.custodian.parts.storage.db, tokenId)
      if (stored === undefined) throw new Error(`the custodian holds no record ${tokenId}`)
      const blob = await collect(pair.custodian.parts.storage.blobs.read(stored.blobHash))
      expect(blob.includes(received.subarray(0, 64))).toBe(false)

      // 3. the patient grants France treatment access to this record, signed with their own key
      const granted = await runCli('grant', 'create', ...pair.patientArgs(patient), '--grantee', 'FR', '--purposes', 'treatment', '--tokens', tokenId, '--days', '1', '--json')
      expect(granted.err).toBe('')
      expect(granted.code).toBe(0)
      const grant = JSON.parse(granted.out) as { grantId: string, tokenIds: string[], height: string }
      expect(grant.tokenIds).toEqual([tokenId])

      // 4. the French doctor retrieves it through the FR node, verifies and decrypts it
      const out = join(pair.dir, `${tokenId}.json`)
      let last: CliRun | undefined
      const got = await waitFor(async () => {
        last = await runCli('record', 'get', tokenId, ...pair.doctorArgs(), '--purpose', 'treatment', '--out', out, '--json')
        return last.code === 0 ? last : undefined
      }, `the retrieval of ${file}`, 50, 200).catch((err: unknown) => { throw new Error(`${String(err)}; last run: ${JSON.stringify(last)}`) })
      expect(got.err).toBe('')
      const summary = JSON.parse(got.out) as { status: string, category: string, bytes: string, contentTransformed: boolean, custodian: string, obligations: unknown }
      expect(summary.status).toBe('OK')
      expect(summary.category).toBe(answer.category)
      expect(summary.contentTransformed).toBe(false) // checked against the commitment on chain, not a transformed copy
      expect(summary.custodian).toBe(pair.custodian.peerId)
      expect(summary.bytes).toBe(String(received.byteLength))
      const decrypted = await readFile(out)
      expect(decrypted.byteLength).toBe(received.byteLength)
      expect(decrypted.equals(received)).toBe(true)
      console.log(`conformance: ${file}: ${received.byteLength} bytes, ${answer.category}, ${answer.warnings?.length ?? 0} warnings; ` +
        `token ${tokenId.slice(0, 12)}… minted at height ${view.chain?.mintedHeight ?? '?'}; grant ${grant.grantId} to FR; ` +
        `retrieved by ${pair.doctorProviderId} through FR, trailer and commitment checked, decrypted identical (sha256 ${sha256(decrypted).slice(0, 16)}…)`)
    })
  }
})
