/**
 * Real nodes on loopback for the relay tests and the relay benchmark: the embedded engine running
 * the ledger (chain/client against it), the bundled Cedar modules, and per node a real libp2p
 * host, SQLite storage with its blob store, a KEK provider, a SQLite nonce store, the relay
 * service with the node/relay-adapters ports, a resolver and a relay client. Plus patients
 * (enrolled here and on chain), records (encrypted into the blob store, minted on chain), grants
 * and doctors (own keys, credential issued by their country's node).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { silentLogger } from '../../../common/logger.js'
import { createChainClient, type ChainClient, type LedgerSigner } from '../../../chain/client/index.js'
import type { Engine } from '../../../chain/engine/index.js'
import type { OperatorKey } from '../../../chain/app/index.js'
import {
  DEFAULT_SEGMENT_BYTES, bytesToHex, createCommitmentHasher, createMemoryKeyProvider, encodeRecordKeys, encodeWrappedSecret,
  generateEd25519KeyPair, generateRecordKeys, generateX25519KeyPair, sealBlob, type KeyPair, type KeyProvider, type RecordKeys
} from '../../../relay/crypto/index.js'
import {
  createSignatureCache, createSqliteNonceStore, issueCredential, openEnvelope, readResponseFrames, signRetrieveRequest,
  type OpenedEnvelope, type Purpose, type SqliteNonceStore, type VerifiedCredential, type SignedRetrieveRequest
} from '../../../relay/protocol/index.js'
import { createP2pHost, StaticPeerRegistry, type P2pHost, type RegisteredNode, type NodeRole } from '../../../relay/p2p/index.js'
import { createResolver, type Resolver } from '../../../relay/location/index.js'
import { createRelayClient, createRelayService, type RelayClient, type RelayService, type RelayServiceInit } from '../../../relay/service/index.js'
import { createRelayPorts, type RelayPorts, type RelayPortsInit } from '../../../node/relay-adapters/index.js'
import { createStorage, insertRecord, setRecordStatus, insertEnrolment, addShareCode, type Storage } from '../../../node/storage/index.js'
import { createPolicyEngine, type PolicyEngine } from '../../../policies/engine/index.js'
import { loadBundledModules, readSchemaText } from '../../../policies/files.js'
import { writeLedgerHome, startLedgerEngine, walletOf, testKey, type LedgerHome } from '../chain/harness.js'

export interface NodeSpec { name: string, country: string, role?: NodeRole }

export interface RelayNode {
  readonly spec: NodeSpec
  readonly key: PrivateKey
  readonly peerId: string
  readonly dir: string
  readonly host: P2pHost
  readonly storage: Storage
  readonly kek: KeyProvider
  readonly nonces: SqliteNonceStore
  readonly ports: RelayPorts
  readonly service: RelayService
  readonly resolver: Resolver
  readonly client: RelayClient
}

export interface Doctor {
  readonly ed: KeyPair
  readonly x: KeyPair
  readonly credential: VerifiedCredential
  readonly country: string
}

export interface Patient {
  readonly key: OperatorKey
  readonly x: KeyPair
  readonly subject: string
  readonly shareCode: string
  readonly nationalId: string
  readonly birthDate: string
}

export interface StoredRecord {
  readonly tokenId: Uint8Array
  readonly commitment: Uint8Array
  readonly keys: RecordKeys
  readonly blobHash: string
  readonly plaintextBytes: number
  readonly sha256: string
}

export interface RelayWorld {
  readonly home: LedgerHome
  readonly engine: Engine
  readonly chain: ChainClient
  readonly policies: PolicyEngine
  readonly registry: StaticPeerRegistry
  readonly nodes: Map<string, RelayNode>
  node: (name: string) => RelayNode
  signer: (key: OperatorKey) => Promise<LedgerSigner>
  operator: (country: string) => OperatorKey
  /** Forgets every node's cached chain answers (as a new block does). */
  newBlock: () => void
  enrol: (at: RelayNode, label: string) => Promise<Patient>
  /** Encrypts `plaintext` (bytes or chunks) into `holders[0]`'s store (and replicas'), mints it. */
  store: (holders: RelayNode[], patient: Patient, category: string, plaintext: Uint8Array | (() => AsyncIterable<Uint8Array>), mediaType?: string) => Promise<StoredRecord>
  grant: (patient: Patient, tokenIds: Uint8Array[], grantee: { country: string, providerId?: string }, purposes: string[], expiresIn?: bigint) => Promise<bigint>
  doctor: (issuer: RelayNode, init?: { providerId?: string, role?: string, ttlSeconds?: number, clock?: () => number }) => Doctor
  sign: (doctor: Doctor, tokenId: Uint8Array, custodian: RelayNode | string, purpose?: Purpose, justification?: string) => SignedRetrieveRequest
  /** Retrieves through `via`'s relay client and opens the envelope with the doctor's keys. */
  fetch: (via: RelayNode, doctor: Doctor, request: SignedRetrieveRequest, sink?: (chunk: Uint8Array) => void, transform?: (frames: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>) => Promise<OpenedEnvelope & { plaintext: Uint8Array }>
  stopNode: (node: RelayNode) => Promise<void>
  stop: () => Promise<void>
}

