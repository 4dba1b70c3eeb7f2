import { describe, it, expect, beforeAll } from 'vitest'
import * as cedar from '@cedar-policy/cedar-wasm/nodejs'
import { parseReleaseRequest, runModuleTests, type PolicyEngine, type ReleaseRequest } from '../../../policies/engine/index.js'
import { createTransferCounter, transferClassesOf } from '../../../policies/transfer-counter.js'
import { LIST_NAMES } from '../../../policies/engine/manifest.js'
import { engineWithBundled, SCHEMA, NOW } from './helpers.js'

const CODES = ['EU', 'DE', 'FR', 'US', 'GB', 'CH', 'JP', 'CN', 'RU', 'IN', 'BR', 'CA', 'AU']

let engine: PolicyEngine
beforeAll(async () => { engine = await engineWithBundled() })

describe('bundled jurisdiction modules', () => {
  it('all thirteen load, each with legal references, a regulator and at least 15 test cases', () => {
    expect(engine.modules().map((m) => m.code).sort()).toEqual([...CODES].sort())
    for (const m of engine.modules()) {
      expect(m.manifest.legalReferences.length, m.code).toBeGreaterThan(0)
      expect(m.manifest.regulator.name, m.code).not.toBe('')
      expect(m.tests.length, m.code).toBeGreaterThanOrEqual(15)
    }
  })

  for (const code of CODES) {
    it(`${code}: every case of tests.json passes through the real engine`, () => {
      const m = engine.get(code)!
      const report = runModuleTests(engine, m)
      const failures = report.results.filter((r) => !r.passed).map((r) => `${r.name}: ${r.problems.join('; ')}`)
      expect(failures).toEqual([])
      expect(report.passed).toBe(m.tests.length)
    })
  }

  it('the points jurisdictions.md marks UNV are flagged in the metadata', () => {
    const flagged = (code: string): string => (engine.get(code)!.manifest.unverified ?? []).map((u) => `${u.id} ${u.point}`).join('\n')
    expect(flagged('US')).toMatch(/limited data set/i)
    expect(flagged('CH')).toMatch(/Art\. 33/)
    expect(flagged('JP')).toMatch(/United Kingdom/)
    expect(flagged('RU')).toMatch(/emergency/i)
  })

  it('what the engine passes Cedar decides exactly as the whole context would (validated against the schema)', () => {
    const entityAttrs = (r: ReleaseRequest): cedar.Entities => [
      { uid: { type: 'Provider', id: r.requester.id }, attrs: { country: r.requester.country, role: r.requester.role }, parents: [] },
      { uid: { type: 'Record', id: 'record' }, attrs: { ...r.record }, parents: [] }
    ]
    let n = 0
    for (const m of engine.modules()) {
      const staticPolicies = Object.fromEntries([...m.policies].map(([id, p]) => [id, p.text]))
      for (const c of m.tests) {
        const r = parseReleaseRequest(c.request)
        const lists = Object.fromEntries(LIST_NAMES.map((l) => [l, [...m.data.lists[l]]]))
        const limits = { bulkGenomic: 0, bulkOmic: 0, bulkHealth: 0, emergencyRequests: 0, ...m.data.limits }
        const full = cedar.isAuthorized({
          principal: { type: 'Provider', id: r.requester.id },
          action: { type: 'Action', id: c.action },
          resource: { type: 'Record', id: 'record' },
          context: { ...r, requester: undefined, record: undefined, grant: { ...r.grant, purposes: [...r.grant.purposes] }, time: Math.floor(NOW / 1000), lists, limits } as unknown as cedar.Context,
          entities: entityAttrs(r),
          schema: SCHEMA,
          validateRequest: true,
          policies: { staticPolicies }
        })
        if (full.type !== 'success') throw new Error(`${m.code} ${c.name}: ${JSON.stringify(full.errors)}`)
        const ours = engine.evaluate(m, c.action, r)
        expect(ours.decision, `${m.code}: ${c.name}`).toBe(full.response.decision)
        expect([...ours.policies].sort()).toEqual([...full.response.diagnostics.reason].sort())
        n++
      }
    }
    expect(n).toBeGreaterThan(195)
  })
})

const base = (x: Record<string, unknown>): ReleaseRequest => parseReleaseRequest(x)
const UNCONSCIOUS = { emergency: true, justificationPresent: true, patientUnableToConsent: true }

