/**
 * The cosmjs Registry of every `healthrelay.ledger.v1` Msg, plugged from the generated protobufjs
 * static classes (cosmjs accepts classes with `create`, `encode` and `decode`), plus cosmjs's
 * default types.
 */
import { Registry, type GeneratedType } from '@cosmjs/proto-signing'
import { defaultRegistryTypes } from '@cosmjs/stargate'
import { ledger, ledgerTypeUrl } from '../../proto/index.js'

/** The Msg names of tx.proto (type URL `/healthrelay.ledger.v1.<name>`). */
export const LEDGER_MSG_NAMES = [
  'MsgSubmitProposal', 'MsgVote', 'MsgAddMember', 'MsgRemoveMember', 'MsgRegisterNode', 'MsgUpdateNode', 'MsgRemoveNode',
  'MsgRegisterRegulator', 'MsgRemoveRegulator', 'MsgUpdateParams', 'MsgEnrollSubject', 'MsgMintRecordTokens',
  'MsgSetRecordStatus', 'MsgGrantAccess', 'MsgRevokeAccess', 'MsgRevokeCredential', 'MsgPublishPolicy', 'MsgRecordAccess'
] as const

export type LedgerMsgName = typeof LEDGER_MSG_NAMES[number]

export function ledgerMsgTypes (): Array<[string, GeneratedType]> {
  return LEDGER_MSG_NAMES.map((name) => [ledgerTypeUrl(name), ledger[name] as unknown as GeneratedType])
}

export function createLedgerRegistry (): Registry {
  return new Registry([...defaultRegistryTypes, ...ledgerMsgTypes()])
}
