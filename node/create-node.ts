/**
 * `createNode(config, options)`: builds the whole daemon and starts it in order, stopping in
 * reverse (and rolling back a failed start):
 *
 *     keystore → storage → chain client + broadcaster → chain view (events, height, lag guard)
 *     → policies (published modules, switched within one block) → peer registry (chain Nodes,
 *     refreshed each block) → libp2p host (registry gater) → location provider (re-provides held
 *     records) and resolver → relay service (custodian side on the host, requester client) → outbox worker (mints, status changes,
 *     access batches) → HTTP API
 *
 * `stop()` closes the API first (in-flight requests drain), then the outbox worker (it finishes
 * its batch and flushes the audit batch), and so on back to the keystore.
 */
import { serve, type ServerType } from '@hono/node-server'
import { DirectSecp256k1Wallet } from '@cosmjs/proto-signing'
import { Registry } from 'prom-client'
import type { PrivateKey } from '@libp2p/interface'
import { createChainClient, type ChainClient, type LedgerSigner } from '../chain/client/index.js'
import type { ComponentLogger } from '../common/logger.js'
import { ConflictError } from '../common/errors.js'
import { createFileKeyProvider, type KeyProvider } from '../relay/crypto/index.js'
import {
  ChainPeerRegistry, createP2pHost, loadOrCreatePeerKey, type P2pHost, type RegisteredNode
} from '../relay/p2p/index.js'
import { createProvider, createResolver, tokenIdToHex, type Provider, type Resolver } from '../relay/location/index.js'
import type { NodeConfig } from './config/index.js'
import { createKeystore, type ChainKey, type X25519Key } from './keystore/index.js'
import { createStorage, outboxDepth, stmt, storedBlobBytes, type Storage } from './storage/index.js'
import { createApi, type Api, type RelayApi, type Readiness } from './api/index.js'
import { createLifecycle, type Part } from './lifecycle.js'
import { createNodeMetrics, type NodeMetrics } from './metrics.js'
import { APIKEYS_COMPONENT, APIKEYS_MIGRATIONS } from './services/apikeys.js'
import { createChainView, type ChainView } from './services/chain-view.js'
import { createOutboxWorker, type OutboxWorker } from './services/outbox-worker.js'
import { createPatientAuth } from './services/patient-auth.js'
import { createPolicyRegistry, type PolicyRegistry as ChainPolicyRegistry } from '../policies/registry.js'
import { createPolicyEngine, type PolicyEngine } from '../policies/engine/index.js'
import { readSchemaText } from '../policies/files.js'
import { createRecordService, type RecordService } from './services/records.js'
import { createTxBroadcaster } from './services/signed-tx.js'
import { NodeNotStartedError } from './errors.js'
import { createRelayApi } from './services/relay-api.js'
import { createAccessBatcher, createRelayPorts, subjectSealingKey, type AccessBatcher } from './relay-adapters/index.js'
import { createRelayService, createRelayClient } from '../relay/service/index.js'
import { createSqliteNonceStore } from '../relay/protocol/index.js'
import { join } from 'node:path'

/** The node's policy modules: policies/registry.ts over the chain, as the API and readiness see it. */
export interface NodePolicies {
  readonly engine: PolicyEngine
  readonly registry: ChainPolicyRegistry
  /** `<code>@<version>` of every module in force. */
  active: () => string[]
  /** True once the chain's published modules were read at start. */
  loaded: () => boolean
}

export interface CreateNodeOptions {
  /** The node's home directory (keys, database, blobs, p2p state). */
  home: string
  logger: ComponentLogger
  /** prom-client registry for every metric of the node (a fresh one when absent). */
  registry?: Registry
  /** Passphrase of encrypted key files. */
  passphrase?: string
  clock?: () => number
  /** Outbox polling interval (ms). */
  outboxIntervalMs?: number
}

/** The started parts, for the relay service's adapters, the CLI and tests. */
export interface NodeParts {
  readonly config: NodeConfig
  readonly home: string
  readonly storage: Storage
  readonly kek: KeyProvider
  readonly chain: ChainClient
  readonly view: ChainView
  readonly policies: NodePolicies
  readonly peers: ChainPeerRegistry
  readonly host: P2pHost
  readonly provider: Provider
  readonly resolver: Resolver
  readonly operatorKey: ChainKey
  readonly x25519Key: X25519Key
  readonly peerKey: PrivateKey
  readonly metrics: NodeMetrics
  readonly registry: Registry
  readonly records: RecordService
  readonly logger: ComponentLogger
  operator: () => LedgerSigner
}

