/** Operators' routes: `/healthz`, `/readyz`, `/metrics`, and the patients' `/v1/auth/challenge`. */
import { Hono } from 'hono'
import { z } from 'zod'
import { allow } from '../auth.js'
import { parseQuery, type RouteTable } from '../openapi.js'
import type { ApiComponents, ApiEnv } from '../context.js'
import { isSubject } from './common.js'

export function opsApi (c: ApiComponents, table: RouteTable): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>()
  const health = table.add({ method: 'get', path: '/healthz', summary: 'the process answers', roles: 'public' })
  app.get('/healthz', allow(health), (ctx) => ctx.json({ status: 'ok' }))

  const ready = table.add({ method: 'get', path: '/readyz', summary: 'ready: chain reachable and current, p2p started, policies loaded (503 otherwise)', roles: 'public' })
  app.get('/readyz', allow(ready), (ctx) => {
    const r = c.readiness()
    return ctx.json({ ready: r.ready, checks: r.checks, ...(r.detail !== undefined ? { detail: r.detail } : {}) }, r.ready ? 200 : 503)
  })

  const metrics = table.add({ method: 'get', path: '/metrics', summary: 'Prometheus metrics (text format)', roles: 'public', responseMediaType: 'text/plain; version=0.0.4' })
  app.get('/metrics', allow(metrics), async (ctx) => {
    const text = await c.metricsRegistry.metrics()
    return ctx.body(text, 200, { 'content-type': c.metricsRegistry.contentType })
  })

  const challenge = table.add({
    method: 'get',
    path: '/v1/auth/challenge',
    summary: 'a nonce for a patient to sign with their chain key (see the Patient security scheme)',
    roles: 'public',
    query: z.object({ subject: z.string().refine(isSubject, 'a bech32 hr1… address') }),
    response: z.object({ nonce: z.string(), expiresAt: z.string(), nodeId: z.string() })
  })
  app.get('/v1/auth/challenge', allow(challenge), (ctx) => {
    const q = parseQuery(ctx, challenge)
    const ch = c.patientAuth.challenge(q.subject)
    return ctx.json({ nonce: ch.nonce, expiresAt: new Date(ch.expiresAt).toISOString(), nodeId: c.nodeId() })
  })
  return app
}
