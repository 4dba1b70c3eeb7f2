/** How the two sides of a release combine (shared by the engine, dry-runs and diffs). */
import { parseObligation } from '../obligations/known.js'
import type { SideOutcome } from './engine.js'

export function combineSides (exp: SideOutcome, imp: SideOutcome): SideOutcome {
  if (exp.decision === 'allow' && imp.decision === 'allow') {
    const obligations = [...new Set([...exp.obligations, ...imp.obligations])].sort()
    if (obligations.some((o) => parseObligation(o) === undefined)) return { decision: 'deny', reasons: ['unknown-obligation'], obligations: [] }
    return { decision: 'allow', reasons: [], obligations }
  }
  return { decision: 'deny', reasons: [...new Set([...exp.reasons, ...imp.reasons])].sort(), obligations: [] }
}

export function sameOutcome (a: SideOutcome, b: SideOutcome): boolean {
  return a.decision === b.decision && a.reasons.join(',') === b.reasons.join(',') && a.obligations.join(',') === b.obligations.join(',')
}

export function formatOutcome (o: SideOutcome): string {
  return o.decision === 'allow' ? `allow [${o.obligations.join(', ')}]` : `deny (${o.reasons.join(', ')})`
}
