import { describe, it, expect, afterEach } from 'vitest'
import { connect, type Socket } from 'node:net'
import { createHash } from 'node:crypto'
import { Request, Response, CheckTxType, ResponseProcessProposal_ProposalStatus, type ResponseCheckTx, type ResponseFinalizeBlock } from 'cosmjs-types/tendermint/abci/types'
import type { DeepPartial } from 'cosmjs-types/helpers'
import type { AbciApplication } from '../../../../chain/app/application.js'
import { createAbciServer, type AbciServer } from '../../../../chain/abci/index.js'
import { FrameDecoder, encodeFrame } from '../../../../chain/abci/framing.js'

/** A tiny counter application: enough to watch ordering and serialisation through the socket. */
function counterApp (): AbciApplication & { committed: number } {
  let pending = 0
  const state = { committed: 0 }
  let hash = new Uint8Array(32)
  return {
    get committed () { return state.committed },
    info: () => ({ data: 'counter', version: '1', appVersion: 1n, lastBlockHeight: BigInt(state.committed), lastBlockAppHash: hash }),
    initChain: () => ({ consensusParams: undefined, validators: [], appHash: hash }),
    checkTx: (req) => ({ code: req.tx.length === 0 ? 1 : 0, data: new Uint8Array(), log: '', info: '', gasWanted: 1n, gasUsed: 1n, events: [], codespace: '' } satisfies ResponseCheckTx),
    prepareProposal: (req) => ({ txs: req.txs }),
    processProposal: () => ({ status: ResponseProcessProposal_ProposalStatus.ACCEPT }),
    finalizeBlock: (req) => {
      pending = req.txs.length
      hash = createHash('sha256').update(hash).update(String(pending)).digest()
      return { events: [], txResults: req.txs.map(() => ({ code: 0, data: new Uint8Array(), log: '', info: '', gasWanted: 0n, gasUsed: 0n, events: [], codespace: '' })), validatorUpdates: [], appHash: hash } satisfies ResponseFinalizeBlock
    },
    commit: () => { state.committed += 1; return { retainHeight: 0n } },
    query: (req) => {
      if (req.path === '/boom') throw new Error('query exploded')
      return { code: 0, log: '', info: '', index: 0n, key: new Uint8Array(), value: new TextEncoder().encode(String(state.committed)), proofOps: undefined, height: BigInt(state.committed), codespace: '' }
    },
    close: () => {}
  }
}

class Conn {
  private readonly decoder = new FrameDecoder()
  private readonly responses: Response[] = []
  private waiters: Array<() => void> = []
  closed = false
  constructor (readonly socket: Socket) {
    socket.on('data', (c: Buffer) => {
      for (const f of this.decoder.push(c)) this.responses.push(Response.decode(f))
      for (const w of this.waiters.splice(0)) w()
    })
    socket.on('close', () => { this.closed = true; for (const w of this.waiters.splice(0)) w() })
  }

  static async open (address: string): Promise<Conn> {
    const m = /^tcp:\/\/(.+):(\d+)$/.exec(address)!
    const socket = connect(Number(m[2]), m[1])
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
    return new Conn(socket)
  }

  /** Writes bytes in random-sized pieces, as TCP may deliver them. */
  async write (bytes: Uint8Array): Promise<void> {
    let at = 0
    while (at < bytes.length) {
      const n = 1 + Math.floor(Math.random() * 17)
      this.socket.write(bytes.subarray(at, at + n))
      at += n
      await new Promise((r) => setImmediate(r))
    }
  }

  async take (n: number): Promise<Response[]> {
    for (let i = 0; i < 200 && this.responses.length < n && !this.closed; i++) {
      await new Promise<void>((resolve) => { this.waiters.push(resolve); setTimeout(resolve, 50) })
    }
    return this.responses.splice(0, n)
  }
}

const frame = (r: DeepPartial<Request>): Uint8Array => encodeFrame(Request.encode(Request.fromPartial(r)).finish())

