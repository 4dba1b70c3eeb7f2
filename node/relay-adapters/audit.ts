/**
 * Audit, notification and discovery adapters over node/storage:
 * - AccessRecorder: queues each access event (clear details, in the node's own database only);
 * - AccessBatcher: seals each event's details to the subject's X25519 key and moves a batch into
 *   the outbox as one `MsgRecordAccess` (outbox kind `record-access`, payload = the Msg's protobuf
 *   bytes, type URL `/healthrelay.ledger.v1.MsgRecordAccess`), atomically with the events;
 * - DecisionLog, PatientNotifier, SubjectDirectory.
 */
import { ledger, toLong, type healthrelay } from '../../proto/index.js'
import { bytesToHex, hexToBytes } from '../../relay/crypto/bytes.js'
import { ACCESS_DETAILS_LABEL, sealTo } from '../../relay/service/seal.js'
import type { AccessEventRecord, AccessRecorder, DecisionLog, PatientNotifier, SubjectDirectory } from '../../relay/service/ports.js'
import type { Storage } from '../storage/storage.js'
import { assignAccessBatch, enqueueAccessEvent, queuedAccessEvents } from '../storage/access-queue.js'
import { logDecision } from '../storage/decisions.js'
import { addInboxMessage } from '../storage/inbox.js'
import type { GroupCommit } from '../storage/group-commit.js'
import { findSubjectByIdentity, findSubjectByShareCode, getEnrolment } from '../storage/enrolments.js'

/** The queued form of an access event (JSON, in the node's database only). */
interface QueuedEvent {
  readonly tokenId: string
  readonly requesterCountry: string
  readonly purpose: string
  readonly decision: 'permit' | 'deny'
  readonly at: number
  readonly emergency: boolean
  readonly details: AccessEventRecord['details']
}

/** Appends through the group commit when one is given (one fsync for the rows of a turn), else at once. */
async function append (storage: Pick<Storage, 'db'>, commit: GroupCommit | undefined, work: (db: Storage['db']) => void): Promise<void> {
  if (commit !== undefined) {
    await commit.run(work)
    return
  }
  work(storage.db)
  await Promise.resolve()
}

export function createAccessRecorder (components: { storage: Pick<Storage, 'db'>, commit?: GroupCommit }): AccessRecorder {
  return {
    record: async (e) => {
      const queued: QueuedEvent = {
        tokenId: bytesToHex(e.tokenId), requesterCountry: e.requesterCountry, purpose: e.purpose, decision: e.decision, at: e.at, emergency: e.emergency, details: e.details
      }
      const event = new TextEncoder().encode(JSON.stringify(queued))
      await append(components.storage, components.commit, (db) => { enqueueAccessEvent(db, { tokenId: queued.tokenId, subject: e.subject, event, at: e.at }) })
    }
  }
}

export const DEFAULT_ACCESS_BATCH = 200
/** Sealed details stay under the chain's default `max_sealed_bytes` (2048). */
export const MAX_SEALED_DETAILS_BYTES = 2048

export interface AccessBatcher {
  /** Seals and moves up to one batch into the outbox; returns the outbox id (undefined when the queue was empty). */
  flush: (options?: { signal?: AbortSignal }) => Promise<number | undefined>
}