export interface WorldInit {
  nodes: NodeSpec[]
  label?: string
  service?: RelayServiceInit
  ports?: RelayPortsInit
  /** The embedded chain's block interval (default 50 ms: fast tests; the benchmark uses longer, as a real chain). */
  blockTimeMs?: number
}

const logger = silentLogger()

export async function createRelayWorld (init: WorldInit): Promise<RelayWorld> {
  const label = init.label ?? 'relay'
  const home = writeLedgerHome({ label, countries: ['DE', 'FR', 'US'] })
  const engine = await startLedgerEngine(home, { blockTimeMs: init.blockTimeMs ?? 50 })
  const chain = createChainClient({ rpcUrl: engine.rpcUrl, chainId: home.chainId, broadcastPollIntervalMs: 20 })
  await chain.start()
  const policies = createPolicyEngine({ schema: readSchemaText() })
  await loadBundledModules(policies)
  const root = await mkdtemp(join(tmpdir(), `hr-${label}-`))
  const registry = new StaticPeerRegistry()
  const nodes = new Map<string, RelayNode>()
  const signers = new Map<string, LedgerSigner>()
  const signer = async (key: OperatorKey): Promise<LedgerSigner> => {
    let s = signers.get(key.address)
    if (s === undefined) { s = await chain.signer(await walletOf(key)); signers.set(key.address, s) }
    return s
  }
  const registeredNode = (n: RelayNode): RegisteredNode => ({
    peerId: n.peerId, country: n.spec.country, role: n.spec.role ?? 'custodian',
    multiaddrs: n.host.isStarted ? n.host.getMultiaddrs().map((m) => m.toString()) : [],
    ed25519PublicKey: n.key.publicKey.raw, x25519PublicKey: new Uint8Array(32).fill(9)
  })
  const publish = (): void => { registry.set([...nodes.values()].map(registeredNode)) }

  for (const spec of init.nodes) {
    const key = await generateKeyPair('Ed25519')
    const peerId = peerIdFromPrivateKey(key).toString()
    const dir = join(root, spec.name)
    const host = createP2pHost({ privateKey: key, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: { intervalMs: 0 } }, { registry, logger })
    const storage = createStorage({ home: dir, lookupSecret: createHash('sha256').update(`${label}/${spec.name}/lookup`).digest() }, { logger })
    await storage.start()
    const kek = createMemoryKeyProvider()
    const nonces = createSqliteNonceStore({ path: join(dir, 'nonces.sqlite') })
    nonces.start()
    const ports = createRelayPorts({ ledger: { maxAgeMs: 60_000 }, ...init.ports }, { storage, keys: kek, queries: chain.queries, registry, engine: policies })
    const node = { spec, key, peerId, dir, host, storage, kek, nonces, ports } as Partial<RelayNode> as RelayNode
    nodes.set(spec.name, node)
  }
  publish()
  for (const node of nodes.values()) {
    await node.host.start()
    const service = createRelayService(init.service ?? {}, {
      network: node.host.libp2p, identity: { peerId: node.peerId, country: node.spec.country, ed25519PrivateKey: node.key.raw },
      ...node.ports, nonces: node.nonces, signatureCache: createSignatureCache(), logger
    })
    await service.start()
    const resolver = createResolver({
      custodians: { custodianOf: async (tokenId) => (await chain.queries.token(tokenId))?.custodian },
      dht: { findProviders: (k, o) => node.host.dht.findProviders(k, o) },
      registry,
      network: { get peerId () { return node.host.peerId }, dialProtocol: async (t, p, o) => await node.host.libp2p.dialProtocol(t, p, o) },
      logger
    }, { dhtTimeoutMs: 300 })
    await resolver.start()
    const client = createRelayClient({ frameTimeoutMs: 10_000 }, { network: node.host.libp2p, registry, resolver, local: service, logger })
    Object.assign(node, { service, resolver, client })
  }
  publish()

  const operator = (country: string): OperatorKey => home.members[country]!.operator
  const world: RelayWorld = {
    home, engine, chain, policies, registry, nodes,
    node: (name) => {
      const n = nodes.get(name)
      if (n === undefined) throw new Error(`no node ${name}`)
      return n
    },
    signer,
    operator,
    newBlock: () => { for (const n of nodes.values()) n.ports.ledger.onBlock(0n) },
    enrol: async (at, who) => {
      const key = testKey(`${label}-patient-${who}`)
      const x = generateX25519KeyPair()
      const subject = key.address
      const shareCode = randomBytes(6).toString('hex').toUpperCase()
      const nationalId = `ID-${randomBytes(4).toString('hex')}`
      const birthDate = '1980-02-29'
      insertEnrolment(at.storage.db, at.storage.lookup, {
        subject, homeCountry: at.spec.country, birthDate, identifiers: [{ value: nationalId }], x25519PublicKey: x.publicKey,
        categories: ['patient-summary', 'lab-result', 'imaging', 'genomic', 'mental-health'], at: Date.now()
      })
      addShareCode(at.storage.db, at.storage.lookup, subject, shareCode, Date.now())
      await (await signer(operator(at.spec.country))).enrollSubject({ subject, publicKey: key.publicKey, x25519PublicKey: x.publicKey })
      return { key, x, subject, shareCode, nationalId, birthDate }
    },
    store: async (holders, patient, category, plaintext, mediaType = 'application/fhir+json') => {
      const tokenId = new Uint8Array(randomBytes(32))
      const keys = generateRecordKeys()
      const params = { key: keys.dataKey, noncePrefix: keys.noncePrefix, recordId: tokenId, segmentBytes: DEFAULT_SEGMENT_BYTES }
      const commitment = createCommitmentHasher(keys.commitmentSalt)
      const sha = createHash('sha256')
      let bytes = 0
      const source = plaintext instanceof Uint8Array ? (async function * () { yield await Promise.resolve(plaintext) })() : plaintext()
      async function * counted (): AsyncGenerator<Uint8Array> {
        for await (const c of source) { commitment.update(c); sha.update(c); bytes += c.byteLength; yield c }
      }
      const first = holders[0]!
      const put = await first.storage.blobs.put(sealBlob(counted(), params))
      const digest = commitment.digest()
      for (const [i, h] of holders.entries()) {
        if (i > 0) {
          // a replica holds the same blob under its own KEK
          await h.storage.blobs.put(first.storage.blobs.read(put.hash))
        }
        const wrapped = await h.kek.wrap(encodeRecordKeys(keys), tokenId)
        insertRecord(h.storage.db, {
          tokenId: bytesToHex(tokenId), subject: patient.subject, category: category as never, mediaType, plaintextBytes: bytes,
          blobHash: put.hash, blobBytes: put.bytes, commitment: bytesToHex(digest), status: 'pending', wrappedKey: encodeWrappedSecret(wrapped), kekId: wrapped.keyId, at: Date.now()
        })
      }
      await (await signer(operator(first.spec.country))).mintRecordTokens([{ id: tokenId, subject: patient.subject, commitment: digest, sealedMetadata: new Uint8Array(randomBytes(48)) }])
      for (const h of holders) setRecordStatus(h.storage.db, bytesToHex(tokenId), 'active', Date.now())
      return { tokenId, commitment: digest, keys, blobHash: put.hash, plaintextBytes: bytes, sha256: sha.digest('hex') }
    },
    grant: async (patient, tokenIds, grantee, purposes, expiresIn = 3600n) => {
      const now = BigInt(Math.floor(Date.now() / 1000))
      const out = await (await signer(patient.key)).grantAccess({ subject: patient.subject, grantee, tokenIds, purposes, notBefore: now - 60n, expiresAt: now + expiresIn })
      world.newBlock()
      return out.value.grantId
    },
    doctor: (issuer, o = {}) => {
      const ed = generateEd25519KeyPair()
      const x = generateX25519KeyPair()
      const credential = issueCredential({
        providerId: o.providerId ?? `dr-${randomBytes(3).toString('hex')}`, name: 'Dr. Test', role: o.role ?? 'physician', licence: 'L-1',
        country: issuer.spec.country, ed25519PublicKey: ed.publicKey, x25519PublicKey: x.publicKey, ...(o.ttlSeconds === undefined ? {} : { ttlSeconds: o.ttlSeconds })
      }, { peerId: issuer.peerId, ed25519PrivateKey: issuer.key.raw }, o.clock === undefined ? undefined : { clock: o.clock })
      return { ed, x, credential, country: issuer.spec.country }
    },
    sign: (doctor, tokenId, custodian, purpose = 'treatment', justification) => signRetrieveRequest(
      { tokenId, purpose, custodianPeerId: typeof custodian === 'string' ? custodian : custodian.peerId, ...(justification === undefined ? {} : { justification }) },
      { ed25519PrivateKey: doctor.ed.privateKey, credential: doctor.credential.signed }
    ),
    fetch: async (via, doctor, request, sink, transform) => {
      const token = await chain.queries.token(request.payload.tokenId)
      const custodian = registry.get(request.payload.custodianPeerId)
      if (custodian === undefined) throw new Error('custodian not registered')
      const parts: Uint8Array[] = []
      const frames = via.client.retrieve(request.request)
      const opened = await openEnvelope(readResponseFrames(transform === undefined ? frames : transform(frames)), {
        doctorX25519PrivateKey: doctor.x.privateKey,
        doctorX25519PublicKey: doctor.x.publicKey,
        custodianEd25519PublicKey: custodian.ed25519PublicKey,
        expectedCommitment: token === undefined ? new Uint8Array(32) : Buffer.from(token.commitment, 'hex'),
        requestPayloadBytes: request.payloadBytes,
        sink: { write: (c) => { if (sink !== undefined) sink(c); else parts.push(c) } }
      })
      return { ...opened, plaintext: Buffer.concat(parts) }
    },
    stopNode: async (n) => {
      await n.service.stop().catch(() => undefined)
      await n.resolver.stop().catch(() => undefined)
      await n.host.stop().catch(() => undefined)
    },
    stop: async () => {
      for (const n of nodes.values()) {
        await world.stopNode(n)
        n.nonces.stop()
        await n.storage.stop().catch(() => undefined)
      }
      await chain.stop().catch(() => undefined)
      await engine.stop().catch(() => undefined)
      home.cleanup()
      await rm(root, { recursive: true, force: true })
    }
  }
  return world
}

/** A registered issuer without a running host (a country whose node only issues credentials here). */
export async function addIssuer (world: RelayWorld, country: string): Promise<RelayNode> {
  const key = await generateKeyPair('Ed25519')
  const peerId = peerIdFromPrivateKey(key).toString()
  const current = world.registry.nodes()
  world.registry.set([...current, { peerId, country, role: 'custodian', multiaddrs: [], ed25519PublicKey: key.publicKey.raw, x25519PublicKey: new Uint8Array(32).fill(9) }])
  return { spec: { name: `issuer-${country}`, country }, key, peerId } as Partial<RelayNode> as RelayNode
}

export function fhirBundle (label: string, size = 2_000): Uint8Array {
  const entries = []
  for (let i = 0; entries.length * 200 < size; i++) {
    entries.push({ resource: { resourceType: 'Observation', id: `obs-${i}`, status: 'final', code: { text: `${label} ${i}` }, valueString: 'x'.repeat(100) } })
  }
  return new TextEncoder().encode(JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: entries }))
}
