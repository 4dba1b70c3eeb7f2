/**
 * The queries of `healthrelay.ledger.v1.Query`, answered from committed state (the read
 * connection). Request and response are the protobuf messages of query.proto. A single object
 * that does not exist is answered with code 0 and the field left unset (e.g. `token` absent);
 * malformed request bytes or fields get sdk code 18 (`rpc error: code = InvalidArgument ...`).
 */
import type Long from 'long'
import { ledger, toBigInt, toLong, type healthrelay } from '../../proto/index.js'
import { K, trailingId, trailingU64 } from './keys.js'
import type { SqliteReader } from './store.js'
import { getParams, getSubject, getToken, listMembers } from './state.js'
import { paramsToWire } from './params.js'
import { GOVERNANCE_ADDRESS } from './address.js'
import { InvalidRequestError } from './errors.js'
import { isAddress } from './validation.js'
import { isJurisdictionCode } from './jurisdictions.js'

const v1 = ledger
type PageRequest = healthrelay.ledger.v1.PageRequest.$Properties | null | undefined

export const DEFAULT_PAGE_LIMIT = 100
export const MAX_PAGE_LIMIT = 1000

type QueryFn = (r: SqliteReader, data: Uint8Array) => Uint8Array

function invalid (msg: string): never {
  throw new InvalidRequestError(`rpc error: code = InvalidArgument desc = ${msg}`)
}

/** A query method: decodes its request (malformed → sdk 18), then answers. */
function method<Req> (codec: { decode: (b: Uint8Array) => Req }, answer: (r: SqliteReader, req: Req) => Uint8Array): QueryFn {
  return (r, data) => {
    let req: Req
    try { req = codec.decode(data) } catch (err) { invalid(`cannot decode the request: ${(err as Error).message}`) }
    return answer(r, req)
  }
}

function page (p: PageRequest): { offset: number, limit: number } {
  const offset = toBigInt(p?.offset)
  if (offset > 1_000_000_000n) invalid('page.offset too large')
  const limit = p?.limit ?? 0
  if (limit > MAX_PAGE_LIMIT) invalid(`page.limit must be at most ${MAX_PAGE_LIMIT}`)
  return { offset: Number(offset), limit: limit === 0 ? DEFAULT_PAGE_LIMIT : limit }
}

function address (a: string, field: string): string {
  if (!isAddress(a)) invalid(`${field}: not a bech32 "hr" address`)
  return a
}

function id32 (b: Uint8Array | null | undefined, field: string): Uint8Array {
  if (b === null || b === undefined || b.length !== 32) invalid(`${field}: must be 32 bytes`)
  return b
}

function enc<T> (type: { encode: (m: T) => { finish: () => Uint8Array } }, value: T): Uint8Array {
  return type.encode(value).finish()
}

function total (r: SqliteReader, prefix: string): { total: Long } {
  return { total: toLong(BigInt(r.count(prefix)), true) }
}

