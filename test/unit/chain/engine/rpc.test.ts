/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument -- these tests read raw JSON-RPC replies, as a non-cosmjs client would */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { Comet38Client } from '@cosmjs/tendermint-rpc'
import WebSocket from 'ws'
import { createEngine, type Engine } from '../../../../chain/engine/index.js'
import { kvApp } from './kv-app.js'
import { makeHome, type TestHome } from './home.js'

const enc = new TextEncoder()
const b64 = (s: string): string => Buffer.from(s).toString('base64')

async function post (url: string, body: string): Promise<{ status: number, json: any }> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
  return { status: res.status, json: await res.json() }
}

async function rpc (url: string, method: string, params: unknown = {}): Promise<any> {
  return (await post(url, JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }))).json
}

describe('engine RPC: query grammar, bad input, URI form, websocket', () => {
  let home: TestHome
  let engine: Engine
  let client: Comet38Client
  let commitHeights: number[]

  beforeAll(async () => {
    home = makeHome()
    engine = createEngine({ home: home.dir, rpcListen: '127.0.0.1:0', blockTimeMs: 40 }, { createApp: kvApp() })
    await engine.start()
    client = await Comet38Client.connect(engine.rpcUrl)
    commitHeights = []
    for (const tx of ['a=x', 'b=xx', 'c=xxx', 'd=xxxx', 'e=hello world']) {
      commitHeights.push((await client.broadcastTxCommit({ tx: enc.encode(tx) })).height)
    }
  })

  afterAll(async () => {
    client?.disconnect()
    await engine?.stop()
    home?.cleanup()
  })

  it('tx_search supports =, <, <=, >, >=, CONTAINS, EXISTS, AND, tx.height, tx.hash, paging and order', async () => {
    const keys = async (query: string, extra: Record<string, unknown> = {}): Promise<string[]> => {
      const r = await rpc(engine.rpcUrl, 'tx_search', { query, ...extra })
      expect(r.error).toBeUndefined()
      return r.result.txs.map((t: any) => Buffer.from(t.tx, 'base64').toString().split('=')[0])
    }
    expect(await keys('kv.len = 2')).toEqual(['b'])
    expect(await keys('kv.len < 3')).toEqual(['a', 'b'])
    expect(await keys('kv.len <= 3')).toEqual(['a', 'b', 'c'])
    expect(await keys('kv.len > 3')).toEqual(['d', 'e'])
    expect(await keys('kv.len >= 4 AND kv.key = \'d\'')).toEqual(['d'])
    expect(await keys("kv.key CONTAINS 'c'")).toEqual(['c'])
    expect(await keys('kv.len EXISTS', { order_by: 'desc' })).toEqual(['e', 'd', 'c', 'b', 'a'])
    expect(await keys(`tx.height = ${commitHeights[2]!}`)).toEqual(['c'])
    expect(await keys(`tx.height >= ${commitHeights[3]!} AND kv.len EXISTS`)).toEqual(['d', 'e'])
    const page2 = await rpc(engine.rpcUrl, 'tx_search', { query: 'kv.len EXISTS', page: '2', per_page: '2' })
    expect(page2.result.total_count).toBe('5')
    expect(page2.result.txs.map((t: any) => Buffer.from(t.tx, 'base64').toString()[0])).toEqual(['c', 'd'])
    const hash = (await client.txSearch({ query: "kv.key='e'" })).txs[0]!.hash
    expect(await keys(`tx.hash = '${Buffer.from(hash).toString('hex').toLowerCase()}'`)).toEqual(['e'])
    // unindexed attributes are not searchable
    expect(await keys("kv.value = 'x'")).toEqual([])
  })

  it('rejects a malformed query, an out-of-range page and OR with Invalid params', async () => {
    for (const query of ['kv.len ==== 3', "kv.key = 'a' OR kv.key = 'b'", "kv.len < 'a'", '', 'tx.hash = 12']) {
      const r = await rpc(engine.rpcUrl, 'tx_search', { query })
      expect(r.error?.code, query).toBe(-32602)
      expect(typeof r.error.data).toBe('string')
    }
    const r = await rpc(engine.rpcUrl, 'tx_search', { query: 'kv.len EXISTS', page: '9' })
    expect(r.error.data).toMatch(/page should be within/)
  })

  it('answers malformed JSON-RPC with JSON-RPC errors and keeps serving', async () => {
    expect((await post(engine.rpcUrl, '{not json')).json.error.code).toBe(-32700)
    expect((await post(engine.rpcUrl, '[]')).json.error.code).toBe(-32600)
    expect((await post(engine.rpcUrl, '"hello"')).json.error.code).toBe(-32600)
    expect((await post(engine.rpcUrl, JSON.stringify({ jsonrpc: '1.0', id: 1, method: 'status' }))).json.error.code).toBe(-32600)
    expect((await rpc(engine.rpcUrl, 'no_such_method')).error.code).toBe(-32601)
    expect((await rpc(engine.rpcUrl, 'block', { height: 'abc' })).error.code).toBe(-32602)
    expect((await rpc(engine.rpcUrl, 'block', { height: '999999' })).error.data).toMatch(/must be less than or equal/)
    expect((await rpc(engine.rpcUrl, 'broadcast_tx_sync', { tx: '%%%' })).error.code).toBe(-32602)
    expect((await rpc(engine.rpcUrl, 'tx', { hash: b64('short') })).error.code).toBe(-32602)
    expect((await rpc(engine.rpcUrl, 'tx', { hash: Buffer.alloc(32, 9).toString('base64') })).error.data).toMatch(/not found/)
    expect((await rpc(engine.rpcUrl, 'abci_query', { path: '/store', data: 'zz' })).error.code).toBe(-32602)
    const batch = (await post(engine.rpcUrl, JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'health' }, { jsonrpc: '2.0', id: 2, method: 'nope' }]))).json
    expect(batch[0].result).toEqual({})
    expect(batch[1].error.code).toBe(-32601)
    expect((await client.status()).syncInfo.latestBlockHeight).toBeGreaterThan(0)
  })

  it('rejects a tx the app refuses, a duplicate, an oversized tx; nothing changes', async () => {
    const bad = await client.broadcastTxSync({ tx: enc.encode('no equals sign') })
    expect(bad.code).toBe(2)
    expect(bad.codespace).toBe('kv')
    const tx = enc.encode('dup=1')
    expect((await client.broadcastTxSync({ tx })).code).toBe(0)
    const dup = await rpc(engine.rpcUrl, 'broadcast_tx_sync', { tx: Buffer.from(tx).toString('base64') })
    expect(dup.error.data).toMatch(/already exists/)
    const big = await rpc(engine.rpcUrl, 'broadcast_tx_sync', { tx: Buffer.alloc(1024 * 1024 + 1, 0x61).toString('base64') })
    expect(big.error.data).toMatch(/too large/)
    const failing = await client.broadcastTxCommit({ tx: enc.encode('fail=1') })
    expect(failing.checkTx.code).toBe(0)
    expect(failing.txResult?.code).toBe(3)
    const found = await client.tx({ hash: failing.hash })
    expect(found.result.code).toBe(3)
  })

  it('serves the GET URI form', async () => {
    const status = await (await fetch(`${engine.rpcUrl}/status`)).json() as any
    expect(status.result.node_info.network).toBe('kv-test-1')
    const block = await (await fetch(`${engine.rpcUrl}/block?height=${commitHeights[0]!}`)).json() as any
    expect(block.result.block.header.height).toBe(String(commitHeights[0]))
    const search = await (await fetch(`${engine.rpcUrl}/tx_search?query=${encodeURIComponent('"kv.key=\'a\'"')}`)).json() as any
    expect(search.result.total_count).toBe('1')
    const hash = search.result.txs[0].hash
    const tx = await (await fetch(`${engine.rpcUrl}/tx?hash=0x${hash}`)).json() as any
    expect(tx.result.hash).toBe(hash)
    const q = await (await fetch(`${engine.rpcUrl}/abci_query?path="/store"&data=0x${Buffer.from('a').toString('hex')}`)).json() as any
    expect(Buffer.from(q.result.response.value, 'base64').toString()).toBe('x')
    const sent = await (await fetch(`${engine.rpcUrl}/broadcast_tx_sync?tx="uri=1"`)).json() as any
    expect(sent.result.code).toBe(0)
  })

  it('delivers NewBlock and filtered Tx events to cosmjs websocket subscribers', async () => {
    const ws = await Comet38Client.connect(engine.rpcUrl.replace('http://', 'ws://'))
    try {
      const blocks: number[] = []
      const txs: string[] = []
      const subBlocks = ws.subscribeNewBlock().subscribe({ next: (b) => { blocks.push(b.header.height) } })
      const subTx = ws.subscribeTx("kv.key='watched'").subscribe({ next: (t) => { txs.push(Buffer.from(t.tx).toString()) } })
      await new Promise((resolve) => setTimeout(resolve, 100))
      await client.broadcastTxCommit({ tx: enc.encode('other=1') })
      const sent = await client.broadcastTxCommit({ tx: enc.encode('watched=yes') })
      for (let i = 0; i < 50 && txs.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20))
      expect(txs).toEqual(['watched=yes'])
      expect(blocks.length).toBeGreaterThan(0)
      expect(blocks).toContain(sent.height)
      subBlocks.unsubscribe()
      subTx.unsubscribe()
    } finally {
      ws.disconnect()
    }
  })

  it('answers bad websocket requests with errors and keeps the socket open', async () => {
    const url = engine.rpcUrl.replace('http://', 'ws://') + '/websocket'
    const ws = new WebSocket(url)
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
    const replies: any[] = []
    ws.on('message', (d: Buffer) => { replies.push(JSON.parse(d.toString('utf8'))) })
    ws.send('{bad')
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'subscribe', params: { query: 'tm.event = ' } }))
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'status', params: {} }))
    for (let i = 0; i < 50 && replies.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(replies.find((r) => r.error?.code === -32700)).toBeDefined()
    expect(replies.find((r) => r.id === 7)?.error.code).toBe(-32602)
    expect(replies.find((r) => r.id === 8)?.result.node_info.network).toBe('kv-test-1')
    ws.close()
  })
})