describe('ABCI socket server', () => {
  let server: AbciServer | undefined
  afterEach(async () => { await server?.stop(); server = undefined })

  it('answers several requests sent before one Flush, in order, each with its own kind', async () => {
    const app = counterApp()
    server = createAbciServer({ listen: 'tcp://127.0.0.1:0' }, { app })
    await server.start()
    const c = await Conn.open(server.address())
    await c.write(Buffer.concat([
      frame({ echo: { message: 'ping' } }),
      frame({ info: { version: '0.38.17', blockVersion: 11n, p2pVersion: 8n, abciVersion: '2.0.0' } }),
      frame({ checkTx: { tx: Uint8Array.of(1), type: CheckTxType.NEW } }),
      frame({ checkTx: { tx: new Uint8Array(), type: CheckTxType.NEW } }),
      frame({ flush: {} })
    ]))
    const rs = await c.take(5)
    expect(rs.map((r) => Object.keys(r).find((k) => r[k as keyof Response] !== undefined))).toEqual(['echo', 'info', 'checkTx', 'checkTx', 'flush'])
    expect(rs[0]!.echo?.message).toBe('ping')
    expect(rs[2]!.checkTx?.code).toBe(0)
    expect(rs[3]!.checkTx?.code).toBe(1)
    c.socket.destroy()
  })

  it('serves the four connections CometBFT opens against one serialised state', async () => {
    const app = counterApp()
    server = createAbciServer({ listen: 'tcp://127.0.0.1:0' }, { app })
    await server.start()
    const [query, snapshot, mempool, consensus] = await Promise.all([0, 1, 2, 3].map(async () => await Conn.open(server!.address())))
    for (let h = 1; h <= 5; h++) {
      await consensus!.write(Buffer.concat([
        frame({ prepareProposal: { txs: [Uint8Array.of(h)], maxTxBytes: 1024n, height: BigInt(h) } }),
        frame({ processProposal: { txs: [Uint8Array.of(h)], height: BigInt(h) } }),
        frame({ finalizeBlock: { txs: [Uint8Array.of(h)], height: BigInt(h) } }),
        frame({ commit: {} }),
        frame({ flush: {} })
      ]))
      const rs = await consensus!.take(5)
      expect(rs[2]!.finalizeBlock?.txResults).toHaveLength(1)
      await mempool!.write(Buffer.concat([frame({ checkTx: { tx: Uint8Array.of(9), type: CheckTxType.RECHECK } }), frame({ flush: {} })]))
      expect((await mempool!.take(2))[0]!.checkTx?.code).toBe(0)
      await query!.write(Buffer.concat([frame({ query: { path: '/height', data: new Uint8Array(), height: 0n, prove: false } }), frame({ flush: {} })]))
      const [q] = await query!.take(2)
      expect(new TextDecoder().decode(q!.query?.value)).toBe(String(h))
    }
    await snapshot!.write(Buffer.concat([frame({ listSnapshots: {} }), frame({ flush: {} })]))
    expect((await snapshot!.take(2))[0]!.listSnapshots?.snapshots).toEqual([])
    expect(app.committed).toBe(5)
    for (const c of [query, snapshot, mempool, consensus]) c!.socket.destroy()
  })

  it('turns an application exception into ResponseException and closes only a connection that sends a bad frame', async () => {
    server = createAbciServer({ listen: 'tcp://127.0.0.1:0', maxFrameBytes: 4096 }, { app: counterApp() })
    await server.start()
    const good = await Conn.open(server.address())
    await good.write(Buffer.concat([frame({ query: { path: '/boom', data: new Uint8Array(), height: 0n, prove: false } }), frame({ flush: {} })]))
    const [ex] = await good.take(2)
    expect(ex!.exception?.error).toMatch(/query exploded/)

    const bad = await Conn.open(server.address())
    bad.socket.write(Uint8Array.of(0xff, 0xff, 0xff, 0x7f)) // a length far above the limit
    await bad.take(1)
    expect(bad.closed).toBe(true)
    const garbage = await Conn.open(server.address())
    garbage.socket.write(Uint8Array.of(3, 0xff, 0xff, 0xff)) // a complete frame that is not protobuf
    await garbage.take(1)
    expect(garbage.closed).toBe(true)

    await good.write(Buffer.concat([frame({ echo: { message: 'still here' } }), frame({ flush: {} })]))
    expect((await good.take(2))[0]!.echo?.message).toBe('still here')
    good.socket.destroy()
  })
})
