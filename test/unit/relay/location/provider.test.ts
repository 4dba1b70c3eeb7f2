/* eslint-disable @typescript-eslint/require-await -- fakes implement async interfaces without awaiting */
import { afterEach, describe, expect, it } from 'vitest'
import { Registry } from 'prom-client'
import type { CID } from 'multiformats/cid'
import { silentLogger } from '../../../../common/logger.js'
import { createProvider, locationKey, type Provider, type ProviderInit } from '../../../../relay/location/index.js'

function token (n: number): Uint8Array {
  return new Uint8Array(32).fill(n)
}

class FakeRouting {
  provided: string[] = []
  cancelled: string[] = []
  failing = new Set<string>()
  inFlight = 0
  maxInFlight = 0
  async provide (cid: CID, options?: { signal?: AbortSignal }): Promise<void> {
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    try {
      await new Promise((resolve) => setTimeout(resolve, 2))
      options?.signal?.throwIfAborted()
      if (this.failing.has(cid.toString())) throw new Error('no peers')
      this.provided.push(cid.toString())
    } finally {
      this.inFlight--
    }
  }

  async cancelReprovide (cid: CID): Promise<void> {
    this.cancelled.push(cid.toString())
  }
}

const providers: Provider[] = []
afterEach(async () => { await Promise.all(providers.splice(0).map(async (p) => { await p.stop() })) })

function make (held: Uint8Array[], init: ProviderInit = {}): { provider: Provider, routing: FakeRouting, metrics: Registry } {
  const routing = new FakeRouting()
  const metrics = new Registry()
  const provider = createProvider({
    routing,
    held: { heldTokenIds: async function * () { yield * held } },
    logger: silentLogger(),
    metrics
  }, { reprovideOnStart: false, batchPauseMs: 0, ...init })
  providers.push(provider)
  return { provider, routing, metrics }
}

describe('location provider', () => {
  it('provides a record at mint under its location key and counts it', async () => {
    const { provider, routing, metrics } = make([])
    await provider.provide(token(1))
    expect(routing.provided).toEqual([locationKey(token(1)).toString()])
    expect(await metrics.getSingleMetricAsString('healthrelay_location_provide_total')).toContain('reason="mint",result="ok"} 1')
  })

  it('re-provides everything held, in batches of bounded concurrency, and reports progress', async () => {
    const held = Array.from({ length: 25 }, (_, i) => token(i))
    const { provider, routing, metrics } = make(held, { batchSize: 10, concurrency: 3 })
    routing.failing.add(locationKey(token(7)).toString())
    const report = await provider.reprovideAll()
    expect(report).toMatchObject({ total: 25, provided: 24, failed: 1, skipped: 0, aborted: false })
    expect(routing.provided).toHaveLength(24)
    expect(routing.maxInFlight).toBeLessThanOrEqual(3)
    expect(provider.progress).toMatchObject({ running: false, done: 24, failed: 1 })
    const text = await metrics.metrics()
    expect(text).toContain('healthrelay_location_reprovide_runs_total{result="partial"} 1')
    expect(text).toContain('healthrelay_location_reprovide_records{outcome="provided"} 24')
  })

  it('joins a run in progress instead of starting a second one', async () => {
    const { provider, routing } = make(Array.from({ length: 5 }, (_, i) => token(i)))
    const [a, b] = await Promise.all([provider.reprovideAll(), provider.reprovideAll()])
    expect(a).toBe(b)
    expect(routing.provided).toHaveLength(5)
  })

  it('withdraws an erased record and skips it even if the store still lists it', async () => {
    const { provider, routing } = make([token(1), token(2)])
    await provider.withdraw(token(2))
    expect(routing.cancelled).toEqual([locationKey(token(2)).toString()])
    const report = await provider.reprovideAll()
    expect(report).toMatchObject({ total: 2, provided: 1, skipped: 1 })
    expect(routing.provided).toEqual([locationKey(token(1)).toString()])
  })

  it('re-provides at start and on its schedule, and stops cleanly', async () => {
    const { provider, routing } = make([token(1)], { reprovideOnStart: true, initialDelayMs: 0, reprovideIntervalMs: 30 })
    await provider.start()
    for (let i = 0; i < 100 && routing.provided.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(routing.provided.length).toBeGreaterThanOrEqual(2)
    await provider.stop()
    const after = routing.provided.length
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(routing.provided.length).toBe(after)
  })

  it('aborts a run when stopped', async () => {
    const held = Array.from({ length: 50 }, (_, i) => token(i))
    const { provider } = make(held, { batchSize: 5, batchPauseMs: 20 })
    await provider.start()
    const run = provider.reprovideAll()
    await new Promise((resolve) => setTimeout(resolve, 30))
    await provider.stop()
    const report = await run
    expect(report.aborted).toBe(true)
    expect(report.provided).toBeLessThan(50)
  })
})
