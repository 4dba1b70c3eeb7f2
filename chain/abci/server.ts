/**
 * ABCI 2.0 socket server for CometBFT 0.38. CometBFT opens four connections (query, snapshot,
 * mempool, consensus); each carries length-prefixed `Request`s and expects one `Response` of the
 * matching kind per request, in order. Requests are answered as soon as they are read (CometBFT's
 * Flush then finds nothing left to flush); the responses to all frames of one TCP chunk are written
 * together. A malformed frame closes that connection with a logged error; the server keeps running.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { Request, Response } from 'cosmjs-types/tendermint/abci/types'
import type { ComponentLogger } from '../../common/logger.js'
import { silentLogger } from '../../common/logger.js'
import type { AbciApplication } from '../app/application.js'
import { FrameDecoder, encodeFrame, DEFAULT_MAX_FRAME_BYTES } from './framing.js'
import { dispatch, requestKind } from './dispatch.js'
import { AbciFrameError } from './errors.js'

import { DEFAULT_ABCI_LISTEN } from '../defaults.js'

export { DEFAULT_ABCI_LISTEN }

export interface AbciServerInit {
  /** `tcp://host:port` (port 0 picks a free one) or `unix:///path/to.sock`. */
  listen?: string
  maxFrameBytes?: number
}

export interface AbciServerComponents {
  app: AbciApplication
  logger?: ComponentLogger
}

export interface AbciServer {
  start: () => Promise<void>
  stop: () => Promise<void>
  /** The address actually listened on (`tcp://host:port` or `unix://path`), once started. */
  address: () => string
  /** Requests answered so far, by kind. */
  counts: () => Readonly<Record<string, number>>
}

export function parseListen (listen: string): { host: string, port: number } | { path: string } {
  if (listen.startsWith('unix://')) return { path: listen.slice('unix://'.length) }
  const m = /^(?:tcp:\/\/)?\[?([^\]]*?)\]?:(\d{1,5})$/.exec(listen)
  if (m === null) throw new AbciFrameError(`invalid ABCI listen address ${JSON.stringify(listen)}: expected tcp://host:port or unix:///path`)
  return { host: m[1] ?? '127.0.0.1', port: Number(m[2]) }
}

export function createAbciServer (init: AbciServerInit, components: AbciServerComponents): AbciServer {
  const log = (components.logger ?? silentLogger()).forComponent('chain:abci')
  const listen = init.listen ?? DEFAULT_ABCI_LISTEN
  const maxFrameBytes = init.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES
  const sockets = new Set<Socket>()
  const counts: Record<string, number> = {}
  let server: Server | undefined
  let bound = listen

  function onConnection (socket: Socket): void {
    sockets.add(socket)
    const decoder = new FrameDecoder(maxFrameBytes)
    const peer = `${socket.remoteAddress ?? 'local'}:${socket.remotePort ?? ''}`
    log.debug({ peer }, 'connection opened')
    socket.on('data', (chunk: Buffer) => {
      let out: Uint8Array[]
      try {
        out = decoder.push(chunk).map((frame) => {
          const req = Request.decode(frame)
          const kind = requestKind(req) ?? 'empty'
          counts[kind] = (counts[kind] ?? 0) + 1
          const res = dispatch(components.app, req)
          if (res.exception !== undefined) log.error({ kind, error: res.exception.error }, 'application raised an exception')
          return encodeFrame(Response.encode(res).finish())
        })
      } catch (err) {
        log.error({ peer, err: err instanceof Error ? err.message : String(err) }, 'malformed ABCI frame; closing the connection')
        socket.destroy()
        return
      }
      if (out.length > 0) socket.write(Buffer.concat(out))
    })
    socket.on('error', (err) => { log.warn({ peer, err: err.message }, 'connection error') })
    socket.on('close', () => { sockets.delete(socket); log.debug({ peer }, 'connection closed') })
  }

  return {
    async start () {
      if (server !== undefined) return
      const target = parseListen(listen)
      const s = createServer(onConnection)
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject)
        if ('path' in target) s.listen(target.path, resolve)
        else s.listen(target.port, target.host, resolve)
      })
      server = s
      const addr = s.address()
      bound = typeof addr === 'string' ? `unix://${addr}` : addr === null ? listen : `tcp://${addr.address}:${addr.port}`
      log.info({ listen: bound }, 'ABCI server listening')
    },
    async stop () {
      const s = server
      if (s === undefined) return
      server = undefined
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => s.close(() => { resolve() }))
      log.info('ABCI server stopped')
    },
    address: () => bound,
    counts: () => ({ ...counts })
  }
}
