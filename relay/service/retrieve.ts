/**
 * The custodian's retrieve pipeline, in this order (docs/protocol.md, "Custodian and requester
 * pipelines"):
 *
 *  1. the carrying peer is registered (its country is the one the credential must be from);
 *  2. the doctor's credential and signature, freshness and nonce (verifyRetrieveRequest);
 *  3. the record is held here and the patient has not restricted its category — a restricted
 *     record answers exactly as an unknown one (same status, same reason, same path: two local
 *     look-ups, no chain query); only an emergency may reach the policies with `restricted: true`;
 *  4. the token on chain (active, ours, same commitment);
 *  5. the patient's grant on chain (unless the purpose is emergency), then emergency budgets;
 *  6. the source's export AND the destination's import policy;
 *  7. the obligations (unknown → deny), re-wrap to the credential's X25519 key (new key and
 *     commitment when an obligation transforms the content).
 *
 * It returns a plan: a refusal, or the header and the segments to stream. What happens after the
 * response (access event, decision log, inbox) is in the plan's `after`, run once it is sent.
 */
import { bytesEqual, bytesToHex, concatBytes } from '../crypto/bytes.js'
import { computeCommitment } from '../crypto/commitment.js'
import { generateRecordKeys, type RecordKeys } from '../crypto/record-keys.js'
import { wrapToRecipient } from '../crypto/relay-wrap.js'
import { createSegmentDecryptor, encryptSegments } from '../crypto/segments.js'
import { decodeRetrieveRequestPayload, verifyRetrieveRequest, type RetrieveHeaderInit, type SignedRequest, type VerifiedRetrieveRequest } from '../protocol/index.js'
import { parseObligation, type Obligation } from '../../policies/obligations/known.js'
import type { PipelineContext } from './context.js'
import { denialOfVerifyError, reason } from './reasons.js'
import type { AccessEventRecord, Denial, HeldRecord, LedgerGrant, ReleaseQuestion } from './ports.js'

export type RetrievePlan =
  | { readonly kind: 'refuse', readonly tokenId: Uint8Array, readonly denial: Denial, readonly requestPayload: Uint8Array, readonly after?: () => Promise<void> }
  | {
    readonly kind: 'release'
    readonly header: RetrieveHeaderInit
    readonly segments: AsyncIterable<Uint8Array>
    /** SHA-256 of `segments` when known beforehand (the stored record relayed unchanged); absent: hashed while streaming. */
    readonly ciphertextHash?: Uint8Array
    readonly requestPayload: Uint8Array
    readonly after: () => Promise<void>
  }

const NOT_FOUND: Denial = { status: 'NOT_FOUND', reason: reason('not-found', '', '', 'no such record here') }
const TRANSFORMING = new Set(['deidentify', 'redact'])

/** The token id of a request, read without trusting it (only to echo it in a refusal). */
export function tokenIdOf (request: SignedRequest): Uint8Array {
  try { return decodeRetrieveRequestPayload(request.payload).tokenId } catch { return new Uint8Array(0) }
}

interface GrantCheck { present: boolean, valid: boolean, purposes: string[], revoked: boolean, expired: boolean }

function checkGrants (grants: readonly LedgerGrant[], tokenHex: string, country: string, providerId: string, purpose: string, nowS: bigint): GrantCheck {
  const out: GrantCheck = { present: false, valid: false, purposes: [], revoked: false, expired: false }
  const purposes = new Set<string>()
  for (const g of grants) {
    if (g.granteeCountry !== country) continue
    if (g.granteeProviderId !== undefined && g.granteeProviderId !== '' && g.granteeProviderId !== providerId) continue
    if (!g.tokenIds.includes(tokenHex)) continue
    out.present = true
    if (g.revokedAt !== 0n) { out.revoked = true; continue }
    if (nowS < g.notBefore || nowS >= g.expiresAt) { out.expired = true; continue }
    for (const p of g.purposes) purposes.add(p)
  }
  out.purposes = [...purposes].sort()
  out.valid = purposes.has(purpose)
  return out
}

