/**
 * A cosmjs `QueryClient` extension for every method of `healthrelay.ledger.v1.Query`, returning
 * domain types. A single object that does not exist comes back as `undefined`.
 */
import { createProtobufRpcClient, type QueryClient } from '@cosmjs/stargate'
import { ledger, toLong } from '../../proto/index.js'
import {
  accessLogFromWire, grantFromWire, memberFromWire, nodeFromWire, paramsFromWire, policyFromWire, proposalFromWire,
  regulatorFromWire, revocationFromWire, subjectFromWire, toBytes, tokenFromWire
} from './convert.js'
import { ChainInputError, ChainQueryError } from './errors.js'
import type {
  AccessLogEntry, BytesLike, CredentialRevocation, Grant, LedgerNode, LedgerParams, Member, Page, PageOptions, Policy,
  Proposal, Regulator, Subject, Token
} from './types.js'

export const LEDGER_QUERY_SERVICE = 'healthrelay.ledger.v1.Query'

export interface LedgerQueries {
  token: (id: BytesLike) => Promise<Token | undefined>
  tokensBySubject: (subject: string, page?: PageOptions) => Promise<Page<Token>>
  node: (peerId: string) => Promise<LedgerNode | undefined>
  /** Every registered node, or those of one country. */
  nodes: (country?: string) => Promise<readonly LedgerNode[]>
  grant: (id: bigint) => Promise<Grant | undefined>
  grantsBySubject: (subject: string, page?: PageOptions) => Promise<Page<Grant>>
  credentialRevoked: (credentialId: BytesLike) => Promise<CredentialRevocation | undefined>
  /** The latest policy of a jurisdiction, or one version. */
  policy: (jurisdiction: string, version?: string) => Promise<Policy | undefined>
  policies: () => Promise<readonly Policy[]>
  accessLog: (subject: string, page?: PageOptions) => Promise<Page<AccessLogEntry>>
  proposal: (id: bigint) => Promise<Proposal | undefined>
  params: () => Promise<LedgerParams>
  members: () => Promise<{ readonly members: readonly Member[], readonly governanceAccount: string }>
  regulators: () => Promise<readonly Regulator[]>
  subject: (address: string) => Promise<Subject | undefined>
}

export interface LedgerExtension { readonly ledger: LedgerQueries }

interface Codec<T> { encode: (m: T) => { finish: () => Uint8Array }, decode: (b: Uint8Array) => T }

function pageWire (p: PageOptions | undefined): { offset: ReturnType<typeof toLong>, limit: number } {
  const offset = p?.offset ?? 0n
  const limit = p?.limit ?? 0
  if (offset < 0n) throw new ChainInputError('page offset must not be negative')
  if (!Number.isInteger(limit) || limit < 0 || limit > 1000) throw new ChainInputError('page limit must be an integer in [0, 1000]')
  return { offset: toLong(offset, true), limit }
}

