import { describe, expect, it } from 'vitest'
import { StaticPeerRegistry, validateRegisteredNode, type RegistryChange } from '../../../../relay/p2p/index.js'
import { newPeerId, node } from './fixtures.js'

describe('StaticPeerRegistry', () => {
  it('denies everything until it has loaded', async () => {
    const id = await newPeerId()
    const registry = new StaticPeerRegistry()
    expect(registry.state).toBe('loading')
    expect(registry.ready).toBe(false)
    expect(registry.nodes()).toEqual([])
    expect(registry.get(id.toString())).toBeUndefined()
    registry.set([node(id)])
    expect(registry.ready).toBe(true)
    expect(registry.get(id.toString())?.country).toBe('DE')
  })

  it('reports who was added, removed and updated', async () => {
    const [a, b, c] = await Promise.all([newPeerId(), newPeerId(), newPeerId()])
    const registry = new StaticPeerRegistry([node(a), node(b)])
    const changes: RegistryChange[] = []
    registry.onChange((change) => changes.push(change))
    registry.set([node(a, 'DE', 'custodian', 5000), node(c, 'FR')])
    expect(changes).toHaveLength(1)
    expect(changes[0]?.added.map((n) => n.peerId)).toEqual([c.toString()])
    expect(changes[0]?.removed.map((n) => n.peerId)).toEqual([b.toString()])
    expect(changes[0]?.updated.map((n) => n.peerId)).toEqual([a.toString()])
    expect(registry.byCountry('FR').map((n) => n.peerId)).toEqual([c.toString()])
    registry.set([node(a, 'DE', 'custodian', 5000), node(c, 'FR')])
    expect(changes).toHaveLength(1) // nothing changed, nobody told
  })

  it('fails closed when marked unavailable and tells its listeners', async () => {
    const id = await newPeerId()
    const registry = new StaticPeerRegistry([node(id)])
    const states: string[] = []
    registry.onChange((change) => states.push(change.state))
    registry.markUnavailable()
    expect(states).toEqual(['unavailable'])
    expect(registry.nodes()).toEqual([])
    expect(registry.get(id.toString())).toBeUndefined()
    registry.set([node(id)])
    expect(states).toEqual(['unavailable', 'ready'])
  })

  it('drops invalid entries and keeps the valid ones', async () => {
    const [good, other] = await Promise.all([newPeerId(), newPeerId()])
    const registry = new StaticPeerRegistry()
    registry.set([
      node(good),
      { ...node(other), country: 'de' },
      { ...node(other), peerId: 'not-a-peer-id' },
      { ...node(other), role: 'validator' as 'custodian' },
      { ...node(other), ed25519PublicKey: new Uint8Array(31) },
      { ...node(other), multiaddrs: ['not a multiaddr'] },
      { ...node(other), multiaddrs: [`/ip4/127.0.0.1/tcp/1/p2p/${good.toString()}`] }
    ])
    expect(registry.nodes().map((n) => n.peerId)).toEqual([good.toString()])
    expect(registry.invalid).toHaveLength(6)
    for (const bad of registry.invalid) expect(bad.error.name).toBe('InvalidRegisteredNodeError')
  })

  it('normalises a registered node', async () => {
    const id = await newPeerId()
    const valid = validateRegisteredNode({ ...node(id), multiaddrs: [`/ip4/10.0.0.1/tcp/4001/p2p/${id.toString()}`] })
    expect(valid.multiaddrs).toEqual([`/ip4/10.0.0.1/tcp/4001/p2p/${id.toString()}`])
    expect(Object.isFrozen(valid)).toBe(true)
  })
})