export interface HealthrelayNode {
  start: () => Promise<void>
  stop: () => Promise<void>
  /** `http://host:port` of the API (after start). */
  readonly apiUrl: string
  readonly peerId: string
  readonly api: Api
  readonly parts: NodeParts
  readiness: () => Readiness
  /** Waits until the outbox is empty (tests, bulk import). */
  drainOutbox: (options?: { signal?: AbortSignal }) => Promise<void>
}

function splitHostPort (listen: string): { host: string, port: number } {
  const i = listen.lastIndexOf(':')
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) }
}

export function createNode (config: NodeConfig, options: CreateNodeOptions): HealthrelayNode {
  const log = options.logger.forComponent('node')
  const registry = options.registry ?? new Registry()
  const metrics = createNodeMetrics(registry)
  const clock = options.clock ?? Date.now
  const keystore = createKeystore({ home: options.home, country: config.country, ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}) }, { logger: options.logger })
  const chain = createChainClient({ rpcUrl: config.chain.rpc, chainId: config.chain.chainId }, { logger: options.logger })
  const broadcaster = createTxBroadcaster({ rpcUrl: config.chain.rpc })
  const view = createChainView({ maxLagBlocks: config.chain.maxLagBlocks }, { chain, logger: options.logger })
  const policyEngine = createPolicyEngine({ schema: readSchemaText(), clock })
  const policyRegistry = createPolicyRegistry({}, {
    engine: policyEngine,
    source: { latestPolicies: async () => await chain.queries.policies() },
    logger: options.logger,
    metrics: registry
  })
  let policiesLoaded = false
  let policyUnsubscribe: Array<() => void> = []
  let policyBlocks: Promise<void> = Promise.resolve()
  const policies: NodePolicies = {
    engine: policyEngine,
    registry: policyRegistry,
    active: () => policyEngine.modules().map((m) => `${m.code}@${m.version}`).sort(),
    loaded: () => policiesLoaded
  }
  const peers = new ChainPeerRegistry({
    source: {
      listNodes: async () => (await chain.queries.nodes()).filter((n) => n.role === 'custodian' || n.role === 'replica')
        .map((n): RegisteredNode => ({ peerId: n.peerId, country: n.country, multiaddrs: n.multiaddrs, role: n.role as 'custodian' | 'replica', ed25519PublicKey: n.ed25519PublicKey, x25519PublicKey: n.x25519PublicKey }))
    },
    blocks: view,
    logger: options.logger
  })
  const host = createP2pHost({ dir: keystore.paths.p2pDir, listen: config.p2p.listen, announce: config.p2p.announce }, { registry: peers, logger: options.logger })
  const kek = createFileKeyProvider({ directory: keystore.paths.kekDir })

  let storage: Storage | undefined
  let operatorKey: ChainKey | undefined
  let x25519Key: X25519Key | undefined
  let peerKey: PrivateKey | undefined
  let operator: LedgerSigner | undefined
  let provider: Provider | undefined
  let resolver: Resolver | undefined
  let records: RecordService | undefined
  let outbox: OutboxWorker | undefined
  let relay: { api: RelayApi, stop: () => Promise<void> } | undefined
  let accessBatcher: AccessBatcher | undefined
  let server: ServerType | undefined
  let apiUrl = ''
  let api: Api | undefined

  const need = <T>(v: T | undefined, what: string): T => { if (v === undefined) throw new NodeNotStartedError(`${what} is not started`); return v }
  const operatorSigner = (): LedgerSigner => need(operator, 'the chain signer')

  const readiness = (): Readiness => {
    const s = view.status()
    const checks = { chain: s.reachable && s.fresh, p2p: host.isStarted, policies: policies.loaded(), storage: storage !== undefined }
    return { ready: Object.values(checks).every(Boolean), checks, detail: { chainHeight: String(s.chainHeight), viewHeight: String(s.viewHeight), lag: String(s.lag), activePolicies: policies.active() } }
  }

  const parts = (): NodeParts => ({
    config, home: options.home, storage: need(storage, 'storage'), kek, chain, view, policies, peers, host,
    provider: need(provider, 'the location provider'), resolver: need(resolver, 'the resolver'),
    operatorKey: need(operatorKey, 'the keystore'), x25519Key: need(x25519Key, 'the keystore'), peerKey: need(peerKey, 'the keystore'),
    metrics, registry, records: need(records, 'the record service'), logger: options.logger, operator: operatorSigner
  })

  const steps: Part[] = [
    {
      name: 'keystore',
      start: async () => {
        operatorKey = await keystore.operatorKey()
        x25519Key = await keystore.x25519Key()
        peerKey = await loadOrCreatePeerKey(keystore.paths.p2pDir)
      },
      stop: () => { operatorKey = undefined; x25519Key = undefined; peerKey = undefined; return Promise.resolve() }
    },
    {
      name: 'storage',
      start: async () => {
        const s = createStorage({ home: options.home, lookupSecret: await keystore.lookupSecret(), migrations: { [APIKEYS_COMPONENT]: APIKEYS_MIGRATIONS } }, { logger: options.logger, clock })
        await s.start()
        storage = s
      },
      stop: async () => { const s = storage; storage = undefined; await s?.stop() }
    },
    {
      name: 'chain',
      start: async () => {
        await chain.start()
        await broadcaster.start()
        operator = await chain.signer(await DirectSecp256k1Wallet.fromKey(need(operatorKey, 'the keystore').privateKey, 'hr'))
      },
      stop: async () => { operator = undefined; await broadcaster.stop(); await chain.stop() }
    },
    { name: 'chain-view', start: view.start, stop: view.stop },
    {
      name: 'policies',
      start: async () => {
        const height = view.status().viewHeight
        await policyRegistry.start(height > 0n ? { height } : {})
        policiesLoaded = true
        policyUnsubscribe = [
          view.onLedgerEvent((e) => {
            if (e.type === 'PolicyPublished') policyRegistry.onPolicyPublished({ jurisdiction: e.jurisdiction, version: e.version, effectiveHeight: e.effectiveHeight })
          }),
          view.onNewBlock((h) => {
            policyBlocks = policyBlocks.then(async () => { await policyRegistry.onBlock(h) })
              .catch((err: unknown) => { log.warn({ height: String(h), err: err instanceof Error ? err.message : String(err) }, 'could not read the chain\'s policies; will retry on the next block') })
          })
        ]
      },
      stop: async () => {
        for (const u of policyUnsubscribe) u()
        policyUnsubscribe = []
        await policyBlocks
        await policyRegistry.stop()
        policiesLoaded = false
      }
    },
    { name: 'peer-registry', start: async () => { await peers.start() }, stop: async () => { await peers.stop() } },
    { name: 'p2p', start: async () => { await host.start() }, stop: async () => { await host.stop() } },
    {
      name: 'location',
      start: async () => {
        const db = (): ReturnType<typeof need<Storage>>['db'] => need(storage, 'storage').db
        provider = createProvider({
          routing: {
            provide: async (cid, o) => { await host.libp2p.contentRouting.provide(cid, o) },
            cancelReprovide: async (cid, o) => { await host.libp2p.contentRouting.cancelReprovide(cid, o) }
          },
          held: {
            heldTokenIds: async function * () {
              const rows = stmt<[], { token_id: string }>(db(), "SELECT token_id FROM records WHERE status IN ('active', 'superseded') ORDER BY created_at").all()
              for (const r of rows) yield await Promise.resolve(new Uint8Array(Buffer.from(r.token_id, 'hex')))
            }
          },
          logger: options.logger,
          metrics: registry
        })
        resolver = createResolver({
          custodians: { custodianOf: async (tokenId) => (await chain.queries.token(tokenIdToHex(tokenId)))?.custodian },
          dht: { findProviders: (key, o) => host.dht.findProviders(key, o) },
          registry: peers,
          network: { get peerId () { return host.peerId }, dialProtocol: async (target, protocol, o) => await host.libp2p.dialProtocol(target, protocol, o) },
          logger: options.logger,
          metrics: registry
        })
        await provider.start()
      },
      stop: async () => { await provider?.stop(); provider = undefined; resolver = undefined }
    },
    {
      name: 'records',
      start: () => {
        records = createRecordService({
          storage: need(storage, 'storage'), kek, country: config.country, custodianX25519: need(x25519Key, 'the keystore').publicKey,
          chainSubject: async (s) => await chain.queries.subject(s),
          enrollOnChain: async (s) => {
            const existing = await chain.queries.subject(s.subject)
            if (existing !== undefined) {
              if (existing.homeCountry !== config.country) throw new ConflictError(`subject ${s.subject} is enrolled by ${existing.homeCountry}`)
              return
            }
            await operatorSigner().enrollSubject(s)
            metrics.chainSubmissions.inc({ kind: 'enroll', outcome: 'ok' })
          },
          notifyOutbox: () => { outbox?.wake() },
          withdraw: async (tokenId) => { await provider?.withdraw(Buffer.from(tokenId, 'hex')) },
          logger: options.logger,
          clock
        })
        return Promise.resolve()
      },
      stop: () => { records = undefined; return Promise.resolve() }
    },
    {
      name: 'relay',
      start: async () => {
        const st = need(storage, 'storage')
        const ports = createRelayPorts({ ledger: { isCurrent: async () => await Promise.resolve(view.status().fresh) }, clock }, {
          storage: st, keys: kek, queries: chain.queries, registry: peers, engine: policies.engine
        })
        const unsubscribe = view.onNewBlock((h) => { ports.ledger.onBlock(h) })
        const nonces = createSqliteNonceStore({ path: join(options.home, 'relay', 'nonces.sqlite'), clock })
        nonces.start()
        const service = createRelayService({ freshnessWindowMs: config.relay.freshnessWindowMs }, {
          ...ports,
          network: host.libp2p,
          identity: { peerId: host.peerId.toString(), country: config.country, ed25519PrivateKey: need(peerKey, 'the keystore').raw },
          nonces,
          logger: options.logger,
          metrics: registry,
          clock
        })
        try {
          await service.start()
        } catch (err) { unsubscribe(); nonces.stop(); throw err }
        const client = createRelayClient({}, { network: host.libp2p, registry: peers, resolver: need(resolver, 'the resolver'), local: service, logger: options.logger })
        accessBatcher = createAccessBatcher({ custodianAddress: need(operatorKey, 'the keystore').address }, {
          storage: st, subjectKey: subjectSealingKey(st, async (s) => await chain.queries.subject(s)), clock
        })
        relay = { api: createRelayApi(client), stop: async () => { unsubscribe(); await service.stop(); nonces.stop() } }
      },
      stop: async () => { const r = relay; relay = undefined; accessBatcher = undefined; await r?.stop() }
    },
    {
      name: 'outbox',
      start: async () => {
        outbox = createOutboxWorker({ ...(options.outboxIntervalMs !== undefined ? { intervalMs: options.outboxIntervalMs } : {}) }, {
          storage: need(storage, 'storage'),
          signer: operatorSigner,
          queries: () => chain.queries,
          flushAccess: async () => await accessBatcher?.flush(),
          provide: async (tokenId) => { await provider?.provide(Buffer.from(tokenId, 'hex')) },
          metrics,
          logger: options.logger,
          clock
        })
        await outbox.start()
      },
      stop: async () => { await outbox?.stop(); outbox = undefined }
    },
    {
      name: 'api',
      start: async () => {
        metrics.bindGauges({
          chainHeight: () => Number(view.status().chainHeight),
          chainLag: () => Number(view.status().lag),
          peers: () => host.isStarted ? host.libp2p.getPeers().length : 0,
          outboxDepth: () => storage === undefined ? 0 : outboxDepth(storage.db),
          storedBytes: () => storage === undefined ? 0 : storedBlobBytes(storage.db)
        })
        const a = createApi({
          country: config.country,
          nodeId: () => host.peerId.toString(),
          db: () => need(storage, 'storage').db,
          lookup: () => need(storage, 'storage').lookup,
          records: need(records, 'the record service'),
          queries: () => chain.queries,
          operator: operatorSigner,
          broadcast: broadcaster.broadcast,
          policies: { engine: policies.engine, active: policies.active, loaded: policies.loaded },
          patientAuth: createPatientAuth({ nodeId: host.peerId.toString() }),
          relay: () => relay?.api,
          guard: view,
          readiness,
          metricsRegistry: registry,
          metrics,
          logger: options.logger,
          clock
        })
        api = a
        const { host: h, port } = splitHostPort(config.api.listen)
        await new Promise<void>((resolve, reject) => {
          const s = serve({ fetch: a.app.fetch, hostname: h, port }, (info) => {
            apiUrl = `http://${h.includes(':') ? `[${h}]` : h}:${info.port}`
            resolve()
          })
          s.once('error', reject)
          server = s
        })
        log.info({ api: apiUrl, peerId: host.peerId.toString(), country: config.country }, 'node started')
      },
      stop: async () => {
        const s = server
        server = undefined
        if (s === undefined) return
        await new Promise<void>((resolve) => {
          s.close(() => { resolve() })
          ;(s as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.()
        })
      }
    }
  ]
  const lifecycle = createLifecycle(steps, log)
  let starting: Promise<void> | undefined

  return {
    async start () {
      starting ??= lifecycle.start().catch((err: unknown) => { starting = undefined; throw err })
      await starting
    },
    async stop () {
      await starting?.catch(() => {})
      starting = undefined
      await lifecycle.stop()
      log.info('node stopped')
    },
    get apiUrl () { return apiUrl },
    get peerId () { return host.peerId.toString() },
    get api () { return need(api, 'the API') },
    get parts () { return parts() },
    readiness,
    async drainOutbox (opts) {
      for (let i = 0; i < 10_000; i++) {
        opts?.signal?.throwIfAborted()
        if (storage === undefined || outboxDepth(storage.db) === 0) return
        outbox?.wake()
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
  }
}
