/**
 * What a Msg handler sees while it runs, and the handler contract. Handlers are deterministic:
 * time and height come from the block, state from the layer, nothing else.
 */
import type { Event } from 'cosmjs-types/tendermint/abci/types'
import type { KvLayer } from './store.js'
import type { LedgerParams } from './params.js'
import { SignerNotAllowedError } from './errors.js'
import { operatorCountry, isMember } from './state.js'

export type ExecMode = 'check' | 'deliver' | 'simulate'

export interface ExecContext {
  readonly store: KvLayer
  readonly height: bigint
  /** Block time, Unix seconds (from the block header). */
  readonly time: bigint
  readonly params: LedgerParams
  readonly mode: ExecMode
  /** SHA-256 of the tx bytes (seeds ids that must be unpredictable, e.g. grant ids). */
  readonly txHash: Uint8Array
  readonly msgIndex: number
  readonly events: Event[]
}

/** A Msg type's handler. Built by `defineMsg`, which checks the decoded type once. */
export interface MsgHandler<M = unknown> {
  /** Full message name, e.g. `healthrelay.ledger.v1.MsgGrantAccess`. */
  readonly name: string
  readonly typeUrl: string
  /** True for the membership Msgs that run only inside an approved proposal. */
  readonly governance: boolean
  decode: (bytes: Uint8Array) => M
  /** The account that must sign (the Msg's first field). */
  signer: (msg: M) => string
  /** Stateless checks. */
  validate: (msg: M, params: LedgerParams) => void
  /** Stateful checks and effects; returns the encoded Msg*Response. */
  execute: (ctx: ExecContext, msg: M) => Uint8Array
}

export const EVENT_PREFIX = 'healthrelay.ledger.v1.'

export type Attr = readonly [key: string, value: string, indexed: boolean]

/** Appends a typed event (type = full message name; attributes plain strings). */
export function emit (ctx: ExecContext, name: string, attrs: readonly Attr[]): void {
  ctx.events.push({
    type: EVENT_PREFIX + name,
    attributes: [
      ...attrs.map(([key, value, index]) => ({ key, value, index })),
      { key: 'msg_index', value: String(ctx.msgIndex), index: true }
    ]
  })
}

/** The member country of an operator signer, or a clear rejection. */
export function requireOperator (ctx: ExecContext, address: string, what: string): string {
  const country = operatorCountry(ctx.store, address)
  if (country === undefined || !isMember(ctx.store, country)) {
    throw new SignerNotAllowedError(`${what}: ${address} is not an operator of a member country`)
  }
  return country
}
