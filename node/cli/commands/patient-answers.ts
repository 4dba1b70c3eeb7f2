/**
 * What the `patient` commands run on the node's answers (loaded only by their actions): the forms
 * of the access log and the inbox, and the opening of an access event's sealed details.
 */
import { z } from 'zod'
import { ACCESS_DETAILS_LABEL, openSealed } from '../../../relay/service/seal.js'
import type { PatientKey } from './grant.js'

/** A patient's key file with the X25519 key their access events are sealed to (optional). */
export interface PatientKeys extends PatientKey { x25519?: { privateKey: Uint8Array, publicKey: Uint8Array } }

export const accessLogAnswer = z.object({
  total: z.string(),
  entries: z.array(z.object({
    seq: z.string(), custodian: z.string(), height: z.string(), tokenId: z.string(), requesterCountry: z.string(), purpose: z.string(),
    decision: z.string(), time: z.string(), emergency: z.boolean(), sealedDetails: z.string().regex(/^([0-9a-f]{2})*$/)
  }))
})

/** What the custodian sealed to the patient (relay/service: the access event's details). */
const accessDetails = z.object({
  providerId: z.string().optional(),
  providerName: z.string().optional(),
  credentialId: z.string().optional(),
  justification: z.string().optional(),
  reason: z.string().optional(),
  policyVersions: z.array(z.string()).optional(),
  obligations: z.array(z.string()).optional()
})
export type AccessDetails = z.infer<typeof accessDetails>

export const inboxAnswer = z.object({
  messages: z.array(z.object({ id: z.number(), kind: z.string(), body: z.unknown(), createdAt: z.number(), readAt: z.number().optional() }))
})

/** Opens one event's details with the patient's X25519 key; a string says why it could not. */
export function unseal (hex: string, key: PatientKeys): AccessDetails | string {
  if (key.x25519 === undefined) return 'sealed (the key file has no x25519PrivateKey)'
  try {
    const plain = openSealed(new Uint8Array(Buffer.from(hex, 'hex')), key.x25519.privateKey, key.x25519.publicKey, ACCESS_DETAILS_LABEL)
    const parsed = accessDetails.safeParse(JSON.parse(new TextDecoder().decode(plain)))
    return parsed.success ? parsed.data : 'the details are not in the expected form'
  } catch {
    return 'the details do not open with this key'
  }
}
