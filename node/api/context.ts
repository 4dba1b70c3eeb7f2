/** What the HTTP API needs from the node: narrow interfaces, so tests pass fakes. */
import type { Registry } from 'prom-client'
import type { LedgerQueries, LedgerSigner } from '../../chain/client/index.js'
import type { ComponentLogger } from '../../common/logger.js'
import type { PolicyEngine } from '../../policies/engine/index.js'
import type { Db, LookupHasher } from '../storage/index.js'
import type { NodeMetrics } from '../metrics.js'
import type { ApiKeyRole } from '../services/apikeys.js'
import type { PatientAuth } from '../services/patient-auth.js'
import type { RecordService } from '../services/records.js'
import type { BroadcastResult } from '../services/signed-tx.js'

/** Who is calling, once authenticated. */
export type Principal =
  | { readonly kind: 'apikey', readonly id: string, readonly name: string, readonly role: ApiKeyRole }
  | { readonly kind: 'patient', readonly subject: string }

export interface ApiEnv { Variables: { principal: Principal | undefined } }

/** The relay pipelines (relay/service) as the API uses them; absent until that service runs. */
export interface RelayApi {
  /** A doctor-signed discover request (JSON body as received); resolves to the JSON answer. */
  discover: (body: unknown, options?: { signal?: AbortSignal }) => Promise<unknown>
  /** A doctor-signed retrieve request; resolves to a stream of relay frames. */
  retrieve: (tokenId: string, body: unknown, options?: { signal?: AbortSignal }) => Promise<ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>>
}

export interface Readiness {
  readonly ready: boolean
  readonly checks: Readonly<Record<string, boolean>>
  readonly detail?: Readonly<Record<string, unknown>>
}

export interface ApiComponents {
  readonly country: string
  /** This node's peer id (patients' challenge signatures are bound to it). */
  nodeId: () => string
  db: () => Db
  lookup: () => LookupHasher
  records: RecordService
  queries: () => LedgerQueries
  /** The node's operator signer (custodian grants with evidence, revocations). */
  operator: () => LedgerSigner
  broadcast: (tx: Uint8Array) => Promise<BroadcastResult>
  policies: { readonly engine: PolicyEngine, active: () => string[], loaded: () => boolean }
  patientAuth: PatientAuth
  /** The relay service; undefined until it exists (its routes then answer 503). */
  relay: () => RelayApi | undefined
  /** Throws while releases must be refused (the chain view lags). */
  guard: { assertFresh: () => void }
  readiness: () => Readiness
  metricsRegistry: Registry
  metrics?: NodeMetrics
  logger: ComponentLogger
  clock?: () => number
  /** Largest request body (FHIR records included). @default 16 MiB */
  maxBodyBytes?: number
}
