/**
 * Enrolment and ingestion. Ingestion: validate the FHIR record (node/fhir), find its subject,
 * encrypt it under a fresh data key into the blob store (fsync before anything points at it), wrap
 * the key under the KEK, and write the record row, its wrapped key and (for an opted-in category)
 * its mint into the outbox in ONE SQLite transaction: after a crash at any point either the record
 * and its owed mint both exist or neither does; the outbox worker mints idempotently by token id.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { ComponentLogger } from '../../common/logger.js'
import { InvalidInputError } from '../../common/errors.js'
import {
  BLOB_HEADER_BYTES, DEFAULT_SEGMENT_BYTES, computeCommitment, encodeRecordKeys, encodeWrappedSecret, generateRecordKeys, sealBlob, type KeyProvider
} from '../../relay/crypto/index.js'
import { examineFhirRecord, formatIssue, isRecordCategory, type RecordCategory } from '../fhir/index.js'
import {
  addShareCode, enqueueOutbox, eraseRecord, getEnrolment, insertEnrolment, insertRecord, matchEnrolledPatient, requireEnrolment, getRecord, SubjectExistsError, type Storage
} from '../storage/index.js'
import { NotOwnerError, PatientNotMatchedError, RecordNotVisibleError } from '../errors.js'
import { sealTo } from './seal.js'

export interface MintPayload {
  readonly id: string
  readonly subject: string
  readonly commitment: string
  readonly sealedMetadata: string
  readonly supersedes?: string
}

export interface EnrolInput {
  readonly subject: string
  readonly publicKey: Uint8Array
  readonly x25519PublicKey: Uint8Array
  readonly birthDate: string
  readonly identifiers: ReadonlyArray<{ readonly system?: string, readonly value: string }>
  readonly categories: readonly RecordCategory[]
}

export interface IngestResult {
  readonly tokenId: string
  readonly subject: string
  readonly category: RecordCategory
  readonly mediaType: string
  readonly bytes: number
  readonly status: 'local' | 'pending'
  readonly warnings: readonly string[]
}

export interface RecordServiceComponents {
  storage: Storage
  kek: KeyProvider
  /** This node's country and X25519 public key (the sealed metadata is sealed to it and the subject). */
  country: string
  custodianX25519: Uint8Array
  /**
   * The chain's record of a subject (MsgEnrollSubject): lets a record be ingested here for a
   * patient enrolled in another country (a traveller treated here), sealed to their registered key.
   */
  chainSubject?: (subject: string) => Promise<{ readonly homeCountry: string, readonly x25519PublicKey: Uint8Array } | undefined>
  /** Sends MsgEnrollSubject and waits for its block. */
  enrollOnChain: (s: { subject: string, publicKey: Uint8Array, x25519PublicKey: Uint8Array }) => Promise<void>
  /** Wakes the outbox worker. */
  notifyOutbox?: () => void
  /** Stops advertising a record on the DHT (best effort; the re-provide skips erased records anyway). */
  withdraw?: (tokenId: string) => Promise<void>
  logger: ComponentLogger
  clock?: () => number
}

export interface RecordService {
  /** Enrols a patient (on chain, then locally); returns a share code shown once. */
  enrol: (input: EnrolInput) => Promise<{ subject: string, shareCode: string }>
  ingest: (body: Uint8Array, options: { contentType?: string, subject?: string, supersedes?: string, signal?: AbortSignal }) => Promise<IngestResult>
  /**
   * Erases a record held here: destroys its data key and its blob, marks it erased, queues the
   * chain's status change to ERASED (minted or minting records) and stops providing it. `subject`
   * restricts it to that patient's own records. Unknown or already erased: RecordNotVisibleError.
   */
  erase: (tokenId: string, options?: { subject?: string, signal?: AbortSignal }) => Promise<EraseOutcome>
}

export interface EraseOutcome {
  readonly tokenId: string
  readonly subject: string
  readonly status: 'erased'
  /** `queued`: the token's change to ERASED is in the outbox; `none`: the record was never minted. */
  readonly chain: 'queued' | 'none'
}

/** Outbox payload of a token status change (the outbox worker's `set-status`). */
export interface StatusChangePayload {
  readonly tokenId: string
  readonly status: 'superseded' | 'erased'
}

