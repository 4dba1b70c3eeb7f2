/**
 * Patients authenticate with their chain key (secp256k1), never with an API key:
 *
 * 1. `GET /v1/auth/challenge?subject=<hr1…>` → `{ nonce, expiresAt }` (32 random bytes hex, valid
 *    `ttlMs`, at most `maxChallenges` outstanding, oldest evicted).
 * 2. Every request then carries
 *    `Authorization: Patient <subject>:<nonce>:<signature hex (64-byte compact r‖s)>`, the signature
 *    over SHA-256(`healthrelay-patient-auth/1\n<nodeId>\n<subject>\n<nonce>`), where nodeId is this
 *    node's peer id, so a signature made for one node is useless at another.
 *
 * The node checks the nonce was issued to this subject and is unexpired, and verifies the
 * signature against the public key enrolled for the subject (low-S enforced). A challenge is a
 * short session: it may sign several requests until it expires.
 */
import { randomBytes } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidPatientSignatureError } from '../errors.js'

export const PATIENT_AUTH_DOMAIN = 'healthrelay-patient-auth/1'
export const DEFAULT_CHALLENGE_TTL_MS = 5 * 60_000
export const DEFAULT_MAX_CHALLENGES = 10_000

export interface PatientAuthInit {
  nodeId: string
  ttlMs?: number
  maxChallenges?: number
  now?: () => number
}

export interface PatientAuth {
  challenge: (subject: string) => { nonce: string, expiresAt: number }
  /** Verifies an Authorization value (without the `Patient ` scheme); returns the subject. */
  verify: (credentials: string, publicKeyOf: (subject: string) => Uint8Array | undefined) => string
}

/** The bytes a patient signs (exported for clients and tests). */
export function patientAuthMessage (nodeId: string, subject: string, nonce: string): Uint8Array {
  return sha256(new TextEncoder().encode(`${PATIENT_AUTH_DOMAIN}\n${nodeId}\n${subject}\n${nonce}`))
}

/** A client's side: the Authorization value for a challenge. */
export function patientAuthorization (nodeId: string, subject: string, nonce: string, privateKey: Uint8Array): string {
  const sig = secp256k1.sign(patientAuthMessage(nodeId, subject, nonce), privateKey, { prehash: false, lowS: true })
  return `Patient ${subject}:${nonce}:${Buffer.from(sig).toString('hex')}`
}

export function createPatientAuth (init: PatientAuthInit): PatientAuth {
  const ttl = init.ttlMs ?? DEFAULT_CHALLENGE_TTL_MS
  const max = init.maxChallenges ?? DEFAULT_MAX_CHALLENGES
  const now = init.now ?? Date.now
  const issued = new Map<string, { subject: string, expiresAt: number }>()

  return {
    challenge (subject) {
      const t = now()
      for (const [nonce, c] of issued) {
        if (c.expiresAt > t && issued.size < max) break
        issued.delete(nonce)
      }
      const nonce = randomBytes(32).toString('hex')
      const expiresAt = t + ttl
      issued.set(nonce, { subject, expiresAt })
      return { nonce, expiresAt }
    },
    verify (credentials, publicKeyOf) {
      const m = /^(hr1[0-9a-z]{38,90}):([0-9a-f]{64}):([0-9a-f]{128})$/.exec(credentials.trim())
      if (m === null) throw new InvalidPatientSignatureError('malformed Patient credentials: <subject>:<nonce>:<signature>')
      const [, subject, nonce, sigHex] = m as unknown as [string, string, string, string]
      const c = issued.get(nonce)
      if (c === undefined || c.subject !== subject || c.expiresAt <= now()) throw new InvalidPatientSignatureError('unknown or expired challenge')
      const publicKey = publicKeyOf(subject)
      if (publicKey === undefined) throw new InvalidPatientSignatureError('the subject is not enrolled here')
      let ok = false
      try {
        ok = secp256k1.verify(Buffer.from(sigHex, 'hex'), patientAuthMessage(init.nodeId, subject, nonce), publicKey, { prehash: false, lowS: true })
      } catch { ok = false }
      if (!ok) throw new InvalidPatientSignatureError('the signature does not verify against the subject\'s enrolled key')
      return subject
    }
  }
}
