/**
 * The regulator's whole cycle against real parts: a draft module is dry-run against a node's
 * decision records served over HTTP on 127.0.0.1, published with `healthrelay policy publish` to
 * the real embedded chain engine, and a node's PolicyRegistry (fed by the real chain client's
 * queries and events) switches to it within one block; a broken module published around the CLI
 * is refused by the registry and the previous version stays in force.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, cpSync, readFileSync, writeFileSync, rmSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Hono } from 'hono'
import { serve, type ServerType } from '@hono/node-server'
import { Registry } from 'prom-client'
import { main } from '../../../node/cli/main.js'
import { BUNDLED_MODULES_DIR, readBundledModules } from '../../../policies/files.js'
import { createPolicyEngine, parseReleaseRequest, type DecisionRecord } from '../../../policies/engine/index.js'
import { readSchemaText } from '../../../policies/files.js'
import { createPolicyRegistry } from '../../../policies/registry.js'
import { createChainClient, type ChainClient } from '../../../chain/client/index.js'
import type { Engine } from '../../../chain/engine/index.js'
import { writeLedgerHome, startLedgerEngine, walletOf, type LedgerHome } from '../chain/harness.js'

function capture (): { out: string[], err: string[], io: { out: (t: string) => void, err: (t: string) => void } } {
  const out: string[] = []
  const err: string[] = []
  return { out, err, io: { out: (t) => { out.push(t) }, err: (t) => { err.push(t) } } }
}

async function cli (...args: string[]): Promise<{ code: number, out: string, err: string }> {
  const c = capture()
  const code = await main(['node', 'healthrelay', ...args], c.io)
  return { code, out: c.out.join('\n'), err: c.err.join('\n') }
}

const dir = mkdtempSync(join(tmpdir(), 'hr-policy-it-'))
/** Germany lowers the emergency rate limit from 50 to 20 requests per requester a day. */
function writeDraft (name: string, edit: (manifest: Record<string, unknown>) => void): string {
  const target = join(dir, name, 'DE')
  cpSync(join(BUNDLED_MODULES_DIR, 'DE'), target, { recursive: true })
  const path = join(target, 'module.json')
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  edit(manifest)
  writeFileSync(path, JSON.stringify(manifest, null, 2))
  return target
}
const draft = writeDraft('draft', (m) => { m.version = '2026.12.0'; m.data = { emergencyRequests: 20 } })

const emergencyAt = (n: number): ReturnType<typeof parseReleaseRequest> => parseReleaseRequest({
  requester: { country: 'FR', role: 'physician' }, record: { category: 'patient-summary', custodianCountry: 'DE' },
  purpose: 'emergency', emergency: true, justificationPresent: true, patientUnableToConsent: true, transfers: { requesterEmergencies: n }
})

afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

describe('policy dry-run against a node\'s decision records', () => {
  let server: ServerType
  let url = ''
  let seenAuth = ''
  beforeAll(async () => {
    const engine = createPolicyEngine({ schema: readSchemaText() })
    for (const files of (await readBundledModules()).values()) engine.load(files)
    const records: DecisionRecord[] = [5, 25, 40, 60].map((n) => engine.decide(emergencyAt(n)).record)
    records.push(engine.decide(parseReleaseRequest({ requester: { country: 'US', role: 'physician' }, record: { category: 'lab-result', custodianCountry: 'FR' }, purpose: 'treatment' })).record)
    const app = new Hono()
    app.get('/v1/policies/:code/decisions', (c) => {
      seenAuth = c.req.header('authorization') ?? ''
      if (seenAuth !== 'Bearer regulator-key') return c.json({ error: { name: 'UnauthorizedError', message: 'bad key' } }, 401)
      const code = c.req.param('code')
      return c.json({ decisions: records.filter((r) => r.modules.export.jurisdiction === code || r.modules.import.jurisdiction === code) })
    })
    await new Promise<void>((resolve) => { server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => { url = `http://127.0.0.1:${info.port}`; resolve() }) })
  })
  afterAll(async () => { await new Promise<void>((resolve) => { server.close(() => { resolve() }) }) })

  it('lists the recorded decisions the draft would change, and only those', async () => {
    const r = await cli('policy', 'dry-run', draft, '--node', url, '--api-key', 'regulator-key')
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(seenAuth).toBe('Bearer regulator-key')
    expect(r.out).toMatch(/DE 2026\.12\.0 \(draft\) over 4 recent decisions .*: 4 replayed, 2 would change/)
    expect(r.out).toMatch(/DE→FR patient-summary emergency: allow \[audit, notify-patient\] → deny \(emergency-rate-exceeded\)/)
    expect(r.out.split('\n').filter((l) => l.includes('→ deny'))).toHaveLength(2)
  })

  it('says so when the node refuses the key', async () => {
    const r = await cli('policy', 'dry-run', draft, '--node', url, '--api-key', 'wrong')
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/HTTP 401: bad key/)
  })
})

