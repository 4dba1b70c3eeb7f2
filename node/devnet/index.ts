/**
 * The local devnet (DESIGN.md §8): node homes for DE, FR and US (keys first, so the genesis can
 * register their peers), a chain home whose genesis makes each node's operator a member, the
 * embedded engine and the three nodes on loopback, then (first run only) demo doctors with their
 * own key files and credentials and demo patients enrolled at their country's node with synthetic
 * FHIR of several categories (the DE traveller's include a 1 MiB imaging record), the DE
 * traveller's patient summary granted to FR for treatment. Everything is described in
 * D/devnet.json; a second run reads it back, enrols nobody again and renews the walkthrough's grant
 * if a previous run revoked it. `walkthrough()` is what the operator pastes: discover, retrieve,
 * revoke, the refusal, an emergency access without a grant, the patient's access log and inbox.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync, chmodSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { DirectSecp256k1Wallet } from '@cosmjs/proto-signing'
import type { ComponentLogger } from '../../common/logger.js'
import { InvalidInputError } from '../../common/errors.js'
import {
  buildGenesisDoc, generateOperatorKey, generateValidatorKey, validatorKeyJson, accountKeyJson, DEFAULT_CHAIN_ID
} from '../../chain/app/index.js'
import { createEngine, type Engine } from '../../chain/engine/index.js'
import { createLedgerApp } from '../../chain/app/index.js'
import { bundledGenesisPolicies } from '../../policies/genesis.js'
import { CONFIG_FILE, parseConfig } from '../config/index.js'
import { createKeystore, chainAddress, generateDoctorKeys, withCredential, writeDoctorKeyFile } from '../keystore/index.js'
import { createFileKeyProvider } from '../../relay/crypto/index.js'
import { loadOrCreatePeerKey } from '../../relay/p2p/index.js'
import { createNode, type HealthrelayNode } from '../create-node.js'
import { createApiKey } from '../services/apikeys.js'
import { issueCredential } from '../../relay/protocol/index.js'
import { SYNTHETIC_KIND_CATEGORY, syntheticPatient, syntheticRecordSet, type SyntheticKind } from '../fhir/index.js'

export const DEVNET_CHAIN_RPC_PORT = 26657
export const DEVNET_API_PORT = 8081
export const DEVNET_P2P_PORT = 4001
export const DEVNET_COUNTRIES = ['DE', 'FR', 'US'] as const
export const DEVNET_FILE = 'devnet.json'

export interface DevnetCountry {
  api: string
  peerId: string
  multiaddr: string
  apiKeys: { admin: string, provider: string, regulator: string }
  provider: { id: string, keyFile: string }
  regulator: { keyFile: string }
}

export interface DevnetPatient {
  name: string
  country: string
  subject: string
  keyFile: string
  shareCode: string
  records: Array<{ tokenId: string, category: string }>
  grants: Array<{ id: string, grantee: string, purposes: string[] }>
}

export interface DevnetFile {
  chain: { rpc: string, chainId: string }
  countries: Record<string, DevnetCountry>
  patients: DevnetPatient[]
}

export interface Devnet {
  readonly file: DevnetFile
  readonly path: string
  /** True when this run created the network (false: it reused D/devnet.json). */
  readonly created: boolean
  stop: () => Promise<void>
}

export interface DevnetOptions {
  readonly home: string
  readonly portsOffset: number
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent'
  readonly blockTimeMs?: number
  /** Progress lines for the operator. */
  readonly progress?: (line: string) => void
}

function need<T> (value: T | undefined, what: string): T {
  if (value === undefined) throw new InvalidInputError(`devnet: ${what} is missing`)
  return value
}

function writeSecret (path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, content, { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, path)
}

const ports = (offset: number): { rpc: number, api: (i: number) => number, p2p: (i: number) => number } => ({
  rpc: DEVNET_CHAIN_RPC_PORT + offset,
  api: (i) => DEVNET_API_PORT + i + offset,
  p2p: (i) => DEVNET_P2P_PORT + i + offset
})

export function checkPortsOffset (value: string): number {
  if (!/^\d{1,5}$/.test(value) || DEVNET_CHAIN_RPC_PORT + Number(value) > 65535) {
    throw new InvalidInputError(`--ports-offset must be a whole number that keeps ports below 65536, got ${value}`)
  }
  return Number(value)
}

