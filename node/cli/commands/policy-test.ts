import type { Command } from 'commander'
import type { CliContext } from '../context.js'

/** `healthrelay policy test <dir>`: validate, then run every case of tests.json. */
export function registerPolicyTest (policy: Command, ctx: CliContext): void {
  policy.command('test')
    .description('validate a module and run its tests.json (request → expected decision, reasons, obligations)')
    .argument('<dir>', 'the module folder')
    .option('-v, --verbose', 'print passing cases too')
    .action(async (dir: string, opts: { verbose?: boolean }) => {
      const { runModuleTests } = await import('../../../policies/engine/index.js')
      const { loadDraft, reportLoadError, describeModule } = await import('./policy-common.js')
      try {
        const { engine, module } = await loadDraft(dir)
        ctx.io.out(describeModule(module))
        const report = runModuleTests(engine, module)
        for (const r of report.results) {
          if (r.passed) { if (opts.verbose === true) ctx.io.out(`  ok    ${r.name}`); continue }
          ctx.io.out(`  FAIL  ${r.name}`)
          for (const p of r.problems) ctx.io.out(`        ${p}`)
        }
        ctx.io.out(`${report.passed} passed, ${report.failed} failed (${report.results.length} cases)`)
        if (report.failed > 0 || report.results.length === 0) ctx.exit.code = 1
      } catch (err) {
        if (!reportLoadError(ctx, err)) throw err
      }
    })
}