describe('policy publish to the chain, and a node switching to it', () => {
  let home: LedgerHome
  let chain: Engine
  let client: ChainClient
  let keyFile = ''
  beforeAll(async () => {
    home = writeLedgerHome({ countries: ['DE', 'FR', 'US'], label: 'policy-it' })
    chain = await startLedgerEngine(home)
    client = createChainClient({ rpcUrl: chain.rpcUrl, chainId: home.chainId, broadcastPollIntervalMs: 20 })
    await client.start()
    const reg = home.members.DE!.regulator
    keyFile = join(dir, 'DE-regulator.json')
    writeFileSync(keyFile, JSON.stringify({ address: reg.address, publicKey: Buffer.from(reg.publicKey).toString('hex'), privateKey: Buffer.from(reg.privateKey).toString('hex') }), { mode: 0o600 })
    chmodSync(keyFile, 0o600)
  })
  afterAll(async () => {
    await client.stop()
    await chain.stop()
    home.cleanup()
  })

  it('refuses a module that fails its own tests, and sends nothing', async () => {
    // an empty adequacy list for DE: its own test "DE to JP: adequate" no longer holds
    const failing = writeDraft('failing', (m) => { m.version = '2026.12.9'; m.data = { adequacy: [] } })
    const r = await cli('policy', 'publish', failing, '--key', keyFile, '--rpc', chain.rpcUrl)
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/refused: \d+ of \d+ test cases fail/)
    expect(await client.queries.policy('DE')).toBeUndefined()
  })

  it('publishes; the registry puts it in force within one block; a broken publish is refused', async () => {
    const files = await readBundledModules()
    const metrics = new Registry()
    const refused: string[] = []
    const registry = createPolicyRegistry({ initial: files.values() }, {
      engine: createPolicyEngine({ schema: readSchemaText() }),
      source: { latestPolicies: async () => await client.queries.policies() },
      metrics,
      onLoadFailure: (f) => refused.push(`${f.jurisdiction}@${f.version}:${f.reason}`)
    })
    await registry.start()
    const controller = new AbortController()
    // the height of the block whose notification put the new version in force
    let switchedAt: bigint | undefined
    async function * watched (): AsyncGenerator<Parameters<typeof registry.follow>[0] extends AsyncIterable<infer E> ? E : never> {
      for await (const e of client.events({ signal: controller.signal })) {
        yield e
        if (switchedAt === undefined && e.name === 'NEW_BLOCK' && registry.engine.get('DE')?.version === '2026.12.0') switchedAt = e.height
      }
    }
    const following = registry.follow(watched(), { signal: controller.signal })
    try {
      expect(registry.engine.decide(emergencyAt(30)).decision).toBe('allow')
      const r = await cli('policy', 'publish', draft, '--key', keyFile, '--rpc', chain.rpcUrl)
      expect(r.err).toBe('')
      expect(r.code).toBe(0)
      const m = /published DE 2026\.12\.0 in block (\d+) .*in force from block (\d+)/.exec(r.out)
      expect(m).not.toBeNull()
      const effective = BigInt(m![2]!)
      const onChain = await client.queries.policy('DE')
      expect(onChain).toMatchObject({ jurisdiction: 'DE', version: '2026.12.0', effectiveHeight: effective })

      for (let i = 0; i < 400 && switchedAt === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 25))
      expect(registry.engine.get('DE')?.version).toBe('2026.12.0')
      expect(registry.active().find((a) => a.jurisdiction === 'DE')).toMatchObject({ source: 'chain', effectiveHeight: effective })
      // in force from the very block the chain says it takes effect in (the one after the publish)
      expect(switchedAt).toBe(effective)
      expect(registry.engine.decide(emergencyAt(30)).reasons).toEqual(['emergency-rate-exceeded'])

      // a regulator's broken module sent around the CLI: the chain stores it, the node refuses it
      const signer = await client.signer(await walletOf(home.members.DE!.regulator))
      const broken = readFileSync(join(draft, 'policy.cedar'), 'utf8').replace('retention:3650', 'retention:forever')
      const manifest = JSON.parse(readFileSync(join(draft, 'module.json'), 'utf8')) as Record<string, unknown>
      manifest.version = '2026.12.1'
      await signer.publishPolicy({ jurisdiction: 'DE', version: '2026.12.1', cedar: broken, metadataJson: JSON.stringify({ format: 'healthrelay-module/1', module: manifest }) })
      for (let i = 0; i < 200 && refused.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25))
      expect(refused).toEqual(['DE@2026.12.1:invalid'])
      expect(registry.engine.get('DE')?.version).toBe('2026.12.0')
      expect(await metrics.getSingleMetricAsString('healthrelay_policy_load_failures_total')).toMatch(/jurisdiction="DE",reason="invalid"\} 1/)
    } finally {
      controller.abort()
      await following.catch(() => undefined)
      await registry.stop()
    }
  })
})