/** 12 characters of an unambiguous alphabet, grouped `XXXX-XXXX-XXXX` (about 60 bits). */
export function newShareCode (): string {
  const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'
  const bytes = randomBytes(12)
  const chars = [...bytes].map((b) => alphabet.charAt(b % alphabet.length))
  return `${chars.slice(0, 4).join('')}-${chars.slice(4, 8).join('')}-${chars.slice(8).join('')}`
}

/**
 * A blob's bytes passed through unchanged, hashing everything after its header: the ciphertext
 * segments a retrieval relays and its signed trailer commits to (kept with the record so that a
 * retrieval need not hash them again). `digest` once the blob store has consumed every chunk.
 */
function hashSegments (blob: AsyncIterable<Uint8Array>): { chunks: AsyncGenerator<Uint8Array, void, undefined>, digest: () => string } {
  const hash = createHash('sha256')
  async function * chunks (): AsyncGenerator<Uint8Array, void, undefined> {
    let header = BLOB_HEADER_BYTES
    for await (const chunk of blob) {
      if (header >= chunk.byteLength) {
        header -= chunk.byteLength
      } else {
        hash.update(header === 0 ? chunk : chunk.subarray(header))
        header = 0
      }
      yield chunk
    }
  }
  // the blob store returns only after it consumed (and fsynced) every chunk
  return { chunks: chunks(), digest: () => hash.digest('hex') }
}

