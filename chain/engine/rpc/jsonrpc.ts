/**
 * JSON-RPC 2.0 dispatch shared by the HTTP and websocket transports: validates the envelope,
 * runs the method, and maps errors to JSON-RPC error objects without leaking internals.
 */
import type { ComponentLogger } from '../../../common/logger.js'
import { HealthrelayError } from '../../../common/errors.js'
import { InvalidParamsError, InvalidQueryError } from '../errors.js'
import type { Method } from './methods.js'
import { METHOD_PARAMS } from './methods.js'
import { Params } from './params.js'

export type JsonRpcId = string | number | null

export interface JsonRpcError { code: number, message: string, data?: string }

export const PARSE_ERROR = -32700
export const INVALID_REQUEST = -32600
export const METHOD_NOT_FOUND = -32601
export const INVALID_PARAMS = -32602
export const INTERNAL_ERROR = -32603

export function errorResponse (id: JsonRpcId, error: JsonRpcError): Record<string, unknown> {
  return { jsonrpc: '2.0', id, error }
}

export function resultResponse (id: JsonRpcId, result: unknown): Record<string, unknown> {
  return { jsonrpc: '2.0', id, result }
}

/** Maps a thrown error to a JSON-RPC error: ours say what went wrong, anything else is generic. */
export function toJsonRpcError (err: unknown, log: ComponentLogger): JsonRpcError {
  if (err instanceof InvalidParamsError || err instanceof InvalidQueryError) {
    return { code: INVALID_PARAMS, message: 'Invalid params', data: err.message }
  }
  if (err instanceof HealthrelayError && err.expose) return { code: INTERNAL_ERROR, message: 'Internal error', data: err.message }
  log.error({ err }, 'rpc method failed')
  return { code: INTERNAL_ERROR, message: 'Internal error', data: 'internal error' }
}

function validId (id: unknown): id is JsonRpcId {
  return id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))
}

export class JsonRpcDispatcher {
  constructor (private readonly methods: Record<string, Method>, private readonly log: ComponentLogger) {}

  has (method: string): boolean { return Object.hasOwn(this.methods, method) }

  /** Calls a method with already-built params, as a JSON-RPC response object. */
  async call (id: JsonRpcId, method: string, params: () => Params): Promise<Record<string, unknown>> {
    const fn = Object.hasOwn(this.methods, method) ? this.methods[method] : undefined
    if (fn === undefined) return errorResponse(id, { code: METHOD_NOT_FOUND, message: 'Method not found', data: method })
    try {
      return resultResponse(id, await fn(params()))
    } catch (err) {
      return errorResponse(id, toJsonRpcError(err, this.log))
    }
  }

  /** Handles one parsed JSON-RPC request object (not a batch). */
  async handle (req: unknown): Promise<Record<string, unknown>> {
    if (typeof req !== 'object' || req === null || Array.isArray(req)) {
      return errorResponse(null, { code: INVALID_REQUEST, message: 'Invalid Request', data: 'a request must be a JSON object' })
    }
    const r = req as Record<string, unknown>
    const id = validId(r.id) ? r.id : null
    if (r.jsonrpc !== '2.0') return errorResponse(id, { code: INVALID_REQUEST, message: 'Invalid Request', data: 'jsonrpc must be "2.0"' })
    if (typeof r.method !== 'string') return errorResponse(id, { code: INVALID_REQUEST, message: 'Invalid Request', data: 'method must be a string' })
    if (r.id !== undefined && !validId(r.id)) return errorResponse(null, { code: INVALID_REQUEST, message: 'Invalid Request', data: 'id must be a string, a number or null' })
    const method = r.method
    return await this.call(id, method, () => Params.fromJson(r.params, METHOD_PARAMS[method] ?? []))
  }

  /** Handles a request body: a single request or a batch (array). */
  async handleBody (text: string): Promise<unknown> {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (err) {
      return errorResponse(null, { code: PARSE_ERROR, message: 'Parse error', data: (err as Error).message })
    }
    if (Array.isArray(parsed)) {
      if (parsed.length === 0) return errorResponse(null, { code: INVALID_REQUEST, message: 'Invalid Request', data: 'empty batch' })
      if (parsed.length > 100) return errorResponse(null, { code: INVALID_REQUEST, message: 'Invalid Request', data: 'at most 100 requests in a batch' })
      const out: unknown[] = []
      for (const item of parsed) out.push(await this.handle(item))
      return out
    }
    return await this.handle(parsed)
  }
}
