import { describe, it, expect } from 'vitest'
import { ModuleLoadError, formatDiagnostic } from '../../../policies/errors.js'
import { parseReleaseRequest, NO_MATCHING_PERMIT, POLICY_ERROR } from '../../../policies/engine/index.js'
import { engineAt, miniModule, engineWithBundled, NOW } from './helpers.js'

const PERMIT_TREATMENT = `// a test module
@id("treatment")
@obligation("audit,notify-patient")
permit (principal is Provider, action == Action::"export", resource is Record)
when { context.purpose == "treatment" && context.lists.adequacy.contains(context.destinationCountry) };

@id("import-all")
@obligation("audit")
permit (principal is Provider, action == Action::"import", resource is Record);

@id("no-genomic")
@reason("zz-no-genomic")
forbid (principal, action == Action::"export", resource)
when { resource.category == "genomic" };
`

const request = (extra: Record<string, unknown> = {}): ReturnType<typeof parseReleaseRequest> => parseReleaseRequest({
  requester: { country: 'FR', role: 'physician' },
  record: { category: 'patient-summary', custodianCountry: 'ZZ' },
  purpose: 'treatment',
  ...extra
})

function loadError (fn: () => unknown): ModuleLoadError {
  try { fn() } catch (err) {
    expect(err).toBeInstanceOf(ModuleLoadError)
    return err as ModuleLoadError
  }
  throw new Error('expected a ModuleLoadError')
}

describe('policy engine: evaluation', () => {
  it('gathers obligations from the deciding permits and reasons from the deciding forbids', () => {
    const engine = engineAt()
    const m = engine.load(miniModule(PERMIT_TREATMENT, { data: { adequacy: ['FR'] } }))
    const allow = engine.evaluate(m, 'export', request())
    expect(allow).toMatchObject({ decision: 'allow', policies: ['ZZ.treatment'], obligations: ['audit', 'notify-patient'], reasons: [] })
    const forbid = engine.evaluate(m, 'export', request({ record: { category: 'genomic', custodianCountry: 'ZZ' } }))
    expect(forbid).toMatchObject({ decision: 'deny', policies: ['ZZ.no-genomic'], reasons: ['zz-no-genomic'], obligations: [] })
    const none = engine.evaluate(m, 'export', request({ requester: { country: 'TH' } }))
    expect(none).toMatchObject({ decision: 'deny', reasons: [NO_MATCHING_PERMIT] })
  })

  it('a data list reaches the policy from module.json: adding a country changes the decision', () => {
    const engine = engineAt()
    const before = engine.compile(miniModule(PERMIT_TREATMENT, { data: { adequacy: ['FR'] } }))
    const after = engine.compile(miniModule(PERMIT_TREATMENT, { version: '1.0.1', data: { adequacy: ['FR', 'TH'] } }))
    const r = request({ requester: { country: 'TH' } })
    expect(engine.evaluate(before, 'export', r).decision).toBe('deny')
    expect(engine.evaluate(after, 'export', r).decision).toBe('allow')
  })

  it('a release is export AND import, with a decision record of inputs, outcome, versions and time', () => {
    const engine = engineAt()
    engine.load(miniModule(PERMIT_TREATMENT, { data: { adequacy: ['FR'] } }))
    engine.load(miniModule(PERMIT_TREATMENT, { code: 'FR', version: '2.0.0', data: { adequacy: [] } }))
    const d = engine.decide(request())
    expect(d.decision).toBe('allow')
    expect(d.obligations).toEqual(['audit', 'notify-patient'])
    expect(d.record).toMatchObject({
      time: new Date(NOW).toISOString(),
      decision: 'allow',
      modules: { export: { jurisdiction: 'ZZ', version: '1.0.0' }, import: { jurisdiction: 'FR', version: '2.0.0' } },
      policies: { export: ['ZZ.treatment'], import: ['FR.import-all'] }
    })
    expect(d.record.request.record.category).toBe('patient-summary')
    // no module for the destination: denied, fail closed
    const th = engine.decide(request({ requester: { country: 'TH' } }))
    expect(th.decision).toBe('deny')
    expect(th.reasons).toContain('no-import-module')
  })

  it('a Cedar evaluation error in any policy denies (fail closed)', () => {
    const engine = engineAt()
    const m = engine.load(miniModule(`
@id("p") permit (principal, action, resource);
@id("overflow") @reason("never")
forbid (principal, action, resource) when { context.transfers.health + 9223372036854775807 > 0 };`))
    const e = engine.evaluate(m, 'export', request({ transfers: { health: 5 } }))
    expect(e.decision).toBe('deny')
    expect(e.reasons).toEqual([POLICY_ERROR])
    expect(e.errors.join(' ')).toMatch(/overflow/)
  })

  it('memoised decisions equal fresh ones on every bundled test request', async () => {
    const cached = await engineWithBundled()
    const fresh = await engineWithBundled(0)
    for (const m of cached.modules()) {
      for (const c of m.tests) {
        const r = parseReleaseRequest(c.request)
        const a = cached.evaluate(m, c.action, r)
        const a2 = cached.evaluate(m, c.action, r)
        const b = fresh.evaluate(fresh.get(m.code)!, c.action, r)
        expect(a2).toEqual(a)
        expect(a).toEqual(b)
      }
    }
  })

  it('a member state without a module of its own falls back to its union', async () => {
    const engine = await engineWithBundled()
    expect(engine.get('IT')?.code).toBe('EU')
    expect(engine.get('DE')?.code).toBe('DE')
    expect(engine.get('TH')).toBeUndefined()
  })

  it('extends: the child has the parent\'s policies and lists, and is re-derived when the parent changes', async () => {
    const engine = await engineWithBundled()
    const de = engine.get('DE')!
    expect(de.lineage.map((l) => l.code)).toEqual(['EU', 'DE'])
    expect([...de.policies.keys()]).toContain('EU.emergency-vital-interests')
    expect([...de.policies.keys()]).toContain('DE.gendg-insurance')
    expect(de.data.lists.adequacy).toContain('JP')
    const eu = engine.get('EU')!
    const json = JSON.parse(eu.files.moduleJson as string) as { version: string, data: { adequacy: string[] } }
    json.version = '2026.12.0'
    json.data.adequacy.push('TH')
    const res = engine.install(engine.compile({ ...eu.files, moduleJson: JSON.stringify(json) }))
    expect(res.rederived).toEqual(expect.arrayContaining(['DE', 'FR']))
    expect(engine.get('DE')!.lineage).toEqual([{ code: 'EU', version: '2026.12.0' }, { code: 'DE', version: '2026.11.0' }])
    expect(engine.get('DE')!.data.lists.adequacy).toContain('TH')
  })
})

