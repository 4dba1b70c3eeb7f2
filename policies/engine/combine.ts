/** How the two sides of a release combine (shared by the engine, dry-runs and diffs). */
import { parseObligation } from '../obligations/known.js'
import type { SideOutcome } from './engine.js'

/** Whether the relay knows an obligation, by name (modules name few: the answers are kept, bounded). */
const knownObligation = new Map<string, boolean>()
function known (o: string): boolean {
  let k = knownObligation.get(o)
  if (k === undefined) {
    k = parseObligation(o) !== undefined
    if (knownObligation.size < 4096) knownObligation.set(o, k)
  }
  return k
}

/** a ∪ b, distinct and sorted, for two sorted lists of distinct names (each side's obligations and reasons). */
function union (a: readonly string[], b: readonly string[]): string[] {
  if (b.length === 0) return sortedDistinct(a)
  if (a.length === 0) return sortedDistinct(b)
  return [...new Set([...a, ...b])].sort()
}

function sortedDistinct (a: readonly string[]): string[] {
  for (let i = 1; i < a.length; i++) if (!((a[i - 1] as string) < (a[i] as string))) return [...new Set(a)].sort()
  return a.slice()
}

export function combineSides (exp: SideOutcome, imp: SideOutcome): SideOutcome {
  if (exp.decision === 'allow' && imp.decision === 'allow') {
    const obligations = union(exp.obligations, imp.obligations)
    if (!obligations.every(known)) return { decision: 'deny', reasons: ['unknown-obligation'], obligations: [] }
    return { decision: 'allow', reasons: [], obligations }
  }
  return { decision: 'deny', reasons: union(exp.reasons, imp.reasons), obligations: [] }
}

export function sameOutcome (a: SideOutcome, b: SideOutcome): boolean {
  return a.decision === b.decision && a.reasons.join(',') === b.reasons.join(',') && a.obligations.join(',') === b.obligations.join(',')
}

export function formatOutcome (o: SideOutcome): string {
  return o.decision === 'allow' ? `allow [${o.obligations.join(', ')}]` : `deny (${o.reasons.join(', ')})`
}
