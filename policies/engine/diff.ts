/**
 * Diff of two versions of a module over a generated space of requests: categories × purposes ×
 * countries × grant states × emergency states, for both actions. Lists every request whose
 * outcome (decision, reasons or obligations) changes. Pure.
 */
import { CATEGORIES, PURPOSES, type Category, type Purpose, type PolicyAction } from '../vocabulary.js'
import type { PolicyEngine, SideOutcome } from './engine.js'
import type { CompiledModule } from './module.js'
import { parseReleaseRequest, type ReleaseRequest } from './request.js'
import { sameOutcome } from './combine.js'

/** Countries every diff covers, besides those the two modules' lists name. */
export const DIFF_BASE_COUNTRIES = ['AE', 'AU', 'BR', 'CA', 'CH', 'CN', 'DE', 'ES', 'FR', 'GB', 'IN', 'IT', 'JP', 'KR', 'NO', 'NZ', 'RU', 'SG', 'TH', 'US', 'ZA']

export const GRANT_STATES = ['none', 'valid'] as const
export const EMERGENCY_STATES = ['none', 'unable-to-consent', 'able-to-consent'] as const

export interface DiffPoint {
  readonly action: PolicyAction
  readonly category: Category
  readonly purpose: Purpose
  /** The other country: destination of an export, source of an import. */
  readonly country: string
  readonly grant: typeof GRANT_STATES[number]
  readonly emergency: typeof EMERGENCY_STATES[number]
}

export interface DiffChange {
  readonly point: DiffPoint
  readonly request: ReleaseRequest
  readonly before: SideOutcome
  readonly after: SideOutcome
}

export interface DiffReport {
  /** Requests in the space (both actions). */
  readonly requests: number
  /** Evaluations run (countries that no list or policy tells apart are evaluated once). */
  readonly evaluated: number
  readonly changes: readonly DiffChange[]
}

const ROLE: Record<Purpose, string> = { treatment: 'physician', emergency: 'physician', research: 'researcher', insurance: 'insurer', 'public-health': 'public-health-officer' }

/** The country a module's requests come from or go to (a union's first member). */
export function homeCountryOf (m: CompiledModule): string {
  return m.code === 'EU' ? (m.members.find((c) => c !== 'DE' && c !== 'FR') ?? 'BE') : m.code
}

function countriesOf (...modules: CompiledModule[]): string[] {
  const out = new Set(DIFF_BASE_COUNTRIES)
  for (const m of modules) {
    for (const list of Object.values(m.data.lists)) for (const c of list) if (/^[A-Z]{2}$/.test(c)) out.add(c)
  }
  return [...out].sort()
}

export function requestFor (home: string, p: DiffPoint): ReleaseRequest {
  const source = p.action === 'export' ? home : p.country
  const destination = p.action === 'export' ? p.country : home
  return parseReleaseRequest({
    requester: { country: destination, role: ROLE[p.purpose] },
    record: { category: p.category, custodianCountry: source, subjectHomeCountry: source },
    purpose: p.purpose,
    sourceCountry: source,
    destinationCountry: destination,
    grant: p.grant === 'valid' ? { present: true, valid: true, purposes: [p.purpose] } : { present: false, valid: false, purposes: [] },
    emergency: p.emergency !== 'none',
    justificationPresent: p.emergency !== 'none',
    patientUnableToConsent: p.emergency === 'unable-to-consent',
    deidentified: p.purpose === 'research'
  })
}

/**
 * Groups countries that no policy can tell apart: the same membership in every data list of both
 * modules, and named literally in neither policy text. One evaluation stands for the group.
 */
function countryClasses (countries: readonly string[], modules: readonly CompiledModule[]): string[][] {
  const texts = modules.flatMap((m) => [...m.policies.values()].map((p) => p.text)).join('\n')
  const classes = new Map<string, string[]>()
  for (const c of countries) {
    const literal = texts.includes(`"${c}"`)
    const signature = literal ? `literal:${c}` : modules.map((m) => Object.entries(m.data.lists).map(([, list]) => list.includes(c) ? '1' : '0').join('')).join('/')
    const group = classes.get(signature)
    if (group === undefined) classes.set(signature, [c])
    else group.push(c)
  }
  return [...classes.values()]
}

export function diffModules (engine: PolicyEngine, before: CompiledModule, after: CompiledModule, options?: { timeSeconds?: number }): DiffReport {
  const home = homeCountryOf(after)
  const changes: DiffChange[] = []
  let evaluated = 0
  let requests = 0
  const classes = countryClasses(countriesOf(before, after).filter((c) => c !== home), [before, after])
  for (const action of ['export', 'import'] as const) {
    for (const group of classes) {
      const representative = group[0] ?? ''
      for (const category of CATEGORIES) {
        for (const purpose of PURPOSES) {
          for (const grant of GRANT_STATES) {
            for (const emergency of EMERGENCY_STATES) {
              requests += group.length
              const request = requestFor(home, { action, category, purpose, country: representative, grant, emergency })
              const a = engine.evaluate(before, action, request, options)
              const b = engine.evaluate(after, action, request, options)
              evaluated++
              if (sameOutcome(a, b)) continue
              for (const country of group) {
                const point: DiffPoint = { action, category, purpose, country, grant, emergency }
                changes.push({ point, request: country === representative ? request : requestFor(home, point), before: a, after: b })
              }
            }
          }
        }
      }
    }
  }
  changes.sort((x, y) => x.point.action.localeCompare(y.point.action) || x.point.country.localeCompare(y.point.country))
  return { requests, evaluated, changes }
}
