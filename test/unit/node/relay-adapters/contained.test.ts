/**
 * The custodian's decision for a record that contains sensitive categories (a patient summary with
 * genomic results, a mental-health condition): the bundled Cedar modules (real engine), the
 * decider's combination logic, and the content transformer's redaction on FHIR JSON.
 */
import { describe, expect, it } from 'vitest'
import { createContentTransformer, createPolicyDecider } from '../../../../node/relay-adapters/policies.js'
import { deriveCategory, redactRecordCategory, RedactionImpossibleError, resourcesOf, categoriesOfResource } from '../../../../node/fhir/index.js'
import type { ReleaseQuestion, RestrictionCheck } from '../../../../relay/service/ports.js'
import { engineWithBundled } from '../../policies/helpers.js'
import { IDS, summaryWithSensitive } from './fixtures.js'

function question (over: Partial<ReleaseQuestion> & { contains?: string[] } = {}): ReleaseQuestion {
  const { contains, ...rest } = over
  return {
    requester: { id: 'fr-doc-1', country: 'FR', role: 'physician' },
    record: { category: 'patient-summary', subjectHomeCountry: 'DE', custodianCountry: 'DE', ...(contains === undefined ? {} : { contains }) },
    purpose: 'emergency',
    sourceCountry: 'DE',
    destinationCountry: 'FR',
    grant: { present: false, valid: false, purposes: [] },
    emergency: true,
    justificationPresent: true,
    patientUnableToConsent: true,
    restricted: false,
    subject: 'hr1subject',
    ...rest
  }
}

const treatmentWithGrant: Partial<ReleaseQuestion> = {
  purpose: 'treatment', emergency: false, justificationPresent: false, patientUnableToConsent: false,
  grant: { present: true, valid: true, purposes: ['treatment'] }
}

const restrictionsOf = (restricted: string[]): RestrictionCheck => ({
  isRestricted: async (_subject, category) => await Promise.resolve(restricted.includes(category))
})

describe('release decision for contained sensitive categories', () => {
  it('without contained categories the answer is the engine\'s, unchanged', async () => {
    const decider = createPolicyDecider({ engine: await engineWithBundled() })
    const a = await decider.decide(question())
    expect(a.decision).toBe('allow')
    expect(a.obligations.some((o) => o.startsWith('redact:'))).toBe(false)
  })

  it('emergency FR from DE: genomic inside a summary is redacted with GenDG §11(3)\'s reason; the summary is released', async () => {
    const decider = createPolicyDecider({ engine: await engineWithBundled() })
    const plain = await decider.decide(question())
    const a = await decider.decide(question({ contains: ['genomic'] }))
    expect(a.decision).toBe('allow')
    expect(a.obligations).toContain('redact:genomic')
    for (const o of plain.obligations) expect(a.obligations).toContain(o)
    expect(a.reasons).toContain('redact:genomic:de-gendg-11-3-explicit-consent-required')
    const record = a.record as { contained: Array<{ category: string, outcome: string, cause: string, reasons: string[] }> }
    expect(record.contained).toEqual([expect.objectContaining({ category: 'genomic', outcome: 'redacted', cause: 'policy-denied' })])
    expect(record.contained[0]?.reasons).toContain('de-gendg-11-3-explicit-consent-required')
    // the decision record holds metadata only
    expect(JSON.stringify(a.record)).not.toMatch(/MARKER|Observation/)
  })

  it('treatment with the patient\'s grant: genomic is released and DE\'s GenDG §12 retention joins the obligations', async () => {
    const decider = createPolicyDecider({ engine: await engineWithBundled() })
    const a = await decider.decide(question({ ...treatmentWithGrant, contains: ['genomic'] }))
    expect(a.decision).toBe('allow')
    expect(a.obligations).not.toContain('redact:genomic')
    expect(a.obligations).toContain('retention:3650')
    expect((a.record as { contained: unknown[] }).contained).toEqual([expect.objectContaining({ category: 'genomic', outcome: 'released' })])
  })

  it('a category the patient restricted is redacted even where the policies would release it', async () => {
    const decider = createPolicyDecider({ engine: await engineWithBundled(), restrictions: restrictionsOf(['mental-health']) })
    const a = await decider.decide(question({ ...treatmentWithGrant, contains: ['mental-health', 'genomic'] }))
    expect(a.decision).toBe('allow')
    // applied to the content, never named to the requester (a restriction is never revealed)
    expect(a.undisclosedObligations).toEqual(['redact:mental-health'])
    expect(a.obligations).not.toContain('redact:mental-health')
    expect(a.obligations).not.toContain('redact:genomic')
    expect(a.reasons.join(' ')).not.toContain('mental-health')
  })

  it('the record\'s own denial stands (contained categories never widen a release)', async () => {
    const decider = createPolicyDecider({ engine: await engineWithBundled() })
    const a = await decider.decide(question({ purpose: 'insurance', emergency: false, justificationPresent: false, patientUnableToConsent: false, contains: ['genomic'] }))
    expect(a.decision).toBe('deny')
    expect(a.obligations).toEqual([])
  })

  it('an unknown contained category denies (fail closed)', async () => {
    const decider = createPolicyDecider({ engine: await engineWithBundled() })
    const a = await decider.decide(question({ contains: ['astrology'] }))
    expect(a.decision).toBe('deny')
    expect(a.reasons).toEqual(['contained-category-unknown'])
  })
})

describe('redaction of contained categories', () => {
  it('removes the genomic report and observation, their references and narratives; keeps the rest', () => {
    const ips = summaryWithSensitive({ genomic: true })
    expect(deriveCategory(ips).sensitive).toEqual(['genomic'])
    const { fhir, removed } = redactRecordCategory(ips, 'genomic')
    expect(removed).toBe(2)
    const left = resourcesOf(fhir)
    expect(left.some((r) => categoriesOfResource(r).includes('genomic'))).toBe(false)
    expect(left.map((r) => r.resourceType)).toEqual(expect.arrayContaining(['Composition', 'Patient', 'AllergyIntolerance', 'MedicationStatement', 'Condition']))
    expect(JSON.stringify(fhir)).not.toMatch(/GENOMIC-MARKER|<div/)
  })

  it('a lone resource of the category cannot be redacted: the transformer throws (the relay then denies)', () => {
    const ips = summaryWithSensitive({ genomic: true })
    const obs = (ips.entry as Array<{ resource: { id: string } }>).map((e) => e.resource).find((r) => r.id === IDS.genomicObservation)
    expect(() => redactRecordCategory(obs, 'genomic')).toThrow(RedactionImpossibleError)
    const t = createContentTransformer()
    expect(() => t.transform(new TextEncoder().encode(JSON.stringify(obs)), ['redact:genomic'], 'application/fhir+json')).toThrow(RedactionImpossibleError)
  })

  it('the transformer applies redact:<category> with the node\'s labelling (security labels too)', () => {
    const ips = summaryWithSensitive({ mentalHealth: true, labelledGenomic: true })
    const t = createContentTransformer()
    const out = JSON.parse(new TextDecoder().decode(t.transform(new TextEncoder().encode(JSON.stringify(ips)), ['redact:mental-health', 'redact:genomic'], 'application/fhir+json'))) as Record<string, unknown>
    expect(deriveCategory(out).sensitive).toEqual([])
    expect(deriveCategory(out).category).toBe('patient-summary')
    expect(JSON.stringify(out)).not.toMatch(/MH-MARKER|LABELLED-MARKER/)
  })
})
