/* eslint-disable @typescript-eslint/require-await -- fakes implement async interfaces without awaiting */
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../../../common/logger.js'
import { ChainPeerRegistry, type BlockNotifier, type RegisteredNode } from '../../../../relay/p2p/index.js'
import { newPeerId, node } from './fixtures.js'

class Blocks implements BlockNotifier {
  listeners = new Set<(height: bigint) => void>()
  height = 0n
  onNewBlock (listener: (height: bigint) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  emit (): void {
    this.height++
    for (const l of this.listeners) l(this.height)
  }
}

async function until (check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10))
  expect(check()).toBe(true)
}

const registries: ChainPeerRegistry[] = []
afterEach(async () => { await Promise.all(registries.splice(0).map(async (r) => { await r.stop() })) })

function make (listNodes: () => Promise<readonly RegisteredNode[]>, blocks?: Blocks, retryIntervalMs = 20): ChainPeerRegistry {
  const registry = new ChainPeerRegistry({ source: { listNodes }, blocks, logger: silentLogger() }, { retryIntervalMs, refreshTimeoutMs: 200 })
  registries.push(registry)
  return registry
}

describe('ChainPeerRegistry', () => {
  it('loads at start and reloads on every block', async () => {
    const [a, b] = await Promise.all([newPeerId(), newPeerId()])
    let current = [node(a), node(b)]
    const blocks = new Blocks()
    const registry = make(async () => current, blocks)
    await registry.start()
    expect(registry.ready).toBe(true)
    expect(registry.nodes()).toHaveLength(2)
    const removed: string[] = []
    registry.onChange((change) => removed.push(...change.removed.map((n) => n.peerId)))
    current = [node(a)]
    blocks.emit()
    await until(() => removed.length === 1)
    expect(removed).toEqual([b.toString()])
    expect(registry.get(b.toString())).toBeUndefined()
  })

  it('coalesces a burst of blocks into at most one more load', async () => {
    const a = await newPeerId()
    let calls = 0
    let release: (() => void) | undefined
    const blocks = new Blocks()
    const registry = make(async () => {
      calls++
      if (calls === 2) await new Promise<void>((resolve) => { release = resolve })
      return [node(a)]
    }, blocks)
    await registry.start()
    expect(calls).toBe(1)
    for (let i = 0; i < 10; i++) blocks.emit()
    await until(() => release !== undefined)
    release?.()
    await until(() => calls === 3)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(calls).toBe(3)
  })

  it('fails closed when the chain cannot be read, and recovers by itself', async () => {
    const a = await newPeerId()
    let failing = false
    const blocks = new Blocks()
    const registry = make(async () => {
      if (failing) throw new Error('rpc down')
      return [node(a)]
    }, blocks)
    await registry.start()
    expect(registry.get(a.toString())).toBeDefined()
    failing = true
    blocks.emit()
    await until(() => registry.state === 'unavailable')
    expect(registry.nodes()).toEqual([])
    expect(registry.get(a.toString())).toBeUndefined()
    failing = false // the retry timer reloads without waiting for a block
    await until(() => registry.ready)
    expect(registry.get(a.toString())).toBeDefined()
  })

  it('treats a source that never answers as unreadable (time-out)', async () => {
    const registry = make(async () => await new Promise<never>(() => {}), undefined, 60_000)
    await registry.start()
    expect(registry.state).toBe('unavailable')
    expect(registry.nodes()).toEqual([])
  })

  it('stops listening to blocks after stop()', async () => {
    const a = await newPeerId()
    const blocks = new Blocks()
    const registry = make(async () => [node(a)], blocks)
    await registry.start()
    expect(blocks.listeners.size).toBe(1)
    await registry.stop()
    await registry.stop()
    expect(blocks.listeners.size).toBe(0)
  })
})
