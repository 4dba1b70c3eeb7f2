/**
 * The relay's crypto: records at rest in AES-256-GCM segments, their keys wrapped under the node's
 * KEK (KeyProvider) and re-wrapped to a doctor's X25519 key for relaying, the salted commitment
 * written on chain, and domain-separated Ed25519 signatures. Byte layouts: docs/protocol.md.
 */
export {
  DATA_KEY_BYTES, NONCE_PREFIX_BYTES, GCM_NONCE_BYTES, GCM_TAG_BYTES, DEFAULT_SEGMENT_BYTES, MIN_SEGMENT_BYTES,
  MAX_SEGMENT_BYTES, MAX_SEGMENTS, SEGMENT_AAD_LABEL,
  checkSegmentParams, checkSegmentBytes, segmentNonce, segmentAad, encryptSegment, tryDecryptSegment,
  encryptSegments, decryptSegments, createSegmentDecryptor, splitSegments,
  type SegmentParams, type SegmentDecryptor, type StreamOptions
} from './segments.js'
export {
  BLOB_MAGIC, BLOB_VERSION, BLOB_CIPHER_AES_256_GCM_SEGMENTS, BLOB_HEADER_BYTES,
  encodeBlobHeader, decodeBlobHeader, sealBlob, openBlob, writeBlobFile, readBlobFile,
  type BlobHeader, type BlobFile, type WrittenBlob
} from './blob.js'
export {
  RECORD_KEYS_VERSION, RECORD_KEYS_BYTES, generateRecordKeys, encodeRecordKeys, decodeRecordKeys, type RecordKeys
} from './record-keys.js'
export {
  KEK_BYTES, KEK_WRAP_AAD_LABEL, WRAPPED_SECRET_VERSION, MAX_WRAPPED_SECRET_BYTES, KEY_ID_PATTERN,
  kekWrap, kekUnwrap, newKeyId, encodeWrappedSecret, decodeWrappedSecret, rewrapToCurrent, createMemoryKeyProvider,
  type KeyProvider, type KeyOptions, type WrappedSecret, type MemoryKeyProviderInit
} from './key-provider.js'
export { KEK_FILE_SUFFIX, CURRENT_KEK_FILE, createFileKeyProvider, type FileKeyProviderInit } from './file-key-provider.js'
export {
  RELAY_WRAP_INFO_LABEL, relayWrapInfo, relayWrapKey, wrapToRecipient, unwrapFromSender, type WrappedKeyData
} from './relay-wrap.js'
export {
  COMMITMENT_SALT_BYTES, COMMITMENT_BYTES, createCommitmentHasher, computeCommitment, commitmentOfStream,
  commitmentMatches, type CommitmentHasher
} from './commitment.js'
export {
  ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, X25519_KEY_BYTES, SIGNATURE_DOMAINS,
  signedMessage, ed25519Seed, ed25519PublicKey, x25519PublicKey, generateEd25519KeyPair, generateX25519KeyPair,
  signPayload, verifyPayload, credentialId, type SignatureDomain, type KeyPair
} from './signing.js'
export { CURVE_TABLE_WINDOW, DEFAULT_CURVE_KEY_CACHE, signEd25519, verifyEd25519, x25519SharedSecret, clearCurveCaches } from './curves.js'
export { systemRandom, type RandomSource } from './random.js'
export { sha256, bytesEqual, concatBytes, bytesToHex, hexToBytes, plain } from './bytes.js'
export { writeFileDurably, fsyncDirectory } from './durable.js'
