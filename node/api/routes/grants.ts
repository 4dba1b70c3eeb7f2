/**
 * `/v1/grants`: a patient's signed MsgGrantAccess / MsgRevokeAccess, broadcast as received; or,
 * for the agency, a grant on a signed paper consent (the node's operator signs it with the
 * consent's evidence hash, and the patient is told in their inbox).
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { ledger, toBigInt } from '../../../proto/index.js'
import { ForbiddenError, InvalidInputError } from '../../../common/errors.js'
import { addInboxMessage, requireEnrolment } from '../../storage/index.js'
import { decodeSignedTx } from '../../services/signed-tx.js'
import { NotOwnerError, UnexpectedTxError } from '../../errors.js'
import { allow, principal } from '../auth.js'
import { parseBody, type RouteTable } from '../openapi.js'
import type { ApiComponents, ApiEnv } from '../context.js'
import { hexBytes, isSubject } from './common.js'

const PURPOSES = ['treatment', 'emergency', 'research', 'insurance', 'public-health'] as const

export function grantsApi (c: ApiComponents, table: RouteTable): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>()
  const now = c.clock ?? Date.now

  const create = table.add({
    method: 'post',
    path: '/v1/grants',
    summary: 'a patient-signed MsgGrantAccess tx (base64 TxRaw, broadcast as is), or for agency-admin a grant on a signed paper consent (evidenceHash)',
    roles: ['patient', 'agency-admin'],
    body: z.union([
      z.object({ tx: z.string().min(1) }).strict(),
      z.object({
        subject: z.string().refine(isSubject, 'a bech32 hr1… address'),
        grantee: z.object({ country: z.string().regex(/^[A-Z]{2}$/), providerId: z.string().max(200).optional() }).strict(),
        tokenIds: z.array(hexBytes(32)).min(1).max(500),
        purposes: z.array(z.enum(PURPOSES)).min(1),
        notBefore: z.number().int().min(0),
        expiresAt: z.number().int().positive(),
        evidenceHash: hexBytes(32)
      }).strict()
    ]),
    response: z.object({ grantId: z.string(), txHash: z.string(), height: z.string() })
  })
  app.post('/', allow(create), async (ctx) => {
    const b = await parseBody(ctx, create)
    const p = principal(ctx)
    if ('tx' in b) {
      if (p.kind !== 'patient') throw new ForbiddenError('a signed grant tx comes from the patient; the agency grants with evidenceHash')
      const tx = decodeSignedTx(b.tx, ['MsgGrantAccess'])
      for (const m of tx.messages) {
        const msg = ledger.MsgGrantAccess.decode(m.value)
        if (msg.granter !== p.subject || msg.subject !== p.subject) throw new NotOwnerError('the grant must be signed by the authenticated patient for their own subject')
      }
      const out = await c.broadcast(tx.bytes)
      const ev = out.events.find((e) => e.type === 'GrantCreated')
      return ctx.json({ grantId: ev?.type === 'GrantCreated' ? String(ev.grantId) : null, txHash: out.txHash, height: String(out.height) }, 201)
    }
    if (p.kind !== 'apikey') throw new ForbiddenError('only the agency grants on paper consent')
    requireEnrolment(c.db(), b.subject)
    if (b.expiresAt <= b.notBefore) throw new InvalidInputError('expiresAt must be after notBefore')
    const out = await c.operator().grantAccess({
      subject: b.subject, grantee: { country: b.grantee.country, ...(b.grantee.providerId !== undefined ? { providerId: b.grantee.providerId } : {}) },
      tokenIds: b.tokenIds, purposes: b.purposes, notBefore: BigInt(b.notBefore), expiresAt: BigInt(b.expiresAt), evidenceHash: b.evidenceHash
    })
    addInboxMessage(c.db(), {
      subject: b.subject, kind: 'grant-on-paper-consent',
      body: { grantId: String(out.value.grantId), grantee: b.grantee, tokenIds: b.tokenIds, purposes: b.purposes, evidenceHash: b.evidenceHash }, at: now()
    })
    return ctx.json({ grantId: String(out.value.grantId), txHash: out.txHash, height: String(out.height) }, 201)
  })

  const revoke = table.add({
    method: 'delete',
    path: '/v1/grants/:id',
    summary: 'revoke a grant: a patient-signed MsgRevokeAccess tx ({tx}), or for agency-admin a grant its operator created',
    roles: ['patient', 'agency-admin'],
    body: z.object({ tx: z.string().min(1) }).strict().optional()
  })
  app.delete('/:id', allow(revoke), async (ctx) => {
    const idText = ctx.req.param('id')
    if (!/^\d{1,20}$/.test(idText)) throw new InvalidInputError('id: a grant id (decimal)')
    const id = BigInt(idText)
    const p = principal(ctx)
    if (p.kind === 'patient') {
      const b = await parseBody(ctx, { ...revoke, body: z.object({ tx: z.string().min(1) }).strict() })
      const tx = decodeSignedTx(b.tx, ['MsgRevokeAccess'])
      for (const m of tx.messages) {
        const msg = ledger.MsgRevokeAccess.decode(m.value)
        if (msg.signer !== p.subject) throw new NotOwnerError('the revocation must be signed by the authenticated patient')
        if (toBigInt(msg.grantId) !== id) throw new UnexpectedTxError(`the tx revokes grant ${String(toBigInt(msg.grantId))}, not ${idText}`)
      }
      const out = await c.broadcast(tx.bytes)
      return ctx.json({ grantId: idText, revoked: true, txHash: out.txHash, height: String(out.height) })
    }
    const out = await c.operator().revokeAccess(id)
    return ctx.json({ grantId: idText, revoked: true, txHash: out.txHash, height: String(out.height) })
  })

  return app
}
