/**
 * The requester side (the doctor's node). It never holds the doctor's key: it carries requests
 * the doctor signed, to the peer they name, and streams the answer back frame by frame.
 *
 * A retrieval names its custodian peer inside the signed payload, so a retry from another
 * provider needs a new signature: on failure the typed error lists the other providers of the
 * custodian country (`alternatives`), and `holders()` gives them in the order to try.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { PeerId, Stream } from '@libp2p/interface'
import type { ComponentLogger } from '../../common/logger.js'
import { HealthrelayError } from '../../common/errors.js'
import { MalformedRequestError } from '../errors.js'
import {
  RELAY_PROTOCOL, decodeDiscoverQuery, decodeResponseFrame, decodeRetrieveRequestPayload, readDiscoverResponse,
  readFrameParts, isSegmentFrame, requestFrameBytes, type DiscoverResult, type SignedRequest
} from '../protocol/index.js'
import { dialableAddresses } from '../p2p/bootstrap.js'
import type { PeerRegistry } from '../p2p/registry.js'
import type { Resolver } from '../location/resolver.js'
import type { RelayClient, RelayService } from './api.js'
import { CustodianStreamError, CustodianUnreachableError, NoDiscoveryPeerError, StreamTimeoutError } from './errors.js'
import { timeoutSignal } from '../../common/abort.js'

export const DEFAULT_DIAL_TIMEOUT_MS = 5_000
/** Longest silence between two response frames before the custodian counts as failed. */
export const DEFAULT_FRAME_TIMEOUT_MS = 30_000
export const DEFAULT_DISCOVER_TIMEOUT_MS = 15_000

export interface RelayClientInit {
  dialTimeoutMs?: number
  frameTimeoutMs?: number
  discoverTimeoutMs?: number
}

export interface RelayClientComponents {
  network: {
    readonly peerId: PeerId
    dialProtocol: (target: PeerId | Multiaddr[], protocol: string, options?: { signal?: AbortSignal, negotiateFully?: boolean }) => Promise<Stream>
    /** Open connections to a peer (libp2p's): with one open, a retrieval opens its stream on it by peer id. */
    getConnections?: (peerId?: PeerId) => ReadonlyArray<{ readonly status: string }>
  }
  registry: Pick<PeerRegistry, 'get' | 'byCountry'>
  resolver: Pick<Resolver, 'findHolders'>
  /** This node's own service, for requests whose custodian (or discovery target) is this node. */
  local?: Pick<RelayService, 'retrieveLocal' | 'discoverLocal'>
  logger: ComponentLogger
}

function decodeRetrieve (request: SignedRequest): { tokenId: Uint8Array, custodianPeerId: string } {
  try {
    return decodeRetrieveRequestPayload(request.payload)
  } catch (err) {
    throw new MalformedRequestError(`not a retrieve request payload: ${(err as Error).message}`)
  }
}

class Client implements RelayClient {
  readonly #c: RelayClientComponents
  readonly #log: ComponentLogger
  readonly #dialTimeout: number
  readonly #frameTimeout: number
  readonly #discoverTimeout: number

  constructor (init: RelayClientInit, components: RelayClientComponents) {
    this.#c = components
    this.#log = components.logger.forComponent('relay:client')
    this.#dialTimeout = init.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS
    this.#frameTimeout = init.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS
    this.#discoverTimeout = init.discoverTimeoutMs ?? DEFAULT_DISCOVER_TIMEOUT_MS
  }

  get #self (): string { return this.#c.network.peerId.toString() }

  async holders (tokenId: Uint8Array, options: { signal?: AbortSignal, exclude?: Iterable<string> } = {}): Promise<string[]> {
    const exclude = new Set(options.exclude ?? [])
    const found = await this.#c.resolver.findHolders(tokenId, { ...(options.signal === undefined ? {} : { signal: options.signal }), fresh: exclude.size > 0 })
    const out: string[] = []
    for (const p of found) if (!exclude.has(p.peerId) && !out.includes(p.peerId)) out.push(p.peerId)
    return out
  }

  discoveryPeers (country: string): string[] {
    return this.#c.registry.byCountry(country).map((n) => n.peerId)
  }

