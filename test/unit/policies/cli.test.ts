import { describe, it, expect, afterAll } from 'vitest'
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, cpSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../../../node/cli/main.js'
import { BUNDLED_MODULES_DIR } from '../../../policies/files.js'

const dir = mkdtempSync(join(tmpdir(), 'hr-policy-cli-'))
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

async function cli (...args: string[]): Promise<{ code: number, out: string, err: string }> {
  const out: string[] = []
  const err: string[] = []
  const code = await main(['node', 'healthrelay', ...args], { out: (t) => { out.push(t) }, err: (t) => { err.push(t) } })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

const POLICY = `// Test land: treatment to adequate countries only.
@id("treatment")
@obligation("audit")
permit (principal is Provider, action == Action::"export", resource is Record)
when { context.purpose == "treatment" && context.lists.adequacy.contains(context.destinationCountry) };

@id("import")
@obligation("audit")
permit (principal is Provider, action == Action::"import", resource is Record);
`

function writeModule (name: string, adequacy: string[], policy = POLICY, cases?: unknown[]): string {
  const d = join(dir, name, 'ZZ')
  mkdirSync(d, { recursive: true })
  writeFileSync(join(d, 'module.json'), JSON.stringify({
    code: 'ZZ', name: 'Test land', version: name, regulator: { name: 'Test DPA' },
    legalReferences: [{ id: 'T-1', citation: 'Test Act s.1' }],
    data: { adequacy }
  }, null, 2))
  writeFileSync(join(d, 'policy.cedar'), policy)
  writeFileSync(join(d, 'tests.json'), JSON.stringify({ cases: cases ?? [
    { name: 'to FR', action: 'export', request: { requester: { country: 'FR' }, record: { category: 'lab-result', custodianCountry: 'ZZ' }, purpose: 'treatment' }, expect: { decision: 'allow', obligations: ['audit'] } }
  ] }, null, 2))
  return d
}

describe('healthrelay policy (CLI)', () => {
  it('validate: a bundled module is valid; a broken one gets file:line:column and Cedar\'s message', async () => {
    const ok = await cli('policy', 'validate', join(BUNDLED_MODULES_DIR, 'FR'))
    expect(ok.code).toBe(0)
    expect(ok.out).toMatch(/^valid: FR 2026\.11\.0 \(EU@2026\.11\.0 \+ FR@2026\.11\.0\)/)

    const bad = writeModule('1.0.1', ['FR'], POLICY.replace('context.lists.adequacy', 'context.lists.adequate'))
    const r = await cli('policy', 'validate', bad)
    expect(r.code).toBe(1)
    expect(r.err).toMatch(new RegExp(`${join(bad, 'policy.cedar').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:42: attribute \`lists.adequate\` .* not found \\[ZZ\\.treatment\\]`))
    expect(r.err).toMatch(/1 problem: the module is refused/)
  })

  it('test: runs tests.json and fails on a wrong expectation', async () => {
    const d = writeModule('1.0.2', ['FR'])
    expect((await cli('policy', 'test', d)).out).toMatch(/1 passed, 0 failed \(1 cases\)/)
    const wrong = writeModule('1.0.3', ['DE'])
    const r = await cli('policy', 'test', wrong)
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/FAIL {2}to FR\n\s+decision: expected allow, got deny \(no-matching-permit\)/)
  })

  it('test: a bundled member state runs over its parent (DE extends EU)', async () => {
    const target = join(dir, 'copy', 'DE')
    cpSync(join(BUNDLED_MODULES_DIR, 'DE'), target, { recursive: true })
    const r = await cli('policy', 'test', target)
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/17 passed, 0 failed/)
  })

  it('diff: adding a country to the adequacy list changes exactly its treatment exports', async () => {
    const before = writeModule('2.0.0', ['FR'])
    const after = writeModule('2.1.0', ['FR', 'TH'])
    const r = await cli('policy', 'diff', before, after)
    expect(r.code).toBe(0)
    const lines = r.out.split('\n')
    expect(lines[0]).toMatch(/^ZZ 2\.0\.0 → 2\.1\.0: 66 of \d+ requests change$/)
    // 11 categories × 2 grant states × 3 emergency states, all exports to TH for treatment
    expect(lines.slice(1).every((l) => /^ {2}export ZZ→TH \S+ treatment grant=\w+ emergency=[\w-]+: deny \(no-matching-permit\) → allow \[audit\]$/.test(l))).toBe(true)
    const json = JSON.parse((await cli('policy', 'diff', before, after, '--json')).out) as { changes: unknown[] }
    expect(json.changes).toHaveLength(66)
  })
})
