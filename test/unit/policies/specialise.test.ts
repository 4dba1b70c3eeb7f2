/**
 * The engine evaluates each request with its module's set specialised for the action, purpose and
 * category (folded, flat inputs, memberships worked out beforehand). These tests compare it with
 * the reference path, every policy of the module with nested inputs (`specialise: false`), over
 * the generated space of the policy diff (categories × purposes × countries × grant states ×
 * emergency states, both actions) and over a varied mix, for every bundled module.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { CATEGORIES, PURPOSES } from '../../../policies/vocabulary.js'
import {
  createPolicyEngine, parseReleaseRequest, requestFor, homeCountryOf, DIFF_BASE_COUNTRIES, GRANT_STATES, EMERGENCY_STATES,
  type CompiledModule, type Evaluation, type PolicyEngine, type ReleaseRequest
} from '../../../policies/engine/index.js'
import { flattenPolicies } from '../../../policies/engine/flatten.js'
import { residual } from '../../../policies/engine/specialise.js'
import { SCHEMA, NOW, bundledFiles } from './helpers.js'

let reference: PolicyEngine
let engine: PolicyEngine

async function load (specialise: boolean): Promise<PolicyEngine> {
  const e = createPolicyEngine({ schema: SCHEMA, clock: () => NOW, cacheSize: 0, specialise })
  for (const files of (await bundledFiles()).values()) e.load(files)
  return e
}

beforeAll(async () => {
  reference = await load(false)
  engine = await load(true)
}, 120_000)

const outcome = (e: Evaluation): unknown => ({ decision: e.decision, policies: e.policies, reasons: e.reasons, obligations: e.obligations, errors: e.errors, version: e.version })

/** The other countries of a module's requests, one per class its lists and policy texts cannot tell apart. */
function countryClasses (m: CompiledModule): string[] {
  const texts = [...m.policies.values()].map((p) => p.text).join('\n')
  const countries = new Set(DIFF_BASE_COUNTRIES)
  for (const list of Object.values(m.data.lists)) for (const c of list) if (/^[A-Z]{2}$/.test(c)) countries.add(c)
  const byClass = new Map<string, string>()
  for (const c of [...countries].sort()) {
    const signature = texts.includes(`"${c}"`) ? `literal ${c}` : Object.values(m.data.lists).map((l) => l.includes(c) ? '1' : '0').join('')
    if (!byClass.has(signature)) byClass.set(signature, c)
  }
  return [...byClass.values()]
}

describe('specialised policy sets decide exactly as the whole set', () => {
  it('every module, over categories × purposes × countries × grant × emergency states, both actions', () => {
    let n = 0
    for (const m of engine.modules()) {
      const ref = reference.get(m.code) as CompiledModule
      const home = homeCountryOf(m)
      for (const country of countryClasses(m).filter((c) => c !== home)) {
        for (const action of ['export', 'import'] as const) {
          for (const category of CATEGORIES) {
            for (const purpose of PURPOSES) {
              for (const grant of GRANT_STATES) {
                for (const emergency of EMERGENCY_STATES) {
                  const r = requestFor(home, { action, category, purpose, country, grant, emergency })
                  const a = reference.evaluate(ref, action, r)
                  const b = engine.evaluate(m, action, r)
                  if (JSON.stringify(outcome(a)) !== JSON.stringify(outcome(b))) {
                    expect(outcome(b), `${m.code} ${action} ${JSON.stringify(r)}`).toEqual(outcome(a))
                  }
                  n++
                }
              }
            }
          }
        }
      }
    }
    expect(n).toBeGreaterThan(20_000)
  }, 600_000)

  it('a varied mix of releases (roles, regions, origins, recipients, transfer counts, restrictions, hosting)', () => {
    let seed = 7
    const rnd = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T
    const countries = ['DE', 'FR', 'IT', 'US', 'GB', 'CH', 'JP', 'CN', 'RU', 'IN', 'BR', 'CA', 'AU', 'KR', 'SG', 'AE', 'NO']
    const roles = ['physician', 'nurse', 'pharmacist', 'researcher', 'insurer', 'public-health-officer', 'hosting-provider', 'psychologist']
    let n = 0
    for (let i = 0; i < 3000; i++) {
      const source = pick(countries)
      const destination = pick(countries.filter((c) => c !== source))
      const purpose = pick(PURPOSES)
      const request: ReleaseRequest = parseReleaseRequest({
        requester: { id: `p${i % 7}`, country: rnd() < 0.9 ? destination : pick(countries), role: pick(roles) },
        record: { category: pick(CATEGORIES), custodianCountry: source, subjectHomeCountry: rnd() < 0.8 ? source : pick(countries), custodianRegion: source === 'US' && rnd() < 0.3 ? pick(['US-FL', 'US-TX', 'US-CA']) : source === 'CA' && rnd() < 0.3 ? pick(['CA-NS', 'CA-BC', 'CA-ON']) : '', origin: source === 'AU' && rnd() < 0.5 ? 'my-health-record' : '' },
        purpose,
        destinationCountry: destination,
        grant: { present: rnd() < 0.6, valid: rnd() < 0.5, purposes: PURPOSES.filter(() => rnd() < 0.3) },
        emergency: rnd() < 0.3,
        justificationPresent: rnd() < 0.5,
        patientUnableToConsent: rnd() < 0.4,
        restricted: rnd() < 0.15,
        deidentified: rnd() < 0.3,
        hosting: rnd() < 0.15,
        secondaryUseOptOut: rnd() < 0.15,
        recipient: { publicBody: rnd() < 0.5, certified: rnd() < 0.3, safeguards: rnd() < 0.4 },
        transfers: { genomic: Math.floor(rnd() * 300), omic: Math.floor(rnd() * 3000), health: Math.floor(rnd() * 200_000), requesterEmergencies: Math.floor(rnd() * 30) }
      })
      const a = reference.decide(request)
      const b = engine.decide(request)
      expect(outcome(b.export), JSON.stringify(request)).toEqual(outcome(a.export))
      expect(outcome(b.import), JSON.stringify(request)).toEqual(outcome(a.import))
      expect(b.record).toEqual(a.record)
      n++
    }
    expect(n).toBe(3000)
  }, 600_000)
})