/** Node homes (keys, config) and the chain home with those nodes in genesis. */
async function createHomes (home: string, offset: number, logger: ComponentLogger, logLevel: string): Promise<void> {
  const p = ports(offset)
  const members = []
  const genesisNodes = []
  mkdirSync(join(home, 'keys'), { recursive: true, mode: 0o700 })
  for (const [i, country] of DEVNET_COUNTRIES.entries()) {
    const nodeHome = join(home, 'nodes', country)
    const ks = createKeystore({ home: nodeHome, country }, { logger })
    await ks.ensure()
    await createFileKeyProvider({ directory: ks.paths.kekDir }).currentKeyId()
    const peerKey = await loadOrCreatePeerKey(ks.paths.p2pDir)
    const operator = await ks.operatorKey()
    const multiaddr = `/ip4/127.0.0.1/tcp/${p.p2p(i)}`
    const config = parseConfig({
      country,
      logLevel,
      api: { listen: `127.0.0.1:${p.api(i)}` },
      chain: { rpc: `http://127.0.0.1:${p.rpc}`, chainId: DEFAULT_CHAIN_ID },
      p2p: { listen: [multiaddr] }
    })
    writeSecret(join(nodeHome, CONFIG_FILE), JSON.stringify(config, null, 2) + '\n')
    const regulator = generateOperatorKey()
    writeSecret(join(home, 'keys', `${country}-regulator.json`), JSON.stringify(accountKeyJson(regulator), null, 2) + '\n')
    members.push({ country, operator, regulator })
    genesisNodes.push({
      peerId: peerIdFromPrivateKey(peerKey).toString(), country, multiaddrs: [multiaddr],
      x25519PublicKey: (await ks.x25519Key()).publicKey, ed25519PublicKey: peerKey.publicKey.raw,
      operator: operator.address, role: 'custodian' as const
    })
  }
  const validator = generateValidatorKey()
  const doc = buildGenesisDoc({
    chainId: DEFAULT_CHAIN_ID,
    genesisTime: new Date().toISOString(),
    members,
    validator,
    nodes: genesisNodes,
    policies: await bundledGenesisPolicies()
  })
  const chainHome = join(home, 'chain')
  mkdirSync(join(chainHome, 'config'), { recursive: true, mode: 0o700 })
  writeSecret(join(chainHome, 'config', 'priv_validator_key.json'), JSON.stringify(validatorKeyJson(validator), null, 2) + '\n')
  writeFileSync(join(chainHome, 'genesis.json'), JSON.stringify(doc, null, 2) + '\n')
}

/**
 * The demo patients: each enrolled at their country's node with synthetic FHIR of several
 * categories (all opted in for cross-border use); the DE traveller also has an imaging-sized
 * record and grants FR their patient summary for treatment (the walkthrough's patient).
 */
const DEMO_PATIENTS: ReadonlyArray<{ seed: string, country: string, kinds: readonly SyntheticKind[], grantTo?: string }> = [
  { seed: 'devnet-de-1', country: 'DE', kinds: ['patient-summary', 'lab-result', 'vaccination', 'imaging'], grantTo: 'FR' },
  { seed: 'devnet-fr-1', country: 'FR', kinds: ['patient-summary', 'prescription'] },
  { seed: 'devnet-us-1', country: 'US', kinds: ['patient-summary', 'lab-result'] }
]

/** The grant the walkthrough revokes: the patient summary to `grantee` for treatment, 30 days. */
async function grantSummary (node: HealthrelayNode, privateKey: Uint8Array, subject: string, grantee: string, tokenId: string): Promise<DevnetPatient['grants'][number]> {
  const signer = await node.parts.chain.signer(await DirectSecp256k1Wallet.fromKey(privateKey, 'hr'))
  const now = BigInt(Math.floor(Date.now() / 1000))
  const r = await signer.grantAccess({ subject, grantee: { country: grantee }, tokenIds: [tokenId], purposes: ['treatment'], notBefore: now - 60n, expiresAt: now + 30n * 86_400n })
  return { id: r.value.grantId.toString(), grantee, purposes: ['treatment'] }
}

