/**
 * `createChainClient(init, components)`: the one way the daemon reaches the chain. Start/stop
 * lifecycle; `queries` (every `healthrelay.ledger.v1.Query` method, domain types), `signer(wallet)`
 * (typed helpers for every Msg), and `events()` (new blocks and typed ledger events over the
 * websocket, as an async generator).
 */
import type { EncodeObject, OfflineDirectSigner, Registry } from '@cosmjs/proto-signing'
import { QueryClient, StargateClient } from '@cosmjs/stargate'
import { Comet38Client, type CometClient } from '@cosmjs/tendermint-rpc'
import { ledger, toBigInt } from '../../proto/index.js'
import type { ComponentLogger } from '../../common/logger.js'
import { silentLogger } from '../../common/logger.js'
import { hex } from './convert.js'
import { ChainClientStoppedError, ChainUnavailableError } from './errors.js'
import { subscribeChainEvents } from './subscribe.js'
import { ledgerMsgs, type AccessEventInput, type GrantAccessInput, type PublishPolicyInput, type TokenSpecInput } from './msgs.js'
import { setupLedgerExtension, type LedgerQueries } from './queries.js'
import { createLedgerRegistry } from './registry.js'
import { createRawSigner } from './signer.js'
import type { AnyMsg, BytesLike, ChainEvent, Hex, RecordStatus, TxOutcome, VoteOption } from './types.js'

export const DEFAULT_GAS_PRICE = '0uhr'
export const DEFAULT_GAS_MULTIPLIER = 1.3
export const DEFAULT_BROADCAST_POLL_INTERVAL_MS = 100
export const DEFAULT_BROADCAST_TIMEOUT_MS = 30_000

export interface ChainClientInit {
  /** `http://host:port` of a CometBFT RPC (the embedded engine or a validator). */
  rpcUrl: string
  /** When set, `start()` checks that the chain has this id. */
  chainId?: string
  /** Gas price for fee "auto" (default "0uhr": the chain charges no fees). */
  gasPrice?: string
  gasMultiplier?: number
  broadcastPollIntervalMs?: number
  broadcastTimeoutMs?: number
  /** Most undelivered events an `events()` consumer may fall behind by (default 10 000). */
  maxBufferedEvents?: number
}

export interface ChainClientComponents {
  logger?: ComponentLogger
}

export interface Account { readonly address: string, readonly accountNumber: bigint, readonly sequence: bigint, readonly publicKey?: Uint8Array }

/** Typed helpers for every Msg a signer may send; each waits for the block and decodes its response. */
export interface LedgerSigner {
  readonly address: string
  submitProposal: (p: { title: string, summary: string, messages: readonly EncodeObject[] }) => Promise<TxOutcome<{ proposalId: bigint }>>
  vote: (proposalId: bigint, option: VoteOption) => Promise<TxOutcome<undefined>>
  enrollSubject: (s: { subject: string, publicKey: Uint8Array, x25519PublicKey: Uint8Array }) => Promise<TxOutcome<undefined>>
  mintRecordTokens: (tokens: readonly TokenSpecInput[]) => Promise<TxOutcome<{ tokenIds: readonly Hex[] }>>
  setRecordStatus: (tokenId: BytesLike, status: RecordStatus) => Promise<TxOutcome<undefined>>
  grantAccess: (g: GrantAccessInput) => Promise<TxOutcome<{ grantId: bigint }>>
  revokeAccess: (grantId: bigint) => Promise<TxOutcome<undefined>>
  revokeCredential: (credentialId: BytesLike) => Promise<TxOutcome<undefined>>
  publishPolicy: (p: PublishPolicyInput) => Promise<TxOutcome<{ effectiveHeight: bigint }>>
  recordAccess: (events: readonly AccessEventInput[]) => Promise<TxOutcome<undefined>>
  /** Any Msgs (several in one tx); resolves to the raw Msg responses. */
  send: (msgs: readonly EncodeObject[], memo?: string) => Promise<TxOutcome<readonly AnyMsg[]>>
}

export interface ChainClient {
  start: () => Promise<void>
  stop: () => Promise<void>
  readonly chainId: string
  readonly registry: Registry
  readonly queries: LedgerQueries
  height: () => Promise<bigint>
  getAccount: (address: string) => Promise<Account | undefined>
  signer: (wallet: OfflineDirectSigner) => Promise<LedgerSigner>
  /** New blocks and typed ledger events from every committed tx, until `signal` aborts or `stop()`. */
  events: (options?: { signal?: AbortSignal }) => AsyncGenerator<ChainEvent>
}

function first<T> (msgs: readonly AnyMsg[], decode: (b: Uint8Array) => T): T {
  const m = msgs[0]
  if (m === undefined) throw new ChainUnavailableError('the chain returned no Msg response')
  return decode(m.value)
}

const none = (o: TxOutcome<readonly AnyMsg[]>): TxOutcome<undefined> => ({ ...o, value: undefined })

