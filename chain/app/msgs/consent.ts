/** Consent and credentials: MsgGrantAccess, MsgRevokeAccess, MsgRevokeCredential. */
import { createHash } from 'node:crypto'
import { ledger, toBigInt, toLong } from '../../../proto/index.js'
import { defineMsg, encodeResponse } from './define.js'
import { emit, requireOperator, type ExecContext } from '../exec.js'
import { K, u64Key } from '../keys.js'
import { getSubject, getToken, operatorCountry } from '../state.js'
import { AlreadyExistsError, InvalidMsgError, InvalidTransitionError, LedgerNotFoundError, SignerNotAllowedError } from '../errors.js'
import {
  hex, isPurpose, requireAddress, requireBytes, requireCount, requireCountry, requireDistinctBytes, requireText
} from '../validation.js'
import { EMPTY_VALUE } from '../store.js'

const v1 = ledger

/**
 * Grant ids are unpredictable 63-bit numbers: the first 8 bytes of
 * SHA-256("healthrelay/grant" ‖ tx hash ‖ u64be(msg index) ‖ u64be(attempt)) with the top bit
 * cleared, taking the next attempt on a collision. They reveal nothing about how many grants exist.
 */
function newGrantId (ctx: ExecContext): bigint {
  for (let attempt = 0n; ; attempt++) {
    const h = createHash('sha256').update('healthrelay/grant').update(ctx.txHash)
      .update(Buffer.from(u64Key(BigInt(ctx.msgIndex)), 'latin1')).update(Buffer.from(u64Key(attempt), 'latin1')).digest()
    const id = h.readBigUInt64BE(0) & 0x7fffffffffffffffn
    if (id !== 0n && !ctx.store.has(K.grant(id))) return id
  }
}

export const grantAccess = defineMsg('MsgGrantAccess', v1.MsgGrantAccess, {
  signer: (m) => m.granter,
  validate: (m, p) => {
    requireAddress('granter', m.granter)
    requireAddress('subject', m.subject)
    if (m.grantee === null || m.grantee === undefined) throw new InvalidMsgError('grantee: required')
    requireCountry('grantee.country', m.grantee.country ?? '')
    const provider = m.grantee.providerId ?? ''
    if (provider !== '') requireText('grantee.provider_id', provider, 1, 128)
    requireCount('token_ids', m.tokenIds.length, 1, p.maxTokensPerMint)
    m.tokenIds.forEach((id, i) => requireBytes(`token_ids[${i}]`, id, 32))
    requireDistinctBytes('token_ids', m.tokenIds)
    requireCount('purposes', m.purposes.length, 1, 5)
    for (const pur of m.purposes) if (!isPurpose(pur)) throw new InvalidMsgError(`purposes: unknown purpose "${pur.slice(0, 40)}"`)
    if (new Set(m.purposes).size !== m.purposes.length) throw new InvalidMsgError('purposes: duplicates')
    const notBefore = toBigInt(m.notBefore)
    const expiresAt = toBigInt(m.expiresAt)
    if (notBefore < 0n) throw new InvalidMsgError('not_before: must not be negative')
    if (expiresAt <= notBefore) throw new InvalidMsgError('expires_at: must be after not_before')
    const evidence = m.evidenceHash ?? EMPTY_VALUE
    if (m.granter === m.subject) {
      if (evidence.length !== 0) requireBytes('evidence_hash', evidence, 32)
    } else if (evidence.length !== 32) {
      throw new InvalidMsgError(`evidence_hash: must be exactly 32 bytes, got ${evidence.length} (required when the granter is not the subject: a custodian operator acting on a signed paper consent)`)
    }
  },
  execute: (ctx, m) => {
    if (getSubject(ctx.store, m.subject) === undefined) throw new LedgerNotFoundError(`subject ${m.subject} is not enrolled`)
    let custodian: string | undefined
    if (m.granter !== m.subject) {
      custodian = operatorCountry(ctx.store, m.granter)
      if (custodian === undefined) throw new SignerNotAllowedError('MsgGrantAccess: the granter must be the subject, or a custodian operator with evidence_hash')
      requireOperator(ctx, m.granter, 'MsgGrantAccess')
    }
    const expiresAt = toBigInt(m.expiresAt)
    if (expiresAt <= ctx.time) throw new InvalidMsgError(`expires_at: ${expiresAt} is not after the block time ${ctx.time}`)
    for (const [i, id] of m.tokenIds.entries()) {
      const token = getToken(ctx.store, id)
      if (token === undefined) throw new LedgerNotFoundError(`token_ids[${i}]: token ${hex(id)} does not exist`)
      if (token.subject !== m.subject) throw new SignerNotAllowedError(`token_ids[${i}]: token ${hex(id)} is not a record of ${m.subject}`)
      if (custodian !== undefined && token.custodian !== custodian) throw new SignerNotAllowedError(`token_ids[${i}]: ${custodian} is not the custodian of token ${hex(id)}`)
      if (token.status === v1.RecordStatus.RECORD_STATUS_ERASED) throw new InvalidTransitionError(`token_ids[${i}]: token ${hex(id)} is erased`)
    }
    const id = newGrantId(ctx)
    const grant = v1.Grant.create({
      id: toLong(id, true),
      subject: m.subject,
      creator: m.granter,
      grantee: { country: m.grantee?.country ?? '', providerId: m.grantee?.providerId ?? '' },
      tokenIds: m.tokenIds,
      purposes: m.purposes,
      notBefore: toLong(toBigInt(m.notBefore)),
      expiresAt: toLong(expiresAt),
      evidenceHash: m.evidenceHash ?? EMPTY_VALUE,
      createdAt: toLong(ctx.time),
      revokedAt: toLong(0n)
    })
    ctx.store.set(K.grant(id), v1.Grant.encode(grant).finish())
    ctx.store.set(K.grantBySubject(m.subject, id), EMPTY_VALUE)
    emit(ctx, 'EventGrantCreated', [['grant_id', id.toString(), true], ['subject', m.subject, true], ['grantee_country', m.grantee?.country ?? '', true]])
    return encodeResponse(v1.MsgGrantAccessResponse, { grantId: toLong(id, true) })
  }
})

