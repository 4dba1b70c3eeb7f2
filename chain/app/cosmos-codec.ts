/**
 * Encoders of the three Cosmos messages written for every tx (BaseAccount, SignDoc, TxMsgData)
 * on protobufjs's pooled Writer. cosmjs-types' `finish()` allocates a fresh 8 KiB buffer per
 * message, which costs a FinalizeBlock of small txs more than the messages themselves; these
 * produce the same bytes (test/unit/chain/app/cosmos-codec.test.ts compares them).
 */
import $protobuf from 'protobufjs/minimal.js'
import { toLong } from '../../proto/index.js'

const { Writer } = $protobuf

/** cosmos.auth.v1beta1.BaseAccount{address, pub_key: Any(secp256k1 PubKey), account_number, sequence}. */
export function encodeBaseAccount (address: string, publicKey: Uint8Array, accountNumber: bigint, sequence: bigint, pubKeyTypeUrl: string): Uint8Array {
  const w = Writer.create()
  if (address !== '') w.uint32(10).string(address)
  if (publicKey.length > 0) {
    w.uint32(18).fork()
    w.uint32(10).string(pubKeyTypeUrl)
    w.uint32(18).fork().uint32(10).bytes(publicKey).ldelim()
    w.ldelim()
  }
  if (accountNumber !== 0n) w.uint32(24).uint64(toLong(accountNumber, true))
  if (sequence !== 0n) w.uint32(32).uint64(toLong(sequence, true))
  return w.finish()
}

/** cosmos.tx.v1beta1.SignDoc{body_bytes, auth_info_bytes, chain_id, account_number}. */
export function encodeSignDoc (bodyBytes: Uint8Array, authInfoBytes: Uint8Array, chainId: string, accountNumber: bigint): Uint8Array {
  const w = Writer.create()
  if (bodyBytes.length > 0) w.uint32(10).bytes(bodyBytes)
  if (authInfoBytes.length > 0) w.uint32(18).bytes(authInfoBytes)
  if (chainId !== '') w.uint32(26).string(chainId)
  if (accountNumber !== 0n) w.uint32(32).uint64(toLong(accountNumber, true))
  return w.finish()
}

/** cosmos.base.abci.v1beta1.TxMsgData{msg_responses: Any[]} (field 2; the deprecated `data` empty). */
export function encodeTxMsgData (msgResponses: ReadonlyArray<{ typeUrl: string, value: Uint8Array }>): Uint8Array {
  const w = Writer.create()
  for (const r of msgResponses) {
    w.uint32(18).fork()
    if (r.typeUrl !== '') w.uint32(10).string(r.typeUrl)
    if (r.value.length > 0) w.uint32(18).bytes(r.value)
    w.ldelim()
  }
  return w.finish()
}
