/** Subjects and record tokens: MsgEnrollSubject, MsgMintRecordTokens, MsgSetRecordStatus. */
import { ledger, toLong, type healthrelay } from '../../../proto/index.js'
import { defineMsg, encodeResponse } from './define.js'
import { emit, requireOperator } from '../exec.js'
import { K } from '../keys.js'
import { addressFromPublicKey } from '../address.js'
import { ensureAccount, getAccount, getToken, putToken } from '../state.js'
import { AlreadyExistsError, InvalidMsgError, InvalidTransitionError, LedgerNotFoundError, SignerNotAllowedError } from '../errors.js'
import { hex, requireAddress, requireBytes, requireCount, requireDistinctBytes } from '../validation.js'
import { EMPTY_VALUE } from '../store.js'

const v1 = ledger
type P = typeof healthrelay.ledger.v1

export const RecordStatus = v1.RecordStatus

export const enrollSubject = defineMsg('MsgEnrollSubject', v1.MsgEnrollSubject, {
  signer: (m) => m.operator,
  validate: (m) => {
    requireAddress('operator', m.operator)
    requireAddress('subject', m.subject)
    const pk = requireBytes('public_key', m.publicKey, 33)
    if (pk[0] !== 2 && pk[0] !== 3) throw new InvalidMsgError('public_key: not a compressed secp256k1 key')
    requireBytes('x25519_public_key', m.x25519PublicKey, 32)
    if (addressFromPublicKey(pk) !== m.subject) throw new InvalidMsgError('subject: does not match the address of public_key')
  },
  execute: (ctx, m) => {
    const country = requireOperator(ctx, m.operator, 'MsgEnrollSubject')
    if (getAccount(ctx.store, m.subject) !== undefined) throw new AlreadyExistsError(`account ${m.subject} already exists`)
    ensureAccount(ctx.store, m.subject, m.publicKey)
    const subject = v1.Subject.create({ address: m.subject, homeCountry: country, x25519PublicKey: m.x25519PublicKey, enrolledAt: toLong(ctx.time) })
    ctx.store.set(K.subject(m.subject), v1.Subject.encode(subject).finish())
    emit(ctx, 'EventSubjectEnrolled', [['subject', m.subject, true], ['home_country', country, false]])
    return encodeResponse(v1.MsgEnrollSubjectResponse)
  }
})

function validateSpec (t: InstanceType<P['TokenSpec']>, i: number, maxSealed: number, subjects: Set<string>): void {
  requireBytes(`tokens[${i}].id`, t.id, 32)
  if (!subjects.has(t.subject)) {
    requireAddress(`tokens[${i}].subject`, t.subject)
    subjects.add(t.subject)
  }
  requireBytes(`tokens[${i}].commitment`, t.commitment, 32)
  const sealed = t.sealedMetadata ?? EMPTY_VALUE
  if (sealed.length === 0 || sealed.length > maxSealed) throw new InvalidMsgError(`tokens[${i}].sealed_metadata: size must be 1..${maxSealed} bytes, got ${sealed.length}`)
  if (t.supersedes !== null && t.supersedes !== undefined && t.supersedes.length > 0) requireBytes(`tokens[${i}].supersedes`, t.supersedes, 32)
}