export const revokeAccess = defineMsg('MsgRevokeAccess', v1.MsgRevokeAccess, {
  signer: (m) => m.signer,
  validate: (m) => {
    requireAddress('signer', m.signer)
    if (toBigInt(m.grantId) === 0n) throw new InvalidMsgError('grant_id: required')
  },
  execute: (ctx, m) => {
    const id = toBigInt(m.grantId)
    const bytes = ctx.store.get(K.grant(id))
    if (bytes === undefined) throw new LedgerNotFoundError(`grant ${id} does not exist`)
    const grant = v1.Grant.decode(bytes)
    if (m.signer !== grant.subject && m.signer !== grant.creator) throw new SignerNotAllowedError(`grant ${id}: only its subject or its creator may revoke it`)
    if (toBigInt(grant.revokedAt) !== 0n) throw new InvalidTransitionError(`grant ${id} is already revoked`)
    grant.revokedAt = toLong(ctx.time)
    ctx.store.set(K.grant(id), v1.Grant.encode(grant).finish())
    emit(ctx, 'EventGrantRevoked', [['grant_id', id.toString(), true], ['subject', grant.subject, true]])
    return encodeResponse(v1.MsgRevokeAccessResponse)
  }
})

export const revokeCredential = defineMsg('MsgRevokeCredential', v1.MsgRevokeCredential, {
  signer: (m) => m.operator,
  validate: (m) => {
    requireAddress('operator', m.operator)
    requireBytes('credential_id', m.credentialId, 32)
  },
  execute: (ctx, m) => {
    const country = requireOperator(ctx, m.operator, 'MsgRevokeCredential')
    const key = K.credentialRevoked(m.credentialId)
    if (ctx.store.has(key)) throw new AlreadyExistsError(`credential ${hex(m.credentialId)} is already revoked`)
    ctx.store.set(key, v1.CredentialRevocation.encode({
      credentialId: m.credentialId, country, revokedAt: toLong(ctx.time), height: toLong(ctx.height, true)
    }).finish())
    emit(ctx, 'EventCredentialRevoked', [['credential_id', hex(m.credentialId), true], ['country', country, true]])
    return encodeResponse(v1.MsgRevokeCredentialResponse)
  }
})
