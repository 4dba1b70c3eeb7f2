/**
 * Harness of the node integration tests: node homes made the way `healthrelay init` makes them
 * (keystore, KEK, libp2p key, config.json), a chain home whose genesis makes each node's operator
 * a member and registers its peer (chain/app buildGenesisDoc) with the bundled policy modules, and
 * the real embedded engine running the ledger on a free loopback port.
 */
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { createHash } from 'node:crypto'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { buildGenesisDoc, validatorKeyFromSeed, validatorKeyJson, createLedgerApp, type OperatorKey } from '../../../chain/app/index.js'
import { testKey } from '../../../chain/app/testing.js'
import { createEngine, type Engine } from '../../../chain/engine/index.js'
import { silentLogger } from '../../../common/logger.js'
import { createKeystore } from '../../../node/keystore/index.js'
import { createFileKeyProvider } from '../../../relay/crypto/index.js'
import { loadOrCreatePeerKey } from '../../../relay/p2p/index.js'
import { readBundledModules } from '../../../policies/files.js'
import { publishedMetadata } from '../../../policies/published.js'
import { CONFIG_FILE, parseConfig, type NodeConfig } from '../../../node/config/index.js'

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => { resolve(port) })
    })
  })
}

export interface NodeHome {
  readonly country: string
  readonly home: string
  readonly peerId: string
  readonly operator: OperatorKey
  readonly regulator: OperatorKey
  config: NodeConfig
}

export interface TestNetwork {
  readonly root: string
  readonly chainHome: string
  readonly chainId: string
  readonly nodes: Readonly<Record<string, NodeHome>>
  engine: Engine | undefined
  startChain: () => Promise<Engine>
  cleanup: () => Promise<void>
}

/** Node homes and a chain home with them in genesis; the chain is not started yet. */
export async function createTestNetwork (init: { countries: readonly string[], label: string, maxLagBlocks?: number }): Promise<TestNetwork> {
  const root = mkdtempSync(join(tmpdir(), `hr-node-${init.label}-`))
  const chainId = 'healthrelay-node-it-1'
  const nodes: Record<string, NodeHome> = {}
  const genesisNodes = []
  const rpcPort = await freePort()
  for (const country of init.countries) {
    const home = join(root, country)
    const ks = createKeystore({ home, country }, { logger: silentLogger() })
    await ks.ensure()
    await createFileKeyProvider({ directory: ks.paths.kekDir }).currentKeyId()
    const peerKey = await loadOrCreatePeerKey(ks.paths.p2pDir)
    const operator = await ks.operatorKey()
    const p2pPort = await freePort()
    const config = parseConfig({
      country,
      logLevel: 'silent',
      api: { listen: '127.0.0.1:0' },
      chain: { rpc: `http://127.0.0.1:${rpcPort}`, chainId, maxLagBlocks: init.maxLagBlocks ?? 10 },
      p2p: { listen: [`/ip4/127.0.0.1/tcp/${p2pPort}`] }
    })
    writeFileSync(join(home, CONFIG_FILE), JSON.stringify(config, null, 2))
    const peerId = peerIdFromPrivateKey(peerKey).toString()
    nodes[country] = { country, home, peerId, operator, regulator: testKey(`${init.label}-${country}-regulator`), config }
    genesisNodes.push({
      peerId, country, multiaddrs: [`/ip4/127.0.0.1/tcp/${p2pPort}`], x25519PublicKey: (await ks.x25519Key()).publicKey,
      ed25519PublicKey: peerKey.publicKey.raw, operator: operator.address, role: 'custodian' as const
    })
  }
  const modules = await readBundledModules()
  const policies = [...modules.values()].map((files) => {
    const m = (typeof files.moduleJson === 'string' ? JSON.parse(files.moduleJson) : files.moduleJson) as { code: string, version: string }
    return { jurisdiction: m.code, version: m.version, cedar: files.policy, metadataJson: publishedMetadata(files) }
  })
  const validator = validatorKeyFromSeed(createHash('sha256').update(`${init.label}/validator`).digest())
  const doc = buildGenesisDoc({
    chainId,
    genesisTime: new Date().toISOString(),
    members: Object.values(nodes).map((n) => ({ country: n.country, operator: n.operator, regulator: n.regulator })),
    validator,
    nodes: genesisNodes,
    policies
  })
  const chainHome = join(root, 'chain')
  mkdirSync(join(chainHome, 'config'), { recursive: true })
  writeFileSync(join(chainHome, 'genesis.json'), JSON.stringify(doc, null, 2))
  writeFileSync(join(chainHome, 'config', 'priv_validator_key.json'), JSON.stringify(validatorKeyJson(validator), null, 2))
  const net: TestNetwork = {
    root,
    chainHome,
    chainId,
    nodes,
    engine: undefined,
    async startChain () {
      const engine = createEngine({ home: chainHome, rpcListen: `127.0.0.1:${rpcPort}`, blockTimeMs: 100 }, { createApp: (deps) => createLedgerApp(deps) })
      await engine.start()
      net.engine = engine
      return engine
    },
    async cleanup () {
      await net.engine?.stop()
      rmSync(root, { recursive: true, force: true })
    }
  }
  return net
}

/** Polls `check` until it returns a value (bounded). */
export async function waitFor<T> (check: () => Promise<T | undefined> | T | undefined, what: string, attempts = 300, intervalMs = 100): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const v = await check()
    if (v !== undefined) return v
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
  throw new Error(`timed out waiting for ${what}`)
}
