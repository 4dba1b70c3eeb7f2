/**
 * Sensitive content the policy engine's per-resource mapping does not see: HL7 v3 ActCode
 * security labels (meta.security), and diagnosis codes (ICD-10 chapters, SNOMED CT concepts such
 * as HIV infection) on any resource's code, category, type, reason or value. Deliberately
 * over-inclusive: a false positive makes a record more protected.
 */
import { isObject, type JsonObject } from './elements.js'
import type { RecordCategory } from './category.js'

export interface Coding { readonly system: string | undefined, readonly code: string }

/** Codings of a CodeableConcept, an array of them, or a Coding array (meta.security). */
export function codingsOf (value: unknown): Coding[] {
  const items = Array.isArray(value) ? value : [value]
  return items.flatMap((item) => {
    if (!isObject(item)) return []
    if (typeof item.code === 'string') return [{ system: typeof item.system === 'string' ? item.system : undefined, code: item.code }]
    if (!Array.isArray(item.coding)) return []
    return item.coding.flatMap((c) => isObject(c) && typeof c.code === 'string'
      ? [{ system: typeof c.system === 'string' ? c.system : undefined, code: c.code }] : [])
  })
}

const SECURITY_LABELS: Readonly<Record<string, RecordCategory>> = {
  ETH: 'substance-use', ETHUD: 'substance-use', OPIOIDUD: 'substance-use', SUD: 'substance-use',
  PSY: 'mental-health', PSYTHPN: 'mental-health', MH: 'mental-health', BH: 'mental-health',
  HIV: 'sexual-health', STD: 'sexual-health', SEX: 'sexual-health', SDV: 'sexual-health',
  GDIS: 'genomic', GENETIC: 'genomic'
}

const SNOMED: Readonly<Record<string, RecordCategory>> = {
  // substance use
  7200002: 'substance-use', 66590003: 'substance-use', 191816009: 'substance-use', 26416006: 'substance-use',
  5602001: 'substance-use', 191819002: 'substance-use', 15167005: 'substance-use',
  // mental health
  35489007: 'mental-health', 370143000: 'mental-health', 197480006: 'mental-health', 58214004: 'mental-health',
  13746004: 'mental-health', 47505003: 'mental-health', 69322001: 'mental-health', 74732009: 'mental-health',
  // sexual health
  86406008: 'sexual-health', 62479008: 'sexual-health', 165816005: 'sexual-health', 8098009: 'sexual-health',
  15628003: 'sexual-health', 76272004: 'sexual-health'
}

const GENOMIC_LOINC = new Set(['51969-4', '81247-9', '69548-6', '55233-1', '48018-6', '81252-9'])

function fromIcd10 (code: string): RecordCategory | undefined {
  const c = code.toUpperCase()
  if (/^F1\d/.test(c)) return 'substance-use'
  if (/^F\d/.test(c)) return 'mental-health'
  if (/^(A5\d|A6[0-4]|B2[0-4]|Z21)/.test(c)) return 'sexual-health'
  return undefined
}

function fromCoding (c: Coding): RecordCategory | undefined {
  const system = c.system ?? ''
  if (system.includes('icd-10') || system.includes('icd10')) return fromIcd10(c.code)
  if (system === 'http://snomed.info/sct') return SNOMED[c.code]
  if (system === 'http://loinc.org' && GENOMIC_LOINC.has(c.code)) return 'genomic'
  if (system === 'http://terminology.hl7.org/CodeSystem/v2-0074' && c.code === 'GE') return 'genomic'
  return undefined
}

/** The sensitive category of one resource, or undefined. */
export function sensitiveCategoryOf (r: JsonObject): RecordCategory | undefined {
  const meta = r.meta
  if (isObject(meta)) {
    for (const label of codingsOf(meta.security)) {
      const c = SECURITY_LABELS[label.code]
      if (c !== undefined) return c
    }
  }
  if (r.resourceType === 'MolecularSequence') return 'genomic'
  for (const element of [r.code, r.category, r.type, r.reasonCode, r.valueCodeableConcept]) {
    for (const coding of codingsOf(element)) {
      const c = fromCoding(coding)
      if (c !== undefined) return c
    }
  }
  return undefined
}
