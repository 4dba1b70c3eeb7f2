import { describe, it, expect } from 'vitest'
import { Registry } from '@cosmjs/proto-signing'
import { defaultRegistryTypes } from '@cosmjs/stargate'
import { ledger, relay, toBigInt, toLong, ledgerTypeUrl } from '../../../proto/index.js'

describe('generated wire types', () => {
  it('round-trip a 64-bit value above 2^53 through bigint ↔ Long at the edge', () => {
    const big = 2n ** 60n + 12345n
    const bytes = ledger.MsgRevokeAccess.encode({ signer: 'hr1x', grantId: toLong(big, true) }).finish()
    const back = ledger.MsgRevokeAccess.decode(bytes)
    expect(toBigInt(back.grantId)).toBe(big)
    const signed = -(2n ** 62n)
    const grant = ledger.Grant.decode(ledger.Grant.encode({ expiresAt: toLong(signed) }).finish())
    expect(toBigInt(grant.expiresAt)).toBe(signed)
  })

  it('rejects values that cannot be represented instead of writing 0', () => {
    expect(() => toLong(-1n, true)).toThrow(RangeError)
    expect(() => toLong(2n ** 64n, true)).toThrow(RangeError)
    expect(() => toBigInt(2 ** 60)).toThrow(RangeError)
  })

  it('plug into cosmjs Registry: encode an Any and decode it back', () => {
    const registry = new Registry([
      ...defaultRegistryTypes,
      [ledgerTypeUrl('MsgMintRecordTokens'), ledger.MsgMintRecordTokens]
    ])
    const id = new Uint8Array(32).fill(7)
    const any = registry.encodeAsAny({
      typeUrl: ledgerTypeUrl('MsgMintRecordTokens'),
      value: { custodian: 'hr1abc', tokens: [{ id, subject: 'hr1sub', commitment: new Uint8Array(32).fill(1) }] }
    })
    expect(any.typeUrl).toBe('/healthrelay.ledger.v1.MsgMintRecordTokens')
    const decoded = registry.decode(any) as { custodian: string, tokens: Array<{ id: Uint8Array }> }
    expect(decoded.custodian).toBe('hr1abc')
    expect(Array.from(decoded.tokens[0]?.id ?? [])).toEqual(Array.from(id))
  })

  it('carry relay frames with a oneof kind', () => {
    const frame = relay.ResponseFrame.encode({ segment: new Uint8Array([1, 2, 3]) }).finish()
    const back = relay.ResponseFrame.decode(frame)
    expect(back.kind).toBe('segment')
    expect(Array.from(back.segment ?? [])).toEqual([1, 2, 3])
  })
})
