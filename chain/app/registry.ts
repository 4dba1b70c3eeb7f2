/**
 * The ledger's Msg types as cosmjs `Registry` entries: `new Registry([...defaultRegistryTypes,
 * ...ledgerMsgTypes()])`. The generated protobufjs classes have `create`, `encode` and `decode`,
 * which cosmjs accepts. Their 64-bit fields take `Long` (proto/index.ts `toLong`), never bigint;
 * an embedded `google.protobuf.Any` is `{ type_url, value }`.
 */
import type { GeneratedType } from '@cosmjs/proto-signing'
import { ledger } from '../../proto/index.js'

const NAMES = [
  'MsgSubmitProposal', 'MsgVote', 'MsgAddMember', 'MsgRemoveMember', 'MsgRegisterNode', 'MsgUpdateNode',
  'MsgRemoveNode', 'MsgRegisterRegulator', 'MsgRemoveRegulator', 'MsgUpdateParams', 'MsgEnrollSubject',
  'MsgMintRecordTokens', 'MsgSetRecordStatus', 'MsgGrantAccess', 'MsgRevokeAccess', 'MsgRevokeCredential',
  'MsgPublishPolicy', 'MsgRecordAccess'
] as const

export type LedgerMsgName = typeof NAMES[number]

export function ledgerMsgTypes (): Array<[string, GeneratedType]> {
  return NAMES.map((n) => [`/healthrelay.ledger.v1.${n}`, ledger[n] as unknown as GeneratedType])
}
