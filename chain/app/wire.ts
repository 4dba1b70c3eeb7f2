/** Short names for the generated wire types of `healthrelay.ledger.v1` used by the state machine. */
import type { healthrelay } from '../../proto/index.js'

type V1 = typeof healthrelay.ledger.v1
export type WireType<N extends keyof V1> = V1[N] extends abstract new (...args: never[]) => infer I ? I : never

export type Token = healthrelay.ledger.v1.Token
export type Grant = healthrelay.ledger.v1.Grant
export type Node = healthrelay.ledger.v1.Node
export type Member = healthrelay.ledger.v1.Member
export type Regulator = healthrelay.ledger.v1.Regulator
export type Subject = healthrelay.ledger.v1.Subject
export type Policy = healthrelay.ledger.v1.Policy
export type Proposal = healthrelay.ledger.v1.Proposal
export type AccessLogEntry = healthrelay.ledger.v1.AccessLogEntry
export type CredentialRevocation = healthrelay.ledger.v1.CredentialRevocation
