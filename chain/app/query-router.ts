/**
 * Routes `abci_query` paths: the ledger's queries, `/cosmos.auth.v1beta1.Query/Account` (a
 * BaseAccount, or code 38 with `rpc error: code = NotFound` for a missing account, which cosmjs
 * turns into null) and `/cosmos.tx.v1beta1.Service/Simulate` (gas_info and result).
 */
import { QueryAccountRequest, QueryAccountResponse } from 'cosmjs-types/cosmos/auth/v1beta1/query'
import { SimulateRequest, SimulateResponse } from 'cosmjs-types/cosmos/tx/v1beta1/service'
import { AbciCodeError, InvalidRequestError, NotFoundQueryError, UnknownRequestError } from './errors.js'
import type { SqliteReader } from './store.js'
import { K } from './keys.js'
import { BASE_ACCOUNT_TYPE_URL } from './state.js'
import { LEDGER_QUERY_PREFIX, ledgerQuery } from './queries.js'
import { isAddress } from './validation.js'
import { runTx, type TxEnv } from './tx.js'

export const ACCOUNT_QUERY_PATH = '/cosmos.auth.v1beta1.Query/Account'
export const SIMULATE_PATH = '/cosmos.tx.v1beta1.Service/Simulate'

export interface QueryEnv {
  reader: SqliteReader
  simulateEnv: () => TxEnv
}

function decode<T> (f: () => T): T {
  try { return f() } catch (err) {
    throw new InvalidRequestError(`rpc error: code = InvalidArgument desc = cannot decode the request: ${(err as Error).message}`)
  }
}

export function answerQuery (path: string, data: Uint8Array, env: QueryEnv): Uint8Array {
  if (path.startsWith(LEDGER_QUERY_PREFIX)) {
    const out = ledgerQuery(env.reader, path.slice(LEDGER_QUERY_PREFIX.length), data)
    if (out !== undefined) return out
  } else if (path === ACCOUNT_QUERY_PATH) {
    const req = decode(() => QueryAccountRequest.decode(data))
    if (!isAddress(req.address)) throw new InvalidRequestError(`rpc error: code = InvalidArgument desc = invalid address ${req.address.slice(0, 100)}`)
    const value = env.reader.get(K.account(req.address))
    if (value === undefined) throw new NotFoundQueryError(`rpc error: code = NotFound desc = account ${req.address} not found`)
    return QueryAccountResponse.encode({ account: { typeUrl: BASE_ACCOUNT_TYPE_URL, value } }).finish()
  } else if (path === SIMULATE_PATH) {
    const req = decode(() => SimulateRequest.decode(data))
    if (req.txBytes.length === 0) throw new InvalidRequestError('empty txBytes is not allowed')
    const out = runTx(env.simulateEnv(), req.txBytes)
    if (out.code !== 0) throw new AbciCodeError(out.code, out.codespace, out.log)
    return SimulateResponse.encode({
      gasInfo: { gasWanted: out.gasWanted, gasUsed: out.gasUsed },
      result: { data: out.data, log: out.log, events: out.events, msgResponses: out.msgResponses }
    }).finish()
  }
  throw new UnknownRequestError(`unknown query path ${path.slice(0, 200)}`)
}
