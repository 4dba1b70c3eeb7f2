import { describe, it, expect } from 'vitest'
import { writeFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { Comet38Client } from '@cosmjs/tendermint-rpc'
import { createEngine, GenesisMissingError, GenesisInvalidError, parseQuery, matchEvents } from '../../../../chain/engine/index.js'
import { kvApp } from './kv-app.js'
import { makeHome } from './home.js'

const enc = new TextEncoder()

describe('engine lifecycle', () => {
  it('resumes after a stop with the same blocks, txs and app hash, and keeps going', async () => {
    const home = makeHome()
    try {
      const first = createEngine({ home: home.dir, rpcListen: '127.0.0.1:0', blockTimeMs: 30 }, { createApp: kvApp() })
      await first.start()
      await first.start() // twice is harmless
      let c = await Comet38Client.connect(first.rpcUrl)
      const sent = await c.broadcastTxCommit({ tx: enc.encode('persist=1') })
      const before = await c.block(sent.height)
      const statusBefore = await c.status()
      c.disconnect()
      await first.stop()
      await first.stop()

      const second = createEngine({ home: home.dir, rpcListen: '127.0.0.1:0', blockTimeMs: 30 }, { createApp: kvApp() })
      await second.start()
      c = await Comet38Client.connect(second.rpcUrl)
      const after = await c.block(sent.height)
      expect(after.blockId.hash).toEqual(before.blockId.hash)
      expect((await c.tx({ hash: sent.hash })).height).toBe(sent.height)
      const next = await c.broadcastTxCommit({ tx: enc.encode('persist=2') })
      expect(next.height).toBeGreaterThan(statusBefore.syncInfo.latestBlockHeight)
      // the chain continues from the stored last block: the block after the restart links to it
      const linked = await c.block(statusBefore.syncInfo.latestBlockHeight + 1)
      expect(linked.block.header.lastBlockId?.hash).toEqual((await c.block(statusBefore.syncInfo.latestBlockHeight)).blockId.hash)
      expect(linked.block.header.time.getTime()).toBeGreaterThan((await c.block(statusBefore.syncInfo.latestBlockHeight)).block.header.time.getTime())
      c.disconnect()
      await second.stop()
    } finally {
      home.cleanup()
    }
  })

  it('halts cleanly at the upgrade height: reads keep working, broadcasts are refused', async () => {
    const home = makeHome()
    try {
      const engine = createEngine({ home: home.dir, rpcListen: '127.0.0.1:0', blockTimeMs: 20 }, { createApp: kvApp({ upgradeHeight: 4n }) })
      const halted = new Promise((resolve) => engine.onHalt(resolve))
      await engine.start()
      await halted
      expect(engine.halted?.upgrade).toBe(true)
      expect(engine.height()).toBe(3n)
      const c = await Comet38Client.connect(engine.rpcUrl)
      expect((await c.status()).syncInfo.latestBlockHeight).toBe(3)
      await expect(c.broadcastTxSync({ tx: enc.encode('late=1') })).rejects.toThrow(/halted/)
      c.disconnect()
      await engine.stop()
    } finally {
      home.cleanup()
    }
  })

  it('refuses to start without genesis.json, naming `healthrelay chain init`', () => {
    const home = makeHome()
    rmSync(join(home.dir, 'genesis.json'))
    expect(() => createEngine({ home: home.dir }, { createApp: kvApp() })).toThrow(GenesisMissingError)
    expect(() => createEngine({ home: home.dir }, { createApp: kvApp() })).toThrow(/healthrelay chain init/)
    writeFileSync(join(home.dir, 'genesis.json'), '{"chain_id": 5}')
    expect(() => createEngine({ home: home.dir }, { createApp: kvApp() })).toThrow(GenesisInvalidError)
    home.cleanup()
  })

  it('bounds the mempool and produces a block early when it holds enough txs', async () => {
    const home = makeHome()
    try {
      const engine = createEngine({
        home: home.dir, rpcListen: '127.0.0.1:0', blockTimeMs: 60_000, blockTxThreshold: 5, mempool: { maxTxs: 8 }
      }, { createApp: kvApp() })
      await engine.start()
      const c = await Comet38Client.connect(engine.rpcUrl)
      const h0 = engine.height()
      for (let i = 0; i < 4; i++) expect((await c.broadcastTxSync({ tx: enc.encode(`k${i}=v`) })).code).toBe(0)
      expect((await c.numUnconfirmedTxs()).total).toBe(4)
      expect(engine.height()).toBe(h0)
      await c.broadcastTxSync({ tx: enc.encode('k4=v') })
      for (let i = 0; i < 50 && engine.height() === h0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
      expect(engine.height()).toBe(h0 + 1n)
      expect((await c.numUnconfirmedTxs()).total).toBe(0)
      c.disconnect()
      await engine.stop()

      const small = createEngine({ home: home.dir, rpcListen: '127.0.0.1:0', blockTimeMs: 60_000, mempool: { maxTxs: 3 } }, { createApp: kvApp() })
      await small.start()
      const c2 = await Comet38Client.connect(small.rpcUrl)
      for (let i = 0; i < 3; i++) expect((await c2.broadcastTxSync({ tx: enc.encode(`m${i}=v`) })).code).toBe(0)
      await expect(c2.broadcastTxSync({ tx: enc.encode('m3=v') })).rejects.toThrow(/mempool is full/)
      expect((await c2.numUnconfirmedTxs()).total).toBe(3)
      c2.disconnect()
      await small.stop()
    } finally {
      home.cleanup()
    }
  })
})

describe('query grammar', () => {
  it('matches event maps as CometBFT subscriptions do', () => {
    const events = new Map([['tm.event', ['Tx']], ['transfer.amount', ['5', '12']], ['a.b', ['hello world']]])
    expect(matchEvents(parseQuery("tm.event='Tx' AND transfer.amount > 10"), events)).toBe(true)
    expect(matchEvents(parseQuery("tm.event='Tx' AND transfer.amount > 12"), events)).toBe(false)
    expect(matchEvents(parseQuery("a.b CONTAINS 'lo wo'"), events)).toBe(true)
    expect(matchEvents(parseQuery('a.c EXISTS'), events)).toBe(false)
    expect(matchEvents(parseQuery('transfer.amount = 5.0'), events)).toBe(true)
    expect(matchEvents(parseQuery('transfer.amount >= -1.5'), events)).toBe(true)
    expect(parseQuery('block.time > TIME 2024-01-01T00:00:00Z').conditions[0]!.operand?.kind).toBe('time')
    expect(parseQuery('block.day <= DATE 2024-01-01').conditions[0]!.operand?.kind).toBe('time')
  })
})
