/**
 * The relay service on a libp2p host: registers `/healthrelay/relay/1.0.0`, reads one request
 * frame per stream (bounded by the 1 MiB frame limit and a time-out), runs the retrieve or
 * discovery pipeline, and writes the answer with back-pressure. Concurrency is limited per peer
 * and globally; every step has a time-out; a malformed or oversized frame, a stalled reader or
 * any failure resets that stream only — never the node.
 */
import type { Stream } from '@libp2p/interface'
import { Counter, Histogram, Registry } from 'prom-client'
import type { ComponentLogger } from '../../common/logger.js'
import {
  RELAY_PROTOCOL, createSignatureCache, discoverResponseBytes, systemClock, writeEnvelope, type DiscoverResult, type RequestVerifierComponents,
  type SignedRequest
} from '../protocol/index.js'
import {
  DEFAULT_MAX_CONCURRENT_STREAMS, DEFAULT_MAX_STREAMS_PER_PEER, DEFAULT_MAX_TRANSFORM_BYTES, DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RESPONSE_TIMEOUT_MS, DEFAULT_STEP_TIMEOUT_MS, DEFAULT_WRITE_TIMEOUT_MS,
  type RelayService, type RelayServiceComponents, type RelayServiceInit
} from './api.js'
import type { PipelineContext, ResolvedInit } from './context.js'
import { answerDiscover } from './discover.js'
import { RelayServiceStoppedError, StreamLimitError, StreamTimeoutError } from './errors.js'
import { reason } from './reasons.js'
import { planRetrieve, tokenIdOf, type RetrievePlan } from './retrieve.js'
import { DEFAULT_WRITE_BATCH_BYTES, readRequestWithin, writeFrames } from './stream-io.js'
import { timeoutSignal } from '../../common/abort.js'

class Service implements RelayService {
  readonly #c: RelayServiceComponents
  readonly #init: ResolvedInit
  readonly #log: ComponentLogger
  readonly #verifier: RequestVerifierComponents
  readonly #perPeer = new Map<string, number>()
  readonly #inFlight = new Set<Promise<void>>()
  readonly #requests: Counter<'kind' | 'outcome'>
  readonly #duration: Histogram<'kind'>
  #shutdown = new AbortController()
  #started = false