describe('specialising and flattening a policy', () => {
  const policy = (text: string): ReturnType<typeof residual> => {
    const m = engine.compile({
      moduleJson: { code: 'ZZ', name: 'Test land', version: '1.0.0', regulator: { name: 'R' }, legalReferences: [{ id: 'T', citation: 'T' }], data: { eea: ['AT', 'BE', 'DE'] } },
      policy: text
    })
    return Object.values(m.full.policies)[0] as ReturnType<typeof residual>
  }

  it('leaves out a policy only when Cedar would certainly find it not satisfied, without reading anything else first', () => {
    const insurance = policy('@id("a") permit (principal, action == Action::"export", resource) when { context.purpose == "insurance" && context.grant.valid };')
    expect(residual(insurance!, { action: 'export', purpose: 'treatment', category: 'other' })).toBeUndefined()
    expect(residual(insurance!, { action: 'import', purpose: 'insurance', category: 'other' })).toBeUndefined()
    // the grant is read first: it could fail, so Cedar must see the policy
    const later = policy('@id("a") permit (principal, action, resource) when { context.grant.valid && context.purpose == "insurance" };')
    expect(residual(later!, { action: 'export', purpose: 'treatment', category: 'other' })).toBeDefined()
    const unless = policy('@id("a") @reason("r") forbid (principal, action, resource) when { context.restricted } unless { context.purpose == "emergency" };')
    expect(residual(unless!, { action: 'export', purpose: 'treatment', category: 'other' })?.conditions).toHaveLength(1)
    // never satisfied in an emergency, but `context.restricted` is read first, so Cedar still sees it
    expect(residual(unless!, { action: 'export', purpose: 'emergency', category: 'other' })?.conditions[1]).toEqual({ kind: 'unless', body: { Value: true } })
    const first = policy('@id("a") @reason("r") forbid (principal, action, resource) unless { context.purpose == "emergency" } when { context.restricted };')
    expect(residual(first!, { action: 'export', purpose: 'emergency', category: 'other' })).toBeUndefined()
  })

  it('folds what is known and reads the rest as flat attributes; a data list becomes a membership', () => {
    const p = policy('@id("a") permit (principal, action, resource) when { (context.purpose == "treatment" || context.purpose == "emergency") && context.grant.purposes.contains(context.purpose) && context.lists.eea.contains(context.destinationCountry) && principal.role == "physician" };')
    const r = residual(p!, { action: 'export', purpose: 'treatment', category: 'other' })!
    const flat = flattenPolicies({ a: r })!
    const text = JSON.stringify(flat.policies.a)
    expect(text).not.toMatch(/"purpose"|"Set"|"DE"/)
    expect(flat.reads.filter((x) => 'path' in x && x.pass).map((x) => x.key).sort()).toEqual(['principal.role'])
    expect(flat.reads.filter((x) => 'of' in x).map((x) => ('of' in x ? x.of : ''))).toEqual(['grant.purposes', 'destinationCountry'])
  })

  it('the context as a whole value keeps the nested inputs', () => {
    const p = policy('@id("a") permit (principal, action, resource) when { context == context };')
    expect(flattenPolicies({ a: p! })).toBeUndefined()
  })
})
