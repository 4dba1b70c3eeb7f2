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
import { InvalidInputError } from '../../common/errors.js'
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

export function createRelayApi (client: Pick<RelayClient, 'discover' | 'retrieve'>): RelayApi {
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
      let named: string
      try { named = Buffer.from(decodeRetrieveRequestPayload(request.payload).tokenId).toString('hex') } catch { throw new InvalidInputError('payload: not a RetrieveRequest') }
      if (named !== tokenId) throw new InvalidInputError(`the signed request names token ${named}, not ${tokenId}`)
      return await Promise.resolve(client.retrieve(request, options))
    }
  }
}
