/** Every Msg type the ledger accepts, by type URL. */
import type { MsgHandler } from './exec.js'
import { enrollSubject, mintRecordTokens, setRecordStatus } from './msgs/records.js'
import { grantAccess, revokeAccess, revokeCredential } from './msgs/consent.js'
import { publishPolicy } from './msgs/policy.js'
import { recordAccess } from './msgs/access.js'
import { submitProposal, vote, GOVERNANCE_HANDLERS } from './msgs/governance.js'

const USER_HANDLERS = [
  submitProposal, vote, enrollSubject, mintRecordTokens, setRecordStatus, grantAccess, revokeAccess,
  revokeCredential, publishPolicy, recordAccess
]

export const HANDLERS: ReadonlyMap<string, MsgHandler> = new Map([
  ...USER_HANDLERS.map((h): [string, MsgHandler] => [h.typeUrl, h]),
  ...GOVERNANCE_HANDLERS
])

/** Type URLs of the Msgs that only a passed proposal runs. */
export const GOVERNANCE_MSG_TYPE_URLS: readonly string[] = [...GOVERNANCE_HANDLERS.keys()]
/** Type URLs of every ledger Msg. */
export const LEDGER_MSG_TYPE_URLS: readonly string[] = [...HANDLERS.keys()]
