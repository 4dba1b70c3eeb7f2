/**
 * node/relay-adapters: the relay service's ports (relay/service/ports.ts) implemented over the
 * node's storage, the chain client, the peer registry and the policy engine. `createRelayPorts`
 * builds them all; each factory is exported for a caller that needs only one.
 */
import type { KeyProvider } from '../../relay/crypto/key-provider.js'
import type { PeerRegistry } from '../../relay/p2p/registry.js'
import { createRateLimiter } from '../../relay/service/rate-limiter.js'
import type { RelayServiceComponents } from '../../relay/service/api.js'
import { DEFAULT_EMERGENCY_PER_DOCTOR, DEFAULT_EMERGENCY_PER_NODE } from '../../relay/service/api.js'
import type { LedgerQueries } from '../../chain/client/queries.js'
import type { PolicyEngine } from '../../policies/engine/engine.js'
import type { Storage } from '../storage/storage.js'
import { createRecordSource, createRestrictionCheck } from './records.js'
import { createLedgerView, type CachedLedgerView, type LedgerViewInit } from './ledger.js'
import { createPolicyDecider, createContentTransformer } from './policies.js'
import { createGroupCommit } from '../storage/group-commit.js'
import { createAccessRecorder, createDecisionLog, createPatientNotifier, createSubjectDirectory } from './audit.js'

export { createRecordSource, createRestrictionCheck } from './records.js'
export { createLedgerView, DEFAULT_LEDGER_CACHE_MAX_AGE_MS, type CachedLedgerView, type LedgerViewInit } from './ledger.js'
export { createPolicyDecider, createContentTransformer } from './policies.js'
export {
  createAccessRecorder, createAccessBatcher, createDecisionLog, createPatientNotifier, createSubjectDirectory, subjectSealingKey,
  DEFAULT_ACCESS_BATCH, MAX_SEALED_DETAILS_BYTES, type AccessBatcher, type ChainSubjectLookup
} from './audit.js'

export const DAY_MS = 86_400_000
export const HOUR_MS = 3_600_000

export interface RelayPortsInit {
  ledger?: LedgerViewInit
  /** Emergency requests without a grant per doctor per 24 h, and per node per hour. */
  emergencyPerDoctor?: number
  emergencyPerNode?: number
  clock?: () => number
}

export interface RelayPortsComponents {
  storage: Pick<Storage, 'db' | 'blobs' | 'lookup'>
  keys: KeyProvider
  queries: Pick<LedgerQueries, 'token' | 'grantsBySubject' | 'credentialRevoked'> & Partial<Pick<LedgerQueries, 'subject'>>
  registry: Pick<PeerRegistry, 'get'>
  engine: PolicyEngine
}

export type RelayPorts = Pick<RelayServiceComponents, 'records' | 'restrictions' | 'policies' | 'transformer' | 'access' | 'decisions' | 'notifier' | 'subjects' | 'emergencyLimiter'> & {
  ledger: CachedLedgerView
}

/** Every port of the relay service except the network, identity, nonces and logger. */
export function createRelayPorts (init: RelayPortsInit, c: RelayPortsComponents): RelayPorts {
  const clock = init.clock ?? Date.now
  const restrictions = createRestrictionCheck({ storage: c.storage })
  // a retrieval's decision, access event and notification (and those of concurrent ones) share one fsync
  const commit = createGroupCommit(c.storage.db)
  return {
    records: createRecordSource({ storage: c.storage, keys: c.keys }),
    restrictions,
    ledger: createLedgerView({ clock, ...init.ledger }, { queries: c.queries, registry: c.registry }),
    // the patient's restrictions also reach inside a record: a restricted category it contains is redacted
    policies: createPolicyDecider({ engine: c.engine, restrictions }),
    transformer: createContentTransformer({ clock }),
    access: createAccessRecorder({ storage: c.storage, commit }),
    decisions: createDecisionLog({ storage: c.storage, commit }),
    notifier: createPatientNotifier({ storage: c.storage, commit, clock }),
    subjects: createSubjectDirectory({ storage: c.storage, clock, ...(c.queries.subject !== undefined ? { chainSubject: c.queries.subject } : {}) }),
    emergencyLimiter: createRateLimiter([
      { prefix: 'emergency:doctor:', max: init.emergencyPerDoctor ?? DEFAULT_EMERGENCY_PER_DOCTOR, windowMs: DAY_MS },
      { prefix: 'emergency:node', max: init.emergencyPerNode ?? DEFAULT_EMERGENCY_PER_NODE, windowMs: HOUR_MS }
    ], clock)
  }
}
