import { describe, it, expect } from 'vitest'
import { Registry } from 'prom-client'
import { Writable } from 'node:stream'
import { createLogger } from '../../../common/logger.js'
import { createPolicyRegistry, type PolicySource } from '../../../policies/registry.js'
import { publishedMetadata, type PublishedPolicy } from '../../../policies/published.js'
import { parseReleaseRequest, type ModuleFiles } from '../../../policies/engine/index.js'
import { bundledFiles, engineAt } from './helpers.js'

/** A chain stand-in: the latest published policy per jurisdiction, as the Policies query returns. */
class FakeChain implements PolicySource {
  height = 10n
  readonly latest = new Map<string, PublishedPolicy>()
  reads = 0
  publish (files: ModuleFiles, edit?: (manifest: Record<string, unknown>) => void, cedar?: string): PublishedPolicy {
    const manifest = JSON.parse(files.moduleJson as string) as Record<string, unknown>
    edit?.(manifest)
    const p: PublishedPolicy = {
      jurisdiction: manifest.code as string,
      version: manifest.version as string,
      cedar: cedar ?? files.policy,
      metadataJson: publishedMetadata({ ...files, moduleJson: JSON.stringify(manifest) }),
      effectiveHeight: this.height + 1n
    }
    this.latest.set(p.jurisdiction, p)
    return p
  }

  latestPolicies = (): Promise<readonly PublishedPolicy[]> => { this.reads++; return Promise.resolve([...this.latest.values()]) }
}

function logSink (): { lines: string[], logger: ReturnType<typeof createLogger> } {
  const lines: string[] = []
  const destination = new Writable({ write (chunk: Buffer, _enc, cb) { lines.push(chunk.toString()); cb() } })
  return { lines, logger: createLogger({ level: 'info', destination }) }
}

const toSG = parseReleaseRequest({ requester: { country: 'SG', role: 'physician' }, record: { category: 'patient-summary', custodianCountry: 'DE' }, purpose: 'treatment', grant: { present: true, valid: true, purposes: ['treatment'] } })

describe('PolicyRegistry', () => {
  it('switches within one block of a publish, re-deriving the member states over a new EU', async () => {
    const files = await bundledFiles()
    const chain = new FakeChain()
    const registry = createPolicyRegistry({ initial: files.values() }, { engine: engineAt(), source: chain })
    await registry.start()
    expect(registry.active().find((a) => a.jurisdiction === 'EU')).toEqual({ jurisdiction: 'EU', version: '2026.11.0', source: 'initial' })
    expect(registry.engine.decide(toSG).export.obligations).toEqual(['audit', 'notify-patient'])

    // the EU regulator adds SG to the adequacy list, published in block 10, in force from block 11
    const p = chain.publish(files.get('EU')!, (m) => { m.version = '2026.12.0'; (m.data as { adequacy: string[] }).adequacy.push('SG') })
    registry.onPolicyPublished(p)
    await registry.onBlock(10n)
    expect(registry.engine.get('EU')!.version).toBe('2026.11.0')
    await registry.onBlock(11n)
    expect(registry.engine.get('EU')!.version).toBe('2026.12.0')
    expect(registry.active().find((a) => a.jurisdiction === 'EU')).toMatchObject({ version: '2026.12.0', source: 'chain', effectiveHeight: 11n })
    // DE extends EU: it now decides over the new list
    expect(registry.engine.get('DE')!.lineage[0]).toEqual({ code: 'EU', version: '2026.12.0' })
    expect(registry.engine.decide(toSG).export.obligations).toEqual(['audit'])
    await registry.stop()
  }, 120_000) // compiles every bundled module three times: slow on a shared, loaded machine

  it('a published module that fails to load is ignored with a log line and a metric; the previous version stays', async () => {
    const files = await bundledFiles()
    const chain = new FakeChain()
    const metrics = new Registry()
    const { lines, logger } = logSink()
    const seen: string[] = []
    const registry = createPolicyRegistry({ initial: files.values() }, { engine: engineAt(), source: chain, metrics, logger, onLoadFailure: (f) => seen.push(`${f.jurisdiction}@${f.version}:${f.reason}`) })
    await registry.start()
    const bad = files.get('US')!.policy.replace('@obligation("audit,notify-patient")', '@obligation("audit,fax-the-patient")')
    chain.publish(files.get('US')!, (m) => { m.version = '2026.12.0' }, bad)
    chain.height = 20n
    chain.publish(files.get('CN')!, (m) => { m.version = '2026.12.0' }, files.get('CN')!.policy.replace('forbid (principal, action == Action::"export", resource)\nwhen { resource.category == "genomic" };', 'forbid (principal, action == Action::"export", resource)\nwhen { resource.category == "never" };'))
    await registry.onBlock(30n)
    expect(registry.engine.get('US')!.version).toBe('2026.11.0')
    expect(registry.engine.get('CN')!.version).toBe('2026.11.0')
    expect(seen).toEqual(['CN@2026.12.0:tests', 'US@2026.12.0:invalid'])
    const text = lines.join('')
    expect(text).toMatch(/published policy module US 2026\.12\.0 refused \(invalid\); the previous version stays in force/)
    expect(text).toMatch(/fax-the-patient/)
    const metric = await metrics.getSingleMetricAsString('healthrelay_policy_load_failures_total')
    expect(metric).toMatch(/healthrelay_policy_load_failures_total\{jurisdiction="US",reason="invalid"\} 1/)
    expect(metric).toMatch(/jurisdiction="CN",reason="tests"\} 1/)
    // a refused version is not retried on every block
    await registry.onBlock(31n)
    expect(seen).toHaveLength(2)
    // a corrected version goes in force
    chain.height = 40n
    chain.publish(files.get('US')!, (m) => { m.version = '2026.12.1' })
    await registry.onBlock(41n + 100n)
    expect(registry.engine.get('US')!.version).toBe('2026.12.1')
    await registry.stop()
  })

  it('follows chain events: PolicyPublished, then the block it takes effect in', async () => {
    const files = await bundledFiles()
    const chain = new FakeChain()
    const registry = createPolicyRegistry({ initial: files.values(), refreshEveryBlocks: 1000 }, { engine: engineAt(), source: chain })
    await registry.start()
    const readsAfterStart = chain.reads
    const p = chain.publish(files.get('AU')!, (m) => { m.version = '2026.12.0'; (m.data as { similarLaw: string[] }).similarLaw = ['JP'] })
    async function * events (): AsyncGenerator<Parameters<typeof registry.follow>[0] extends AsyncIterable<infer E> ? E : never> {
      await Promise.resolve()
      yield { name: 'NEW_BLOCK', height: 9n }
      yield { name: 'LEDGER_EVENT', height: 10n, event: { type: 'PolicyPublished', jurisdiction: p.jurisdiction, version: p.version, effectiveHeight: p.effectiveHeight } }
      yield { name: 'NEW_BLOCK', height: 10n }
      yield { name: 'NEW_BLOCK', height: 11n }
      yield { name: 'NEW_BLOCK', height: 12n }
    }
    await registry.follow(events())
    expect(registry.engine.get('AU')!.version).toBe('2026.12.0')
    // it read the chain's policies only when something was due: first block, then block 11
    expect(chain.reads - readsAfterStart).toBe(2)
    await registry.stop()
  })
})