  constructor (init: RelayServiceInit, components: RelayServiceComponents) {
    this.#c = components
    this.#log = components.logger.forComponent('relay:service')
    this.#init = {
      maxConcurrentStreams: init.maxConcurrentStreams ?? DEFAULT_MAX_CONCURRENT_STREAMS,
      maxStreamsPerPeer: init.maxStreamsPerPeer ?? DEFAULT_MAX_STREAMS_PER_PEER,
      requestTimeoutMs: init.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      stepTimeoutMs: init.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
      writeTimeoutMs: init.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS,
      responseTimeoutMs: init.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS,
      freshnessWindowMs: init.freshnessWindowMs,
      vitalInterestOverride: init.vitalInterestOverride ?? true,
      maxTransformBytes: init.maxTransformBytes ?? DEFAULT_MAX_TRANSFORM_BYTES
    }
    const ledger = components.ledger
    this.#verifier = {
      issuers: {
        issuerKey: async (peerId, options) => {
          const n = await ledger.node(peerId, options)
          return n === undefined ? undefined : { country: n.country, ed25519PublicKey: n.ed25519PublicKey }
        }
      },
      revocations: { isRevoked: async (id, options) => await ledger.isCredentialRevoked(id, options) },
      nonces: components.nonces,
      clock: components.clock ?? systemClock,
      // one Ed25519 check per credential, not per request (curve operations are costly)
      signatureCache: components.signatureCache ?? createSignatureCache()
    }
    const registers = [components.metrics ?? new Registry()]
    this.#requests = new Counter({ name: 'healthrelay_relay_served_total', help: 'Relay streams served, by kind and outcome (status, or reset)', labelNames: ['kind', 'outcome'], registers })
    this.#duration = new Histogram({ name: 'healthrelay_relay_serve_seconds', help: 'Time to decide and stream a relay answer', labelNames: ['kind'], registers, buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5, 30] })
  }

  get isStarted (): boolean { return this.#started }

  async start (): Promise<void> {
    if (this.#started) return
    if (this.#shutdown.signal.aborted) this.#shutdown = new AbortController()
    await this.#c.network.handle(RELAY_PROTOCOL, (stream, connection) => { this.#accept(stream, connection.remotePeer.toString()) }, {
      maxInboundStreams: this.#init.maxStreamsPerPeer * 2, maxOutboundStreams: this.#init.maxStreamsPerPeer * 2
    })
    this.#started = true
  }

  async stop (): Promise<void> {
    if (!this.#started) return
    this.#started = false
    await this.#c.network.unhandle(RELAY_PROTOCOL).catch((err: unknown) => { this.#log.debug({ err: (err as Error).message }, 'unhandle failed') })
    this.#shutdown.abort(new RelayServiceStoppedError('the relay service is stopping'))
    await Promise.allSettled([...this.#inFlight])
  }

  #accept (stream: Stream, peerId: string): void {
    const peerCount = this.#perPeer.get(peerId) ?? 0
    if (!this.#started || this.#inFlight.size >= this.#init.maxConcurrentStreams || peerCount >= this.#init.maxStreamsPerPeer) {
      this.#requests.inc({ kind: 'unknown', outcome: 'limited' })
      stream.abort(new StreamLimitError('too many concurrent relay streams'))
      return
    }
    this.#perPeer.set(peerId, peerCount + 1)
    const run = this.#serve(stream, peerId)
      .catch((err: unknown) => {
        this.#log.debug({ peerId, err: (err as Error).name, message: (err as Error).message }, 'relay stream reset')
        stream.abort(err instanceof Error ? err : new Error(String(err)))
      })
      .finally(() => {
        this.#inFlight.delete(run)
        const n = (this.#perPeer.get(peerId) ?? 1) - 1
        if (n <= 0) this.#perPeer.delete(peerId)
        else this.#perPeer.set(peerId, n)
      })
    this.#inFlight.add(run)
  }

  #context (signal: AbortSignal): PipelineContext {
    const ms = this.#init.stepTimeoutMs
    const steps = new AbortController()
    let combined: AbortSignal | undefined
    let timer: ReturnType<typeof setTimeout> | undefined
    return {
      components: this.#c,
      init: this.#init,
      verifier: this.#verifier,
      log: this.#log,
      clock: this.#c.clock ?? systemClock,
      shutdown: signal,
      step: () => {
        combined ??= AbortSignal.any([signal, steps.signal])
        if (timer === undefined) {
          timer = setTimeout(() => { steps.abort(new DOMException(`a step took longer than ${ms} ms`, 'TimeoutError')) }, ms)
          timer.unref()
        } else {
          timer.refresh()
        }
        return combined
      },
      settle: () => {
        clearTimeout(timer)
        timer = undefined
      }
    }
  }

  /** Decides a retrieval and returns its envelope frames (length-prefixed) and what to do after. */
  async #retrieve (request: SignedRequest, carrierPeerId: string, ctx: PipelineContext): Promise<{ frames: AsyncGenerator<Uint8Array>, plan: RetrievePlan }> {
    let plan: RetrievePlan
    try {
      plan = await planRetrieve(request, carrierPeerId, ctx)
      ctx.settle()
    } catch (err) {
      ctx.settle()
      if (ctx.shutdown.aborted) throw err
      this.#log.warn({ peerId: carrierPeerId, err: (err as Error).name, message: (err as Error).message }, 'retrieve pipeline failed; answering unavailable')
      plan = {
        kind: 'refuse', tokenId: tokenIdOf(request), requestPayload: request.payload,
        denial: { status: 'UNAVAILABLE', reason: reason('unavailable', this.#c.identity.country, '', 'the custodian could not decide now; try again') }
      }
    }
    const frames = writeEnvelope({
      header: plan.kind === 'release' ? plan.header : { status: plan.denial.status, reason: plan.denial.reason, tokenId: plan.tokenId },
      ...(plan.kind === 'release' ? { segments: plan.segments, ...(plan.ciphertextHash === undefined ? {} : { ciphertextHash: plan.ciphertextHash }) } : {}),
      requestPayloadBytes: plan.requestPayload,
      custodianPeerId: this.#c.identity.peerId,
      custodianEd25519PrivateKey: this.#c.identity.ed25519PrivateKey,
      clock: ctx.clock
    }, { signal: ctx.shutdown })
    return { frames, plan }
  }

  async #after (plan: RetrievePlan, ctx: PipelineContext): Promise<void> {
    if (plan.after === undefined) return
    await plan.after().catch((err: unknown) => { this.#log.error({ err: (err as Error).name, message: (err as Error).message }, 'recording an access failed') })
    ctx.settle()
  }

  async * retrieveLocal (request: SignedRequest, options: { signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array, void, undefined> {
    if (!this.#started) throw new RelayServiceStoppedError('the relay service is not started')
    const signal = AbortSignal.any([this.#shutdown.signal, timeoutSignal(this.#init.responseTimeoutMs), ...(options.signal === undefined ? [] : [options.signal])])
    const ctx = this.#context(signal)
    const { frames, plan } = await this.#retrieve(request, this.#c.identity.peerId, ctx)
    try {
      yield * frames
      this.#requests.inc({ kind: 'retrieve-local', outcome: plan.kind === 'release' ? 'OK' : plan.denial.status })
    } finally {
      // also when the stream failed part-way: bytes may have left
      await this.#after(plan, ctx)
    }
  }

  async discoverLocal (request: SignedRequest, options: { signal?: AbortSignal } = {}): Promise<DiscoverResult> {
    if (!this.#started) throw new RelayServiceStoppedError('the relay service is not started')
    const signal = AbortSignal.any([this.#shutdown.signal, timeoutSignal(this.#init.responseTimeoutMs), ...(options.signal === undefined ? [] : [options.signal])])
    const ctx = this.#context(signal)
    try {
      return await answerDiscover(request, this.#c.identity.peerId, ctx)
    } finally {
      ctx.settle()
    }
  }

  async #serve (stream: Stream, peerId: string): Promise<void> {
    const started = performance.now()
    const response = AbortSignal.any([this.#shutdown.signal, timeoutSignal(this.#init.responseTimeoutMs)])
    const ctx = this.#context(response)
    let kind = 'unknown'
    try {
      const frame = await readRequestWithin(stream, this.#init.requestTimeoutMs, response)
      kind = frame.kind
      if (frame.kind === 'discover') {
        const result = await answerDiscover(frame.request, peerId, ctx).finally(() => { ctx.settle() })
        await writeFrames(stream, once(discoverResponseBytes(result)), { signal: response, drainTimeoutMs: this.#init.writeTimeoutMs })
        this.#requests.inc({ kind, outcome: result.status })
        return
      }
      const { frames, plan } = await this.#retrieve(frame.request, peerId, ctx)
      try {
        await writeFrames(stream, frames, { signal: response, drainTimeoutMs: this.#init.writeTimeoutMs, batchBytes: DEFAULT_WRITE_BATCH_BYTES })
        this.#requests.inc({ kind, outcome: plan.kind === 'release' ? 'OK' : plan.denial.status })
      } finally {
        // also when the stream failed part-way: bytes may have left
        await this.#after(plan, ctx)
      }
    } catch (err) {
      this.#requests.inc({ kind, outcome: 'reset' })
      if (err instanceof StreamTimeoutError) this.#log.debug({ peerId }, err.message)
      throw err
    } finally {
      this.#duration.observe({ kind }, (performance.now() - started) / 1000)
    }
  }
}

async function * once (bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield await Promise.resolve(bytes)
}

/** Factory in the style of libp2p services: `relayService(init)(components)`. */
export function relayService (init: RelayServiceInit = {}): (components: RelayServiceComponents) => RelayService {
  return (components) => new Service(init, components)
}

export function createRelayService (init: RelayServiceInit, components: RelayServiceComponents): RelayService {
  return new Service(init, components)
}