const Q: Readonly<Record<string, QueryFn>> = {
  Token: method(v1.QueryTokenRequest, (r, q) => enc(v1.QueryTokenResponse, { token: getToken(r, id32(q.id, 'id')) })),
  TokensBySubject: method(v1.QueryTokensBySubjectRequest, (r, q) => {
    const prefix = K.tokensBySubjectPrefix(address(q.subject, 'subject'))
    const { offset, limit } = page(q.page)
    const tokens = r.scanRange(prefix, offset, limit).map(([k]) => getToken(r, trailingId(k))).filter((t) => t !== undefined)
    return enc(v1.QueryTokensBySubjectResponse, { tokens, page: total(r, prefix) })
  }),
  Node: method(v1.QueryNodeRequest, (r, q) => {
    const v = r.get(K.node(q.peerId))
    return enc(v1.QueryNodeResponse, { node: v === undefined ? undefined : v1.Node.decode(v) })
  }),
  Nodes: method(v1.QueryNodesRequest, (r, q) => {
    const nodes = r.scan(K.nodePrefix).map(([, v]) => v1.Node.decode(v)).filter((n) => q.country === '' || n.country === q.country)
    return enc(v1.QueryNodesResponse, { nodes })
  }),
  Grant: method(v1.QueryGrantRequest, (r, q) => {
    const v = r.get(K.grant(toBigInt(q.id)))
    return enc(v1.QueryGrantResponse, { grant: v === undefined ? undefined : v1.Grant.decode(v) })
  }),
  GrantsBySubject: method(v1.QueryGrantsBySubjectRequest, (r, q) => {
    const prefix = K.grantsBySubjectPrefix(address(q.subject, 'subject'))
    const { offset, limit } = page(q.page)
    const grants = r.scanRange(prefix, offset, limit).map(([k]) => r.get(K.grant(trailingU64(k)))).filter((v) => v !== undefined).map((v) => v1.Grant.decode(v))
    return enc(v1.QueryGrantsBySubjectResponse, { grants, page: total(r, prefix) })
  }),
  CredentialRevoked: method(v1.QueryCredentialRevokedRequest, (r, q) => {
    const v = r.get(K.credentialRevoked(id32(q.credentialId, 'credential_id')))
    return enc(v1.QueryCredentialRevokedResponse, { revoked: v !== undefined, revocation: v === undefined ? undefined : v1.CredentialRevocation.decode(v) })
  }),
  Policy: method(v1.QueryPolicyRequest, (r, q) => {
    if (!isJurisdictionCode(q.jurisdiction)) invalid('jurisdiction: not a jurisdiction code')
    let version = q.version
    if (version === '') {
      const latest = r.get(K.policyLatest(q.jurisdiction))
      if (latest === undefined) return enc(v1.QueryPolicyResponse, {})
      version = Buffer.from(latest).toString('utf8')
    }
    const v = version.length > 64 ? undefined : r.get(K.policy(q.jurisdiction, version))
    return enc(v1.QueryPolicyResponse, { policy: v === undefined ? undefined : v1.Policy.decode(v) })
  }),
  Policies: method(v1.QueryPoliciesRequest, (r) => {
    const policies = r.scan(K.policyLatestPrefix).flatMap(([k, version]) => {
      const v = r.get(K.policy(k.slice(K.policyLatestPrefix.length), Buffer.from(version).toString('utf8')))
      return v === undefined ? [] : [v1.Policy.decode(v)]
    })
    return enc(v1.QueryPoliciesResponse, { policies })
  }),
  AccessLog: method(v1.QueryAccessLogRequest, (r, q) => {
    const prefix = K.accessLogPrefix(address(q.subject, 'subject'))
    const { offset, limit } = page(q.page)
    const entries = r.scanRange(prefix, offset, limit).map(([, v]) => v1.AccessLogEntry.decode(v))
    return enc(v1.QueryAccessLogResponse, { entries, page: total(r, prefix) })
  }),
  Proposal: method(v1.QueryProposalRequest, (r, q) => {
    const v = r.get(K.proposal(toBigInt(q.id)))
    return enc(v1.QueryProposalResponse, { proposal: v === undefined ? undefined : v1.Proposal.decode(v) })
  }),
  Params: method(v1.QueryParamsRequest, (r) => enc(v1.QueryParamsResponse, { params: paramsToWire(getParams(r)) })),
  Members: method(v1.QueryMembersRequest, (r) => enc(v1.QueryMembersResponse, { members: listMembers(r), governanceAccount: GOVERNANCE_ADDRESS })),
  Regulators: method(v1.QueryRegulatorsRequest, (r) => enc(v1.QueryRegulatorsResponse, { regulators: r.scan(K.regulatorPrefix).map(([, v]) => v1.Regulator.decode(v)) })),
  Subject: method(v1.QuerySubjectRequest, (r, q) => enc(v1.QuerySubjectResponse, { subject: getSubject(r, address(q.address, 'address')) }))
}

export const LEDGER_QUERY_PREFIX = '/healthrelay.ledger.v1.Query/'
export const LEDGER_QUERY_METHODS: readonly string[] = Object.keys(Q).sort()

/** Answers `/healthrelay.ledger.v1.Query/<method>`; undefined when the method is unknown. */
export function ledgerQuery (r: SqliteReader, name: string, data: Uint8Array): Uint8Array | undefined {
  if (!Object.prototype.hasOwnProperty.call(Q, name)) return undefined
  return Q[name]?.(r, data)
}

