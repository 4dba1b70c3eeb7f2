import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { locationKey, tokenIdFromHex, tokenIdToHex, RAW_CODEC } from '../../../../relay/location/index.js'

describe('locationKey', () => {
  it('is CID v1, raw codec, sha2-256 of the token id bytes', () => {
    const tokenId = new Uint8Array(32).map((_, i) => i)
    const cid = locationKey(tokenId)
    expect(cid.version).toBe(1)
    expect(cid.code).toBe(RAW_CODEC)
    expect(cid.multihash.code).toBe(0x12)
    expect(Buffer.from(cid.multihash.digest)).toEqual(createHash('sha256').update(tokenId).digest())
    // every peer derives the same string form
    expect(CID.parse(cid.toString()).equals(cid)).toBe(true)
    expect(cid.toString()).toBe(locationKey(new Uint8Array(tokenId)).toString())
  })

  it('refuses anything but 32 bytes', () => {
    expect(() => locationKey(new Uint8Array(31))).toThrow(expect.objectContaining({ name: 'InvalidTokenIdError' }))
    expect(() => locationKey(new Uint8Array(33))).toThrow(expect.objectContaining({ name: 'InvalidTokenIdError' }))
  })

  it('converts token ids to and from lower-case hex', () => {
    const hex = 'AB'.repeat(32)
    const id = tokenIdFromHex(hex)
    expect(tokenIdToHex(id)).toBe('ab'.repeat(32))
    expect(() => tokenIdFromHex('ab')).toThrow(expect.objectContaining({ name: 'InvalidTokenIdError' }))
    expect(() => tokenIdFromHex('zz'.repeat(32))).toThrow(expect.objectContaining({ name: 'InvalidTokenIdError' }))
  })
})
