import type { MsgHandler } from '../exec.js'

interface Codec<M> { decode: (bytes: Uint8Array) => M }
interface ResponseCodec { encode: (m: object) => { finish: () => Uint8Array } }

/** Builds a handler for `healthrelay.ledger.v1.<name>` from its generated class. */
export function defineMsg<M> (
  name: string,
  type: Codec<M>,
  spec: Omit<MsgHandler<M>, 'name' | 'typeUrl' | 'decode' | 'governance'> & { governance?: boolean }
): MsgHandler {
  // Every `msg` reaching these functions came out of `decode` below, hence of type M.
  return {
    name: `healthrelay.ledger.v1.${name}`,
    typeUrl: `/healthrelay.ledger.v1.${name}`,
    governance: spec.governance ?? false,
    decode: (bytes) => type.decode(bytes),
    signer: (msg) => spec.signer(msg as M),
    validate: (msg, params) => { spec.validate(msg as M, params) },
    execute: (ctx, msg) => spec.execute(ctx, msg as M)
  }
}

export function encodeResponse (type: ResponseCodec, value: object = {}): Uint8Array {
  return type.encode(value).finish()
}
