/**
 * Discovery at the patient's home country: a doctor-signed DiscoverQuery (share code, or home
 * country + national identifier + birth date, and a purpose) answered with the subject and the
 * token ids this node holds that are releasable to that doctor for that purpose — grant, token on
 * chain, restrictions and both policies checked per token — and nothing else. A restricted
 * record is never listed. Nothing is consumed (no nonce beyond the query's, no emergency budget).
 */
import { bytesToHex } from '../crypto/bytes.js'
import { verifyDiscoverRequest, type DiscoverResult, type SignedRequest, type VerifiedDiscoverRequest } from '../protocol/index.js'
import type { PipelineContext } from './context.js'
import { denialOfVerifyError, reason } from './reasons.js'
import type { LedgerGrant } from './ports.js'

/** Most records of one subject examined per query. */
export const MAX_DISCOVERED_RECORDS = 1000

function grantFor (grants: readonly LedgerGrant[], tokenHex: string, country: string, providerId: string, nowS: bigint): { present: boolean, purposes: string[] } {
  let present = false
  const purposes = new Set<string>()
  for (const g of grants) {
    if (g.granteeCountry !== country || !g.tokenIds.includes(tokenHex)) continue
    if (g.granteeProviderId !== undefined && g.granteeProviderId !== '' && g.granteeProviderId !== providerId) continue
    present = true
    if (g.revokedAt !== 0n || nowS < g.notBefore || nowS >= g.expiresAt) continue
    for (const p of g.purposes) purposes.add(p)
  }
  return { present, purposes: [...purposes].sort() }
}

export async function answerDiscover (request: SignedRequest, carrierPeerId: string, ctx: PipelineContext): Promise<DiscoverResult> {
  const c = ctx.components
  const none = (status: DiscoverResult['status'], r: DiscoverResult['reason']): DiscoverResult => ({ status, ...(r === undefined ? {} : { reason: r }), subject: '', tokens: [] })
  const carrier = await c.ledger.node(carrierPeerId, { signal: ctx.step() })
  if (carrier === undefined) return none('DENIED', reason('carrier-unregistered', '', '', 'the carrying peer is not registered'))
  let verified: VerifiedDiscoverRequest
  try {
    verified = await verifyDiscoverRequest(request, ctx.verifier, { localPeerId: c.identity.peerId, carrierCountry: carrier.country, freshnessWindowMs: ctx.init.freshnessWindowMs, signal: ctx.step() })
  } catch (err) {
    const denial = denialOfVerifyError(err)
    if (denial === undefined) throw err
    return none(denial.status, denial.reason)
  }
  const { query } = verified
  const cred = verified.credential.credential
  const notFound = none('NOT_FOUND', reason('not-found', c.identity.country, '', 'no patient matches'))
  let subject: string | undefined
  if (query.shareCode !== '') subject = await c.subjects.byShareCode(query.shareCode, { signal: ctx.step() })
  else if (query.homeCountry === c.identity.country) subject = await c.subjects.byIdentity(query.homeCountry, query.nationalId, query.birthDate, { signal: ctx.step() })
  if (subject === undefined) return notFound
  const home = await c.subjects.homeCountry(subject, { signal: ctx.step() })
  if (home !== c.identity.country) return notFound

  const emergency = query.purpose === 'emergency'
  const nowS = BigInt(Math.floor(ctx.clock() / 1000))
  const held = (await c.records.bySubject(subject, { signal: ctx.step() })).slice(0, MAX_DISCOVERED_RECORDS)
  const grants = held.length === 0 ? [] : await c.ledger.grantsFor(subject, new Uint8Array(0), { signal: ctx.step() })
  const tokens: DiscoverResult['tokens'][number][] = []
  for (const record of held) {
    if (await c.restrictions.isRestricted(subject, record.category, { signal: ctx.step() })) continue
    const token = await c.ledger.token(record.tokenId, { signal: ctx.step() })
    if (token === undefined || token.status !== 'active' || token.custodian !== c.identity.country) continue
    const hex = bytesToHex(record.tokenId)
    const g = grantFor(grants, hex, cred.country, cred.providerId, nowS)
    const valid = g.purposes.includes(query.purpose)
    if (!emergency && !valid) continue
    const answer = await c.policies.decide({
      requester: { id: cred.providerId, country: cred.country, role: cred.role },
      record: { category: record.category, subjectHomeCountry: home, custodianCountry: c.identity.country },
      purpose: query.purpose,
      sourceCountry: c.identity.country,
      destinationCountry: cred.country,
      grant: { present: g.present, valid, purposes: g.purposes },
      emergency,
      justificationPresent: emergency,
      patientUnableToConsent: emergency,
      restricted: false,
      subject
    }, { signal: ctx.step() })
    if (answer.decision === 'allow') tokens.push({ tokenId: record.tokenId, custodian: c.identity.peerId })
  }
  await c.decisions.log({
    at: ctx.clock(), direction: 'discover', requesterCountry: cred.country, custodianCountry: c.identity.country, providerId: cred.providerId,
    purpose: query.purpose, decision: tokens.length > 0 ? 'allow' : 'deny', emergency, policyVersions: [], obligations: [],
    request: { by: query.shareCode !== '' ? 'share-code' : 'identity', purpose: query.purpose, examined: held.length, releasable: tokens.length }
  }, { signal: ctx.step() })
  return { status: 'OK', subject, tokens }
}
