/**
 * Typed ledger events from a tx's ABCI events. Each event of events.proto is emitted with type
 * `healthrelay.ledger.v1.Event<Name>` and its fields as snake_case string attributes (ids hex,
 * numbers decimal, booleans "true"/"false"); this turns them into the `LedgerEvent` union.
 */
import type { LedgerEvent } from './types.js'

export const LEDGER_EVENT_PREFIX = 'healthrelay.ledger.v1.Event'

interface RawEvent { readonly type: string, readonly attributes: ReadonlyArray<{ readonly key: string, readonly value: string }> }

type Kind = 's' | 'u' | 'b' | 'h?'
/** Field kinds per event: s string, u uint64 (bigint), b bool, h? optional hex. */
const FIELDS: Readonly<Record<string, Readonly<Record<string, Kind>>>> = {
  ProposalSubmitted: { proposal_id: 'u', proposer_country: 's' },
  Voted: { proposal_id: 'u', country: 's', option: 's' },
  ProposalFinished: { proposal_id: 'u', status: 's' },
  MemberChanged: { country: 's', removed: 'b' },
  NodeChanged: { peer_id: 's', country: 's', change: 's' },
  RegulatorChanged: { account: 's', jurisdiction: 's', removed: 'b' },
  ParamsUpdated: { upgrade_height: 'u' },
  SubjectEnrolled: { subject: 's', home_country: 's' },
  TokenMinted: { token_id: 's', subject: 's', custodian: 's', supersedes: 'h?' },
  RecordStatusChanged: { token_id: 's', status: 's' },
  GrantCreated: { grant_id: 'u', subject: 's', grantee_country: 's' },
  GrantRevoked: { grant_id: 'u', subject: 's' },
  CredentialRevoked: { credential_id: 's', country: 's' },
  PolicyPublished: { jurisdiction: 's', version: 's', effective_height: 'u' },
  AccessRecorded: { token_id: 's', custodian: 's', requester_country: 's', decision: 's', emergency: 'b' }
}

const camel = (s: string): string => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())

/** Decodes one ABCI event, or undefined when it is not a (well-formed) ledger event. */
export function decodeLedgerEvent (event: RawEvent): LedgerEvent | undefined {
  if (!event.type.startsWith(LEDGER_EVENT_PREFIX)) return undefined
  const name = event.type.slice(LEDGER_EVENT_PREFIX.length)
  const fields = FIELDS[name]
  if (fields === undefined) return undefined
  const attrs = new Map(event.attributes.map((a) => [a.key, a.value]))
  const out: Record<string, unknown> = { type: name }
  for (const [key, kind] of Object.entries(fields)) {
    const value = attrs.get(key)
    if (kind === 'h?') {
      if (value !== undefined && value !== '') out[camel(key)] = value.toLowerCase()
      continue
    }
    if (value === undefined) return undefined
    if (kind === 'u') {
      if (!/^\d+$/.test(value)) return undefined
      out[camel(key)] = BigInt(value)
    } else if (kind === 'b') {
      out[camel(key)] = value === 'true'
    } else {
      out[camel(key)] = key.endsWith('_id') && /^[0-9A-Fa-f]{64}$/.test(value) ? value.toLowerCase() : value
    }
  }
  return out as unknown as LedgerEvent
}

export function decodeLedgerEvents (events: readonly RawEvent[]): LedgerEvent[] {
  const out: LedgerEvent[] = []
  for (const e of events) {
    const d = decodeLedgerEvent(e)
    if (d !== undefined) out.push(d)
  }
  return out
}
