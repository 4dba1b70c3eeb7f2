import { describe, it, expect } from 'vitest'
import { randomBytes } from 'node:crypto'
import { BaseAccount } from 'cosmjs-types/cosmos/auth/v1beta1/auth'
import { PubKey } from 'cosmjs-types/cosmos/crypto/secp256k1/keys'
import { SignDoc } from 'cosmjs-types/cosmos/tx/v1beta1/tx'
import { TxMsgData } from 'cosmjs-types/cosmos/base/abci/v1beta1/abci'
import { encodeBaseAccount, encodeSignDoc, encodeTxMsgData } from '../../../../chain/app/cosmos-codec.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const T = '/cosmos.crypto.secp256k1.PubKey'

describe('cosmos codec', () => {
  it('writes the same bytes as cosmjs-types', () => {
    for (const [num, seq, key] of [[0n, 0n, 0], [1n, 0n, 33], [2n ** 60n, 2n ** 63n + 5n, 33], [7n, 1n, 0]] as const) {
      const publicKey = new Uint8Array(randomBytes(key))
      const ours = encodeBaseAccount('hr1abc', publicKey, num, seq, T)
      const theirs = BaseAccount.encode(BaseAccount.fromPartial({
        address: 'hr1abc', accountNumber: num, sequence: seq,
        pubKey: key === 0 ? undefined : { typeUrl: T, value: PubKey.encode({ key: publicKey }).finish() }
      })).finish()
      expect(hex(ours)).toBe(hex(theirs))
      const body = new Uint8Array(randomBytes(300))
      const auth = new Uint8Array(randomBytes(90))
      expect(hex(encodeSignDoc(body, auth, 'chain-1', num))).toBe(hex(SignDoc.encode({ bodyBytes: body, authInfoBytes: auth, chainId: 'chain-1', accountNumber: num }).finish()))
    }
    const responses = [{ typeUrl: '/a.B', value: new Uint8Array([1, 2]) }, { typeUrl: '/c.D', value: new Uint8Array(0) }]
    expect(hex(encodeTxMsgData(responses))).toBe(hex(TxMsgData.encode(TxMsgData.fromPartial({ msgResponses: responses })).finish()))
    expect(TxMsgData.decode(encodeTxMsgData(responses)).msgResponses.map((r) => r.typeUrl)).toEqual(['/a.B', '/c.D'])
  })
})