export async function planRetrieve (request: SignedRequest, carrierPeerId: string, ctx: PipelineContext): Promise<RetrievePlan> {
  const c = ctx.components
  const refuse = (denial: Denial, tokenId: Uint8Array = tokenIdOf(request), after?: () => Promise<void>): RetrievePlan =>
    ({ kind: 'refuse', tokenId, denial, requestPayload: request.payload, ...(after === undefined ? {} : { after }) })

  if (c.ledger.isCurrent !== undefined && !(await c.ledger.isCurrent({ signal: ctx.step() }))) {
    return refuse({ status: 'UNAVAILABLE', reason: reason('chain-lag', c.identity.country, '', 'this node\'s view of the chain is too old to release') })
  }

  // 1–2. carrier, credential, signature, freshness, nonce
  const carrier = await c.ledger.node(carrierPeerId, { signal: ctx.step() })
  if (carrier === undefined) return refuse({ status: 'DENIED', reason: reason('carrier-unregistered', '', '', 'the carrying peer is not registered') })
  let verified: VerifiedRetrieveRequest
  try {
    verified = await verifyRetrieveRequest(request, ctx.verifier, {
      localPeerId: c.identity.peerId, carrierCountry: carrier.country, freshnessWindowMs: ctx.init.freshnessWindowMs, signal: ctx.step()
    })
  } catch (err) {
    const denial = denialOfVerifyError(err)
    if (denial === undefined) throw err
    ctx.log.debug({ err: (err as Error).name, carrier: carrierPeerId }, 'retrieve request refused')
    return refuse(denial)
  }
  const { payload } = verified
  const cred = verified.credential.credential
  const tokenId = payload.tokenId
  const tokenHex = bytesToHex(tokenId)
  const emergency = payload.purpose === 'emergency'

  // 3. held here, not restricted (restricted = unknown, unless an emergency may override)
  const record = await c.records.get(tokenId, { signal: ctx.step() })
  const restricted = await c.restrictions.isRestricted(record?.subject ?? '', record?.category ?? '', { signal: ctx.step() })
  if (record === undefined) return refuse(NOT_FOUND, tokenId)
  const accessEvent = (decision: 'permit' | 'deny', extra: Partial<AccessEventRecord['details']> = {}): AccessEventRecord => ({
    tokenId, subject: record.subject, requesterCountry: cred.country, purpose: payload.purpose, decision, at: ctx.clock(), emergency,
    details: {
      providerId: cred.providerId, providerName: cred.name, credentialId: verified.credential.idHex, policyVersions: [], obligations: [],
      ...(payload.justification === '' ? {} : { justification: payload.justification }), ...extra
    }
  })
  const recordDenial = (why: string, extra: Partial<AccessEventRecord['details']> = {}) => async (): Promise<void> => {
    await c.access.record(accessEvent('deny', { reason: why, ...extra }), { signal: ctx.step() })
  }
  if (restricted && !(emergency && ctx.init.vitalInterestOverride)) return refuse(NOT_FOUND, tokenId, recordDenial('restricted'))

  // 4. the token on chain
  const token = await c.ledger.token(tokenId, { signal: ctx.step() })
  if (token === undefined || token.status !== 'active' || token.custodian !== c.identity.country || token.subject !== record.subject) {
    return refuse(NOT_FOUND, tokenId)
  }
  if (!bytesEqual(token.commitment, record.commitment)) {
    ctx.log.error({ tokenId: tokenHex }, 'stored record does not match the commitment on chain; refusing')
    return refuse({ status: 'UNAVAILABLE', reason: reason('record-inconsistent', c.identity.country, '', 'the stored record does not match the chain') }, tokenId)
  }

  // 5. grant (not needed for an emergency), emergency budgets
  const nowS = BigInt(Math.floor(ctx.clock() / 1000))
  const grants = await c.ledger.grantsFor(record.subject, tokenId, { signal: ctx.step() })
  const grant = checkGrants(grants, tokenHex, cred.country, cred.providerId, payload.purpose, nowS)
  if (!emergency && !grant.valid) {
    const code = grant.revoked && !grant.expired ? 'grant-revoked' : grant.expired ? 'grant-expired' : 'no-grant'
    const message = code === 'grant-revoked' ? 'the patient revoked the grant' : code === 'grant-expired' ? 'the grant is not in force' : `no grant for ${cred.country} and ${payload.purpose}`
    return refuse({ status: 'DENIED', reason: reason(code, c.identity.country, '', message) }, tokenId, recordDenial(code))
  }
  if (emergency && !grant.valid) {
    if (!c.emergencyLimiter.take(`emergency:doctor:${verified.credential.idHex}`) || !c.emergencyLimiter.take('emergency:node')) {
      return refuse({ status: 'RATE_LIMITED', reason: reason('emergency-rate-limit', c.identity.country, '', 'too many emergency requests') }, tokenId, recordDenial('emergency-rate-limit'))
    }
  }

  // 6. policies: source export AND destination import
  const homeCountry = await c.subjects.homeCountry(record.subject, { signal: ctx.step() }) ?? c.identity.country
  const question: ReleaseQuestion = {
    requester: { id: cred.providerId, country: cred.country, role: cred.role },
    record: { category: record.category, subjectHomeCountry: homeCountry, custodianCountry: c.identity.country, ...(record.contains === undefined ? {} : { contains: record.contains }) },
    purpose: payload.purpose,
    sourceCountry: c.identity.country,
    destinationCountry: cred.country,
    grant: { present: grant.present, valid: grant.valid, purposes: grant.purposes },
    emergency,
    justificationPresent: payload.justification.trim() !== '',
    // the doctor's signed emergency request with its justification attests that the patient cannot consent
    patientUnableToConsent: emergency && payload.justification.trim() !== '',
    restricted,
    subject: record.subject
  }
  const answer = await c.policies.decide(question, { signal: ctx.step() })
  const logDecision = async (decision: 'allow' | 'deny', why?: string): Promise<void> => {
    await c.decisions.log({
      at: ctx.clock(), tokenId, direction: 'export', requesterCountry: cred.country, custodianCountry: c.identity.country,
      providerId: cred.providerId, purpose: payload.purpose, decision, ...(why === undefined ? {} : { reason: why }), emergency,
      policyVersions: answer.policyVersions, obligations: answer.obligations, request: answer.record
    }, { signal: ctx.step() })
  }
  if (answer.decision === 'deny') {
    const why = answer.reasons.join(',')
    const after = async (): Promise<void> => {
      await Promise.all([logDecision('deny', why), recordDenial(restricted ? 'restricted' : 'policy-denied', { policyVersions: answer.policyVersions })()])
    }
    if (restricted) return refuse(NOT_FOUND, tokenId, after)
    return refuse({
      status: 'DENIED',
      reason: reason('policy-denied', answer.deniedBy?.jurisdiction ?? '', answer.deniedBy?.policyIds[0] ?? '', why)
    }, tokenId, after)
  }

  // 7. obligations
  const obligations: Obligation[] = []
  // what the content undergoes: the disclosed obligations and those never named to the requester
  const applied = [...answer.obligations, ...(answer.undisclosedObligations ?? [])]
  for (const text of applied) {
    const ob = parseObligation(text)
    if (ob === undefined) {
      return refuse({ status: 'DENIED', reason: reason('unknown-obligation', c.identity.country, '', `obligation ${text} is not known to this relay`) }, tokenId,
        async () => { await logDecision('deny', 'unknown-obligation') })
    }
    obligations.push(ob)
  }
  const retentionDays = obligations.reduce((d, o) => o.kind === 'retention' ? (d === 0 ? o.days : Math.min(d, o.days)) : d, 0)
  const transforming = applied.filter((o) => isTransforming(o))
  const notify = emergency || obligations.some((o) => o.kind === 'notify-patient')

  const keys = await c.records.keys(record, { signal: ctx.step() })
  let segments: AsyncIterable<Uint8Array>
  let sendKeys: RecordKeys = keys
  let commitment = token.commitment
  let plaintextBytes = record.plaintextBytes
  let contentTransformed = false
  // the stored record's hash applies only to its stored segments, never to transformed content
  let ciphertextHash = record.ciphertextHash
  if (transforming.length > 0) {
    const t = await transformRecord(record, keys, transforming, ctx)
    if (t === undefined) {
      return refuse({ status: 'DENIED', reason: reason('obligation-unsatisfiable', c.identity.country, '', 'the record cannot be transformed as the policy requires') }, tokenId,
        async () => { await logDecision('deny', 'obligation-unsatisfiable') })
    }
    ;({ segments, keys: sendKeys, commitment, plaintextBytes } = t)
    contentTransformed = true
    ciphertextHash = undefined
  } else {
    segments = c.records.segments(record, { signal: ctx.shutdown })
  }
  c.policies.released?.(question)
  const wrappedKey = wrapToRecipient(sendKeys, tokenId, cred.x25519PublicKey)
  const header: RetrieveHeaderInit = {
    status: 'OK', tokenId, obligations: answer.obligations, category: record.category, mediaType: record.mediaType, wrappedKey,
    plaintextBytes, segmentBytes: record.segmentBytes, commitment, contentTransformed, retentionDays, policyVersions: answer.policyVersions
  }
  // after the trailer (the order of the issue: stream, sign the trailer, append the access event)
  // (issued together, so a node that groups its appends writes them in one transaction)
  const after = async (): Promise<void> => {
    await Promise.all([
      logDecision('allow'),
      c.access.record(accessEvent('permit', { policyVersions: answer.policyVersions, obligations: applied }), { signal: ctx.step() }),
      ...(notify
        ? [c.notifier.notify(record.subject, {
            kind: emergency ? 'emergency-access' : 'access',
            body: { tokenId: tokenHex, requesterCountry: cred.country, providerName: cred.name, purpose: payload.purpose, at: ctx.clock(), obligations: answer.obligations }
          }, { signal: ctx.step() })]
        : [])
    ])
  }
  return { kind: 'release', header, segments, ...(ciphertextHash === undefined ? {} : { ciphertextHash }), requestPayload: request.payload, after }
}

