/**
 * The obligations the relay knows (DESIGN.md §6). A module that names any other is refused at
 * load; a release that carries an unknown one is denied (fail closed).
 */
import { CATEGORIES, type Category } from '../vocabulary.js'

export type Obligation =
  | { readonly kind: 'notify-patient' }
  | { readonly kind: 'audit' }
  | { readonly kind: 'deidentify' }
  | { readonly kind: 'minimum-necessary' }
  | { readonly kind: 'redact', readonly category: Category }
  | { readonly kind: 'retention', readonly days: number }

export const SIMPLE_OBLIGATIONS = ['notify-patient', 'audit', 'deidentify', 'minimum-necessary'] as const

/** The longest retention an obligation may carry (100 years). */
export const MAX_RETENTION_DAYS = 36_500

/** Parses one obligation name; undefined when the relay does not know it. */
export function parseObligation (text: string): Obligation | undefined {
  const s = text.trim()
  if ((SIMPLE_OBLIGATIONS as readonly string[]).includes(s)) return { kind: s as typeof SIMPLE_OBLIGATIONS[number] }
  const redact = /^redact:([a-z-]+)$/.exec(s)
  if (redact !== null) {
    const category = redact[1] as Category
    return CATEGORIES.includes(category) ? { kind: 'redact', category } : undefined
  }
  const retention = /^retention:([1-9][0-9]{0,5})$/.exec(s)
  if (retention !== null) {
    const days = Number(retention[1])
    return days <= MAX_RETENTION_DAYS ? { kind: 'retention', days } : undefined
  }
  return undefined
}

/** Splits an `@obligation("a,b")` annotation into its names (empty names dropped). */
export function splitObligations (annotation: string): string[] {
  return annotation.split(',').map((s) => s.trim()).filter((s) => s !== '')
}

/** The canonical text of an obligation (`redact:genomic`, `retention:3650`, `audit`). */
export function formatObligation (o: Obligation): string {
  if (o.kind === 'redact') return `redact:${o.category}`
  if (o.kind === 'retention') return `retention:${o.days}`
  return o.kind
}
