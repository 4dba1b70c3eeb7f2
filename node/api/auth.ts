/**
 * Authentication and authorisation middleware. `authenticate` reads `Authorization`:
 * `Bearer <api key>` (checked against the node's hashed keys) or `Patient <subject>:<nonce>:<sig>`
 * (patient-auth.ts); it sets `principal` or leaves it undefined. `allow(spec)` then enforces the
 * route's roles: no credentials or unknown ones → 401, a known caller of another role → 403.
 * Ownership (a patient reaches only their own subject) is checked by `requireSubject`.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { getEnrolment } from '../storage/index.js'
import { verifyApiKey } from '../services/apikeys.js'
import { MissingCredentialsError, NotOwnerError, UnknownApiKeyError, WrongRoleError } from '../errors.js'
import type { ApiComponents, ApiEnv, Principal } from './context.js'
import type { RouteSpec } from './openapi.js'

export function authenticate (c: Pick<ApiComponents, 'db' | 'patientAuth'>): MiddlewareHandler<ApiEnv> {
  return async (ctx, next) => {
    const header = ctx.req.header('authorization')
    let principal: Principal | undefined
    if (header !== undefined) {
      const space = header.indexOf(' ')
      const scheme = space < 0 ? header : header.slice(0, space)
      const value = space < 0 ? '' : header.slice(space + 1).trim()
      if (/^bearer$/i.test(scheme)) {
        const info = verifyApiKey(c.db(), value)
        if (info === undefined) throw new UnknownApiKeyError('unknown or revoked API key')
        principal = { kind: 'apikey', id: info.id, name: info.name, role: info.role }
      } else if (/^patient$/i.test(scheme)) {
        const subject = c.patientAuth.verify(value, (s) => getEnrolment(c.db(), s)?.chainPublicKey)
        principal = { kind: 'patient', subject }
      } else {
        throw new MissingCredentialsError('Authorization: use "Bearer <api key>" or "Patient <subject>:<nonce>:<signature>"')
      }
    }
    ctx.set('principal', principal)
    await next()
  }
}

export const roleOf = (p: Principal): string => p.kind === 'patient' ? 'patient' : p.role

/** Enforces a route's roles. */
export function allow (spec: Pick<RouteSpec, 'roles'>): MiddlewareHandler<ApiEnv> {
  return async (ctx, next) => {
    if (spec.roles !== 'public') {
      const p = ctx.get('principal')
      if (p === undefined) throw new MissingCredentialsError('this route needs credentials: Authorization: Bearer <api key>')
      if (!(spec.roles as readonly string[]).includes(roleOf(p))) throw new WrongRoleError(`this route is for ${spec.roles.join(' or ')}, not ${roleOf(p)}`)
    }
    await next()
  }
}

export function principal (ctx: Context<ApiEnv>): Principal {
  const p = ctx.get('principal')
  if (p === undefined) throw new MissingCredentialsError('this route needs credentials')
  return p
}

/** A patient may act only on their own subject (API-key roles were checked by `allow`). */
export function requireSubject (ctx: Context<ApiEnv>, subject: string): void {
  const p = principal(ctx)
  if (p.kind === 'patient' && p.subject !== subject) throw new NotOwnerError('a patient may act only on their own subject')
}
