/**
 * A test client that plays CometBFT 0.38's role against an ABCI socket server, as the ABCI 2.0
 * specification describes: four connections (consensus, mempool, query, snapshot), the Info
 * handshake, InitChain from a genesis document, then blocks of PrepareProposal → ProcessProposal →
 * FinalizeBlock → Commit, with CheckTx RECHECK of the remaining mempool after each commit. Requests
 * are written several at a time before one Flush, split at random byte boundaries.
 */
import { connect, type Socket } from 'node:net'
import { createHash } from 'node:crypto'
import {
  Request, Response, CheckTxType, ResponseProcessProposal_ProposalStatus,
  type ResponseFinalizeBlock, type ResponseCheckTx, type ResponseInfo, type ResponseQuery
} from 'cosmjs-types/tendermint/abci/types'
import { FrameDecoder, encodeFrame } from '../../chain/abci/framing.js'

class Connection {
  private readonly decoder = new FrameDecoder()
  private readonly queue: Response[] = []
  private waiter: (() => void) | undefined
  private closed = false

  private constructor (private readonly socket: Socket, private readonly rng: () => number) {
    socket.on('data', (chunk: Buffer) => {
      this.queue.push(...this.decoder.push(chunk).map((f) => Response.decode(f)))
      this.waiter?.()
    })
    socket.on('close', () => { this.closed = true; this.waiter?.() })
  }

  static async open (host: string, port: number, rng: () => number): Promise<Connection> {
    const socket = connect(port, host)
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
    socket.setNoDelay(true)
    return new Connection(socket, rng)
  }

  /** Sends the requests followed by one Flush; resolves with their responses (Flush's dropped). */
  async call (requests: Request[]): Promise<Response[]> {
    const bytes = Buffer.concat([...requests, Request.fromPartial({ flush: {} })].map((r) => encodeFrame(Request.encode(r).finish())))
    let at = 0
    while (at < bytes.length) {
      const n = 1 + Math.floor(this.rng() * 4096)
      this.socket.write(bytes.subarray(at, at + n))
      at += n
    }
    const want = requests.length + 1
    const deadline = Date.now() + 30_000
    while (this.queue.length < want) {
      if (this.closed) throw new Error('ABCI connection closed by the application')
      if (Date.now() > deadline) throw new Error('ABCI application did not answer within 30 s')
      await new Promise<void>((resolve) => { this.waiter = resolve; setTimeout(resolve, 100) })
    }
    const responses = this.queue.splice(0, want)
    const flush = responses.pop()
    if (flush?.flush === undefined) throw new Error('reply out of order: the last response is not a Flush')
    for (const [i, r] of responses.entries()) {
      if (r.exception !== undefined) throw new Error(`ResponseException: ${r.exception.error}`)
      const req = requests[i] ?? {}
      const kind = Object.keys(req).find((k) => req[k as keyof Request] !== undefined)
      if (kind === undefined || r[kind as keyof Response] === undefined) throw new Error(`reply of the wrong kind for ${kind ?? '?'}`)
    }
    return responses
  }

  close (): void { this.socket.destroy() }
}

export interface CometDriverInit {
  host?: string
  port: number
  chainId: string
  /** The genesis document's `app_state` (JSON text). */
  appState: string
  genesisTime?: Date
  initialHeight?: bigint
  /** Deterministic pseudo-random splits. */
  seed?: number
}

export interface BlockOutcome {
  height: bigint
  appHash: Uint8Array
  txResults: ResponseFinalizeBlock['txResults']
  /** Transactions dropped from the mempool by RECHECK after this block's commit. */
  evicted: number
}

export class CometDriver {
  private height = 0n
  private lastAppHash: Uint8Array = new Uint8Array()
  private readonly mempool: Uint8Array[] = []
  private constructor (
    private readonly init: CometDriverInit,
    private readonly consensus: Connection,
    private readonly mempoolConn: Connection,
    private readonly queryConn: Connection,
    private readonly snapshot: Connection
  ) {}

