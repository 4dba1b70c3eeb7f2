/** Small helpers shared by the route files. */
import type { Context } from 'hono'
import { z } from 'zod'
import { InvalidInputError } from '../../../common/errors.js'
import type { StoredRecord } from '../../storage/index.js'

export const hexBytes = (n: number): z.ZodString => z.string().regex(new RegExp(`^[0-9a-f]{${n * 2}}$`), `${n} bytes as lower-case hex`)

const SUBJECT = /^hr1[02-9ac-hj-np-z]{38,58}$/
const TOKEN = /^[0-9a-f]{64}$/

export function subjectParam (ctx: Context): string {
  const s = ctx.req.param('subject') ?? ''
  if (!SUBJECT.test(s)) throw new InvalidInputError('subject: a bech32 hr1… address')
  return s
}

export function tokenParam (ctx: Context): string {
  const t = ctx.req.param('tokenId') ?? ''
  if (!TOKEN.test(t)) throw new InvalidInputError('tokenId: 32 bytes as lower-case hex')
  return t
}

export const isSubject = (s: string): boolean => SUBJECT.test(s)

/** What the API shows of a stored record (metadata, never content or keys). */
export function recordView (r: StoredRecord): Record<string, unknown> {
  return {
    tokenId: r.tokenId, subject: r.subject, category: r.category, mediaType: r.mediaType, bytes: r.plaintextBytes,
    contains: r.contains, status: r.status, supersedes: r.supersedes ?? null, commitment: r.commitment,
    createdAt: new Date(r.createdAt).toISOString(), updatedAt: new Date(r.updatedAt).toISOString()
  }
}