export function createRecordService (c: RecordServiceComponents): RecordService {
  const log = c.logger.forComponent('node:records')
  const now = c.clock ?? Date.now

  /** The local enrolment, else the chain's record of a patient enrolled in another country. */
  const enrolmentOrForeign = async (subject: string): Promise<{ x25519PublicKey: Uint8Array, categories: readonly RecordCategory[], foreign: boolean }> => {
    const local = getEnrolment(c.storage.db, subject)
    if (local !== undefined) return { x25519PublicKey: local.x25519PublicKey, categories: local.categories, foreign: false }
    const onChain = await c.chainSubject?.(subject)
    if (onChain === undefined || onChain.homeCountry === c.country) return { ...requireEnrolment(c.storage.db, subject), foreign: false }
    return { x25519PublicKey: onChain.x25519PublicKey, categories: [], foreign: true }
  }

  return {
    async enrol (input) {
      for (const cat of input.categories) if (!isRecordCategory(cat)) throw new InvalidInputError(`unknown category ${String(cat)}`)
      if (getEnrolment(c.storage.db, input.subject) !== undefined) throw new SubjectExistsError(`subject ${input.subject} is already enrolled`)
      await c.enrollOnChain({ subject: input.subject, publicKey: input.publicKey, x25519PublicKey: input.x25519PublicKey })
      const at = now()
      const shareCode = newShareCode()
      c.storage.db.transaction(() => {
        insertEnrolment(c.storage.db, c.storage.lookup, {
          subject: input.subject, homeCountry: c.country, birthDate: input.birthDate, identifiers: input.identifiers,
          x25519PublicKey: input.x25519PublicKey, chainPublicKey: input.publicKey, categories: input.categories, at
        })
        addShareCode(c.storage.db, c.storage.lookup, input.subject, shareCode, at)
      })()
      log.info({ subject: input.subject, categories: input.categories }, 'enrolled a patient')
      return { subject: input.subject, shareCode }
    },

    async ingest (body, options) {
      const record = examineFhirRecord(body, options.contentType === undefined ? {} : { contentType: options.contentType })
      const db = c.storage.db
      let subject = options.subject
      if (subject === undefined) {
        subject = record.patient === undefined ? undefined : matchEnrolledPatient(db, c.storage.lookup, c.country, record.patient)
        if (subject === undefined) throw new PatientNotMatchedError('the record\'s Patient (identifier and birth date) matches no single enrolled patient; pass ?subject=<address>')
      }
      const enrolment = await enrolmentOrForeign(subject)
      if (options.supersedes !== undefined) {
        const older = getRecord(db, options.supersedes)
        if (older === undefined || older.subject !== subject) throw new InvalidInputError('supersedes: no record of this subject with that token id')
        if (older.status !== 'active') throw new InvalidInputError(`supersedes: the record is ${older.status}, not active`)
      }
      const category = record.category.category
      // sensitive content inside a record of another category (genomic results in a patient summary):
      // kept with the record so that each is decided, and redacted when denied, at release
      const contains = record.category.sensitive.filter((c) => c !== category)
      const tokenBytes = new Uint8Array(randomBytes(32))
      const tokenId = Buffer.from(tokenBytes).toString('hex')
      const keys = generateRecordKeys()
      const ciphertext = hashSegments(sealBlob([record.bytes], {
        key: keys.dataKey, noncePrefix: keys.noncePrefix, recordId: tokenBytes, segmentBytes: DEFAULT_SEGMENT_BYTES
      }))
      const blob = await c.storage.blobs.put(ciphertext.chunks, options.signal === undefined ? {} : { signal: options.signal })
      const wrapped = await c.kek.wrap(encodeRecordKeys(keys), tokenBytes)
      const commitment = Buffer.from(computeCommitment(keys.commitmentSalt, record.bytes)).toString('hex')
      // a patient enrolled elsewhere crossed a border to be treated here: the token is how they and
      // their home country find the record (a grant still decides every release)
      const optedIn = enrolment.foreign || enrolment.categories.includes(category)
      const at = now()
      db.transaction(() => {
        insertRecord(db, {
          tokenId, subject, category, mediaType: record.mediaType, plaintextBytes: record.bytes.byteLength,
          blobHash: blob.hash, blobBytes: blob.bytes, commitment, status: optedIn ? 'pending' : 'local',
          ...(options.supersedes !== undefined ? { supersedes: options.supersedes } : {}),
          contains,
          ciphertextHash: ciphertext.digest(),
          wrappedKey: encodeWrappedSecret(wrapped), kekId: wrapped.keyId, at
        })
        if (optedIn) {
          const payload: MintPayload = {
            id: tokenId,
            subject,
            commitment,
            sealedMetadata: Buffer.from(sealTo([c.custodianX25519, enrolment.x25519PublicKey],
              { category, mediaType: record.mediaType, size: record.bytes.byteLength, ...(contains.length === 0 ? {} : { contains }) })).toString('hex'),
            ...(options.supersedes !== undefined ? { supersedes: options.supersedes } : {})
          }
          enqueueOutbox(db, { kind: 'mint', tokenId, payload: new TextEncoder().encode(JSON.stringify(payload)), at })
        }
      })()
      if (optedIn) c.notifyOutbox?.()
      log.info({ tokenId, category, status: optedIn ? 'pending' : 'local' }, 'ingested a record')
      return {
        tokenId, subject, category, mediaType: record.mediaType, bytes: record.bytes.byteLength,
        status: optedIn ? 'pending' : 'local', warnings: record.warnings.map(formatIssue)
      }
    },

    async erase (tokenId, options) {
      const db = c.storage.db
      const record = getRecord(db, tokenId)
      if (record === undefined || record.status === 'erased') throw new RecordNotVisibleError(`no record ${tokenId}`)
      if (options?.subject !== undefined && record.subject !== options.subject) throw new NotOwnerError('a patient may erase only their own records')
      // local records were never minted; a pending one is (its mint is in the outbox, sent before status changes)
      const onChain = record.status !== 'local'
      const payload: StatusChangePayload = { tokenId, status: 'erased' }
      await eraseRecord(db, c.storage.blobs, tokenId, {
        at: now(),
        ...(onChain ? { outbox: { kind: 'set-status', payload: new TextEncoder().encode(JSON.stringify(payload)) } } : {})
      })
      if (onChain) c.notifyOutbox?.()
      if (onChain && c.withdraw !== undefined) {
        await c.withdraw(tokenId).catch((err: unknown) => { log.warn({ tokenId, err: err instanceof Error ? err.message : String(err) }, 'withdrawing an erased record from the DHT failed; it is no longer re-provided') })
      }
      log.info({ tokenId, chain: onChain ? 'queued' : 'none' }, 'erased a record')
      return { tokenId, subject: record.subject, status: 'erased', chain: onChain ? 'queued' : 'none' }
    }
  }
}
