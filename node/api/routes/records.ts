/** `/v1/records`: ingestion, a record's metadata, and retrieval through the relay service. */
import { Hono } from 'hono'
import { z } from 'zod'
import { InvalidInputError } from '../../../common/errors.js'
import { getRecord } from '../../storage/index.js'
import { NotOwnerError, PayloadTooLargeError, RecordNotVisibleError, RelayServiceUnavailableError, UnsupportedMediaTypeError } from '../../errors.js'
import { allow, principal } from '../auth.js'
import { parseQuery, type RouteTable } from '../openapi.js'
import type { ApiComponents, ApiEnv } from '../context.js'
import { isSubject, recordView, tokenParam } from './common.js'

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
export const ENVELOPE_MEDIA_TYPE = 'application/vnd.healthrelay.envelope'

export function recordsApi (c: ApiComponents, table: RouteTable): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>()
  const maxBytes = c.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES

  const put = table.add({
    method: 'post',
    path: '/v1/records',
    summary: 'ingest a FHIR R4 record (a Bundle or a single resource): validate, derive its category, encrypt, store, mint (opted-in categories), provide',
    roles: ['provider', 'agency-admin'],
    bodyMediaType: 'application/fhir+json',
    query: z.object({
      subject: z.string().refine(isSubject, 'a bech32 hr1… address').optional(),
      supersedes: z.string().regex(/^[0-9a-f]{64}$/).optional()
    }),
    response: z.object({ tokenId: z.string(), subject: z.string(), category: z.string(), status: z.enum(['local', 'pending']), warnings: z.array(z.string()) })
  })
  app.post('/', allow(put), async (ctx) => {
    const q = parseQuery(ctx, put)
    const type = ctx.req.header('content-type') ?? ''
    if (!/^application\/(fhir\+)?json\b/i.test(type)) throw new UnsupportedMediaTypeError('Content-Type must be application/fhir+json')
    const declared = Number(ctx.req.header('content-length') ?? '0')
    if (declared > maxBytes) throw new PayloadTooLargeError(`the body is ${declared} bytes; the limit is ${maxBytes}`)
    const body = new Uint8Array(await ctx.req.arrayBuffer())
    if (body.byteLength > maxBytes) throw new PayloadTooLargeError(`the body is ${body.byteLength} bytes; the limit is ${maxBytes}`)
    const out = await c.records.ingest(body, {
      contentType: type, ...(q.subject !== undefined ? { subject: q.subject } : {}), ...(q.supersedes !== undefined ? { supersedes: q.supersedes } : {}),
      signal: ctx.req.raw.signal
    })
    c.metrics?.ingestedRecords.inc({ category: out.category })
    return ctx.json(out, 201)
  })

  const get = table.add({ method: 'get', path: '/v1/records/:tokenId', summary: 'a record token\'s metadata (the subject, or a provider of a country the record is custodied in or granted to)', roles: ['patient', 'provider', 'agency-admin'] })
  app.get('/:tokenId', allow(get), async (ctx) => {
    const tokenId = tokenParam(ctx)
    const p = principal(ctx)
    const token = await c.queries().token(tokenId)
    const local = getRecord(c.db(), tokenId)
    const subject = token?.subject ?? local?.subject
    if (subject === undefined) throw new RecordNotVisibleError(`no record ${tokenId}`)
    if (p.kind === 'patient') {
      if (p.subject !== subject) throw new NotOwnerError('a patient may read only their own records')
    } else if (p.role === 'provider' && token?.custodian !== c.country && local === undefined) {
      const grants = await c.queries().grantsBySubject(subject, { limit: 1000 })
      const nowS = BigInt(Math.floor((c.clock ?? Date.now)() / 1000))
      const granted = grants.items.some((g) => g.grantee.country === c.country && g.revokedAt === 0n && g.notBefore <= nowS && g.expiresAt > nowS && g.tokenIds.includes(tokenId))
      if (!granted) throw new RecordNotVisibleError(`no record ${tokenId}`)
    }
    return ctx.json({
      tokenId,
      ...(token !== undefined
        ? { chain: { subject: token.subject, custodian: token.custodian, status: token.status, commitment: token.commitment, mintedHeight: String(token.mintedHeight), supersedes: token.supersedes ?? null } }
        : { chain: null }),
      ...(local !== undefined && (p.kind === 'patient' || p.role !== 'provider' || token?.custodian === c.country || token === undefined) ? { local: recordView(local) } : {})
    })
  })

  const erase = table.add({
    method: 'delete',
    path: '/v1/records/:tokenId',
    summary: 'erase a record held here (the custodian\'s agency-admin, or the subject): destroys its data key and ciphertext, marks its token ERASED on chain (through the outbox), stops providing it; a later retrieve answers as for an unknown token',
    roles: ['agency-admin', 'patient'],
    response: z.object({ tokenId: z.string(), subject: z.string(), status: z.literal('erased'), chain: z.enum(['queued', 'none']) })
  })
  app.delete('/:tokenId', allow(erase), async (ctx) => {
    const tokenId = tokenParam(ctx)
    const p = principal(ctx)
    const out = await c.records.erase(tokenId, { ...(p.kind === 'patient' ? { subject: p.subject } : {}), signal: ctx.req.raw.signal })
    return ctx.json(out)
  })

  const retrieve = table.add({
    method: 'post',
    path: '/v1/records/:tokenId/retrieve',
    summary: 'carry a doctor-signed retrieve request to the custodian and stream the envelope back (relay frames)',
    roles: ['provider'],
    body: z.unknown(),
    responseMediaType: ENVELOPE_MEDIA_TYPE
  })
  app.post('/:tokenId/retrieve', allow(retrieve), async (ctx) => {
    const tokenId = tokenParam(ctx)
    const relay = c.relay()
    if (relay === undefined) throw new RelayServiceUnavailableError('relay service not started')
    let body: unknown
    try { body = await ctx.req.json() } catch { throw new InvalidInputError('the body must be JSON') }
    const frames = await relay.retrieve(tokenId, body, { signal: ctx.req.raw.signal })
    // the first frame before the status line: a custodian that cannot be reached is an error answer, not a broken 200
    const it = (frames instanceof ReadableStream ? ReadableStream.prototype.values.call(frames) : frames[Symbol.asyncIterator]()) as AsyncIterator<Uint8Array>
    const first = await it.next()
    const readable = new ReadableStream<Uint8Array>({
      start (controller) { if (first.done !== true) controller.enqueue(first.value); else controller.close() },
      async pull (controller) {
        try {
          const next = await it.next()
          if (next.done === true) controller.close()
          else controller.enqueue(next.value)
        } catch (err) { controller.error(err) }
      },
      async cancel () { await it.return?.() }
    })
    return new Response(readable, { status: 200, headers: { 'content-type': ENVELOPE_MEDIA_TYPE } })
  })

  return app
}
