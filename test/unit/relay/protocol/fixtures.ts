// Shared set-up for the relay protocol tests: a doctor with a credential from FR, an issuing FR
// node, a DE custodian holding one record, and helpers to build and alter response frames.
import { randomBytes } from 'node:crypto'
import {
  computeCommitment, encryptSegments, generateEd25519KeyPair, generateRecordKeys, generateX25519KeyPair,
  wrapToRecipient, type KeyPair, type RecordKeys
} from '../../../../relay/crypto/index.js'
import {
  encodeFrame, encodeResponseFrame, issueCredential, readFrames, readResponseFrames, decodeResponseFrame,
  signRetrieveRequest, writeEnvelope, type IssuerDirectory, type ResponseFrame, type RetrieveHeaderInit,
  type RevocationList, type SignedRetrieveRequest, type VerifiedCredential
} from '../../../../relay/protocol/index.js'

export const NOW = Date.UTC(2026, 10, 25, 12, 0, 0)
export const clock = (): number => NOW
export const FR_NODE_PEER = '12D3KooWFrNodeIssuer'
export const DE_CUSTODIAN_PEER = '12D3KooWDeCustodian'

export interface World {
  issuer: KeyPair
  custodian: KeyPair
  doctorEd: KeyPair
  doctorX: KeyPair
  credential: VerifiedCredential
  issuers: IssuerDirectory
  revoked: Set<string>
  revocations: RevocationList
}

export function makeWorld (): World {
  const issuer = generateEd25519KeyPair()
  const custodian = generateEd25519KeyPair()
  const doctorEd = generateEd25519KeyPair()
  const doctorX = generateX25519KeyPair()
  const credential = issueCredential({
    providerId: 'fr-rpps-10001', name: 'Dr Claire Martin', role: 'physician', licence: 'RPPS 10001', country: 'FR',
    ed25519PublicKey: doctorEd.publicKey, x25519PublicKey: doctorX.publicKey
  }, { peerId: FR_NODE_PEER, ed25519PrivateKey: issuer.privateKey }, { clock })
  const registry = new Map([
    [FR_NODE_PEER, { country: 'FR', ed25519PublicKey: issuer.publicKey }],
    [DE_CUSTODIAN_PEER, { country: 'DE', ed25519PublicKey: custodian.publicKey }]
  ])
  const revoked = new Set<string>()
  return {
    issuer,
    custodian,
    doctorEd,
    doctorX,
    credential,
    issuers: { issuerKey: (peerId) => Promise.resolve(registry.get(peerId)) },
    revoked,
    revocations: { isRevoked: (id) => Promise.resolve(revoked.has(Buffer.from(id).toString('hex'))) }
  }
}

export interface StoredRecord {
  tokenId: Uint8Array
  plaintext: Uint8Array
  keys: RecordKeys
  segmentBytes: number
  segments: Uint8Array[]
  commitment: Uint8Array
}

export async function storeRecord (plaintext: Uint8Array, segmentBytes = 64, tokenId: Uint8Array = randomBytes(32)): Promise<StoredRecord> {
  const keys = generateRecordKeys()
  const segments: Uint8Array[] = []
  for await (const s of encryptSegments([plaintext], { key: keys.dataKey, noncePrefix: keys.noncePrefix, recordId: tokenId, segmentBytes })) {
    segments.push(s)
  }
  return { tokenId: new Uint8Array(tokenId), plaintext, keys, segmentBytes, segments, commitment: computeCommitment(keys.commitmentSalt, plaintext) }
}

export function signRequest (world: World, record: StoredRecord, custodianPeerId = DE_CUSTODIAN_PEER): SignedRetrieveRequest {
  return signRetrieveRequest({ tokenId: record.tokenId, purpose: 'treatment', custodianPeerId },
    { ed25519PrivateKey: world.doctorEd.privateKey, credential: world.credential.signed }, { clock })
}

export function okHeader (world: World, record: StoredRecord, extra: Partial<RetrieveHeaderInit> = {}): RetrieveHeaderInit {
  return {
    status: 'OK',
    tokenId: record.tokenId,
    category: 'patient-summary',
    mediaType: 'application/fhir+json',
    obligations: ['audit'],
    policyVersions: ['DE@1', 'FR@1'],
    wrappedKey: wrapToRecipient(record.keys, record.tokenId, world.doctorX.publicKey),
    plaintextBytes: BigInt(record.plaintext.byteLength),
    segmentBytes: record.segmentBytes,
    commitment: record.commitment,
    ...extra
  }
}

/**
 * The custodian's response as the list of its length-prefixed frames, one buffer each (the writer
 * sends a segment's frame as two chunks, head and segment; the bytes are the same).
 */
export async function respond (
  world: World, record: StoredRecord, request: SignedRetrieveRequest, header?: RetrieveHeaderInit, signer?: Uint8Array
): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = []
  for await (const f of writeEnvelope({
    header: header ?? okHeader(world, record),
    segments: record.segments,
    requestPayloadBytes: request.payloadBytes,
    custodianPeerId: DE_CUSTODIAN_PEER,
    custodianEd25519PrivateKey: signer ?? world.custodian.privateKey,
    clock
  })) chunks.push(f)
  const out: Uint8Array[] = []
  for await (const body of readFrames(chunks)) out.push(encodeFrame(body))
  return out
}

/** Decodes written frames (for altering them). */
export async function decodeAll (frames: Uint8Array[]): Promise<ResponseFrame[]> {
  const out: ResponseFrame[] = []
  for await (const raw of readFrames(frames)) out.push(decodeResponseFrame(raw))
  return out
}

/** Re-encodes frames as written on the wire. */
export function encodeAll (frames: ResponseFrame[]): Uint8Array[] {
  return frames.map((f) => encodeFrame(encodeResponseFrame(f)))
}

/** The wire bytes cut into small uneven chunks, as a network delivers them. */
export async function * chunked (frames: Uint8Array[], size = 37): AsyncGenerator<Uint8Array> {
  const all = Buffer.concat(frames)
  for (let i = 0; i < all.byteLength; i += size) {
    await Promise.resolve()
    yield new Uint8Array(all.subarray(i, i + size))
  }
}

export function openOptions (world: World, record: StoredRecord, request: SignedRetrieveRequest, chunks: Uint8Array[]) {
  return {
    doctorX25519PrivateKey: world.doctorX.privateKey,
    doctorX25519PublicKey: world.doctorX.publicKey,
    custodianEd25519PublicKey: world.custodian.publicKey,
    expectedCommitment: record.commitment,
    requestPayloadBytes: request.payloadBytes,
    sink: { write: (c: Uint8Array) => { chunks.push(new Uint8Array(c)) } }
  }
}

export { readResponseFrames }
