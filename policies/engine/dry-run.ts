/**
 * Dry-run: replays decision records (as a node keeps them, DESIGN.md §6) through a draft module
 * and lists the ones whose outcome would change. The side the draft governs is evaluated again;
 * the other side keeps its recorded outcome. Pure.
 */
import { z } from 'zod'
import type { PolicyEngine, DecisionRecord, SideOutcome } from './engine.js'
import type { CompiledModule } from './module.js'
import { parseReleaseRequest } from './request.js'
import { combineSides, sameOutcome } from './combine.js'

const side = z.object({ decision: z.enum(['allow', 'deny']), reasons: z.array(z.string()), obligations: z.array(z.string()) })
const ref = z.object({ jurisdiction: z.string(), version: z.string() })

/** The shape of one decision record on the wire (`GET /v1/policies/{code}/decisions`). */
export const decisionRecordSchema = z.object({
  time: z.string(),
  request: z.record(z.string(), z.unknown()),
  decision: z.enum(['allow', 'deny']),
  reasons: z.array(z.string()),
  obligations: z.array(z.string()),
  modules: z.object({ export: ref, import: ref }),
  policies: z.object({ export: z.array(z.string()), import: z.array(z.string()) }),
  sides: z.object({ export: side, import: side })
})

export const decisionListSchema = z.object({ decisions: z.array(decisionRecordSchema).max(100_000) })

export interface DryRunChange {
  readonly record: DecisionRecord
  readonly before: SideOutcome
  readonly after: SideOutcome
  /** Which side(s) the draft evaluated again. */
  readonly replayed: ReadonlyArray<'export' | 'import'>
}

export interface DryRunReport {
  /** Records the draft governs (one side or both). */
  readonly replayed: number
  /** Records it does not govern (left as they were). */
  readonly skipped: number
  readonly changes: readonly DryRunChange[]
}

/** Whether a module governs a recorded side (its code, or a member falling back to it). */
function governs (draft: CompiledModule, jurisdiction: string): boolean {
  return draft.code === jurisdiction || (draft.members.includes(jurisdiction))
}

export function dryRun (engine: PolicyEngine, draft: CompiledModule, records: readonly DecisionRecord[]): DryRunReport {
  const changes: DryRunChange[] = []
  let replayed = 0
  let skipped = 0
  for (const record of records) {
    const request = parseReleaseRequest(record.request)
    const sides: Array<'export' | 'import'> = []
    if (governs(draft, record.modules.export.jurisdiction)) sides.push('export')
    if (governs(draft, record.modules.import.jurisdiction)) sides.push('import')
    if (sides.length === 0) { skipped++; continue }
    replayed++
    const timeSeconds = Math.floor(Date.parse(record.time) / 1000)
    const exp = sides.includes('export') ? engine.evaluate(draft, 'export', request, { timeSeconds }) : record.sides.export
    const imp = sides.includes('import') ? engine.evaluate(draft, 'import', request, { timeSeconds }) : record.sides.import
    const before: SideOutcome = { decision: record.decision, reasons: [...record.reasons].sort(), obligations: [...record.obligations].sort() }
    const after = combineSides(exp, imp)
    if (!sameOutcome(before, after)) changes.push({ record, before, after, replayed: sides })
  }
  return { replayed, skipped, changes }
}
