/**
 * `module.json`: what a module is (code, version, regulator, legal references, the parent it
 * extends) and its data lists, which reach the policies as `context.lists.<name>` and
 * `context.limits.<name>` (one line of JSON per list, so a regulator edits one line).
 */
import { z } from 'zod'

/** The list names of the shared schema's `Lists` type (policies/schema.cedarschema). */
export const LIST_NAMES = [
  'eea', 'adequacy', 'adequacyCertifiedOnly', 'adequacyCommercialOnly', 'countriesOfConcern',
  'blockedCountries', 'exportAllowed', 'emergencyCategories', 'specialCategories', 'clinicalRoles',
  'publicHealthRoles', 'researchRoles', 'insurerRoles', 'localOnlyRegions', 'localStorageRegions',
  'offsiteRestrictedRegions', 'offsiteAllowedCountries', 'similarLaw', 'geneticConsentRegions'
] as const
export type ListName = typeof LIST_NAMES[number]

/** The limit names of the shared schema's `Limits` type. */
export const LIMIT_NAMES = ['bulkGenomic', 'bulkOmic', 'bulkHealth', 'emergencyRequests'] as const
export type LimitName = typeof LIMIT_NAMES[number]

export const DEFAULT_TRANSFER_WINDOW_DAYS = 365

const code = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code or EU')
const listValue = z.array(z.string().min(1).max(64)).max(500)
const limitValue = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)

const dataSchema = z.record(z.string(), z.unknown()).superRefine((data, ctx) => {
  for (const [key, value] of Object.entries(data)) {
    if ((LIST_NAMES as readonly string[]).includes(key)) {
      const r = listValue.safeParse(value)
      if (!r.success) ctx.addIssue({ code: 'custom', path: [key], message: 'a list: an array of strings' })
    } else if ((LIMIT_NAMES as readonly string[]).includes(key)) {
      const r = limitValue.safeParse(value)
      if (!r.success) ctx.addIssue({ code: 'custom', path: [key], message: 'a limit: a non-negative integer' })
    } else {
      ctx.addIssue({ code: 'custom', path: [key], message: `unknown data list; the schema has the lists ${LIST_NAMES.join(', ')} and the limits ${LIMIT_NAMES.join(', ')}` })
    }
  }
})

export const manifestSchema = z.strictObject({
  code,
  name: z.string().min(1).max(200),
  version: z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/, 'a version such as 2026.11.0'),
  description: z.string().max(4000).optional(),
  regulator: z.strictObject({
    name: z.string().min(1).max(200),
    others: z.array(z.string().min(1).max(200)).max(20).optional()
  }),
  extends: code.optional(),
  members: z.array(code).max(60).optional(),
  legalReferences: z.array(z.strictObject({
    id: z.string().min(1).max(64),
    citation: z.string().min(1).max(400),
    url: z.string().max(400).optional()
  })).min(1).max(200),
  data: dataSchema.optional(),
  transferWindowDays: z.number().int().min(1).max(3650).optional(),
  unverified: z.array(z.strictObject({
    id: z.string().min(1).max(64),
    point: z.string().min(1).max(2000),
    where: z.string().min(1).max(200)
  })).max(100).optional()
})

export type Manifest = z.output<typeof manifestSchema>

/** A module's lists and limits after `extends` (the child's entries replace the parent's). */
export interface ModuleData {
  readonly lists: Readonly<Record<ListName, readonly string[]>>
  readonly limits: Readonly<Partial<Record<LimitName, number>>>
}

/** Merges a manifest's data over its parent's. */
export function mergeData (own: Manifest['data'], parent?: ModuleData): ModuleData {
  const lists = Object.fromEntries(LIST_NAMES.map((n) => [n, parent?.lists[n] ?? []])) as Record<ListName, readonly string[]>
  const limits: Partial<Record<LimitName, number>> = { ...(parent?.limits ?? {}) }
  for (const [key, value] of Object.entries(own ?? {})) {
    if ((LIST_NAMES as readonly string[]).includes(key)) lists[key as ListName] = [...(value as string[])]
    else if ((LIMIT_NAMES as readonly string[]).includes(key)) limits[key as LimitName] = value as number
  }
  return { lists, limits }
}