  static async connect (init: CometDriverInit): Promise<CometDriver> {
    let s = init.seed ?? 1
    const rng = (): number => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648 }
    const host = init.host ?? '127.0.0.1'
    const [consensus, mempool, query, snapshot] = await Promise.all([0, 1, 2, 3].map(async () => await Connection.open(host, init.port, rng)))
    return new CometDriver(init, consensus!, mempool!, query!, snapshot!)
  }

  /** Info handshake, then InitChain when the application has no blocks yet. */
  async handshake (): Promise<ResponseInfo> {
    const [res] = await this.queryConn.call([Request.fromPartial({ info: { version: '0.38.17', blockVersion: 11n, p2pVersion: 8n, abciVersion: '2.0.0' } })])
    const info = res!.info!
    this.height = info.lastBlockHeight
    this.lastAppHash = info.lastBlockAppHash
    if (info.lastBlockHeight === 0n) {
      const time = this.init.genesisTime ?? new Date('2026-01-01T00:00:00Z')
      const [ic] = await this.consensus.call([Request.fromPartial({
        initChain: {
          time: { seconds: BigInt(Math.floor(time.getTime() / 1000)), nanos: 0 },
          chainId: this.init.chainId,
          validators: [],
          appStateBytes: new TextEncoder().encode(this.init.appState),
          initialHeight: this.init.initialHeight ?? 1n
        }
      })])
      this.lastAppHash = ic!.initChain!.appHash
    }
    await this.snapshot.call([Request.fromPartial({ listSnapshots: {} })])
    return info
  }

  async checkTx (tx: Uint8Array): Promise<ResponseCheckTx> {
    const [res] = await this.mempoolConn.call([Request.fromPartial({ checkTx: { tx, type: CheckTxType.NEW } })])
    const r = res!.checkTx!
    if (r.code === 0) this.mempool.push(tx)
    return r
  }

  /**
   * CheckTx NEW for many txs, as CometBFT's mempool sends them: several requests, then one Flush
   * (in batches of `batch`). Admitted txs join the mempool in order.
   */
  async checkTxs (txs: readonly Uint8Array[], batch = 256): Promise<ResponseCheckTx[]> {
    const out: ResponseCheckTx[] = []
    for (let i = 0; i < txs.length; i += batch) {
      const part = txs.slice(i, i + batch)
      const responses = await this.mempoolConn.call(part.map((tx) => Request.fromPartial({ checkTx: { tx, type: CheckTxType.NEW } })))
      for (const [j, r] of responses.entries()) {
        const res = r.checkTx!
        if (res.code === 0) this.mempool.push(part[j]!)
        out.push(res)
      }
    }
    return out
  }

  async query (path: string, data: Uint8Array = new Uint8Array()): Promise<ResponseQuery> {
    const [res] = await this.queryConn.call([Request.fromPartial({ query: { path, data, height: 0n, prove: false } })])
    return res!.query!
  }

  /** Proposes the mempool as the next block at `time` and runs it to commit. */
  async block (time: Date, maxTxBytes = 4n * 1024n * 1024n): Promise<BlockOutcome> {
    const height = this.height + 1n
    const ts = { seconds: BigInt(Math.floor(time.getTime() / 1000)), nanos: (time.getTime() % 1000) * 1_000_000 }
    const proposer = createHash('sha256').update('validator').digest().subarray(0, 20)
    const [prep] = await this.consensus.call([Request.fromPartial({
      prepareProposal: { maxTxBytes, txs: [...this.mempool], height, time: ts, proposerAddress: proposer }
    })])
    const txs = prep!.prepareProposal!.txs
    const blockHash = createHash('sha256').update(String(height)).update(Buffer.concat(txs)).digest()
    const [proc, fin] = await this.consensus.call([
      Request.fromPartial({ processProposal: { txs, height, time: ts, hash: blockHash, proposerAddress: proposer } }),
      Request.fromPartial({ finalizeBlock: { txs, height, time: ts, hash: blockHash, proposerAddress: proposer } }),
      Request.fromPartial({ commit: {} })
    ])
    if (proc!.processProposal!.status !== ResponseProcessProposal_ProposalStatus.ACCEPT) throw new Error(`ProcessProposal rejected the block at height ${height}`)
    const included = new Set(txs.map((t) => Buffer.from(t).toString('hex')))
    const rest = this.mempool.filter((t) => !included.has(Buffer.from(t).toString('hex')))
    this.mempool.length = 0
    let evicted = 0
    if (rest.length > 0) {
      const rechecks = await this.mempoolConn.call(rest.map((tx) => Request.fromPartial({ checkTx: { tx, type: CheckTxType.RECHECK } })))
      for (const [i, r] of rechecks.entries()) {
        if (r.checkTx!.code === 0) this.mempool.push(rest[i]!)
        else evicted++
      }
    }
    this.height = height
    this.lastAppHash = fin!.finalizeBlock!.appHash
    return { height, appHash: this.lastAppHash, txResults: fin!.finalizeBlock!.txResults, evicted }
  }

  get appHash (): Uint8Array { return this.lastAppHash }
  get lastHeight (): bigint { return this.height }
  get pendingTxs (): number { return this.mempool.length }

  close (): void {
    for (const c of [this.consensus, this.mempoolConn, this.queryConn, this.snapshot]) c.close()
  }
}
