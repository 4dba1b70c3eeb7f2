/** `/v1/subjects`: enrolment, a subject's records, restrictions, access log and inbox. */
import { Hono } from 'hono'
import { z } from 'zod'
import { createHash } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { chainAddress } from '../../keystore/index.js'
import { RECORD_CATEGORIES } from '../../fhir/index.js'
import { getEnrolment, getRestrictions, inboxMessages, recordsBySubject, requireEnrolment, setRestrictions } from '../../storage/index.js'
import { InvalidInputError } from '../../../common/errors.js'
import { restrictionsDigest, verifyPatientSignature } from '../../services/patient-requests.js'
import { allow, requireSubject } from '../auth.js'
import { parseBody, parseQuery, type RouteTable } from '../openapi.js'
import type { ApiComponents, ApiEnv } from '../context.js'
import { hexBytes, subjectParam, recordView } from './common.js'

const category = z.enum(RECORD_CATEGORIES as unknown as [string, ...string[]])

export function subjectsApi (c: ApiComponents, table: RouteTable): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>()
  const now = c.clock ?? Date.now

  const enrol = table.add({
    method: 'post',
    path: '/v1/subjects',
    summary: 'enrol a patient: their public keys, national identifiers, birth date and the categories they make available across borders; returns the share code once',
    roles: ['agency-admin', 'provider'],
    body: z.object({
      publicKey: hexBytes(33).describe('the patient\'s secp256k1 public key (compressed, hex); the subject address derives from it'),
      x25519PublicKey: hexBytes(32),
      birthDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD'),
      identifiers: z.array(z.object({ system: z.string().max(200).optional(), value: z.string().min(1).max(200) })).min(1).max(10),
      categories: z.array(category).max(20)
    }).strict(),
    response: z.object({ subject: z.string(), shareCode: z.string() })
  })
  app.post('/', allow(enrol), async (ctx) => {
    const b = await parseBody(ctx, enrol)
    const publicKey = Buffer.from(b.publicKey, 'hex')
    try { secp256k1.Point.fromBytes(publicKey) } catch { throw new InvalidInputError('publicKey: not a secp256k1 point') }
    const subject = chainAddress(publicKey)
    const out = await c.records.enrol({
      subject, publicKey, x25519PublicKey: Buffer.from(b.x25519PublicKey, 'hex'), birthDate: b.birthDate,
      identifiers: b.identifiers.map((i) => ({ value: i.value, ...(i.system !== undefined ? { system: i.system } : {}) })),
      categories: b.categories as never
    })
    return ctx.json(out, 201)
  })

  const list = table.add({ method: 'get', path: '/v1/subjects/:subject/records', summary: 'the subject\'s records held here (metadata only)', roles: ['patient', 'agency-admin'] })
  app.get('/:subject/records', allow(list), (ctx) => {
    const subject = subjectParam(ctx)
    requireSubject(ctx, subject)
    requireEnrolment(c.db(), subject)
    return ctx.json({ records: recordsBySubject(c.db(), subject).map(recordView) })
  })

  const restrict = table.add({
    method: 'put',
    path: '/v1/subjects/:subject/restrictions',
    summary: 'replace the categories the patient hides (signed by the patient: secp256k1 over SHA-256("healthrelay-restrictions/1\\n<subject>\\n<signedAt>\\n<sorted categories, comma-joined>"))',
    roles: ['patient'],
    body: z.object({ categories: z.array(category).max(20), signedAt: z.number().int().positive(), signature: z.string().regex(/^[0-9a-f]{128}$/) }).strict()
  })
  app.put('/:subject/restrictions', allow(restrict), async (ctx) => {
    const subject = subjectParam(ctx)
    requireSubject(ctx, subject)
    const b = await parseBody(ctx, restrict)
    const enrolment = requireEnrolment(c.db(), subject)
    if (enrolment.chainPublicKey === undefined) throw new InvalidInputError('the subject has no enrolled public key')
    const digest = restrictionsDigest(subject, b.signedAt, b.categories)
    verifyPatientSignature(digest, b.signature, enrolment.chainPublicKey)
    setRestrictions(c.db(), subject, b.categories as never, { requestHash: createHash('sha256').update(digest).digest('hex'), signedAt: b.signedAt, at: now() })
    return ctx.json({ subject, restricted: getRestrictions(c.db(), subject) })
  })

  const log = table.add({
    method: 'get',
    path: '/v1/subjects/:subject/access-log',
    summary: 'who accessed the subject\'s records (public part, and details sealed to the patient; emergencies marked)',
    roles: ['patient'],
    query: z.object({ offset: z.coerce.number().int().min(0).optional(), limit: z.coerce.number().int().min(1).max(1000).optional() })
  })
  app.get('/:subject/access-log', allow(log), async (ctx) => {
    const subject = subjectParam(ctx)
    requireSubject(ctx, subject)
    const q = parseQuery(ctx, log)
    const page = await c.queries().accessLog(subject, { offset: BigInt(q.offset ?? 0), limit: q.limit ?? 100 })
    return ctx.json({
      total: String(page.total),
      entries: page.items.map((e) => ({
        seq: String(e.seq), custodian: e.custodian, height: String(e.height), tokenId: e.event.tokenId,
        requesterCountry: e.event.requesterCountry, purpose: e.event.purpose, decision: e.event.decision,
        time: String(e.event.time), emergency: e.event.emergency, sealedDetails: Buffer.from(e.event.sealedDetails).toString('hex')
      }))
    })
  })

  const inbox = table.add({
    method: 'get',
    path: '/v1/subjects/:subject/inbox',
    summary: 'notifications for the patient (notify-patient obligations, grants made on paper consent)',
    roles: ['patient'],
    query: z.object({ after: z.coerce.number().int().min(0).optional(), limit: z.coerce.number().int().min(1).max(500).optional() })
  })
  app.get('/:subject/inbox', allow(inbox), (ctx) => {
    const subject = subjectParam(ctx)
    requireSubject(ctx, subject)
    const q = parseQuery(ctx, inbox)
    if (getEnrolment(c.db(), subject) === undefined) requireEnrolment(c.db(), subject)
    const messages = inboxMessages(c.db(), subject, { ...(q.after !== undefined ? { afterId: q.after } : {}), limit: q.limit ?? 100 })
    return ctx.json({ messages })
  })

  return app
}
