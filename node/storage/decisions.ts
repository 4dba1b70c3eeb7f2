/**
 * The decision log: every policy decision the node made (releases it served or refused, imports it
 * checked, discoveries it answered), with what a regulator's dry-run needs to replay it: the policy
 * request (principal, action, resource attributes such as category and countries, context) and the
 * outcome. Never clinical content or identifiers of the patient.
 */
import { stmt, type Db } from './database.js'
import { parseJsonArray } from './values.js'

export type DecisionDirection = 'export' | 'import' | 'discover'

export interface NewDecision {
  readonly at: number
  readonly tokenId?: string
  readonly direction: DecisionDirection
  readonly requesterCountry: string
  readonly custodianCountry: string
  readonly providerId?: string
  readonly purpose: string
  readonly decision: 'allow' | 'deny'
  /** The machine-readable reason of a denial. */
  readonly reason?: string
  readonly emergency: boolean
  /** `<jurisdiction>@<version>` of each module that decided. */
  readonly policyVersions: readonly string[]
  readonly obligations: readonly string[]
  /** The policy request as evaluated (JSON-serialisable; no clinical content). */
  readonly request: unknown
}

export interface Decision extends Omit<NewDecision, 'tokenId' | 'providerId' | 'reason'> {
  readonly id: number
  readonly tokenId: string | undefined
  readonly providerId: string | undefined
  readonly reason: string | undefined
}

interface Row {
  id: number, at: number, token_id: string | null, direction: DecisionDirection, requester_country: string, custodian_country: string
  provider_id: string | null, purpose: string, decision: 'allow' | 'deny', reason: string | null, emergency: number
  policy_versions: string, obligations: string, request: string
}

export function logDecision (db: Db, d: NewDecision): number {
  const info = stmt(db, `INSERT INTO decisions (at, token_id, direction, requester_country, custodian_country, provider_id, purpose,
    decision, reason, emergency, policy_versions, obligations, request) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(d.at, d.tokenId ?? null, d.direction, d.requesterCountry, d.custodianCountry, d.providerId ?? null, d.purpose, d.decision,
      d.reason ?? null, d.emergency ? 1 : 0, JSON.stringify(d.policyVersions), JSON.stringify(d.obligations), JSON.stringify(d.request ?? null))
  return Number(info.lastInsertRowid)
}

function toDecision (r: Row): Decision {
  return {
    id: r.id,
    at: r.at,
    tokenId: r.token_id ?? undefined,
    direction: r.direction,
    requesterCountry: r.requester_country,
    custodianCountry: r.custodian_country,
    providerId: r.provider_id ?? undefined,
    purpose: r.purpose,
    decision: r.decision,
    reason: r.reason ?? undefined,
    emergency: r.emergency === 1,
    policyVersions: parseJsonArray(r.policy_versions),
    obligations: parseJsonArray(r.obligations),
    request: JSON.parse(r.request) as unknown
  }
}

/** Decisions made in [from, to), oldest first, at most `limit` (a dry-run's sample). */
export function decisionsBetween (db: Db, from: number, to: number, limit = 10_000): Decision[] {
  return stmt<[number, number, number], Row>(db, 'SELECT * FROM decisions WHERE at >= ? AND at < ? ORDER BY at, id LIMIT ?')
    .all(from, to, limit).map(toDecision)
}

/** Deletes decisions older than `before` (retention). */
export function pruneDecisions (db: Db, before: number): number {
  return stmt(db, 'DELETE FROM decisions WHERE at < ?').run(before).changes
}
