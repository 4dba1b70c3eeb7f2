import type { Command } from 'commander'
import type { CliContext } from '../context.js'

/** `healthrelay policy validate <dir>`: parse and validate a module against the shared schema. */
export function registerPolicyValidate (policy: Command, ctx: CliContext): void {
  policy.command('validate')
    .description('validate a module folder (module.json, policy.cedar, tests.json) against the shared schema')
    .argument('<dir>', 'the module folder')
    .action(async (dir: string) => {
      const { loadDraft, reportLoadError, describeModule } = await import('./policy-common.js')
      try {
        const { module } = await loadDraft(dir)
        ctx.io.out(`valid: ${describeModule(module)}`)
        for (const u of module.unverified.filter((x) => x.module === module.code)) ctx.io.out(`  unverified (${u.id}): ${u.where}`)
      } catch (err) {
        if (!reportLoadError(ctx, err)) throw err
      }
    })
}
