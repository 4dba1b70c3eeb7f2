/**
 * The RPC listener: JSON-RPC over HTTP POST, CometBFT's GET-URI form (`/block?height=5`), and
 * JSON-RPC over a websocket at `/websocket` with `subscribe`, `unsubscribe` and
 * `unsubscribe_all`. Bounded: request bodies, websocket messages, clients and subscriptions per
 * client; a subscriber that cannot keep up is disconnected, as CometBFT does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import type { ComponentLogger } from '../../../common/logger.js'
import { matchEvents, parseQuery, type Query } from '../query.js'
import type { PublishedEvent } from './events.js'
import {
  INVALID_PARAMS, INVALID_REQUEST, PARSE_ERROR, errorResponse, resultResponse, toJsonRpcError, type JsonRpcDispatcher, type JsonRpcId
} from './jsonrpc.js'
import { Params } from './params.js'

export const MAX_BODY_BYTES = 8 * 1024 * 1024
export const MAX_WS_CLIENTS = 100
export const MAX_SUBSCRIPTIONS_PER_CLIENT = 20
/** A subscriber whose unsent data exceeds this is disconnected. */
export const MAX_WS_BUFFERED_BYTES = 32 * 1024 * 1024

interface Subscription { readonly id: JsonRpcId, readonly query: Query }

export interface RpcServer {
  /** Listens on host:port (port 0 picks a free port); resolves to the bound address. */
  listen: (host: string, port: number) => Promise<AddressInfo>
  /** Sends an event to every subscription whose query it matches. */
  publish: (event: PublishedEvent) => void
  /** Whether any subscription may match events of `tm.event` = `kind` (events are built only then). */
  wants: (kind: 'NewBlock' | 'Tx') => boolean
  close: () => Promise<void>
}

function parseUriPath (url: URL): string {
  return url.pathname.replace(/^\/+/, '').replace(/\/+$/, '')
}

