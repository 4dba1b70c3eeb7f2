/**
 * The HTTP side of the relay: turns the JSON a doctor's client posts into the relay protocol's
 * signed requests (never re-encoded: the exact signed bytes travel) and hands them to the
 * RelayClient, which carries them to the custodian or home-country peer (or this node's own
 * service when it is that peer).
 *
 * Body of both routes: `{ "payload": hex, "signature": hex, "credential": { "payload": hex,
 * "signature": hex } }` (relay/protocol signRetrieveRequest / signDiscoverRequest output, hex);
 * discover may add `"homeCountry"` (default: the query's own).
 */
import { z } from 'zod'
import { InvalidInputError, UnavailableError } from '../../common/errors.js'
import { decodeDiscoverQuery, decodeRetrieveRequestPayload, type DiscoverResult, type SignedRequest } from '../../relay/protocol/index.js'
import type { RelayClient } from '../../relay/service/index.js'
import type { RelayApi } from '../api/context.js'

const hex = z.string().regex(/^([0-9a-f]{2})+$/, 'lower-case hex').max(2 * 1024 * 1024)
const signed = z.object({ payload: hex, signature: hex })
export const signedRequestBody = signed.extend({ credential: signed, homeCountry: z.string().regex(/^[A-Z]{2}$/).optional() }).strict()

function parseSigned (body: unknown): { request: SignedRequest, homeCountry: string | undefined } {
  const parsed = signedRequestBody.safeParse(body)
  if (!parsed.success) throw new InvalidInputError(parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '))
  const b = parsed.data
  const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'))
  return {
    request: { payload: bytes(b.payload), signature: bytes(b.signature), credential: { payload: bytes(b.credential.payload), signature: bytes(b.credential.signature) } },
    homeCountry: b.homeCountry
  }
}

export function discoverResultJson (r: DiscoverResult): Record<string, unknown> {
  return {
    status: r.status,
    ...(r.reason !== undefined ? { reason: r.reason } : {}),
    subject: r.subject,
    tokens: r.tokens.map((t) => ({ tokenId: Buffer.from(t.tokenId).toString('hex'), custodian: t.custodian }))
  }
}

/**
 * Retrievals this node carries to one custodian peer at once; more wait their turn (a custodian
 * refuses streams beyond its per-peer limit, relay/service DEFAULT_MAX_STREAMS_PER_PEER = 16, and
 * every doctor of this country reaches it through this one peer).
 */
export const DEFAULT_MAX_RETRIEVALS_PER_CUSTODIAN = 12
/** Retrievals waiting for a custodian peer; beyond that the node answers 503 at once. */
export const DEFAULT_MAX_WAITING_PER_CUSTODIAN = 10_000

function createPeerGate (max: number, maxWaiting: number): (peer: string, signal?: AbortSignal) => Promise<() => void> {
  const state = new Map<string, { active: number, waiting: Array<() => void> }>()
  return async (peer, signal) => {
    let s = state.get(peer)
    if (s === undefined) { s = { active: 0, waiting: [] }; state.set(peer, s) }
    const slot = s
    if (slot.active >= max) {
      if (slot.waiting.length >= maxWaiting) throw new UnavailableError('too many retrievals are waiting for this custodian; try again')
      await new Promise<void>((resolve, reject) => {
        const go = (): void => { signal?.removeEventListener('abort', onAbort); resolve() }
        const onAbort = (): void => { slot.waiting = slot.waiting.filter((w) => w !== go); reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted')) }
        signal?.addEventListener('abort', onAbort, { once: true })
        slot.waiting.push(go)
      })
    }
    slot.active++
    let released = false
    return () => {
      if (released) return
      released = true
      slot.active--
      const next = slot.waiting.shift()
      if (next !== undefined) next()
      else if (slot.active === 0) state.delete(peer)
    }
  }
}

export interface RelayApiInit {
  maxRetrievalsPerCustodian?: number
  maxWaitingPerCustodian?: number
}

export function createRelayApi (client: Pick<RelayClient, 'discover' | 'retrieve'>, init: RelayApiInit = {}): RelayApi {
  const gate = createPeerGate(init.maxRetrievalsPerCustodian ?? DEFAULT_MAX_RETRIEVALS_PER_CUSTODIAN, init.maxWaitingPerCustodian ?? DEFAULT_MAX_WAITING_PER_CUSTODIAN)
  return {
    async discover (body, options) {
      const { request, homeCountry } = parseSigned(body)
      let country = homeCountry
      if (country === undefined) {
        try { country = decodeDiscoverQuery(request.payload).homeCountry } catch { throw new InvalidInputError('payload: not a DiscoverQuery') }
      }
      if (!/^[A-Z]{2}$/.test(country)) throw new InvalidInputError('homeCountry: the traveller\'s home country is required (in the body or the query)')
      return discoverResultJson(await client.discover(request, country, options))
    },
    async retrieve (tokenId, body, options) {
      const { request } = parseSigned(body)
      let decoded: ReturnType<typeof decodeRetrieveRequestPayload>
      try { decoded = decodeRetrieveRequestPayload(request.payload) } catch { throw new InvalidInputError('payload: not a RetrieveRequest') }
      const named = Buffer.from(decoded.tokenId).toString('hex')
      if (named !== tokenId) throw new InvalidInputError(`the signed request names token ${named}, not ${tokenId}`)
      const release = await gate(decoded.custodianPeerId, options?.signal)
      return (async function * () {
        try { yield * client.retrieve(request, options) } finally { release() }
      })()
    }
  }
}