export function createChainClient (init: ChainClientInit, components: ChainClientComponents = {}): ChainClient {
  const log = (components.logger ?? silentLogger()).forComponent('chain:client')
  const registry = createLedgerRegistry()
  let comet: CometClient | undefined
  let stargate: StargateClient | undefined
  let queries: LedgerQueries | undefined
  let chainId = init.chainId ?? ''
  const shutdown = new AbortController()
  let stopController = shutdown

  const live = (): { comet: CometClient, stargate: StargateClient, queries: LedgerQueries } => {
    if (comet === undefined || stargate === undefined || queries === undefined) throw new ChainClientStoppedError('the chain client is not started')
    return { comet, stargate, queries }
  }

  const client: ChainClient = {
    get chainId () { return chainId },
    registry,
    get queries () { return live().queries },

    start: async () => {
      if (comet !== undefined) return
      let c: CometClient
      try {
        c = await Comet38Client.connect(init.rpcUrl)
      } catch (err) {
        throw new ChainUnavailableError(`cannot reach the chain RPC at ${init.rpcUrl}: ${err instanceof Error ? err.message : String(err)}`)
      }
      const s = StargateClient.create(c)
      const actual = await s.getChainId()
      if (init.chainId !== undefined && actual !== init.chainId) {
        c.disconnect()
        throw new ChainUnavailableError(`the chain at ${init.rpcUrl} is ${actual}, not ${init.chainId}`)
      }
      chainId = actual
      comet = c
      stargate = s
      queries = QueryClient.withExtensions(c, setupLedgerExtension).ledger
      stopController = new AbortController()
      log.info({ rpc: init.rpcUrl, chainId }, 'connected to the chain')
    },

    stop: () => {
      stopController.abort()
      stargate?.disconnect()
      comet = undefined
      stargate = undefined
      queries = undefined
      return Promise.resolve()
    },

    height: async () => BigInt(await live().stargate.getHeight()),

    getAccount: async (address) => {
      const a = await live().stargate.getAccount(address)
      if (a === null) return undefined
      return {
        address: a.address,
        accountNumber: a.accountNumber,
        sequence: BigInt(a.sequence),
        ...(a.pubkey?.value !== undefined ? { publicKey: new Uint8Array(Buffer.from(a.pubkey.value as string, 'base64')) } : {})
      }
    },

    signer: async (wallet) => {
      const { comet: c } = live()
      const raw = await createRawSigner(c, wallet, registry, {
        chainId,
        gasPrice: init.gasPrice ?? DEFAULT_GAS_PRICE,
        gasMultiplier: init.gasMultiplier ?? DEFAULT_GAS_MULTIPLIER,
        broadcastPollIntervalMs: init.broadcastPollIntervalMs ?? DEFAULT_BROADCAST_POLL_INTERVAL_MS,
        broadcastTimeoutMs: init.broadcastTimeoutMs ?? DEFAULT_BROADCAST_TIMEOUT_MS
      }, log)
      const a = raw.address
      const send1 = async (m: EncodeObject): Promise<TxOutcome<readonly AnyMsg[]>> => await raw.send([m])
      return {
        address: a,
        send: raw.send,
        submitProposal: async (p) => {
          const o = await send1(ledgerMsgs.submitProposal(a, p.title, p.summary, p.messages, (m) => registry.encodeAsAny(m)))
          return { ...o, value: { proposalId: toBigInt(first(o.value, (b) => ledger.MsgSubmitProposalResponse.decode(b)).proposalId) } }
        },
        vote: async (id, option) => none(await send1(ledgerMsgs.vote(a, id, option))),
        enrollSubject: async (s) => none(await send1(ledgerMsgs.enrollSubject(a, s.subject, s.publicKey, s.x25519PublicKey))),
        mintRecordTokens: async (tokens) => {
          const o = await send1(ledgerMsgs.mintRecordTokens(a, tokens))
          return { ...o, value: { tokenIds: first(o.value, (b) => ledger.MsgMintRecordTokensResponse.decode(b)).tokenIds.map((t) => hex(t)) } }
        },
        setRecordStatus: async (id, status) => none(await send1(ledgerMsgs.setRecordStatus(a, id, status))),
        grantAccess: async (g) => {
          const o = await send1(ledgerMsgs.grantAccess(a, g))
          return { ...o, value: { grantId: toBigInt(first(o.value, (b) => ledger.MsgGrantAccessResponse.decode(b)).grantId) } }
        },
        revokeAccess: async (id) => none(await send1(ledgerMsgs.revokeAccess(a, id))),
        revokeCredential: async (id) => none(await send1(ledgerMsgs.revokeCredential(a, id))),
        publishPolicy: async (p) => {
          const o = await send1(ledgerMsgs.publishPolicy(a, p))
          return { ...o, value: { effectiveHeight: toBigInt(first(o.value, (b) => ledger.MsgPublishPolicyResponse.decode(b)).effectiveHeight) } }
        },
        recordAccess: async (events) => none(await send1(ledgerMsgs.recordAccess(a, events)))
      }
    },

    events: (options = {}) => subscribeChainEvents(init.rpcUrl, {
      signal: options.signal === undefined ? stopController.signal : AbortSignal.any([options.signal, stopController.signal]),
      maxBuffered: init.maxBufferedEvents ?? 10_000,
      log
    })
  }
  return client
}