export function createRpcServer (dispatcher: JsonRpcDispatcher, log: ComponentLogger): RpcServer {
  const clients = new Map<WebSocket, Map<string, Subscription>>()

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    let text: string
    try {
      text = JSON.stringify(body)
    } catch (err) {
      log.error({ err }, 'rpc reply could not be serialised')
      text = JSON.stringify(errorResponse(null, { code: -32603, message: 'Internal error', data: 'internal error' }))
      status = 500
    }
    if (res.headersSent || res.destroyed) return
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    res.end(text)
  }

  const onHttp = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (req.method === 'GET') {
      const method = parseUriPath(url)
      if (method === '') {
        send(res, 200, { jsonrpc: '2.0', id: -1, result: { methods: Object.keys(METHODS_LIST(dispatcher)) } })
        return
      }
      dispatcher.call(-1, method, () => Params.fromUri(url.searchParams))
        .then((body) => { send(res, 200, body) })
        .catch((err: unknown) => { send(res, 500, errorResponse(-1, toJsonRpcError(err, log))) })
      return
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'GET, POST' }).end()
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        tooLarge = true
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('error', () => { /* the client went away */ })
    req.on('end', () => {
      if (tooLarge) return
      dispatcher.handleBody(Buffer.concat(chunks).toString('utf8'))
        .then((body) => { send(res, 200, body) })
        .catch((err: unknown) => { send(res, 500, errorResponse(null, toJsonRpcError(err, log))) })
    })
    req.on('close', () => {
      if (tooLarge && !res.headersSent) send(res, 413, errorResponse(null, { code: INVALID_REQUEST, message: 'Invalid Request', data: `body larger than ${MAX_BODY_BYTES} bytes` }))
    })
  }

  const server: Server = createServer(onHttp)
  server.keepAliveTimeout = 65_000
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES })

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname !== '/websocket' || clients.size >= MAX_WS_CLIENTS) {
      socket.end('HTTP/1.1 ' + (url.pathname !== '/websocket' ? '404 Not Found' : '503 Service Unavailable') + '\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => { onSocket(ws) })
  })

  const wsSend = (ws: WebSocket, body: unknown): void => {
    if (ws.readyState === ws.OPEN) ws.send(typeof body === 'string' ? body : JSON.stringify(body))
  }

  const onWsRequest = async (ws: WebSocket, subs: Map<string, Subscription>, req: unknown): Promise<unknown> => {
    if (typeof req !== 'object' || req === null || Array.isArray(req)) return await dispatcher.handle(req)
    const r = req as Record<string, unknown>
    const id = (typeof r.id === 'string' || typeof r.id === 'number') ? r.id : null
    const params = (typeof r.params === 'object' && r.params !== null ? r.params : {}) as Record<string, unknown>
    switch (r.method) {
      case 'subscribe': {
        try {
          const text = Array.isArray(r.params) ? r.params[0] as unknown : params.query
          if (typeof text !== 'string') return errorResponse(id, { code: INVALID_PARAMS, message: 'Invalid params', data: 'query is required' })
          const query = parseQuery(text)
          if (subs.has(text)) return errorResponse(id, { code: INVALID_PARAMS, message: 'Invalid params', data: 'already subscribed' })
          if (subs.size >= MAX_SUBSCRIPTIONS_PER_CLIENT) {
            return errorResponse(id, { code: INVALID_PARAMS, message: 'Invalid params', data: `max_subscriptions_per_client ${MAX_SUBSCRIPTIONS_PER_CLIENT} reached` })
          }
          subs.set(text, { id, query })
          return resultResponse(id, {})
        } catch (err) {
          return errorResponse(id, toJsonRpcError(err, log))
        }
      }
      case 'unsubscribe': {
        const text = Array.isArray(r.params) ? r.params[0] as unknown : params.query
        if (typeof text !== 'string' || !subs.delete(text)) return errorResponse(id, { code: INVALID_PARAMS, message: 'Invalid params', data: 'subscription not found' })
        return resultResponse(id, {})
      }
      case 'unsubscribe_all':
        subs.clear()
        return resultResponse(id, {})
      default:
        return await dispatcher.handle(req)
    }
  }

  const onSocket = (ws: WebSocket): void => {
    const subs = new Map<string, Subscription>()
    clients.set(ws, subs)
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? Buffer.from(data as Buffer).toString('utf8') : (data as Buffer).toString('utf8')
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch (err) {
        wsSend(ws, errorResponse(null, { code: PARSE_ERROR, message: 'Parse error', data: (err as Error).message }))
        return
      }
      onWsRequest(ws, subs, parsed)
        .then((body) => { wsSend(ws, body) })
        .catch((err: unknown) => { log.warn({ err }, 'websocket request failed') })
    })
    ws.on('close', () => { clients.delete(ws) })
    ws.on('error', () => { clients.delete(ws) })
  }

  return {
    listen: async (host, port) => {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => { server.off('error', reject); resolve() })
      })
      return server.address() as AddressInfo
    },

    publish: (event) => {
      for (const [ws, subs] of clients) {
        if (ws.bufferedAmount > MAX_WS_BUFFERED_BYTES) {
          log.warn('disconnecting a websocket subscriber that does not keep up')
          ws.terminate()
          clients.delete(ws)
          continue
        }
        for (const [text, sub] of subs) {
          if (!matchEvents(sub.query, event.events)) continue
          wsSend(ws, `{"jsonrpc":"2.0","id":${JSON.stringify(sub.id)},"result":{"query":${JSON.stringify(text)},"data":${event.dataJson},"events":${event.eventsJson}}}`)
        }
      }
    },

    wants: (kind) => {
      for (const subs of clients.values()) {
        for (const sub of subs.values()) {
          const excluded = sub.query.conditions.some((c) => c.key === 'tm.event' && c.op === '=' && c.operand?.kind === 'string' && c.operand.value !== kind)
          if (!excluded) return true
        }
      }
      return false
    },

    close: async () => {
      for (const ws of clients.keys()) ws.terminate()
      clients.clear()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    }
  }
}

function METHODS_LIST (dispatcher: JsonRpcDispatcher): Record<string, true> {
  const names = ['abci_info', 'abci_query', 'block', 'block_results', 'blockchain', 'broadcast_tx_async', 'broadcast_tx_commit',
    'broadcast_tx_sync', 'commit', 'genesis', 'health', 'num_unconfirmed_txs', 'status', 'subscribe', 'tx', 'tx_search',
    'unconfirmed_txs', 'unsubscribe', 'unsubscribe_all', 'validators']
  return Object.fromEntries(names.filter((n) => dispatcher.has(n) || n.includes('subscribe')).map((n) => [n, true]))
}