function isTransforming (o: string): boolean {
  const ob = parseObligation(o)
  return ob !== undefined && TRANSFORMING.has(ob.kind)
}

/**
 * Decrypts the record, applies the transforming obligations to its FHIR JSON and re-encrypts it
 * under fresh keys (bounded by `maxTransformBytes`). Undefined when it cannot be done.
 */
async function transformRecord (
  record: HeldRecord, keys: RecordKeys, obligations: readonly string[], ctx: PipelineContext
): Promise<{ segments: AsyncIterable<Uint8Array>, keys: RecordKeys, commitment: Uint8Array, plaintextBytes: bigint } | undefined> {
  if (record.plaintextBytes > BigInt(ctx.init.maxTransformBytes) || !/json/i.test(record.mediaType)) return undefined
  const decryptor = createSegmentDecryptor({ key: keys.dataKey, noncePrefix: keys.noncePrefix, recordId: record.tokenId, segmentBytes: record.segmentBytes })
  const parts: Uint8Array[] = []
  for await (const seg of ctx.components.records.segments(record, { signal: ctx.step() })) {
    const out = decryptor.push(seg)
    if (out !== undefined) parts.push(out)
  }
  parts.push(decryptor.finish())
  let next: Uint8Array
  try {
    next = ctx.components.transformer.transform(concatBytes(...parts), obligations, record.mediaType)
  } catch (err) {
    ctx.log.warn({ tokenId: bytesToHex(record.tokenId), err: (err as Error).name }, 'obligation transform failed')
    return undefined
  }
  const fresh = generateRecordKeys()
  const params = { key: fresh.dataKey, noncePrefix: fresh.noncePrefix, recordId: record.tokenId, segmentBytes: record.segmentBytes }
  return { segments: encryptSegments([next], params), keys: fresh, commitment: computeCommitment(fresh.commitmentSalt, next), plaintextBytes: BigInt(next.byteLength) }
}