export function createAccessBatcher (
  init: { custodianAddress: string, maxEvents?: number },
  components: { storage: Pick<Storage, 'db'>, subjectKey: (subject: string, options?: { signal?: AbortSignal }) => Promise<Uint8Array | undefined>, clock?: () => number }
): AccessBatcher {
  const max = init.maxEvents ?? DEFAULT_ACCESS_BATCH
  const clock = components.clock ?? Date.now
  return {
    flush: async (options) => {
      const db = components.storage.db
      const queued = queuedAccessEvents(db, max)
      if (queued.length === 0) return undefined
      const events: healthrelay.ledger.v1.AccessEvent.$Properties[] = []
      const ids: number[] = []
      for (const q of queued) {
        const e = JSON.parse(new TextDecoder().decode(q.event)) as QueuedEvent
        const key = await components.subjectKey(q.subject, options)
        if (key === undefined) continue // stays queued until the subject's key is known
        let details = new TextEncoder().encode(JSON.stringify(e.details))
        if (details.byteLength > MAX_SEALED_DETAILS_BYTES - 61) {
          details = new TextEncoder().encode(JSON.stringify({ ...e.details, justification: (e.details.justification ?? '').slice(0, 1000) }))
        }
        events.push({
          tokenId: hexToBytes(e.tokenId), requesterCountry: e.requesterCountry, purpose: e.purpose,
          decision: e.decision === 'permit' ? ledger.AccessDecision.ACCESS_DECISION_PERMIT : ledger.AccessDecision.ACCESS_DECISION_DENY,
          time: toLong(BigInt(Math.floor(e.at / 1000))), sealedDetails: sealTo(details, key, ACCESS_DETAILS_LABEL), emergency: e.emergency
        })
        ids.push(q.id)
      }
      if (ids.length === 0) return undefined
      const payload = ledger.MsgRecordAccess.encode({ custodian: init.custodianAddress, events }).finish()
      return assignAccessBatch(db, ids, { payload, at: clock(), kind: 'record-access' })
    }
  }
}

export function createDecisionLog (components: { storage: Pick<Storage, 'db'>, commit?: GroupCommit }): DecisionLog {
  return {
    log: async (d) => {
      await append(components.storage, components.commit, (db) => logDecision(db, {
        at: d.at, direction: d.direction, requesterCountry: d.requesterCountry, custodianCountry: d.custodianCountry, providerId: d.providerId,
        purpose: d.purpose, decision: d.decision, emergency: d.emergency, policyVersions: d.policyVersions, obligations: d.obligations, request: d.request,
        ...(d.tokenId === undefined ? {} : { tokenId: bytesToHex(d.tokenId) }), ...(d.reason === undefined ? {} : { reason: d.reason })
      }))
    }
  }
}

export function createPatientNotifier (components: { storage: Pick<Storage, 'db'>, commit?: GroupCommit, clock?: () => number }): PatientNotifier {
  return {
    notify: async (subject, m) => {
      const at = (components.clock ?? Date.now)()
      await append(components.storage, components.commit, (db) => { addInboxMessage(db, { subject, kind: m.kind, body: m.body, at }) })
    }
  }
}

/** A subject as the chain knows it (MsgEnrollSubject): home country and X25519 key. */
export type ChainSubjectLookup = (subject: string) => Promise<{ readonly homeCountry: string, readonly x25519PublicKey: Uint8Array } | undefined>

/**
 * The X25519 key access details are sealed to: the local enrolment's, else (a patient enrolled in
 * another country whose record is held here) the one registered on chain at enrolment.
 */
export function subjectSealingKey (
  storage: Pick<Storage, 'db'>, chainSubject: ChainSubjectLookup | undefined
): (subject: string) => Promise<Uint8Array | undefined> {
  return async (subject) => getEnrolment(storage.db, subject)?.x25519PublicKey ?? (await chainSubject?.(subject))?.x25519PublicKey
}

export function createSubjectDirectory (components: { storage: Pick<Storage, 'db' | 'lookup'>, chainSubject?: ChainSubjectLookup, clock?: () => number }): SubjectDirectory {
  const { storage, chainSubject } = components
  return {
    byShareCode: async (code) => await Promise.resolve(findSubjectByShareCode(storage.db, storage.lookup, code, (components.clock ?? Date.now)())),
    byIdentity: async (country, id, birthDate) => {
      try {
        return await Promise.resolve(findSubjectByIdentity(storage.db, storage.lookup, country, id, birthDate))
      } catch {
        return undefined // an empty identifier or a malformed birth date finds nobody
      }
    },
    // share codes and identities are local (the home country's); a record's subject may be enrolled elsewhere
    homeCountry: async (subject) => getEnrolment(storage.db, subject)?.homeCountry ?? (await chainSubject?.(subject))?.homeCountry,
    x25519PublicKey: subjectSealingKey(storage, chainSubject)
  }
}
