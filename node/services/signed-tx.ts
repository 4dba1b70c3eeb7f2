/**
 * Transactions that someone else signed (a patient's grant, a regulator's policy), which the node
 * checks and broadcasts exactly as received: it decodes the TxRaw, requires the expected Msgs (type
 * and signer-relevant fields), and never re-encodes or re-signs them.
 */
import { StargateClient } from '@cosmjs/stargate'
import { TxRaw, TxBody } from 'cosmjs-types/cosmos/tx/v1beta1/tx'
import { ChainTxError, ChainUnavailableError, decodeLedgerEvents, type LedgerEvent } from '../../chain/client/index.js'
import { ledgerTypeUrl } from '../../proto/index.js'
import { UnexpectedTxError } from '../errors.js'

export const MAX_SIGNED_TX_BYTES = 256 * 1024

export interface DecodedTx {
  readonly bytes: Uint8Array
  readonly messages: ReadonlyArray<{ readonly typeUrl: string, readonly value: Uint8Array }>
}

export interface BroadcastResult {
  readonly txHash: string
  readonly height: bigint
  readonly events: readonly LedgerEvent[]
}

export interface TxBroadcaster {
  start: () => Promise<void>
  stop: () => Promise<void>
  broadcast: (tx: Uint8Array) => Promise<BroadcastResult>
}

/** Decodes a base64 TxRaw and checks that every Msg is of one of `allowed` (ledger Msg names). */
export function decodeSignedTx (base64: string, allowed: readonly string[]): DecodedTx {
  const bytes = Buffer.from(base64, 'base64')
  if (bytes.byteLength === 0 || bytes.byteLength > MAX_SIGNED_TX_BYTES) throw new UnexpectedTxError(`tx: 1 to ${MAX_SIGNED_TX_BYTES} bytes of base64 TxRaw`)
  let messages: DecodedTx['messages']
  try {
    const raw = TxRaw.decode(bytes)
    if (raw.signatures.length === 0) throw new UnexpectedTxError('the tx carries no signature')
    messages = TxBody.decode(raw.bodyBytes).messages.map((m) => ({ typeUrl: m.typeUrl, value: m.value }))
  } catch (err) {
    if (err instanceof UnexpectedTxError) throw err
    throw new UnexpectedTxError('tx: not a signed Cosmos TxRaw')
  }
  const urls = allowed.map(ledgerTypeUrl)
  if (messages.length === 0) throw new UnexpectedTxError('the tx carries no Msg')
  for (const m of messages) if (!urls.includes(m.typeUrl)) throw new UnexpectedTxError(`this route carries only ${allowed.join(', ')}, not ${m.typeUrl}`)
  return { bytes: new Uint8Array(bytes), messages }
}

export function createTxBroadcaster (init: { rpcUrl: string }): TxBroadcaster {
  let client: StargateClient | undefined
  return {
    async start () {
      if (client !== undefined) return
      try { client = await StargateClient.connect(init.rpcUrl) } catch (err) {
        throw new ChainUnavailableError(`cannot reach the chain RPC at ${init.rpcUrl}: ${err instanceof Error ? err.message : String(err)}`)
      }
    },
    stop: () => { client?.disconnect(); client = undefined; return Promise.resolve() },
    async broadcast (tx) {
      if (client === undefined) throw new ChainUnavailableError('the broadcaster is not started')
      let res
      try {
        res = await client.broadcastTx(tx, 30_000, 100)
      } catch (err) {
        const m = /code (\d+) \(codespace: ([^)]*)\)\. Log: (.*)$/s.exec(err instanceof Error ? err.message : '')
        if (m !== null) throw new ChainTxError(Number(m[1]), m[2] ?? '', '', m[3] ?? '')
        throw err
      }
      if (res.code !== 0) throw new ChainTxError(res.code, '', res.transactionHash, `code ${res.code}`, BigInt(res.height))
      return { txHash: res.transactionHash, height: BigInt(res.height), events: decodeLedgerEvents(res.events) }
    }
  }
}
