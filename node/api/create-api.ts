/**
 * The HTTP API (DESIGN.md §7) as one hono app of mounted sub-apps. Errors leave through one
 * `onError` as `{ error: { name, message } }`; the route table behind the handlers generates
 * `/openapi.json`. Tests call `app.request()`; `node/create-node.ts` serves it with @hono/node-server.
 */
import { Hono } from 'hono'
import { routePath } from 'hono/route'
import type { ApiComponents, ApiEnv } from './context.js'
import { authenticate } from './auth.js'
import { errorHandler, notFound } from './errors.js'
import { RouteTable, openApiDocument } from './openapi.js'
import { subjectsApi } from './routes/subjects.js'
import { recordsApi } from './routes/records.js'
import { grantsApi } from './routes/grants.js'
import { policiesApi } from './routes/policies.js'
import { discoverApi } from './routes/discover.js'
import { opsApi } from './routes/ops.js'

export const API_VERSION = '0.1.0'

export interface Api {
  readonly app: Hono<ApiEnv>
  readonly routes: RouteTable
}

export function createApi (c: ApiComponents): Api {
  const routes = new RouteTable()
  const app = new Hono<ApiEnv>()
  app.onError(errorHandler(c.logger))
  app.notFound(notFound)
  if (c.metrics !== undefined) {
    const m = c.metrics
    app.use('*', async (ctx, next) => {
      const end = m.httpSeconds.startTimer()
      await next()
      // eslint-disable-next-line @typescript-eslint/no-unsafe-argument -- hono types the helper's context loosely
      const path = routePath(ctx)
      const route = path === '' || path === '/*' ? 'unmatched' : path
      end({ route })
      m.httpRequests.inc({ method: ctx.req.method, route, status: String(ctx.res.status) })
    })
  }
  app.use('*', authenticate(c))
  app.route('/', opsApi(c, routes))
  app.route('/v1/subjects', subjectsApi(c, routes))
  app.route('/v1/records', recordsApi(c, routes))
  app.route('/v1/grants', grantsApi(c, routes))
  app.route('/v1/policies', policiesApi(c, routes))
  app.route('/v1/discover', discoverApi(c, routes))
  const doc = openApiDocument(routes, { title: `healthrelay node API (${c.country})`, version: API_VERSION })
  app.get('/openapi.json', (ctx) => ctx.json(doc))
  return { app, routes }
}
