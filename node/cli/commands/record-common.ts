/**
 * What the doctor's and patient's commands share: the node's HTTP API (JSON errors into named
 * errors), the chain's node registry read through an RPC the user chooses, and the hex body of a
 * doctor-signed relay request.
 */
import { InvalidInputError, UnavailableError } from '../../../common/errors.js'
import { createChainClient, type ChainClient, type LedgerNode } from '../../../chain/client/index.js'
import { isPurpose, type Purpose, type SignedRequest } from '../../../relay/protocol/index.js'

export { DEFAULT_CHAIN_RPC } from '../defaults.js'

/** The node answered with an error status; `name` and `message` come from its JSON error body. */
export class NodeApiError extends UnavailableError {
  override name = 'NodeApiError'
  constructor (readonly httpStatus: number, readonly errorName: string, message: string) {
    super(`the node answered ${httpStatus} ${errorName}: ${message}`)
  }
}

export function nodeUrl (url: string): string {
  let u: URL
  try { u = new URL(url) } catch { throw new InvalidInputError(`--node: not a URL: ${url}`) }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidInputError('--node: an http(s) URL')
  return u.toString().replace(/\/+$/, '')
}

export function purposeOf (p: string): Purpose {
  if (!isPurpose(p)) throw new InvalidInputError(`--purpose: one of treatment, emergency, research, insurance, public-health (not ${p})`)
  return p
}

export function hexRequestBody (r: SignedRequest): Record<string, unknown> {
  return {
    payload: Buffer.from(r.payload).toString('hex'),
    signature: Buffer.from(r.signature).toString('hex'),
    credential: { payload: Buffer.from(r.credential.payload).toString('hex'), signature: Buffer.from(r.credential.signature).toString('hex') }
  }
}

/** Throws NodeApiError for a non-2xx answer, with the node's error name and message. */
export async function requireOk (res: Response): Promise<Response> {
  if (res.ok) return res
  let name = 'HttpError'
  let message = res.statusText
  try {
    const body = await res.json() as { error?: { name?: string, message?: string } }
    name = body.error?.name ?? name
    message = body.error?.message ?? message
  } catch { /* not JSON: keep the status text */ }
  throw new NodeApiError(res.status, name, message)
}

export async function callNode (url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init)
  } catch (err) {
    throw new UnavailableError(`cannot reach the node at ${url}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** Runs `f` with a started read-only chain client on `rpcUrl`, stopping it afterwards. */
export async function withChain<T> (rpcUrl: string, f: (chain: ChainClient) => Promise<T>): Promise<T> {
  const chain = createChainClient({ rpcUrl })
  await chain.start()
  try { return await f(chain) } finally { await chain.stop() }
}

/** The one registered node of `country` (or the one named); refuses to guess among several. */
export async function registeredPeer (chain: ChainClient, country: string, peerId: string | undefined, what: string): Promise<LedgerNode> {
  if (peerId !== undefined) {
    const n = await chain.queries.node(peerId)
    if (n === undefined) throw new InvalidInputError(`${peerId} is not a registered node on chain`)
    if (n.country !== country) throw new InvalidInputError(`${peerId} is a node of ${n.country}, not of ${country}`)
    return n
  }
  const nodes = (await chain.queries.nodes(country)).filter((n) => n.role === 'custodian')
  const only = nodes[0]
  if (only === undefined) throw new InvalidInputError(`no registered custodian node of ${country} on chain`)
  if (nodes.length > 1) throw new InvalidInputError(`${country} has ${nodes.length} registered nodes; name the ${what} with its peer id`)
  return only
}
