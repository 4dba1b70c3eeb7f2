/**
 * Sensitive content inside a patient summary, across a real border (DE custodian, FR requester;
 * real engine and bundled Cedar modules, SQLite, libp2p, cosmjs, the `healthrelay` CLI): the
 * summary's contained categories are decided separately and redacted when denied or restricted.
 * The summaries are synthetic (generated here), never copies of real bundles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { syntheticPatient, deriveCategory, resourcesOf, type SyntheticPatient } from '../../../node/fhir/index.js'
import { signRestrictions } from '../../../node/services/patient-requests.js'
import { startCrossBorderPair, runCli, waitFor, type CrossBorderPair, type EnrolledPatient } from '../../helpers/cross-border.js'
import { MARKERS, summaryWithSensitive } from '../../unit/node/relay-adapters/fixtures.js'

interface Got { status: string, contentTransformed: boolean, obligations: string[] }

describe('contained sensitive categories in a patient summary, DE → FR', () => {
  let pair: CrossBorderPair
  const genomicPerson = syntheticPatient('contained-genomic', 'DE')
  const mentalPerson = syntheticPatient('contained-mental', 'DE')
  let genomicPatient: EnrolledPatient
  let mentalPatient: EnrolledPatient
  let genomicToken = ''
  let mentalToken = ''

  const ingest = async (person: SyntheticPatient, body: Record<string, unknown>): Promise<{ tokenId: string, category: string }> => {
    const res = await pair.api('custodian', '/v1/records', { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) })
    expect(res.status).toBe(201)
    return await res.json() as { tokenId: string, category: string }
  }
  const enrol = async (person: SyntheticPatient): Promise<EnrolledPatient> =>
    await pair.enrol({ identifiers: [person.nationalId], birthDate: person.birthDate, categories: ['patient-summary'] })
  const get = async (tokenId: string, out: string, ...extra: string[]): Promise<{ code: number, got: Got, err: string }> => {
    const r = await runCli('record', 'get', tokenId, ...pair.doctorArgs(), '--out', out, '--json', ...extra)
    return { code: r.code, got: (r.code === 0 ? JSON.parse(r.out) : { status: r.err }) as Got, err: r.err }
  }
  const grantTreatment = async (p: EnrolledPatient): Promise<void> => {
    const r = await runCli('grant', 'create', ...pair.patientArgs(p), '--grantee', 'FR', '--purposes', 'treatment', '--categories', 'patient-summary', '--days', '7', '--json')
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
  }
  const decisions = (tokenId: string): Array<{ decision: string, obligations: string, request: string }> =>
    pair.custodian.parts.storage.db.prepare('SELECT decision, obligations, request FROM decisions WHERE token_id = ? ORDER BY id').all(tokenId) as Array<{ decision: string, obligations: string, request: string }>

  beforeAll(async () => {
    pair = await startCrossBorderPair({ label: 'contained' })
    genomicPatient = await enrol(genomicPerson)
    mentalPatient = await enrol(mentalPerson)
    const g = await ingest(genomicPerson, summaryWithSensitive({ genomic: true, patient: genomicPerson }))
    const m = await ingest(mentalPerson, summaryWithSensitive({ mentalHealth: true, patient: mentalPerson }))
    expect([g.category, m.category]).toEqual(['patient-summary', 'patient-summary'])
    genomicToken = g.tokenId
    mentalToken = m.tokenId
    await pair.custodian.drainOutbox()
  }, 180_000)

  afterAll(async () => { await pair?.stop() })

  it('keeps the contained categories with the record\'s local metadata', () => {
    const row = (t: string): unknown => pair.custodian.parts.storage.db.prepare('SELECT category, contains FROM records WHERE token_id = ?').get(t)
    expect(row(genomicToken)).toEqual({ category: 'patient-summary', contains: '["genomic"]' })
    expect(row(mentalToken)).toEqual({ category: 'patient-summary', contains: '["mental-health"]' })
  })

  it('shows the contained categories in the record\'s metadata (GET /v1/records/{tokenId}) to the subject and the custodian country\'s providers', async () => {
    const own = await (await pair.asPatient(genomicPatient, `/v1/records/${genomicToken}`)).json() as { local?: { category: string, contains: string[] } }
    expect(own.local).toMatchObject({ category: 'patient-summary', contains: ['genomic'] })
    const agency = await (await pair.api('custodian', `/v1/records/${mentalToken}`)).json() as { local?: { contains: string[] } }
    expect(agency.local?.contains).toEqual(['mental-health'])
  })

  it('emergency, no consent: the summary is released without its genomic results (GenDG §11(3)), the rest intact', async () => {
    const out = join(pair.dir, 'emergency.json')
    const r = await waitFor(async () => {
      const run = await get(genomicToken, out, '--purpose', 'emergency', '--justification', 'unconscious after a road accident')
      return run.code === 0 ? run : undefined
    }, 'the emergency release', 50, 200)
    expect(r.got.status).toBe('OK')
    expect(r.got.contentTransformed).toBe(true)
    expect(r.got.obligations).toContain('redact:genomic')
    expect(r.got.obligations).toContain('notify-patient')
    const text = await readFile(out, 'utf8')
    expect(text).not.toContain(MARKERS.genomicObservation)
    expect(text).not.toContain(MARKERS.genomicReport)
    const released = JSON.parse(text) as Record<string, unknown>
    expect(deriveCategory(released)).toMatchObject({ category: 'patient-summary', sensitive: [] })
    const types = resourcesOf(released).map((x) => x.resourceType)
    expect(types).not.toContain('DiagnosticReport')
    expect(types).toEqual(expect.arrayContaining(['Composition', 'Patient', 'Condition', 'MedicationStatement', 'AllergyIntolerance']))
    // the decision log says what was redacted and why, without health data
    const logged = decisions(genomicToken).filter((d) => d.decision === 'allow').at(-1)
    expect(JSON.parse(logged?.obligations ?? '[]')).toContain('redact:genomic')
    const request = JSON.parse(logged?.request ?? '{}') as { contained?: Array<{ category: string, outcome: string, reasons: string[] }> }
    expect(request.contained).toEqual([expect.objectContaining({ category: 'genomic', outcome: 'redacted', reasons: expect.arrayContaining(['de-gendg-11-3-explicit-consent-required']) as unknown })])
    expect(logged?.request).not.toContain('MARKER')
  })

  it('treatment with the patient\'s grant: DE releases the genomic results with GenDG §12\'s 10-year retention', async () => {
    await grantTreatment(genomicPatient)
    const out = join(pair.dir, 'treatment.json')
    const r = await waitFor(async () => {
      const run = await get(genomicToken, out, '--purpose', 'treatment')
      return run.code === 0 ? run : undefined
    }, 'the grant to be seen', 50, 200)
    expect(r.got.obligations).not.toContain('redact:genomic')
    expect(r.got.obligations).toContain('retention:3650')
    expect(r.got.contentTransformed).toBe(false)
    const text = await readFile(out, 'utf8')
    expect(text).toContain(MARKERS.genomicObservation)
    expect(text).toContain(MARKERS.genomicReport)
  })

  it('a patient who restricted mental-health: the mental-health condition is removed from their summary, the summary still released', async () => {
    const signedAt = Date.now()
    const res = await pair.asPatient(mentalPatient, `/v1/subjects/${mentalPatient.subject}/restrictions`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ categories: ['mental-health'], signedAt, signature: signRestrictions(mentalPatient.subject, signedAt, ['mental-health'], mentalPatient.privateKey) })
    })
    expect(res.status).toBeLessThan(300)
    await grantTreatment(mentalPatient)
    const out = join(pair.dir, 'restricted.json')
    const r = await waitFor(async () => {
      const run = await get(mentalToken, out, '--purpose', 'treatment')
      return run.code === 0 ? run : undefined
    }, 'the grant to be seen', 50, 200)
    // the doctor is never told that a restriction removed something: no redact obligation named
    expect(r.got.obligations).not.toContain('redact:mental-health')
    expect(r.got.contentTransformed).toBe(true)
    const text = await readFile(out, 'utf8')
    expect(text).not.toContain(MARKERS.mentalHealth)
    const released = JSON.parse(text) as Record<string, unknown>
    expect(deriveCategory(released)).toMatchObject({ category: 'patient-summary', sensitive: [] })
    // the summary's own condition (not mental-health) is still there
    expect(resourcesOf(released).filter((x) => x.resourceType === 'Condition')).toHaveLength(1)
    const logged = decisions(mentalToken).filter((d) => d.decision === 'allow').at(-1)
    expect(JSON.parse(logged?.request ?? '{}')).toMatchObject({ undisclosedObligations: ['redact:mental-health'], contained: [{ category: 'mental-health', outcome: 'redacted', cause: 'restricted' }] })
  })
})