async function seed (home: string, rpc: string, nodes: Record<string, HealthrelayNode>, multiaddrs: Record<string, string>, progress: (l: string) => void): Promise<DevnetFile> {
  const countries: Record<string, DevnetCountry> = {}
  mkdirSync(join(home, 'doctors'), { recursive: true, mode: 0o700 })
  mkdirSync(join(home, 'patients'), { recursive: true, mode: 0o700 })
  for (const country of DEVNET_COUNTRIES) {
    const node = need(nodes[country], `the ${country} node`)
    const db = node.parts.storage.db
    const now = Date.now()
    const apiKeys = {
      admin: createApiKey(db, 'agency-admin', 'devnet admin', now).key,
      provider: createApiKey(db, 'provider', 'devnet provider', now).key,
      regulator: createApiKey(db, 'regulator', 'devnet regulator', now).key
    }
    const doctor = generateDoctorKeys(`devnet-${country.toLowerCase()}-doctor-1`, country)
    const credential = issueCredential({
      providerId: doctor.providerId, name: `Dr Devnet ${country}`, role: 'physician', licence: `DEVNET-${country}-1`, country,
      ed25519PublicKey: doctor.ed25519.publicKey, x25519PublicKey: doctor.x25519.publicKey
    }, { peerId: node.peerId, ed25519PrivateKey: node.parts.peerKey.raw }).signed
    const doctorFile = resolve(home, 'doctors', `${country}-doctor.key.json`)
    await writeDoctorKeyFile(doctorFile, withCredential(doctor, credential, doctorFile))
    countries[country] = {
      api: node.apiUrl,
      peerId: node.peerId,
      multiaddr: need(multiaddrs[country], `the ${country} multiaddr`),
      apiKeys,
      provider: { id: doctor.providerId, keyFile: doctorFile },
      regulator: { keyFile: resolve(home, 'keys', `${country}-regulator.json`) }
    }
    progress(`  ${country}: doctor ${doctor.providerId} with a credential, API keys admin/provider/regulator`)
  }
  const patients: DevnetPatient[] = []
  for (const demo of DEMO_PATIENTS) {
    const node = need(nodes[demo.country], `the ${demo.country} node`)
    const key = need(countries[demo.country], demo.country).apiKeys.provider
    const post = async (path: string, body: string, type: string): Promise<Response> =>
      await fetch(node.apiUrl + path, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': type }, body })
    const person = syntheticPatient(demo.seed, demo.country)
    const privateKey = secp256k1.utils.randomSecretKey()
    const publicKey = secp256k1.getPublicKey(privateKey, true)
    const subject = chainAddress(publicKey)
    const xPriv = x25519.utils.randomSecretKey()
    const enrol = await post('/v1/subjects', JSON.stringify({
      publicKey: Buffer.from(publicKey).toString('hex'), x25519PublicKey: Buffer.from(x25519.getPublicKey(xPriv)).toString('hex'),
      birthDate: person.birthDate, identifiers: [person.nationalId], categories: demo.kinds.map((k) => SYNTHETIC_KIND_CATEGORY[k])
    }), 'application/json')
    if (enrol.status !== 201) throw new Error(`enrolment at ${demo.country} answered ${enrol.status}: ${await enrol.text()}`)
    const { shareCode } = await enrol.json() as { shareCode: string }
    const records: DevnetPatient['records'] = []
    for (const { category, record } of syntheticRecordSet(person, { kinds: demo.kinds })) {
      const put = await post('/v1/records', JSON.stringify(record), 'application/fhir+json')
      if (put.status !== 201) throw new Error(`ingestion at ${demo.country} answered ${put.status}: ${await put.text()}`)
      records.push({ tokenId: (await put.json() as { tokenId: string }).tokenId, category })
    }
    const keyFile = resolve(home, 'patients', `${demo.seed}.key.json`)
    writeSecret(keyFile, JSON.stringify({
      address: subject, publicKey: Buffer.from(publicKey).toString('hex'), privateKey: Buffer.from(privateKey).toString('hex'),
      x25519PrivateKey: Buffer.from(xPriv).toString('hex')
    }, null, 2) + '\n')
    await node.drainOutbox()
    const summary = need(records.find((r) => r.category === 'patient-summary'), 'a patient summary').tokenId
    const grants: DevnetPatient['grants'] = demo.grantTo === undefined ? [] : [await grantSummary(node, privateKey, subject, demo.grantTo, summary)]
    patients.push({ name: `${person.givenName} ${person.familyName}`, country: demo.country, subject, keyFile, shareCode, records, grants })
    progress(`  patient ${person.givenName} ${person.familyName} (${demo.country}): ${records.map((r) => r.category).join(', ')}${grants.length > 0 ? `; summary granted to ${demo.grantTo ?? ''} for treatment` : ''}`)
  }
  return { chain: { rpc, chainId: DEFAULT_CHAIN_ID }, countries, patients }
}

/**
 * On a second run: a walkthrough grant that a previous run revoked (or that expired) is granted
 * again with the patient's key, so the printed walkthrough holds again.
 */
async function renewGrants (file: DevnetFile, nodes: Record<string, HealthrelayNode>, progress: (l: string) => void): Promise<void> {
  const nowS = BigInt(Math.floor(Date.now() / 1000))
  for (const patient of file.patients) {
    const node = need(nodes[patient.country], `the ${patient.country} node`)
    for (const [i, g] of patient.grants.entries()) {
      const onChain = await node.parts.chain.queries.grant(BigInt(g.id))
      if (onChain !== undefined && onChain.revokedAt === 0n && onChain.expiresAt > nowS + 86_400n) continue
      const key = JSON.parse(readFileSync(patient.keyFile, 'utf8')) as { privateKey?: unknown }
      if (typeof key.privateKey !== 'string' || !/^[0-9a-f]{64}$/.test(key.privateKey)) throw new InvalidInputError(`${patient.keyFile}: no privateKey`)
      const summary = need(patient.records.find((r) => r.category === 'patient-summary'), `${patient.name}'s patient summary`).tokenId
      const renewed = await grantSummary(node, new Uint8Array(Buffer.from(key.privateKey, 'hex')), patient.subject, g.grantee, summary)
      patient.grants[i] = renewed
      progress(`  ${patient.name}'s grant ${g.id} to ${g.grantee} was ${onChain?.revokedAt !== undefined && onChain.revokedAt !== 0n ? 'revoked' : 'no longer in force'}; granted again for the walkthrough (grant ${renewed.id})`)
    }
  }
}

/**
 * Starts the devnet in `home`: creates it on a first run, reuses it (and its devnet.json) after.
 * Resolves once every part is ready and devnet.json is written.
 */
export async function startDevnet (options: DevnetOptions, deps: { logger: ComponentLogger }): Promise<Devnet> {
  const progress = options.progress ?? ((): void => {})
  const home = resolve(options.home)
  const path = join(home, DEVNET_FILE)
  const p = ports(options.portsOffset)
  const chainHome = join(home, 'chain')
  const fresh = !existsSync(join(chainHome, 'genesis.json'))
  if (fresh) {
    await createHomes(home, options.portsOffset, deps.logger, options.logLevel)
    progress(`  created node homes for ${DEVNET_COUNTRIES.join(', ')} and a chain whose genesis registers them`)
  } else {
    progress(`  reusing ${home}`)
  }
  const engine: Engine = createEngine({
    home: chainHome, rpcListen: `127.0.0.1:${p.rpc}`, ...(options.blockTimeMs !== undefined ? { blockTimeMs: options.blockTimeMs } : {})
  }, { createApp: (d) => createLedgerApp(d), logger: deps.logger })
  const nodes: Record<string, HealthrelayNode> = {}
  const stop = async (): Promise<void> => {
    for (const n of Object.values(nodes).reverse()) await n.stop().catch(() => {})
    await engine.stop()
  }
  try {
    await engine.start()
    progress(`  chain ${engine.chainId} at height ${engine.height()}, RPC ${engine.rpcUrl}`)
    for (const [i, country] of DEVNET_COUNTRIES.entries()) {
      const nodeHome = join(home, 'nodes', country)
      const raw = JSON.parse(readFileSync(join(nodeHome, CONFIG_FILE), 'utf8')) as Record<string, unknown>
      // The genesis registers each node's p2p address, so a devnet keeps the offset it was made with.
      const listen = (raw.p2p as { listen?: unknown } | undefined)?.listen
      const expected = `/ip4/127.0.0.1/tcp/${p.p2p(i)}`
      if (!Array.isArray(listen) || listen[0] !== expected) {
        throw new InvalidInputError(`${home} was created with another --ports-offset (the ${country} node listens on ${String(Array.isArray(listen) ? listen[0] : listen)}, its genesis says so); run it with that offset or use a new --home`)
      }
      const config = parseConfig({
        ...raw,
        logLevel: options.logLevel,
        api: { listen: `127.0.0.1:${p.api(i)}` },
        chain: { ...(raw.chain as object), rpc: `http://127.0.0.1:${p.rpc}` },
        p2p: { ...(raw.p2p as object), listen: [`/ip4/127.0.0.1/tcp/${p.p2p(i)}`] }
      })
      const node = createNode(config, { home: nodeHome, logger: deps.logger, outboxIntervalMs: 200 })
      await node.start()
      nodes[country] = node
      progress(`  ${country} node ${node.peerId}: API ${node.apiUrl}, p2p /ip4/127.0.0.1/tcp/${p.p2p(i)}`)
    }
    let file: DevnetFile
    if (existsSync(path)) {
      file = JSON.parse(readFileSync(path, 'utf8')) as DevnetFile
      file.chain.rpc = engine.rpcUrl
      for (const [i, country] of DEVNET_COUNTRIES.entries()) {
        const c = file.countries[country]
        if (c === undefined) throw new InvalidInputError(`${path} lacks ${country}; remove ${home} to start afresh`)
        c.api = need(nodes[country], `the ${country} node`).apiUrl
        c.multiaddr = `/ip4/127.0.0.1/tcp/${p.p2p(i)}/p2p/${need(nodes[country], `the ${country} node`).peerId}`
      }
      await renewGrants(file, nodes, progress)
    } else {
      const multiaddrs = Object.fromEntries(DEVNET_COUNTRIES.map((c, i) => [c, `/ip4/127.0.0.1/tcp/${p.p2p(i)}/p2p/${need(nodes[c], `the ${c} node`).peerId}`]))
      file = await seed(home, engine.rpcUrl, nodes, multiaddrs, progress)
    }
    writeSecret(path, JSON.stringify(file, null, 2) + '\n')
    return { file, path, created: fresh, stop }
  } catch (err) {
    await stop().catch(() => {})
    throw err
  }
}

/** What the emergency step's doctor writes; the walkthrough prints it and the e2e test sends it. */
export const WALKTHROUGH_JUSTIFICATION = 'unconscious after a road accident; allergies and current medication needed'

/** The walkthrough printed once the devnet is ready: commands a newcomer can paste, in order. */
export function walkthrough (file: DevnetFile, path: string, cli = 'npx healthrelay'): string[] {
  const patient = file.patients.find((x) => x.country === 'DE' && x.grants.some((g) => g.grantee === 'FR'))
  if (patient === undefined) return [`devnet ready: ${path}`]
  const fr = need(file.countries.FR, 'FR')
  const de = need(file.countries.DE, 'DE')
  const grant = need(patient.grants.find((g) => g.grantee === 'FR'), 'the grant to FR')
  const token = need(patient.records.find((r) => r.category === 'patient-summary'), 'a patient summary').tokenId
  const doctor = `--node ${fr.api} --api-key ${fr.apiKeys.provider} --key ${fr.provider.keyFile} --chain-rpc ${file.chain.rpc}`
  const own = `--node ${de.api} --key ${patient.keyFile}`
  return [
    `devnet ready: everything is described in ${path}`,
    '',
    `Walkthrough: a French doctor treats ${patient.name}, a German traveller. Their home node (DE) holds their`,
    `records (${patient.records.map((r) => r.category).join(', ')}); only the patient summary is granted to FR, for treatment.`,
    '1. The doctor discovers the patient by the share code the patient shows (only what is releasable to them):',
    `   ${cli} discover ${doctor} --purpose treatment --country DE --share-code ${patient.shareCode}`,
    '2. The doctor retrieves the patient summary (custodian signature and on-chain commitment checked, then decrypted):',
    `   ${cli} record get ${token} ${doctor} --purpose treatment --out summary.json`,
    '3. Back home, the patient revokes the grant with their own key:',
    `   ${cli} grant revoke ${grant.id} ${own} --chain-rpc ${file.chain.rpc}`,
    '4. The same retrieval is now refused, exit code 3: "refused: DENIED grant-revoked: the patient revoked the grant (DE)":',
    `   ${cli} record get ${token} ${doctor} --purpose treatment --out again.json`,
    '5. Later the patient is brought unconscious to a French emergency department. Without a grant, the EU baseline',
    '   permits an emergency access to the emergency categories by a clinician with a written justification',
    '   (vital interests, GDPR Art. 9(2)(c) and 49(1)(f)); the patient is notified:',
    `   ${cli} record get ${token} ${doctor} --purpose emergency --justification "${WALKTHROUGH_JUSTIFICATION}" --out emergency.json`,
    '6. The patient sees it: their access log (from the chain, details unsealed with their key; the emergency',
    '   marked EMERGENCY, on chain within seconds) and their inbox at their home node, signed in with their key:',
    `   ${cli} patient access-log ${own}`,
    `   ${cli} patient inbox ${own}`,
    '',
    'Ctrl-C stops the devnet; a second run reuses its data (and grants the summary to FR again if step 3 revoked it).'
  ]
}
