import { describe, it, expect } from 'vitest'
import { ledger, toBigInt } from '../../../../proto/index.js'
import {
  createLedgerRegistry, decodeLedgerEvent, ledgerMsgs, membershipMsgs, toBytes, LEDGER_MSG_NAMES, ChainInputError
} from '../../../../chain/client/index.js'

describe('chain/client wire edge', () => {
  it('registers every ledger Msg and round-trips a 64-bit value above 2^53 through a Msg', () => {
    const registry = createLedgerRegistry()
    for (const name of LEDGER_MSG_NAMES) expect(registry.lookupType(`/healthrelay.ledger.v1.${name}`), name).toBeDefined()
    const big = 2n ** 60n + 7n
    const any = registry.encodeAsAny(ledgerMsgs.revokeAccess('hr1signer', big))
    expect(toBigInt(ledger.MsgRevokeAccess.decode(any.value).grantId)).toBe(big)
    const grant = ledger.MsgGrantAccess.decode(registry.encodeAsAny(ledgerMsgs.grantAccess('hr1a', {
      subject: 'hr1a', grantee: { country: 'FR' }, tokenIds: ['ab'.repeat(32)], purposes: ['treatment'], notBefore: -5n, expiresAt: 2n ** 62n
    })).value)
    expect(toBigInt(grant.expiresAt)).toBe(2n ** 62n)
    expect(toBigInt(grant.notBefore)).toBe(-5n)
    expect(Buffer.from(grant.tokenIds[0]!).toString('hex')).toBe('ab'.repeat(32))
  })

  it('validates ids at the edge', () => {
    expect(() => toBytes('zz', 'id')).toThrow(ChainInputError)
    expect(() => toBytes('abcd', 'id', 32)).toThrow(/32 bytes/)
    expect(toBytes('0xABCD', 'id')).toEqual(Uint8Array.from([0xab, 0xcd]))
    expect(() => ledgerMsgs.mintRecordTokens('hr1a', [{ id: 'ab', subject: 'hr1b', commitment: 'cd'.repeat(32), sealedMetadata: new Uint8Array(1) }])).toThrow(ChainInputError)
    expect(() => ledgerMsgs.setRecordStatus('hr1a', 'ab'.repeat(32), 'gone' as never)).toThrow(/unknown record status/)
  })

  it('encodes a proposal\'s messages as Any with type_url', () => {
    const registry = createLedgerRegistry()
    const msg = ledgerMsgs.submitProposal('hr1p', 't', 's', [membershipMsgs.removeMember('hr1gov', 'US')], (m) => registry.encodeAsAny(m))
    const decoded = ledger.MsgSubmitProposal.decode(registry.encodeAsAny(msg).value)
    expect(decoded.messages[0]!.type_url).toBe('/healthrelay.ledger.v1.MsgRemoveMember')
    expect(ledger.MsgRemoveMember.decode(decoded.messages[0]!.value ?? new Uint8Array()).country).toBe('US')
  })

  it('decodes typed ledger events from ABCI attributes', () => {
    expect(decodeLedgerEvent({
      type: 'healthrelay.ledger.v1.EventGrantCreated',
      attributes: [{ key: 'grant_id', value: '18446744073709551615' }, { key: 'subject', value: 'hr1s' }, { key: 'grantee_country', value: 'FR' }]
    })).toEqual({ type: 'GrantCreated', grantId: 18446744073709551615n, subject: 'hr1s', granteeCountry: 'FR' })
    expect(decodeLedgerEvent({
      type: 'healthrelay.ledger.v1.EventTokenMinted',
      attributes: [{ key: 'token_id', value: 'AB'.repeat(32) }, { key: 'subject', value: 'hr1s' }, { key: 'custodian', value: 'DE' }, { key: 'supersedes', value: '' }]
    })).toEqual({ type: 'TokenMinted', tokenId: 'ab'.repeat(32), subject: 'hr1s', custodian: 'DE' })
    expect(decodeLedgerEvent({ type: 'healthrelay.ledger.v1.EventAccessRecorded', attributes: [{ key: 'token_id', value: 'x' }] })).toBeUndefined()
    expect(decodeLedgerEvent({ type: 'transfer', attributes: [] })).toBeUndefined()
  })
})
