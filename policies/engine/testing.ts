/** Runs a module's own `tests.json` cases through the engine. */
import type { PolicyEngine } from './engine.js'
import type { CompiledModule } from './module.js'
import { parseReleaseRequest } from './request.js'
import type { TestCase } from './tests-file.js'

export interface TestResult {
  readonly name: string
  readonly passed: boolean
  /** What differed, one line each (empty when passed). */
  readonly problems: readonly string[]
  readonly actual?: { readonly decision: string, readonly reasons: readonly string[], readonly obligations: readonly string[], readonly policies: readonly string[] }
}

export interface TestReport {
  readonly module: string
  readonly version: string
  readonly passed: number
  readonly failed: number
  readonly results: readonly TestResult[]
}

const sorted = (xs: readonly string[]): string[] => [...xs].sort()
const same = (a: readonly string[], b: readonly string[]): boolean => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b))

export function runCase (engine: PolicyEngine, module: CompiledModule, c: TestCase): TestResult {
  let request
  try {
    request = parseReleaseRequest(c.request)
  } catch (err) {
    return { name: c.name, passed: false, problems: [err instanceof Error ? err.message : String(err)] }
  }
  const e = engine.evaluate(module, c.action, request, c.time === undefined ? undefined : { timeSeconds: c.time })
  const problems: string[] = []
  if (e.decision !== c.expect.decision) problems.push(`decision: expected ${c.expect.decision}, got ${e.decision}${e.reasons.length > 0 ? ` (${e.reasons.join(', ')})` : ''}`)
  if (c.expect.reasons !== undefined && !same(c.expect.reasons, e.reasons)) problems.push(`reasons: expected [${sorted(c.expect.reasons).join(', ')}], got [${e.reasons.join(', ')}]`)
  if (c.expect.obligations !== undefined && !same(c.expect.obligations, e.obligations)) problems.push(`obligations: expected [${sorted(c.expect.obligations).join(', ')}], got [${e.obligations.join(', ')}]`)
  if (e.errors.length > 0) problems.push(`Cedar errors: ${e.errors.join('; ')}`)
  return { name: c.name, passed: problems.length === 0, problems, actual: { decision: e.decision, reasons: e.reasons, obligations: e.obligations, policies: e.policies } }
}

/** Runs every case of the module's tests.json. */
export function runModuleTests (engine: PolicyEngine, module: CompiledModule): TestReport {
  const results = module.tests.map((c) => runCase(engine, module, c))
  const passed = results.filter((r) => r.passed).length
  return { module: module.code, version: module.version, passed, failed: results.length - passed, results }
}
