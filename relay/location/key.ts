/**
 * The DHT key of a record's location: CID v1, raw codec (0x55), sha2-256 multihash of the 32-byte
 * token id. Every peer computes the same key from the token id on chain.
 */
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { InvalidTokenIdError } from './errors.js'

export const TOKEN_ID_BYTES = 32
export const RAW_CODEC = 0x55
export const SHA2_256_CODE = 0x12

/** Throws InvalidTokenIdError unless `tokenId` is 32 bytes. */
export function assertTokenId (tokenId: Uint8Array): void {
  if (!(tokenId instanceof Uint8Array) || tokenId.length !== TOKEN_ID_BYTES) {
    throw new InvalidTokenIdError(`a token id is ${TOKEN_ID_BYTES} bytes`)
  }
}

/** The location key (CID) of a token id. */
export function locationKey (tokenId: Uint8Array): CID {
  assertTokenId(tokenId)
  return CID.createV1(RAW_CODEC, createDigest(SHA2_256_CODE, sha256(tokenId)))
}

/** Lower-case hex of a token id (the form ids travel in JSON and logs). */
export function tokenIdToHex (tokenId: Uint8Array): string {
  assertTokenId(tokenId)
  return bytesToHex(tokenId)
}

/** Parses 64 hex characters into a token id. */
export function tokenIdFromHex (hex: string): Uint8Array {
  if (typeof hex !== 'string' || !/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new InvalidTokenIdError('a token id is 64 hex characters')
  }
  return hexToBytes(hex.toLowerCase())
}