export function setupLedgerExtension (base: QueryClient): LedgerExtension {
  const rpc = createProtobufRpcClient(base)

  async function call<Req, Res> (method: string, reqType: Codec<Req>, req: Req, resType: Codec<Res>): Promise<Res> {
    let bytes: Uint8Array
    try {
      bytes = await rpc.request(LEDGER_QUERY_SERVICE, method, reqType.encode(req).finish())
    } catch (err) {
      throw new ChainQueryError(`/${LEDGER_QUERY_SERVICE}/${method}`, err instanceof Error ? err.message : String(err))
    }
    return resType.decode(bytes)
  }

  const v1 = ledger
  return {
    ledger: {
      token: async (id) => {
        const r = await call('Token', v1.QueryTokenRequest, v1.QueryTokenRequest.create({ id: toBytes(id, 'token id', 32) }), v1.QueryTokenResponse)
        return r.token == null ? undefined : tokenFromWire(v1.Token.create(r.token))
      },
      tokensBySubject: async (subject, page) => {
        const r = await call('TokensBySubject', v1.QueryTokensBySubjectRequest, v1.QueryTokensBySubjectRequest.create({ subject, page: pageWire(page) }), v1.QueryTokensBySubjectResponse)
        return { items: r.tokens.map((t) => tokenFromWire(v1.Token.create(t))), total: BigInt(r.page?.total?.toString() ?? '0') }
      },
      node: async (peerId) => {
        const r = await call('Node', v1.QueryNodeRequest, v1.QueryNodeRequest.create({ peerId }), v1.QueryNodeResponse)
        return r.node == null ? undefined : nodeFromWire(v1.Node.create(r.node))
      },
      nodes: async (country) => {
        const r = await call('Nodes', v1.QueryNodesRequest, v1.QueryNodesRequest.create({ country: country ?? '' }), v1.QueryNodesResponse)
        return r.nodes.map((n) => nodeFromWire(v1.Node.create(n)))
      },
      grant: async (id) => {
        const r = await call('Grant', v1.QueryGrantRequest, v1.QueryGrantRequest.create({ id: toLong(id, true) }), v1.QueryGrantResponse)
        return r.grant == null ? undefined : grantFromWire(v1.Grant.create(r.grant))
      },
      grantsBySubject: async (subject, page) => {
        const r = await call('GrantsBySubject', v1.QueryGrantsBySubjectRequest, v1.QueryGrantsBySubjectRequest.create({ subject, page: pageWire(page) }), v1.QueryGrantsBySubjectResponse)
        return { items: r.grants.map((g) => grantFromWire(v1.Grant.create(g))), total: BigInt(r.page?.total?.toString() ?? '0') }
      },
      credentialRevoked: async (credentialId) => {
        const r = await call('CredentialRevoked', v1.QueryCredentialRevokedRequest, v1.QueryCredentialRevokedRequest.create({ credentialId: toBytes(credentialId, 'credential id') }), v1.QueryCredentialRevokedResponse)
        return r.revoked && r.revocation != null ? revocationFromWire(v1.CredentialRevocation.create(r.revocation)) : undefined
      },
      policy: async (jurisdiction, version) => {
        const r = await call('Policy', v1.QueryPolicyRequest, v1.QueryPolicyRequest.create({ jurisdiction, version: version ?? '' }), v1.QueryPolicyResponse)
        return r.policy == null ? undefined : policyFromWire(v1.Policy.create(r.policy))
      },
      policies: async () => {
        const r = await call('Policies', v1.QueryPoliciesRequest, v1.QueryPoliciesRequest.create({}), v1.QueryPoliciesResponse)
        return r.policies.map((p) => policyFromWire(v1.Policy.create(p)))
      },
      accessLog: async (subject, page) => {
        const r = await call('AccessLog', v1.QueryAccessLogRequest, v1.QueryAccessLogRequest.create({ subject, page: pageWire(page) }), v1.QueryAccessLogResponse)
        return { items: r.entries.map((e) => accessLogFromWire(v1.AccessLogEntry.create(e))), total: BigInt(r.page?.total?.toString() ?? '0') }
      },
      proposal: async (id) => {
        const r = await call('Proposal', v1.QueryProposalRequest, v1.QueryProposalRequest.create({ id: toLong(id, true) }), v1.QueryProposalResponse)
        return r.proposal == null ? undefined : proposalFromWire(v1.Proposal.create(r.proposal))
      },
      params: async () => {
        const r = await call('Params', v1.QueryParamsRequest, v1.QueryParamsRequest.create({}), v1.QueryParamsResponse)
        return paramsFromWire(r.params == null ? undefined : v1.Params.create(r.params))
      },
      members: async () => {
        const r = await call('Members', v1.QueryMembersRequest, v1.QueryMembersRequest.create({}), v1.QueryMembersResponse)
        return { members: r.members.map((m) => memberFromWire(v1.Member.create(m))), governanceAccount: r.governanceAccount }
      },
      regulators: async () => {
        const r = await call('Regulators', v1.QueryRegulatorsRequest, v1.QueryRegulatorsRequest.create({}), v1.QueryRegulatorsResponse)
        return r.regulators.map((x) => regulatorFromWire(v1.Regulator.create(x)))
      },
      subject: async (address) => {
        const r = await call('Subject', v1.QuerySubjectRequest, v1.QuerySubjectRequest.create({ address }), v1.QuerySubjectResponse)
        return r.subject == null ? undefined : subjectFromWire(v1.Subject.create(r.subject))
      }
    }
  }
}
