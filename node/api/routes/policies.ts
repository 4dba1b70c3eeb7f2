/**
 * `/v1/policies/{code}`: the active and published module, a dry-run of a draft over this node's
 * recent decisions, the decisions themselves (what `healthrelay policy dry-run` fetches), and
 * publication of a regulator-signed MsgPublishPolicy (checked: the code, and the module's own tests).
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { ledger } from '../../../proto/index.js'
import { InvalidInputError } from '../../../common/errors.js'
import { decisionRecordSchema, dryRun, runModuleTests, type DecisionRecord } from '../../../policies/engine/index.js'
import { filesFromPublished } from '../../../policies/published.js'
import { decisionsBetween } from '../../storage/index.js'
import { decodeSignedTx } from '../../services/signed-tx.js'
import { PolicyNotFoundError, UnexpectedTxError } from '../../errors.js'
import { allow } from '../auth.js'
import { parseBody, parseQuery, type RouteTable } from '../openapi.js'
import type { ApiComponents, ApiEnv } from '../context.js'

const codeOf = (raw: string | undefined): string => {
  const code = (raw ?? '').toUpperCase()
  if (!/^[A-Z]{2,3}$/.test(code)) throw new InvalidInputError('code: a jurisdiction code, e.g. DE or EU')
  return code
}

/** The node's recent decision records that involve `code`, newest first. */
export function recentDecisions (c: Pick<ApiComponents, 'db' | 'clock'>, code: string, limit: number): DecisionRecord[] {
  const now = (c.clock ?? Date.now)()
  const out: DecisionRecord[] = []
  const rows = decisionsBetween(c.db(), 0, now + 1, 100_000)
  for (let i = rows.length - 1; i >= 0 && out.length < limit; i--) {
    const row = rows[i]
    if (row === undefined) continue
    const parsed = decisionRecordSchema.safeParse(row.request)
    if (!parsed.success) continue
    const r = parsed.data as unknown as DecisionRecord
    if (r.modules.export.jurisdiction === code || r.modules.import.jurisdiction === code ||
      (r.request as { sourceCountry?: string }).sourceCountry === code || (r.request as { destinationCountry?: string }).destinationCountry === code) out.push(r)
  }
  return out
}

export function policiesApi (c: ApiComponents, table: RouteTable): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>()

  const get = table.add({ method: 'get', path: '/v1/policies/:code', summary: 'the active module of a jurisdiction here and its latest version on chain', roles: ['regulator', 'agency-admin'] })
  app.get('/:code', allow(get), async (ctx) => {
    const code = codeOf(ctx.req.param('code'))
    const active = c.policies.engine.get(code)
    const published = await c.queries().policy(code)
    if (active === undefined && published === undefined) throw new PolicyNotFoundError(`no module for ${code}`)
    return ctx.json({
      code,
      active: active === undefined ? null : { code: active.code, version: active.version, lineage: active.lineage },
      published: published === undefined
        ? null
        : { version: published.version, publisher: published.publisher, height: String(published.height), effectiveHeight: String(published.effectiveHeight), sha256: published.sha256, cedar: published.cedar, metadataJson: published.metadataJson }
    })
  })

  const decisions = table.add({
    method: 'get',
    path: '/v1/policies/:code/decisions',
    summary: 'recent decision records involving the jurisdiction (newest first), for `healthrelay policy dry-run`',
    roles: ['regulator'],
    query: z.object({ limit: z.coerce.number().int().min(1).max(100_000).optional() })
  })
  app.get('/:code/decisions', allow(decisions), (ctx) => {
    const code = codeOf(ctx.req.param('code'))
    const q = parseQuery(ctx, decisions)
    return ctx.json({ decisions: recentDecisions(c, code, q.limit ?? 1000) })
  })

  const dry = table.add({
    method: 'post',
    path: '/v1/policies/:code/dry-run',
    summary: 'replay this node\'s recent decisions through a draft module (module.json, policy.cedar, tests.json) and list what would change',
    roles: ['regulator'],
    body: z.object({
      moduleJson: z.union([z.string(), z.record(z.string(), z.unknown())]),
      policy: z.string().min(1).max(1_000_000),
      tests: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
      limit: z.number().int().min(1).max(100_000).optional()
    }).strict()
  })
  app.post('/:code/dry-run', allow(dry), async (ctx) => {
    const code = codeOf(ctx.req.param('code'))
    const b = await parseBody(ctx, dry)
    const files = { moduleJson: b.moduleJson, policy: b.policy, ...(b.tests !== undefined ? { tests: b.tests } : {}) }
    const parentCode = (typeof b.moduleJson === 'string' ? JSON.parse(b.moduleJson) as { extends?: string } : b.moduleJson as { extends?: string }).extends
    const draft = c.policies.engine.compile(files, parentCode === undefined ? {} : { parent: c.policies.engine.get(parentCode) })
    if (draft.code !== code) throw new InvalidInputError(`the draft is module ${draft.code}, not ${code}`)
    const report = dryRun(c.policies.engine, draft, recentDecisions(c, code, b.limit ?? 1000))
    return ctx.json({
      draft: `${draft.code}@${draft.version}`, replayed: report.replayed, skipped: report.skipped,
      changes: report.changes.map((ch) => ({ time: ch.record.time, request: ch.record.request, replayed: ch.replayed, before: ch.before, after: ch.after }))
    })
  })

  const publish = table.add({
    method: 'post',
    path: '/v1/policies/:code/publish',
    summary: 'broadcast a regulator-signed MsgPublishPolicy tx (base64 TxRaw) after checking the module compiles and passes its own tests',
    roles: ['regulator'],
    body: z.object({ tx: z.string().min(1) }).strict()
  })
  app.post('/:code/publish', allow(publish), async (ctx) => {
    const code = codeOf(ctx.req.param('code'))
    const b = await parseBody(ctx, publish)
    const tx = decodeSignedTx(b.tx, ['MsgPublishPolicy'])
    if (tx.messages.length !== 1) throw new UnexpectedTxError('publish one module per tx')
    const first = tx.messages[0]
    if (first === undefined) throw new UnexpectedTxError('the tx carries no Msg')
    const msg = ledger.MsgPublishPolicy.decode(first.value)
    if (msg.jurisdiction !== code) throw new UnexpectedTxError(`the tx publishes ${msg.jurisdiction}, not ${code}`)
    const files = filesFromPublished({ jurisdiction: msg.jurisdiction, version: msg.version, cedar: msg.cedar, metadataJson: msg.metadataJson, effectiveHeight: 0n })
    const parentCode = (JSON.parse(files.moduleJson as string) as { extends?: string }).extends
    const module = c.policies.engine.compile(files, parentCode === undefined ? {} : { parent: c.policies.engine.get(parentCode) })
    const report = runModuleTests(c.policies.engine, module)
    if (report.results.length === 0 || report.failed > 0) {
      throw new InvalidInputError(`refused: ${report.failed} of ${report.results.length} test cases fail${report.results.length === 0 ? ' (a module must carry tests)' : ''}`)
    }
    const out = await c.broadcast(tx.bytes)
    const ev = out.events.find((e) => e.type === 'PolicyPublished')
    return ctx.json({ code, version: msg.version, txHash: out.txHash, height: String(out.height), effectiveHeight: ev?.type === 'PolicyPublished' ? String(ev.effectiveHeight) : null }, 201)
  })

  return app
}
