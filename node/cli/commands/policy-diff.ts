import type { Command } from 'commander'
import type { CliContext } from '../context.js'
import type { DiffChange } from '../../../policies/engine/index.js'
import { InvalidInputError } from '../../../common/errors.js'

/**
 * `healthrelay policy diff <old> <new>`: the requests, over categories × purposes × countries ×
 * grant and emergency states, whose outcome differs between two versions of a module.
 */
export function registerPolicyDiff (policy: Command, ctx: CliContext): void {
  policy.command('diff')
    .description('list the requests (categories × purposes × countries × grant and emergency states) whose decision changes between two module folders')
    .argument('<old>', 'the module folder in force')
    .argument('<new>', 'the draft')
    .option('--limit <n>', 'print at most n changes', '200')
    .option('--json', 'print the changes as JSON')
    .action(async (oldDir: string, newDir: string, opts: { limit: string, json?: boolean }) => {
      const { diffModules, formatOutcome } = await import('../../../policies/engine/index.js')
      const { cliEngine, loadDraft, reportLoadError } = await import('./policy-common.js')
      const line = (c: DiffChange): string => {
        const p = c.point
        const route = p.action === 'export' ? `${c.request.sourceCountry}→${p.country}` : `${p.country}→${c.request.destinationCountry}`
        return `${p.action} ${route} ${p.category} ${p.purpose} grant=${p.grant} emergency=${p.emergency}: ${formatOutcome(c.before)} → ${formatOutcome(c.after)}`
      }
      const limit = Number(opts.limit)
      if (!Number.isInteger(limit) || limit < 0) throw new InvalidInputError('--limit: a non-negative integer')
      try {
        const engine = cliEngine()
        const before = (await loadDraft(oldDir, engine)).module
        const after = (await loadDraft(newDir, engine)).module
        if (before.code !== after.code) throw new InvalidInputError(`the two folders hold different jurisdictions (${before.code}, ${after.code})`)
        const report = diffModules(engine, before, after)
        if (opts.json === true) {
          ctx.io.out(JSON.stringify({ from: `${before.code}@${before.version}`, to: `${after.code}@${after.version}`, requests: report.requests, changes: report.changes.map((c) => ({ ...c.point, before: c.before, after: c.after })) }, null, 2))
        } else {
          ctx.io.out(`${before.code} ${before.version} → ${after.version}: ${report.changes.length} of ${report.requests} requests change`)
          for (const c of report.changes.slice(0, limit)) ctx.io.out(`  ${line(c)}`)
          if (report.changes.length > limit) ctx.io.out(`  … and ${report.changes.length - limit} more (--limit, --json)`)
        }
      } catch (err) {
        if (!reportLoadError(ctx, err)) throw err
      }
    })
}
