/** `POST /v1/discover`: a doctor-signed discover request carried to the patient's home country. */
import { Hono } from 'hono'
import { z } from 'zod'
import { InvalidInputError } from '../../../common/errors.js'
import { RelayServiceUnavailableError } from '../../errors.js'
import { allow } from '../auth.js'
import type { RouteTable } from '../openapi.js'
import type { ApiComponents, ApiEnv } from '../context.js'

export function discoverApi (c: ApiComponents, table: RouteTable): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>()
  const discover = table.add({
    method: 'post',
    path: '/v1/discover',
    summary: 'find a traveller\'s releasable tokens through their home country (share code, or country + identifier + birth date; purpose), signed by the doctor',
    roles: ['provider'],
    body: z.unknown()
  })
  app.post('/', allow(discover), async (ctx) => {
    const relay = c.relay()
    if (relay === undefined) throw new RelayServiceUnavailableError('relay service not started')
    let body: unknown
    try { body = await ctx.req.json() } catch { throw new InvalidInputError('the body must be JSON') }
    return ctx.json(await relay.discover(body, { signal: ctx.req.raw.signal }) as Record<string, unknown>)
  })
  return app
}