describe('release decisions across modules (the hard cases)', () => {
  it('an unconscious German patient in a US emergency room: DE export (vital interests) AND US import', () => {
    const d = engine.decide(base({ requester: { country: 'US', role: 'physician' }, record: { category: 'patient-summary', custodianCountry: 'DE' }, purpose: 'emergency', ...UNCONSCIOUS }))
    expect(d.decision).toBe('allow')
    expect(d.export.policies).toEqual(['EU.emergency-vital-interests'])
    expect(d.obligations).toEqual(['audit', 'notify-patient'])
    expect(d.record.modules).toEqual({ export: { jurisdiction: 'DE', version: '2026.11.0' }, import: { jurisdiction: 'US', version: '2026.11.0' } })
  })

  it('an unconscious Italian patient (no module of its own: EU baseline) in Japan', () => {
    const d = engine.decide(base({ requester: { country: 'JP', role: 'physician' }, record: { category: 'prescription', custodianCountry: 'IT' }, purpose: 'emergency', ...UNCONSCIOUS }))
    expect(d.decision).toBe('allow')
    expect(d.record.modules.export).toEqual({ jurisdiction: 'EU', version: '2026.11.0' })
  })

  it('genomic data leaving China is refused even with consent and a standard contract', () => {
    const d = engine.decide(base({ requester: { country: 'DE', role: 'physician' }, record: { category: 'genomic', custodianCountry: 'CN' }, purpose: 'treatment', grant: { present: true, valid: true, purposes: ['treatment'] }, recipient: { safeguards: true } }))
    expect(d.decision).toBe('deny')
    expect(d.reasons).toEqual(['cn-hgr-genomic-export'])
  })

  it('US substance-use records in an emergency (42 CFR 2.51) reach a French physician; without the emergency they do not', () => {
    const ok = engine.decide(base({ requester: { country: 'FR', role: 'physician' }, record: { category: 'substance-use', custodianCountry: 'US' }, purpose: 'emergency', ...UNCONSCIOUS }))
    expect(ok.decision).toBe('allow')
    expect(ok.obligations).toEqual(['audit', 'notify-patient'])
    const no = engine.decide(base({ requester: { country: 'FR', role: 'physician' }, record: { category: 'substance-use', custodianCountry: 'US' }, purpose: 'treatment' }))
    expect(no.reasons).toEqual(['us-42cfr2-consent-required'])
  })

  it('Australian My Health Record data does not leave Australia, not even in an emergency', () => {
    const d = engine.decide(base({ requester: { country: 'GB', role: 'physician' }, record: { category: 'patient-summary', custodianCountry: 'AU', origin: 'my-health-record' }, purpose: 'emergency', ...UNCONSCIOUS }))
    expect(d.decision).toBe('deny')
    expect(d.export.reasons).toEqual(['au-mhra-s77-my-health-record'])
    expect(d.import.decision).toBe('allow')
  })

  it('insurance use of German genetic results: refused leaving Germany and refused arriving there', () => {
    const out = engine.decide(base({ requester: { country: 'FR', role: 'insurer' }, record: { category: 'genomic', custodianCountry: 'DE' }, purpose: 'insurance', grant: { present: true, valid: true, purposes: ['insurance'] } }))
    expect(out.reasons).toEqual(['de-gendg-18-insurance'])
    const into = engine.decide(base({ requester: { country: 'DE', role: 'insurer' }, record: { category: 'genomic', custodianCountry: 'FR' }, purpose: 'insurance', grant: { present: true, valid: true, purposes: ['insurance'] } }))
    expect(into.export.decision).toBe('allow')
    expect(into.import.reasons).toEqual(['de-gendg-18-insurance'])
    expect(into.decision).toBe('deny')
  })

  it('bulk transfers under 28 CFR 202 are counted across requests: the 101st US person\'s genome to China is refused', () => {
    let now = NOW
    const counter = createTransferCounter({ clock: () => now })
    const decideFor = (subject: string): string => {
      const classes = transferClassesOf('genomic')
      const counts = counter.counts({ destination: 'CN', subject, classes })
      const d = engine.decide(base({ requester: { country: 'CN', role: 'researcher' }, record: { category: 'genomic', custodianCountry: 'US' }, purpose: 'research', deidentified: true, transfers: counts }))
      if (d.decision === 'allow') counter.record({ destination: 'CN', subject, classes })
      return d.decision === 'allow' ? 'allow' : d.reasons.join(',')
    }
    for (let i = 0; i < 100; i++) { expect(decideFor(`subject-${i}`)).toBe('allow'); now += 1000 }
    expect(decideFor('subject-0')).toBe('allow') // the same person again is not a new one
    expect(decideFor('subject-100')).toBe('us-28cfr202-bulk-genomic')
    // a year later the window has moved on
    now += 366 * 86_400_000
    expect(decideFor('subject-100')).toBe('allow')
  })
})
