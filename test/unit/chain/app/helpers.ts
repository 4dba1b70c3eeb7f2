import { randomBytes } from 'node:crypto'
import type { EncodeObject } from '@cosmjs/proto-signing'
import type { ExecTxResult } from 'cosmjs-types/tendermint/abci/types'
import { TxMsgData } from 'cosmjs-types/cosmos/base/abci/v1beta1/abci'
import { ledger } from '../../../../proto/index.js'
import { testKey, type TestChain } from '../../../../chain/app/testing.js'
import type { OperatorKey } from '../../../../chain/app/index.js'

export function msg (name: string, value: object): EncodeObject {
  return { typeUrl: `/healthrelay.ledger.v1.${name}`, value }
}

export const id32 = (): Uint8Array => new Uint8Array(randomBytes(32))

export function expectOk (r: ExecTxResult): ExecTxResult {
  if (r.code !== 0) throw new Error(`tx failed: code ${r.code} ${r.codespace}: ${r.log}`)
  return r
}

/** The Msg responses of a successful tx. */
export function responses (r: ExecTxResult): Array<{ typeUrl: string, value: Uint8Array }> {
  return TxMsgData.decode(r.data).msgResponses
}

export function query<T> (chain: TestChain, method: string, req: { encode: (m: never) => { finish: () => Uint8Array } }, value: object, res: { decode: (b: Uint8Array) => T }): T {
  const out = chain.app.query({ path: `/healthrelay.ledger.v1.Query/${method}`, data: req.encode(value as never).finish(), height: 0n, prove: false })
  if (out.code !== 0) throw new Error(`query ${method} failed: ${out.code} ${out.log}`)
  return res.decode(out.value)
}

export function enrollMsg (operator: OperatorKey, patient: OperatorKey): EncodeObject {
  return msg('MsgEnrollSubject', { operator: operator.address, subject: patient.address, publicKey: patient.publicKey, x25519PublicKey: new Uint8Array(32).fill(7) })
}

export function mintMsg (operator: OperatorKey, subject: string, ids: Uint8Array[], supersedes?: Uint8Array): EncodeObject {
  return msg('MsgMintRecordTokens', {
    custodian: operator.address,
    tokens: ids.map((id) => ({ id, subject, commitment: new Uint8Array(32).fill(2), sealedMetadata: new Uint8Array(48).fill(3), supersedes }))
  })
}

/** Enrols a patient at `country`'s operator and mints `n` tokens; returns the patient and token ids. */
export async function patientWithTokens (chain: TestChain, country: string, label: string, n = 1): Promise<{ patient: OperatorKey, ids: Uint8Array[] }> {
  const op = chain.members[country]?.operator
  if (op === undefined) throw new Error(`no member ${country}`)
  const patient = testKey(label)
  expectOk(await chain.send(op, [enrollMsg(op, patient)]))
  const ids = Array.from({ length: n }, id32)
  if (n > 0) expectOk(await chain.send(op, [mintMsg(op, patient.address, ids)]))
  return { patient, ids }
}

export { ledger }
