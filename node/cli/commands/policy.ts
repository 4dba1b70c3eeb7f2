import type { Command } from 'commander'
import type { CliContext } from '../context.js'
import { registerPolicyValidate } from './policy-validate.js'
import { registerPolicyTest } from './policy-test.js'
import { registerPolicyDiff } from './policy-diff.js'
import { registerPolicyDryRun } from './policy-dry-run.js'
import { registerPolicyPublish } from './policy-publish.js'

/** `healthrelay policy validate|test|diff|dry-run|publish`: the regulator's cycle. */
export function registerPolicy (program: Command, ctx: CliContext): void {
  const policy = program.command('policy').description('jurisdiction policy modules (for regulators)')
  registerPolicyValidate(policy, ctx)
  registerPolicyTest(policy, ctx)
  registerPolicyDiff(policy, ctx)
  registerPolicyDryRun(policy, ctx)
  registerPolicyPublish(policy, ctx)
}
