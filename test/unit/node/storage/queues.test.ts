import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  enqueueOutbox, dueOutbox, markOutboxSubmitted, markOutboxConfirmed, markOutboxRetry, markOutboxFailed, outboxDepth, outboxInState,
  getOutboxEntry, pruneConfirmedOutbox, logDecision, decisionsBetween, addInboxMessage, inboxMessages, markInboxRead,
  enqueueAccessEvent, queuedAccessEvents, assignAccessBatch, completeAccessBatch, requeueAccessBatch, accessQueueDepth
} from '../../../../node/storage/index.js'
import { hex, openHarness, type Harness } from './helpers.js'

let h: Harness
beforeEach(async () => { h = await openHarness() })
afterEach(async () => { await h.close() })

describe('outbox', () => {
  it('moves entries pending → submitted → confirmed, with retries and failures', () => {
    const db = h.storage.db
    const a = enqueueOutbox(db, { kind: 'mint', tokenId: hex(), payload: Buffer.from('a'), at: 10 })
    const b = enqueueOutbox(db, { kind: 'mint', payload: Buffer.from('b'), at: 10 })
    const c = enqueueOutbox(db, { kind: 'set-status', payload: Buffer.from('c'), at: 20 })
    expect(dueOutbox(db, 15, 10).map((e) => e.id)).toEqual([a, b])
    expect(dueOutbox(db, 30, 10, 'set-status').map((e) => e.id)).toEqual([c])
    markOutboxSubmitted(db, [a, b], 'ABCD', 16)
    expect(outboxInState(db, 'submitted').map((e) => [e.id, e.txHash, e.attempts])).toEqual([[a, 'ABCD', 1], [b, 'ABCD', 1]])
    markOutboxConfirmed(db, [a], 42n, 17)
    expect(getOutboxEntry(db, a)).toMatchObject({ state: 'confirmed', height: 42n })
    markOutboxRetry(db, [b], 'not included', 100, 18)
    expect(getOutboxEntry(db, b)).toMatchObject({ state: 'pending', txHash: undefined, lastError: 'not included', nextAttemptAt: 100 })
    expect(dueOutbox(db, 50, 10, 'mint')).toEqual([])
    markOutboxFailed(db, [c], 'rejected: unknown subject', 19)
    expect(getOutboxEntry(db, c)?.state).toBe('failed')
    expect(outboxDepth(db)).toBe(1)
    expect(pruneConfirmedOutbox(db, 1000)).toBe(1)
  })
})

describe('decision log, inbox and access queue', () => {
  it('logs decisions with their policy inputs and reads them back by time', () => {
    logDecision(h.storage.db, {
      at: 5, tokenId: hex(), direction: 'export', requesterCountry: 'FR', custodianCountry: 'DE', providerId: 'fr-1', purpose: 'treatment',
      decision: 'deny', reason: 'policy-denied', emergency: false, policyVersions: ['DE@1.0.0', 'FR@1.0.0'], obligations: [],
      request: { resource: { category: 'mental-health' }, context: { purpose: 'treatment' } }
    })
    const [d] = decisionsBetween(h.storage.db, 0, 10)
    expect(d).toMatchObject({ decision: 'deny', reason: 'policy-denied', emergency: false, policyVersions: ['DE@1.0.0', 'FR@1.0.0'], request: { resource: { category: 'mental-health' } } })
    expect(decisionsBetween(h.storage.db, 6, 10)).toEqual([])
  })

  it('keeps each patient\'s notifications apart and marks them read', () => {
    const first = addInboxMessage(h.storage.db, { subject: 'hr1a', kind: 'notify-patient', body: { tokenId: 'x', emergency: true }, at: 1 })
    addInboxMessage(h.storage.db, { subject: 'hr1b', kind: 'notify-patient', body: {}, at: 2 })
    addInboxMessage(h.storage.db, { subject: 'hr1a', kind: 'grant', body: { grantId: 'g' }, at: 3 })
    expect(inboxMessages(h.storage.db, 'hr1a').map((m) => m.kind)).toEqual(['notify-patient', 'grant'])
    expect(markInboxRead(h.storage.db, 'hr1a', first, 4)).toBe(1)
    expect(inboxMessages(h.storage.db, 'hr1a', { unreadOnly: true }).map((m) => m.kind)).toEqual(['grant'])
    expect(inboxMessages(h.storage.db, 'hr1a', { afterId: first })).toHaveLength(1)
  })

  it('batches access events into one outbox entry and drops or requeues them', () => {
    const db = h.storage.db
    const ids = [1, 2, 3].map((i) => enqueueAccessEvent(db, { tokenId: hex(), subject: 'hr1a', event: Buffer.from(`e${i}`), at: i }))
    const batch = assignAccessBatch(db, queuedAccessEvents(db, 2).map((e) => e.id), { payload: Buffer.from('MsgRecordAccess'), at: 5 })
    expect(getOutboxEntry(db, batch)?.kind).toBe('record-access')
    expect(queuedAccessEvents(db, 10).map((e) => e.id)).toEqual([ids[2]])
    expect(requeueAccessBatch(db, batch)).toBe(2)
    expect(queuedAccessEvents(db, 10)).toHaveLength(3)
    const again = assignAccessBatch(db, ids, { payload: Buffer.from('MsgRecordAccess'), at: 6 })
    expect(completeAccessBatch(db, again)).toBe(3)
    expect(accessQueueDepth(db)).toBe(0)
  })
})
