/**
 * A release request as the policy engine sees it: metadata only (who asks, from where, for what,
 * which category), never a record's content. `parseReleaseRequest` validates one at the edge and
 * fills what is missing with fail-closed defaults (no grant, no emergency, nothing counted), so a
 * test case or a regulator's request names only what matters.
 */
import { z } from 'zod'
import { CATEGORIES, PURPOSES } from '../vocabulary.js'
import { InvalidReleaseRequestError } from '../errors.js'

const country = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code')
const region = z.string().regex(/^([A-Z]{2}-[A-Z0-9]{1,3})?$/, 'an ISO 3166-2 code or ""')
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)

export const releaseRequestSchema = z.strictObject({
  requester: z.strictObject({
    id: z.string().min(1).max(200).default('provider'),
    country,
    role: z.string().min(1).max(64).default('physician')
  }),
  record: z.strictObject({
    category: z.enum(CATEGORIES),
    subjectHomeCountry: country,
    custodianCountry: country,
    custodianRegion: region.default(''),
    origin: z.string().max(64).default('')
  }),
  purpose: z.enum(PURPOSES),
  sourceCountry: country,
  destinationCountry: country,
  grant: z.strictObject({
    present: z.boolean().default(false),
    valid: z.boolean().default(false),
    purposes: z.array(z.enum(PURPOSES)).max(PURPOSES.length).default([])
  }).default({ present: false, valid: false, purposes: [] }),
  emergency: z.boolean().default(false),
  justificationPresent: z.boolean().default(false),
  patientUnableToConsent: z.boolean().default(false),
  restricted: z.boolean().default(false),
  deidentified: z.boolean().default(false),
  hosting: z.boolean().default(false),
  secondaryUseOptOut: z.boolean().default(false),
  recipient: z.strictObject({
    publicBody: z.boolean().default(false),
    certified: z.boolean().default(false),
    safeguards: z.boolean().default(false)
  }).default({ publicBody: false, certified: false, safeguards: false }),
  transfers: z.strictObject({
    genomic: count.default(0),
    omic: count.default(0),
    health: count.default(0),
    requesterEmergencies: count.default(0)
  }).default({ genomic: 0, omic: 0, health: 0, requesterEmergencies: 0 })
})

/** A validated release request (every field present). */
export type ReleaseRequest = z.output<typeof releaseRequestSchema>
/** What callers may pass: everything with a default may be left out. */
export type ReleaseRequestInput = z.input<typeof releaseRequestSchema>

function fillCountries (input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input
  const r = { ...(input as Record<string, unknown>) }
  const record = typeof r.record === 'object' && r.record !== null ? { ...(r.record as Record<string, unknown>) } : undefined
  const requester = typeof r.requester === 'object' && r.requester !== null ? { ...(r.requester as Record<string, unknown>) } : undefined
  if (record !== undefined) {
    if (record.custodianCountry === undefined && typeof r.sourceCountry === 'string') record.custodianCountry = r.sourceCountry
    if (r.sourceCountry === undefined && typeof record.custodianCountry === 'string') r.sourceCountry = record.custodianCountry
    if (record.subjectHomeCountry === undefined && typeof record.custodianCountry === 'string') record.subjectHomeCountry = record.custodianCountry
    r.record = record
  }
  if (requester !== undefined) {
    if (requester.country === undefined && typeof r.destinationCountry === 'string') requester.country = r.destinationCountry
    if (r.destinationCountry === undefined && typeof requester.country === 'string') r.destinationCountry = requester.country
    r.requester = requester
  } else if (typeof r.destinationCountry === 'string') {
    r.requester = { country: r.destinationCountry }
  }
  return r
}

/** Validates a release request, filling fail-closed defaults; throws InvalidReleaseRequestError. */
export function parseReleaseRequest (input: unknown): ReleaseRequest {
  const result = releaseRequestSchema.safeParse(fillCountries(input))
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`)
    throw new InvalidReleaseRequestError(`invalid release request: ${problems.join('; ')}`)
  }
  return result.data
}
