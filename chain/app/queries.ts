/**
 * The queries of `healthrelay.ledger.v1.Query`, answered from committed state (the read
 * connection). Request and response are the protobuf messages of query.proto. A single object
 * that does not exist is answered with code 0 and the field left unset (e.g. `token` absent);
 * malformed request bytes or fields get sdk code 18 (`rpc error: code = InvalidArgument ...`).
 */
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

interface Codec { decode: (b: Uint8Array) => any }
type QueryHandler = (r: SqliteReader, req: any) => Uint8Array

function invalid (msg: string): never {
  throw new InvalidRequestError(`rpc error: code = InvalidArgument desc = ${msg}`)
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

function enc (type: { encode: (m: any) => { finish: () => Uint8Array } }, value: object): Uint8Array {
  return type.encode(value).finish()
}

const Q: Record<string, [Codec, QueryHandler]> = {
  Token: [v1.QueryTokenRequest, (r, q) => enc(v1.QueryTokenResponse, { token: getToken(r, id32(q.id, 'id')) })],
  TokensBySubject: [v1.QueryTokensBySubjectRequest, (r, q) => {
    const prefix = K.tokensBySubjectPrefix(address(q.subject, 'subject'))
    const { offset, limit } = page(q.page)
    const tokens = r.scanRange(prefix, offset, limit).map(([k]) => getToken(r, trailingId(k))).filter((t) => t !== undefined)
    return enc(v1.QueryTokensBySubjectResponse, { tokens, page: { total: toLong(BigInt(r.count(prefix)), true) } })
  }],
  Node: [v1.QueryNodeRequest, (r, q) => {
    const v = r.get(K.node(q.peerId))
    return enc(v1.QueryNodeResponse, { node: v === undefined ? undefined : v1.Node.decode(v) })
  }],
  Nodes: [v1.QueryNodesRequest, (r, q) => {
    const nodes = r.scan(K.nodePrefix).map(([, v]) => v1.Node.decode(v)).filter((n) => q.country === '' || n.country === q.country)
    return enc(v1.QueryNodesResponse, { nodes })
  }],
  Grant: [v1.QueryGrantRequest, (r, q) => {
    const v = r.get(K.grant(toBigInt(q.id)))
    return enc(v1.QueryGrantResponse, { grant: v === undefined ? undefined : v1.Grant.decode(v) })
  }],
  GrantsBySubject: [v1.QueryGrantsBySubjectRequest, (r, q) => {
    const prefix = K.grantsBySubjectPrefix(address(q.subject, 'subject'))
    const { offset, limit } = page(q.page)
    const grants = r.scanRange(prefix, offset, limit).map(([k]) => r.get(K.grant(trailingU64(k)))).filter((v) => v !== undefined).map((v) => v1.Grant.decode(v))
    return enc(v1.QueryGrantsBySubjectResponse, { grants, page: { total: toLong(BigInt(r.count(prefix)), true) } })
  }],
  CredentialRevoked: [v1.QueryCredentialRevokedRequest, (r, q) => {
    const v = r.get(K.credentialRevoked(id32(q.credentialId, 'credential_id')))
    return enc(v1.QueryCredentialRevokedResponse, { revoked: v !== undefined, revocation: v === undefined ? undefined : v1.CredentialRevocation.decode(v) })
  }],
  Policy: [v1.QueryPolicyRequest, (r, q) => {
    if (!isJurisdictionCode(q.jurisdiction)) invalid('jurisdiction: not a jurisdiction code')
    let version: string = q.version
    if (version === '') {
      const latest = r.get(K.policyLatest(q.jurisdiction))
      if (latest === undefined) return enc(v1.QueryPolicyResponse, {})
      version = Buffer.from(latest).toString('utf8')
    }
    const v = version.length > 64 ? undefined : r.get(K.policy(q.jurisdiction, version))
    return enc(v1.QueryPolicyResponse, { policy: v === undefined ? undefined : v1.Policy.decode(v) })
  }],
  Policies: [v1.QueryPoliciesRequest, (r) => {
    const policies = r.scan(K.policyLatestPrefix).map(([k, version]) => {
      const jurisdiction = k.slice(K.policyLatestPrefix.length)
      return v1.Policy.decode(r.get(K.policy(jurisdiction, Buffer.from(version).toString('utf8'))) as Uint8Array)
    })
    return enc(v1.QueryPoliciesResponse, { policies })
  }],
  AccessLog: [v1.QueryAccessLogRequest, (r, q) => {
    const prefix = K.accessLogPrefix(address(q.subject, 'subject'))
    const { offset, limit } = page(q.page)
    const entries = r.scanRange(prefix, offset, limit).map(([, v]) => v1.AccessLogEntry.decode(v))
    return enc(v1.QueryAccessLogResponse, { entries, page: { total: toLong(BigInt(r.count(prefix)), true) } })
  }],
  Proposal: [v1.QueryProposalRequest, (r, q) => {
    const v = r.get(K.proposal(toBigInt(q.id)))
    return enc(v1.QueryProposalResponse, { proposal: v === undefined ? undefined : v1.Proposal.decode(v) })
  }],
  Params: [v1.QueryParamsRequest, (r) => enc(v1.QueryParamsResponse, { params: paramsToWire(getParams(r)) })],
  Members: [v1.QueryMembersRequest, (r) => enc(v1.QueryMembersResponse, { members: listMembers(r), governanceAccount: GOVERNANCE_ADDRESS })],
  Regulators: [v1.QueryRegulatorsRequest, (r) => enc(v1.QueryRegulatorsResponse, { regulators: r.scan(K.regulatorPrefix).map(([, v]) => v1.Regulator.decode(v)) })],
  Subject: [v1.QuerySubjectRequest, (r, q) => enc(v1.QuerySubjectResponse, { subject: getSubject(r, address(q.address, 'address')) })]
}

export const LEDGER_QUERY_PREFIX = '/healthrelay.ledger.v1.Query/'
export const LEDGER_QUERY_METHODS: readonly string[] = Object.keys(Q).sort()

/** Answers `/healthrelay.ledger.v1.Query/<method>`; undefined when the method is unknown. */
export function ledgerQuery (r: SqliteReader, method: string, data: Uint8Array): Uint8Array | undefined {
  if (!Object.prototype.hasOwnProperty.call(Q, method)) return undefined
  const [codec, handler] = Q[method]!
  let req: unknown
  try { req = codec.decode(data) } catch (err) { invalid(`cannot decode the request: ${(err as Error).message}`) }
  return handler(r, req)
}

