/** The one place errors become HTTP responses: `{ error: { name, message } }`. */
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { routePath } from 'hono/route'
import { HealthrelayError } from '../../common/errors.js'
import type { ComponentLogger } from '../../common/logger.js'

export function errorHandler (logger: ComponentLogger): (err: Error, c: Context) => Response {
  const log = logger.forComponent('node:api')
  return (err, c) => {
    if (err instanceof HealthrelayError && err.expose) {
      return c.json({ error: { name: err.name, message: err.message } }, err.status as 400)
    }
    if (err instanceof HTTPException) {
      return c.json({ error: { name: 'HttpError', message: err.message === '' ? 'request refused' : err.message } }, err.status)
    }
    log.error({ err: err.message, errName: err.name, route: routePath(c) }, 'unhandled error')
    return c.json({ error: { name: 'InternalError', message: 'internal error' } }, 500)
  }
}

export function notFound (c: Context): Response {
  return c.json({ error: { name: 'NotFoundError', message: `no route ${c.req.method} ${c.req.path}` } }, 404)
}
