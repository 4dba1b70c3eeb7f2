import type { Command } from 'commander'
import type { CliContext } from '../context.js'
import type { DecisionRecord } from '../../../policies/engine/index.js'
import { InvalidInputError } from '../../../common/errors.js'
import { timeoutSignal } from '../../../common/abort.js'

export const DEFAULT_DRY_RUN_LIMIT = 1000
const FETCH_TIMEOUT_MS = 30_000

/**
 * The node's recent decision records: `GET <node>/v1/policies/{code}/decisions?limit=<n>` with
 * `Authorization: Bearer <api key>` (a regulator key), answered by `{ "decisions": [record…] }`,
 * newest first, each record as policies/engine's `DecisionRecord`.
 */
export async function fetchDecisions (node: string, code: string, apiKey: string, limit: number, options?: { signal?: AbortSignal }): Promise<DecisionRecord[]> {
  const { decisionListSchema } = await import('../../../policies/engine/index.js')
  const { DecisionFetchError } = await import('../../../policies/errors.js')
  const url = new URL(`/v1/policies/${encodeURIComponent(code)}/decisions`, node)
  url.searchParams.set('limit', String(limit))
  let res: Response
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' }, signal: options?.signal ?? timeoutSignal(FETCH_TIMEOUT_MS) })
  } catch (err) {
    throw new DecisionFetchError(`cannot reach ${url.origin}: ${err instanceof Error ? err.message : String(err)}`)
  }
  const body: unknown = await res.json().catch(() => undefined)
  if (!res.ok) {
    const message = (body as { error?: { message?: string } } | undefined)?.error?.message ?? res.statusText
    throw new DecisionFetchError(`${url.pathname}: HTTP ${res.status}: ${message}`)
  }
  const parsed = decisionListSchema.safeParse(body)
  if (!parsed.success) throw new DecisionFetchError(`${url.pathname}: not a list of decision records: ${parsed.error.issues[0]?.message ?? ''}`)
  return parsed.data.decisions as unknown as DecisionRecord[]
}

/** `healthrelay policy dry-run <dir> --node <url> --api-key <k>`: what a draft would change. */
export function registerPolicyDryRun (policy: Command, ctx: CliContext): void {
  policy.command('dry-run')
    .description('replay a node\'s recent decisions through a draft module and list what would change')
    .argument('<dir>', 'the draft module folder')
    .requiredOption('--node <url>', 'the node\'s HTTP API, e.g. http://127.0.0.1:8081')
    .option('--api-key <key>', 'a regulator API key of that node (or $HEALTHRELAY_API_KEY)')
    .option('--limit <n>', 'replay at most n recent decisions', String(DEFAULT_DRY_RUN_LIMIT))
    .option('--json', 'print the changes as JSON')
    .action(async (dir: string, opts: { node: string, apiKey?: string, limit: string, json?: boolean }) => {
      const { dryRun, formatOutcome } = await import('../../../policies/engine/index.js')
      const { loadDraft, reportLoadError } = await import('./policy-common.js')
      const limit = Number(opts.limit)
      if (!Number.isInteger(limit) || limit < 1) throw new InvalidInputError('--limit: a positive integer')
      const apiKey = opts.apiKey ?? process.env.HEALTHRELAY_API_KEY
      if (apiKey === undefined || apiKey === '') throw new InvalidInputError('--api-key (or $HEALTHRELAY_API_KEY) is required')
      try { new URL(opts.node) } catch { throw new InvalidInputError(`--node: not a URL: ${opts.node}`) }
      try {
        const { engine, module } = await loadDraft(dir)
        const records = await fetchDecisions(opts.node, module.code, apiKey, limit)
        const report = dryRun(engine, module, records)
        if (opts.json === true) {
          ctx.io.out(JSON.stringify({ draft: `${module.code}@${module.version}`, replayed: report.replayed, skipped: report.skipped, changes: report.changes.map((c) => ({ time: c.record.time, request: c.record.request, replayed: c.replayed, before: c.before, after: c.after })) }, null, 2))
          return
        }
        ctx.io.out(`${module.code} ${module.version} (draft) over ${records.length} recent decisions of ${opts.node}: ${report.replayed} replayed, ${report.changes.length} would change`)
        for (const c of report.changes) {
          const r = c.record.request as { sourceCountry?: string, destinationCountry?: string, purpose?: string, record?: { category?: string } }
          ctx.io.out(`  ${c.record.time} ${r.sourceCountry ?? '?'}→${r.destinationCountry ?? '?'} ${r.record?.category ?? '?'} ${r.purpose ?? '?'}: ${formatOutcome(c.before)} → ${formatOutcome(c.after)}`)
        }
      } catch (err) {
        if (!reportLoadError(ctx, err)) throw err
      }
    })
}