  async #alternatives (tokenId: Uint8Array, failed: string): Promise<string[]> {
    try {
      return await this.holders(tokenId, { exclude: [failed], signal: timeoutSignal(this.#dialTimeout) })
    } catch {
      return []
    }
  }

  /** Parsed peer ids of the custodians dialled (parsing one per retrieval shows in profiles). */
  readonly #peerIds = new Map<string, PeerId>()

  #peerIdOf (peerId: string): PeerId {
    let id = this.#peerIds.get(peerId)
    if (id === undefined) {
      id = peerIdFromString(peerId)
      if (this.#peerIds.size >= 1024) this.#peerIds.clear()
      this.#peerIds.set(peerId, id)
    }
    return id
  }

  async #dial (peerId: string, signal?: AbortSignal): Promise<Stream> {
    const node = this.#c.registry.get(peerId)
    if (node === undefined) throw new Error(`peer ${peerId} is not registered`)
    const dialSignal = AbortSignal.any([timeoutSignal(this.#dialTimeout), ...(signal === undefined ? [] : [signal])])
    const id = this.#peerIdOf(peerId)
    // a warm connection: a new stream on it, without parsing and merging the registered addresses again
    // one protocol and the requester writes first: the protocol name travels with the request
    // (no round trip before it); a peer without the protocol fails the read, a CustodianStreamError
    const options = { signal: dialSignal, negotiateFully: false }
    if (this.#c.network.getConnections?.(id).some((c) => c.status === 'open') === true) {
      return await this.#c.network.dialProtocol(id, RELAY_PROTOCOL, options)
    }
    const addrs = dialableAddresses(node)
    return await this.#c.network.dialProtocol(addrs.length > 0 ? addrs : id, RELAY_PROTOCOL, options)
  }

  async * retrieve (request: SignedRequest, options: { signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array, void, undefined> {
    const { tokenId, custodianPeerId } = decodeRetrieve(request)
    if (custodianPeerId === this.#self && this.#c.local !== undefined) {
      yield * this.#c.local.retrieveLocal(request, options)
      return
    }
    let stream: Stream
    try {
      stream = await this.#dial(custodianPeerId, options.signal)
    } catch (err) {
      options.signal?.throwIfAborted()
      throw new CustodianUnreachableError(`custodian ${custodianPeerId} unreachable: ${(err as Error).message}`, custodianPeerId, await this.#alternatives(tokenId, custodianPeerId))
    }
    let done = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const arm = (): void => {
      clearTimeout(timer)
      timer = setTimeout(() => { stream.abort(new StreamTimeoutError(`no frame from the custodian within ${this.#frameTimeout} ms`)) }, this.#frameTimeout)
    }
    const onAbort = (): void => { stream.abort(new StreamTimeoutError('the requester gave up')) }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      arm()
      try {
        stream.send(requestFrameBytes({ kind: 'retrieve', request }))
        await stream.close({ signal: timeoutSignal(this.#frameTimeout) })
      } catch (err) {
        throw new CustodianStreamError(`could not send the request to ${custodianPeerId}: ${(err as Error).message}`, custodianPeerId, await this.#alternatives(tokenId, custodianPeerId))
      }
      let state: 'start' | 'body' | 'done' = 'start'
      try {
        for await (const { prefix, body } of readFrameParts(stream as AsyncIterable<Uint8Array>)) {
          arm()
          // a segment passes on as it arrived (no copy, no decode); header and trailer are decoded
          const segment = isSegmentFrame(body)
          const bytes = segment ? undefined : body.subarray()
          const kind = bytes === undefined ? 'segment' : decodeResponseFrame(bytes).kind
          if (state === 'done') throw new CustodianStreamError('a frame after the trailer', custodianPeerId)
          if (state === 'start' && kind !== 'header') throw new CustodianStreamError(`${kind} frame before the header`, custodianPeerId)
          if (state === 'body' && kind === 'header') throw new CustodianStreamError('a second header', custodianPeerId)
          state = kind === 'trailer' ? 'done' : 'body'
          yield prefix
          if (bytes !== undefined) yield bytes
          else for (const part of body) yield part
        }
      } catch (err) {
        options.signal?.throwIfAborted()
        if (err instanceof CustodianStreamError) throw err
        const what = err instanceof HealthrelayError ? err.name : (err as Error).message
        throw new CustodianStreamError(`the custodian's stream failed (${what})`, custodianPeerId, await this.#alternatives(tokenId, custodianPeerId))
      }
      if (state !== 'done') {
        throw new CustodianStreamError('the custodian\'s stream ended before its signed trailer', custodianPeerId, await this.#alternatives(tokenId, custodianPeerId))
      }
      done = true
    } finally {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      if (!done && stream.status === 'open') stream.abort(new StreamTimeoutError('the requester stopped reading'))
    }
  }

  async discover (request: SignedRequest, homeCountry: string, options: { signal?: AbortSignal } = {}): Promise<DiscoverResult> {
    let target: string
    try {
      target = decodeDiscoverQuery(request.payload).targetPeerId
    } catch (err) {
      throw new MalformedRequestError(`not a discovery query: ${(err as Error).message}`)
    }
    const node = this.#c.registry.get(target)
    if (node === undefined || node.country !== homeCountry) throw new NoDiscoveryPeerError(`${target} is not a registered peer of ${homeCountry}`)
    if (target === this.#self && this.#c.local !== undefined) return await this.#c.local.discoverLocal(request, options)
    const signal = AbortSignal.any([timeoutSignal(this.#discoverTimeout), ...(options.signal === undefined ? [] : [options.signal])])
    let stream: Stream
    try {
      stream = await this.#dial(target, signal)
    } catch (err) {
      options.signal?.throwIfAborted()
      throw new NoDiscoveryPeerError(`${homeCountry} peer ${target} unreachable: ${(err as Error).message}`)
    }
    const onAbort = (): void => { stream.abort(new StreamTimeoutError('discovery timed out')) }
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      stream.send(requestFrameBytes({ kind: 'discover', request }))
      await stream.close({ signal })
      return await readDiscoverResponse(stream as AsyncIterable<Uint8Array>, { signal })
    } catch (err) {
      options.signal?.throwIfAborted()
      this.#log.debug({ target, err: (err as Error).name }, 'discovery failed')
      throw new NoDiscoveryPeerError(`discovery at ${target} failed: ${(err as Error).message}`)
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }
}

export function relayClient (init: RelayClientInit = {}): (components: RelayClientComponents) => RelayClient {
  return (components) => new Client(init, components)
}

export function createRelayClient (init: RelayClientInit, components: RelayClientComponents): RelayClient {
  return new Client(init, components)
}
