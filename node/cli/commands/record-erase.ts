import type { Command } from 'commander'
import { InvalidInputError } from '../../../common/errors.js'
import type { CliContext } from '../context.js'

interface EraseOpts { node: string, apiKey: string, json?: boolean }

/**
 * `healthrelay record erase <tokenId>`: the custodian's erasure through DELETE /v1/records/{tokenId}
 * (an agency-admin API key of the node holding the record): the data key and the ciphertext are
 * destroyed, the token's change to ERASED goes to the chain through the outbox, and the record is
 * no longer provided. Prints the token id (stdout) and what happens on chain (stderr).
 */
export function registerRecordErase (record: Command, ctx: CliContext): void {
  record.command('erase')
    .description('erase a record held by this node: destroy its key and ciphertext, mark its token ERASED on chain')
    .argument('<tokenId>', 'the record\'s token id (64 lower-case hex)')
    .requiredOption('--node <url>', 'the custodian node\'s API, e.g. http://127.0.0.1:8080')
    .requiredOption('--api-key <key>', 'an agency-admin API key of that node')
    .option('--json', 'print {tokenId, subject, status, chain} as JSON')
    .action(async (tokenId: string, opts: EraseOpts) => {
      const { callNode, nodeUrl, requireOk } = await import('./record-common.js')
      if (!/^[0-9a-f]{64}$/.test(tokenId)) throw new InvalidInputError('<tokenId>: 64 lower-case hex')
      const base = nodeUrl(opts.node)
      const res = await requireOk(await callNode(`${base}/v1/records/${tokenId}`, { method: 'DELETE', headers: { authorization: `Bearer ${opts.apiKey}` } }))
      const out = await res.json() as { tokenId: string, subject: string, status: string, chain: 'queued' | 'none' }
      if (opts.json === true) { ctx.io.out(JSON.stringify(out)); return }
      ctx.io.out(out.tokenId)
      ctx.io.err(out.chain === 'queued'
        ? 'erased: key and ciphertext destroyed; the token\'s change to ERASED is queued for the chain'
        : 'erased: key and ciphertext destroyed (the record was never minted)')
    })
}
