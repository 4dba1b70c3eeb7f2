/** The shared vocabulary of DESIGN.md §3: record categories, purposes, and the two actions. */

export const CATEGORIES = [
  'patient-summary', 'lab-result', 'imaging', 'prescription', 'vaccination', 'consent-form',
  'genomic', 'mental-health', 'sexual-health', 'substance-use', 'other'
] as const
export type Category = typeof CATEGORIES[number]

export const PURPOSES = ['treatment', 'emergency', 'research', 'insurance', 'public-health'] as const
export type Purpose = typeof PURPOSES[number]

export const ACTIONS = ['export', 'import'] as const
export type PolicyAction = typeof ACTIONS[number]

/** A jurisdiction or country code: ISO 3166-1 alpha-2, or a listed union (`EU`). */
export const JURISDICTION_CODE = /^[A-Z]{2}$/

export function isCategory (s: string): s is Category {
  return (CATEGORIES as readonly string[]).includes(s)
}

export function isPurpose (s: string): s is Purpose {
  return (PURPOSES as readonly string[]).includes(s)
}
