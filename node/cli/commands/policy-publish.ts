import type { Command } from 'commander'
import type { CliContext } from '../context.js'
import type { CompiledModule } from '../../../policies/engine/index.js'
import { InvalidInputError } from '../../../common/errors.js'
import { DEFAULT_CHAIN_RPC } from '../defaults.js'

export const DEFAULT_RPC = DEFAULT_CHAIN_RPC

/**
 * `healthrelay policy publish <dir> --key <regulator key file> [--rpc <url>]`: refuses a module
 * that fails validation or its own tests; otherwise sends MsgPublishPolicy signed by the
 * regulator's key (the `{address, publicKey, privateKey}` file `healthrelay chain init` writes).
 */
export function registerPolicyPublish (policy: Command, ctx: CliContext): void {
  policy.command('publish')
    .description('publish a module on chain (after validating it and running its tests)')
    .argument('<dir>', 'the module folder')
    .requiredOption('--key <file>', 'the regulator\'s key file, e.g. <home>/keys/DE-regulator.json')
    .option('--rpc <url>', 'the chain\'s CometBFT RPC', DEFAULT_RPC)
    .option('--chain-id <id>', 'refuse a chain with another id')
    .action(async (dir: string, opts: { key: string, rpc: string, chainId?: string }) => {
      const { DirectSecp256k1Wallet } = await import('@cosmjs/proto-signing')
      const { runModuleTests } = await import('../../../policies/engine/index.js')
      const { publishedMetadata } = await import('../../../policies/published.js')
      const { createChainClient } = await import('../../../chain/client/index.js')
      const { readChainKey } = await import('../../keystore/chain-key.js')
      const { loadDraft, reportLoadError, describeModule } = await import('./policy-common.js')
      let module: CompiledModule
      try {
        const draft = await loadDraft(dir)
        module = draft.module
        const report = runModuleTests(draft.engine, module)
        if (report.results.length === 0 || report.failed > 0) {
          for (const r of report.results.filter((x) => !x.passed)) ctx.io.err(`FAIL ${r.name}: ${r.problems.join('; ')}`)
          ctx.io.err(`refused: ${report.failed} of ${report.results.length} test cases fail${report.results.length === 0 ? ' (a module must carry tests.json cases)' : ''}`)
          ctx.exit.code = 1
          return
        }
        ctx.io.out(`${describeModule(module)}; ${report.passed} test cases pass`)
      } catch (err) {
        if (reportLoadError(ctx, err)) return
        throw err
      }
      try { new URL(opts.rpc) } catch { throw new InvalidInputError(`--rpc: not a URL: ${opts.rpc}`) }
      const key = await readChainKey(opts.key)
      const wallet = await DirectSecp256k1Wallet.fromKey(key.privateKey, 'hr')
      const client = createChainClient({ rpcUrl: opts.rpc, ...(opts.chainId !== undefined ? { chainId: opts.chainId } : {}) })
      await client.start()
      try {
        const signer = await client.signer(wallet)
        const files = module.files
        const outcome = await signer.publishPolicy({
          jurisdiction: module.code,
          version: module.version,
          cedar: files.policy,
          metadataJson: publishedMetadata(files)
        })
        ctx.io.out(`published ${module.code} ${module.version} in block ${outcome.height} (tx ${outcome.txHash}); in force from block ${outcome.value.effectiveHeight}`)
      } finally {
        await client.stop()
      }
    })
}
