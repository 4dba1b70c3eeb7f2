/**
 * The engine's own ceiling: the same path (JSON-RPC broadcast_tx_async → mempool → block → block
 * store and tx index → NewBlock over the websocket) with the trivial KV application of the engine's
 * unit tests, in-process, so the figures show what the engine costs apart from the ledger's
 * CheckTx and FinalizeBlock.
 */
import { Comet38Client } from '@cosmjs/tendermint-rpc'
import { createHash } from 'node:crypto'
import { createEngine } from '../../chain/engine/index.js'
import { kvApp } from '../../test/unit/chain/engine/kv-app.js'
import { makeHome } from '../../test/unit/chain/engine/home.js'

export async function engineOnly (txCount: number, blockTimeMs: number): Promise<void> {
  const home = makeHome('bench-engine-1')
  const engine = createEngine({ home: home.dir, rpcListen: '127.0.0.1:0', blockTimeMs }, { createApp: kvApp() })
  await engine.start()
  try {
    const ws = await Comet38Client.connect(engine.rpcUrl.replace('http://', 'ws://'))
    const txs = Array.from({ length: txCount }, (_, i) => Buffer.from(`key${i}=${'v'.repeat(200)}`))
    const hashes = new Set(txs.map((t) => createHash('sha256').update(t).digest('hex')))
    let included = 0
    let blocks = 0
    let lastAt = 0
    const done = new Promise<void>((resolve) => {
      ws.subscribeNewBlock().subscribe({
        next: (b) => {
          let ours = 0
          for (const t of b.txs) if (hashes.has(createHash('sha256').update(t).digest('hex'))) ours++
          if (ours > 0) { included += ours; blocks++; lastAt = performance.now() }
          if (included === txCount) resolve()
        }
      })
    })
    await new Promise((resolve) => setTimeout(resolve, 200))
    const start = performance.now()
    for (let i = 0; i < txs.length; i += 100) {
      const batch = txs.slice(i, i + 100).map((tx, j) => ({ jsonrpc: '2.0', id: i + j, method: 'broadcast_tx_async', params: { tx: tx.toString('base64') } }))
      await (await fetch(engine.rpcUrl, { method: 'POST', body: JSON.stringify(batch) })).json()
    }
    const sent = performance.now()
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 60_000))])
    ws.disconnect()
    const seconds = (lastAt - start) / 1000
    console.log(`engine only (KV app, in-process): ${included}/${txCount} txs of ${txs[0]!.length} bytes committed in ${seconds.toFixed(2)} s over ${blocks} blocks → ${(included / seconds).toFixed(0)} tx/s (sending took ${((sent - start) / 1000).toFixed(2)} s)`)
  } finally {
    await engine.stop()
    home.cleanup()
  }
}
