/**
 * No Docker engine runs on the development machines, so this checks what can be checked without
 * one: the compose file and the files docker/gen-network.ts generates agree on ports, addresses,
 * chain id, validator keys, node ids and genesis.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createHash } from 'node:crypto'
import { parse as parseYaml } from 'yaml'
import { parse as parseToml } from 'smol-toml'
import { ed25519 } from '@noble/curves/ed25519.js'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { loadOrCreatePeerKey } from '../../../relay/p2p/index.js'
import { parseGenesisState } from '../../../chain/app/index.js'
import { loadConfig } from '../../../node/config/index.js'
import { generateNetwork, NETWORK_COUNTRIES, NETWORK_CHAIN_ID, type NetworkCountry } from '../../../docker/network.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
interface Service {
  image?: string
  build?: { context: string, dockerfile: string }
  command?: string[]
  environment?: Record<string, string>
  volumes?: string[]
  ports?: string[]
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[] }
  user?: string
}
const compose = parseYaml(readFileSync(join(root, 'docker/compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, Service> }
const json = (p: string): Record<string, unknown> => JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>

let out: string
let network: NetworkCountry[]

beforeAll(async () => {
  out = join(mkdtempSync(join(tmpdir(), 'hr-docker-')), 'network')
  network = await generateNetwork({ out })
})
afterAll(() => { rmSync(dirname(out), { recursive: true, force: true }) })

describe('docker network', () => {
  it('has a validator, an ABCI app and a daemon per country, wired to each other', () => {
    for (const c of NETWORK_COUNTRIES) {
      const lc = c.toLowerCase()
      const comet = compose.services[`cometbft-${lc}`]!
      const abci = compose.services[`abci-${lc}`]!
      const node = compose.services[`node-${lc}`]!
      expect(comet.image).toMatch(/^cometbft\/cometbft:v0\.38\.\d+$/)
      expect(abci.build?.dockerfile).toBe('docker/Dockerfile')
      expect(abci.command).toEqual(['chain', 'abci', '--home', '/data', '--listen', 'tcp://0.0.0.0:26658'])
      expect(node.command).toEqual(['start', '--home', '/data'])
      expect(comet.depends_on).toHaveProperty(`abci-${lc}`)
      expect(node.depends_on).toHaveProperty(`cometbft-${lc}`)
      // the daemon's config (environment over the generated file) points at its validator
      const config = loadConfig(join(out, lc, 'node'), node.environment ?? {})
      expect(config.country).toBe(c)
      expect(config.chain.rpc).toBe(`http://cometbft-${lc}:26657`)
      expect(config.chain.chainId).toBe(NETWORK_CHAIN_ID)
      expect(config.api.listen).toBe('0.0.0.0:8080')
      // volumes point at the generated folders
      expect(comet.volumes).toEqual([`./network/${lc}/cometbft:/cometbft`])
      expect(abci.volumes).toEqual([`./network/${lc}/app:/data`])
      expect(node.volumes).toEqual([`./network/${lc}/node:/data`])
      for (const v of [comet, abci, node]) expect(v.user).toMatch(/HOST_UID/)
    }
    const hostPorts = Object.values(compose.services).flatMap((s) => s.ports ?? []).map((p) => p.split(':')[0])
    expect(new Set(hostPorts).size).toBe(hostPorts.length)
  })

  it('generates config.toml that CometBFT reads: kv indexer, proxy_app at the ABCI service, peers by node id', () => {
    for (const n of network) {
      const lc = n.country.toLowerCase()
      const toml = parseToml(readFileSync(join(out, lc, 'cometbft/config/config.toml'), 'utf8')) as Record<string, Record<string, unknown> | string>
      expect(toml.proxy_app).toBe(`tcp://abci-${lc}:26658`)
      expect((toml.tx_index as Record<string, unknown>).indexer).toBe('kv')
      expect((toml.rpc as Record<string, unknown>).laddr).toBe('tcp://0.0.0.0:26657')
      const peers = String((toml.p2p as Record<string, unknown>).persistent_peers).split(',')
      expect(peers).toHaveLength(network.length - 1)
      for (const p of peers) {
        const [id, addr] = p.split('@')
        const other = network.find((o) => o.cometNodeId === id)!
        expect(other.country).not.toBe(n.country)
        expect(addr).toBe(`cometbft-${other.country.toLowerCase()}:26656`)
        // the node id is derived from that validator's node_key.json
        const nodeKey = json(join(out, other.country.toLowerCase(), 'cometbft/config/node_key.json')) as { priv_key: { value: string } }
        const pub = Buffer.from(nodeKey.priv_key.value, 'base64').subarray(32)
        expect(createHash('sha256').update(pub).digest().subarray(0, 20).toString('hex')).toBe(id)
      }
    }
  })

  it('shares one genesis whose validators are the generated validator keys and whose peers are the daemons', async () => {
    const docs = network.map((n) => readFileSync(join(out, n.country.toLowerCase(), 'cometbft/config/genesis.json'), 'utf8'))
    expect(new Set(docs).size).toBe(1)
    const genesis = JSON.parse(docs[0]!) as { chain_id: string, validators: Array<{ address: string, pub_key: { value: string }, power: string }>, app_state: unknown }
    expect(genesis.chain_id).toBe(NETWORK_CHAIN_ID)
    expect(genesis.validators).toHaveLength(4)
    for (const n of network) {
      const lc = n.country.toLowerCase()
      const key = json(join(out, lc, 'cometbft/config/priv_validator_key.json')) as { address: string, pub_key: { value: string }, priv_key: { value: string } }
      const v = genesis.validators.find((x) => x.address === key.address)!
      expect(v.pub_key.value).toBe(key.pub_key.value)
      const seed = Buffer.from(key.priv_key.value, 'base64').subarray(0, 32)
      expect(Buffer.from(ed25519.getPublicKey(seed)).toString('base64')).toBe(key.pub_key.value)
      expect(statSync(join(out, lc, 'cometbft/config/priv_validator_key.json')).mode & 0o077).toBe(0)
      expect(readFileSync(join(out, lc, 'app/genesis.json'), 'utf8')).toBe(docs[0])
    }
    const state = parseGenesisState(genesis.app_state)
    expect(state.members.map((m) => m.country).sort()).toEqual([...NETWORK_COUNTRIES].sort())
    for (const n of network) {
      const lc = n.country.toLowerCase()
      const peerKey = await loadOrCreatePeerKey(join(out, lc, 'node/p2p'))
      const registered = state.nodes.find((x) => x.country === n.country)!
      expect(registered.peerId).toBe(peerIdFromPrivateKey(peerKey).toString())
      expect(registered.multiaddrs).toEqual([`/dns4/node-${lc}/tcp/4001`])
      expect(state.members.find((m) => m.country === n.country)?.operators).toContain(n.operator.address)
      const operatorFile = json(join(out, lc, `node/keys/${n.country}-operator.json`))
      expect(operatorFile.address).toBe(n.operator.address)
    }
  })

  it('builds an image that runs as a non-root user with a health check and no dev dependencies', () => {
    const dockerfile = readFileSync(join(root, 'docker/Dockerfile'), 'utf8')
    expect(dockerfile).toMatch(/^FROM node:22-slim AS build/m)
    expect(dockerfile).toMatch(/npm ci --omit=dev/)
    expect(dockerfile).toMatch(/^USER healthrelay$/m)
    expect(dockerfile).toMatch(/^HEALTHCHECK /m)
    expect(existsSync(join(root, '.dockerignore'))).toBe(true)
    // every folder the image copies exists
    for (const m of dockerfile.matchAll(/^COPY (\w+) \.\/\w+$/gm)) expect(existsSync(join(root, m[1]!))).toBe(true)
  })
})