export const mintRecordTokens = defineMsg('MsgMintRecordTokens', v1.MsgMintRecordTokens, {
  signer: (m) => m.custodian,
  validate: (m, p) => {
    requireAddress('custodian', m.custodian)
    requireCount('tokens', m.tokens.length, 1, p.maxTokensPerMint)
    const subjects = new Set<string>()
    m.tokens.forEach((t, i) => { validateSpec(v1.TokenSpec.create(t), i, p.maxSealedBytes, subjects) })
    requireDistinctBytes('tokens.id', m.tokens.map((t) => t.id ?? EMPTY_VALUE))
  },
  execute: (ctx, m) => {
    const country = requireOperator(ctx, m.custodian, 'MsgMintRecordTokens')
    const height = toLong(ctx.height, true)
    const time = toLong(ctx.time)
    const ids: Uint8Array[] = []
    for (const [i, t] of m.tokens.entries()) {
      const id = t.id as Uint8Array
      const subject = t.subject as string
      if (!ctx.store.has(K.subject(subject))) throw new LedgerNotFoundError(`tokens[${i}].subject: ${subject} is not an enrolled subject`)
      if (ctx.store.has(K.token(id))) throw new AlreadyExistsError(`tokens[${i}].id: token ${hex(id)} already exists`)
      const supersedes = t.supersedes ?? EMPTY_VALUE
      if (supersedes.length > 0) {
        const old = getToken(ctx.store, supersedes)
        if (old === undefined) throw new LedgerNotFoundError(`tokens[${i}].supersedes: token ${hex(supersedes)} does not exist`)
        if (old.custodian !== country || old.subject !== subject) throw new SignerNotAllowedError(`tokens[${i}].supersedes: only the same custodian may supersede a token of the same subject`)
        if (old.status !== RecordStatus.RECORD_STATUS_ACTIVE) throw new InvalidTransitionError(`tokens[${i}].supersedes: token ${hex(supersedes)} is not active`)
        old.status = RecordStatus.RECORD_STATUS_SUPERSEDED
        old.supersededBy = id
        putToken(ctx.store, old)
        emit(ctx, 'EventRecordStatusChanged', [['token_id', hex(supersedes), true], ['status', 'RECORD_STATUS_SUPERSEDED', false]])
      }
      putToken(ctx.store, v1.Token.create({
        id, subject, custodian: country, commitment: t.commitment, sealedMetadata: t.sealedMetadata,
        supersedes, status: RecordStatus.RECORD_STATUS_ACTIVE, mintedAt: time, mintedHeight: height
      }))
      ctx.store.set(K.tokenBySubject(subject, id), EMPTY_VALUE)
      ids.push(id)
      emit(ctx, 'EventTokenMinted', [['token_id', hex(id), true], ['subject', subject, true], ['custodian', country, true], ['supersedes', hex(supersedes), false]])
    }
    return encodeResponse(v1.MsgMintRecordTokensResponse, { tokenIds: ids })
  }
})

export const setRecordStatus = defineMsg('MsgSetRecordStatus', v1.MsgSetRecordStatus, {
  signer: (m) => m.custodian,
  validate: (m) => {
    requireAddress('custodian', m.custodian)
    requireBytes('token_id', m.tokenId, 32)
    if (m.status !== RecordStatus.RECORD_STATUS_SUPERSEDED && m.status !== RecordStatus.RECORD_STATUS_ERASED) {
      throw new InvalidMsgError('status: must be RECORD_STATUS_SUPERSEDED or RECORD_STATUS_ERASED')
    }
  },
  execute: (ctx, m) => {
    const country = requireOperator(ctx, m.custodian, 'MsgSetRecordStatus')
    const token = getToken(ctx.store, m.tokenId)
    if (token === undefined) throw new LedgerNotFoundError(`token ${hex(m.tokenId)} does not exist`)
    if (token.custodian !== country) throw new SignerNotAllowedError(`token ${hex(m.tokenId)}: only its custodian (${token.custodian}) may change its status`)
    if (token.status === RecordStatus.RECORD_STATUS_ERASED) throw new InvalidTransitionError(`token ${hex(m.tokenId)} is erased`)
    if (token.status === m.status) throw new InvalidTransitionError(`token ${hex(m.tokenId)} already has this status`)
    token.status = m.status
    putToken(ctx.store, token)
    emit(ctx, 'EventRecordStatusChanged', [['token_id', hex(m.tokenId), true], ['status', RecordStatus[m.status] ?? String(m.status), false]])
    return encodeResponse(v1.MsgSetRecordStatusResponse)
  }
})