describe('policy engine: loading refuses a bad module with file:line:column', () => {
  it('a Cedar parse error, at its line and column (byte offsets after a non-ASCII comment)', () => {
    const engine = engineAt()
    const text = '// §203 StGB — Geheimnisschutz\n@id("a")\npermit (principal, action, resource) when { context.purpose == };\n'
    const err = loadError(() => engine.compile({ ...miniModule(text), paths: { policy: 'ZZ/policy.cedar' } }))
    const d = err.diagnostics[0]!
    expect(d.file).toBe('ZZ/policy.cedar')
    expect(d.line).toBe(3)
    expect(d.column).toBe(text.split('\n')[2]!.indexOf('}') + 1)
    expect(formatDiagnostic(d)).toMatch(/^ZZ\/policy\.cedar:3:\d+: .*unexpected token/)
  })

  it('a schema violation names the attribute, with Cedar\'s help, at its position', () => {
    const engine = engineAt()
    const text = '@id("a")\npermit (principal, action, resource)\nwhen { resource.categry == "genomic" };\n'
    const err = loadError(() => engine.compile(miniModule(text)))
    expect(err.diagnostics).toHaveLength(1)
    expect(err.diagnostics[0]).toMatchObject({ file: 'policy.cedar', line: 3, column: 8 })
    expect(err.diagnostics[0]!.message).toMatch(/categry/)
    expect(err.diagnostics[0]!.help).toMatch(/category/)
  })

  it('an unknown obligation refuses the module', () => {
    const engine = engineAt()
    const err = loadError(() => engine.compile(miniModule('\n\n@id("a")\n@obligation("audit,send-fax")\npermit (principal, action, resource);')))
    expect(err.diagnostics[0]).toMatchObject({ line: 3, policy: 'ZZ.a' })
    expect(err.diagnostics[0]!.message).toMatch(/unknown obligation "send-fax"/)
  })

  it('known obligations with arguments are accepted; bad arguments are not', () => {
    const engine = engineAt()
    expect(() => engine.compile(miniModule('@id("a") @obligation("redact:genomic,retention:3650,deidentify,minimum-necessary") permit (principal, action, resource);'))).not.toThrow()
    const err = loadError(() => engine.compile(miniModule('@id("a") @obligation("redact:dna,retention:0") permit (principal, action, resource);')))
    expect(err.diagnostics.map((d) => d.message).join('\n')).toMatch(/redact:dna[\s\S]*retention:0/)
  })

  it('every policy needs an @id, unique; every forbid a @reason; annotations on the right effect', () => {
    const engine = engineAt()
    const err = loadError(() => engine.compile(miniModule([
      'permit (principal, action, resource);',
      '@id("x") permit (principal, action, resource);',
      '@id("x") permit (principal, action, resource);',
      '@id("f") forbid (principal, action, resource);',
      '@id("g") @obligation("audit") @reason("r") forbid (principal, action, resource);'
    ].join('\n'))))
    const msgs = err.diagnostics.map((d) => `${d.line}: ${d.message}`)
    expect(msgs).toEqual(expect.arrayContaining([
      expect.stringMatching(/^1: every policy needs an @id/),
      expect.stringMatching(/^3: duplicate policy id ZZ\.x/),
      expect.stringMatching(/^4: every forbid needs a @reason/),
      expect.stringMatching(/^5: @obligation belongs on a permit/)
    ]))
  })

  it('module.json problems point at their line', () => {
    const engine = engineAt()
    const files = miniModule('@id("a") permit (principal, action, resource);', { data: { adequacy: ['FR'], adequacyy: ['TH'] } })
    const err = loadError(() => engine.compile(files))
    const d = err.diagnostics[0]!
    expect(d.file).toBe('module.json')
    expect(d.message).toMatch(/adequacyy: unknown data list/)
    expect((files.moduleJson as string).split('\n')[d.line! - 1]).toMatch(/adequacyy/)
    const broken = loadError(() => engine.compile({ ...files, moduleJson: '{\n  "code": "ZZ",\n  oops\n}' }))
    expect(broken.diagnostics[0]).toMatchObject({ file: 'module.json', line: 3 })
  })

  it('a limit read by the policies must be defined', () => {
    const engine = engineAt()
    const err = loadError(() => engine.compile(miniModule('@id("a") @reason("bulk") forbid (principal, action, resource) when { context.transfers.genomic > context.limits.bulkGenomic };\n@id("p") permit (principal, action, resource);')))
    expect(err.diagnostics[0]!.message).toMatch(/bulkGenomic/)
  })
})
