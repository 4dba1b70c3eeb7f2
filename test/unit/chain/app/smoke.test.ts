import { describe, it, expect } from 'vitest'
import { createTestChain, testKey } from '../../../../chain/app/testing.js'
import { ledger } from '../../../../proto/index.js'

describe('smoke', () => {
  it('enrols and mints', async () => {
    const chain = createTestChain()
    try {
      const de = chain.members.DE!
      const patient = testKey('patient-1')
      const r1 = await chain.send(de.operator, [{ typeUrl: '/healthrelay.ledger.v1.MsgEnrollSubject', value: { operator: de.operator.address, subject: patient.address, publicKey: patient.publicKey, x25519PublicKey: new Uint8Array(32).fill(1) } }])
      expect(r1.log).toBe('')
      expect(r1.code).toBe(0)
      const r2 = await chain.send(de.operator, [{ typeUrl: '/healthrelay.ledger.v1.MsgMintRecordTokens', value: { custodian: de.operator.address, tokens: [{ id: new Uint8Array(32).fill(9), subject: patient.address, commitment: new Uint8Array(32).fill(2), sealedMetadata: new Uint8Array(10).fill(3) }] } }])
      expect(r2.log).toBe('')
      const q = chain.app.query({ path: '/healthrelay.ledger.v1.Query/Token', data: ledger.QueryTokenRequest.encode({ id: new Uint8Array(32).fill(9) }).finish(), height: 0n, prove: false })
      expect(q.code).toBe(0)
      expect(ledger.QueryTokenResponse.decode(q.value).token?.custodian).toBe('DE')
    } finally { chain.close() }
  })
})
