/**
 * A signer bound to one account: signs with SIGN_MODE_DIRECT through cosmjs's
 * `SigningStargateClient`, estimates gas by simulation (fee "auto" at a zero gas price: the chain
 * charges no fees), keeps the account's next sequence locally so several txs can be in flight, and
 * waits for inclusion. Failures become `ChainTxError` with code, codespace and tx hash.
 */
import { sha256 } from '@cosmjs/crypto'
import { toHex } from '@cosmjs/encoding'
import { makeAuthInfoBytes, type EncodeObject, type OfflineDirectSigner, type Registry } from '@cosmjs/proto-signing'
import { PubKey } from 'cosmjs-types/cosmos/crypto/secp256k1/keys'
import { calculateFee, GasPrice, SigningStargateClient } from '@cosmjs/stargate'
import type { CometClient } from '@cosmjs/tendermint-rpc'
import { SimulateRequest, SimulateResponse } from 'cosmjs-types/cosmos/tx/v1beta1/service'
import { TxBody, TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx'
import { TxMsgData } from 'cosmjs-types/cosmos/base/abci/v1beta1/abci'
import { SignMode } from 'cosmjs-types/cosmos/tx/signing/v1beta1/signing'
import type { ComponentLogger } from '../../common/logger.js'
import { ChainTxError, ChainTxTimeoutError } from './errors.js'
import { decodeLedgerEvents } from './events.js'
import type { AnyMsg, TxOutcome } from './types.js'

export const SDK_CODESPACE = 'sdk'
export const SEQUENCE_MISMATCH_CODE = 32

export interface SignerInit {
  chainId: string
  gasPrice: string
  gasMultiplier: number
  broadcastPollIntervalMs: number
  broadcastTimeoutMs: number
}

export interface RawSigner {
  readonly address: string
  /** Signs, broadcasts (sync) and waits for the block; resolves to the Msg responses. */
  send: (msgs: readonly EncodeObject[], memo?: string) => Promise<TxOutcome<readonly AnyMsg[]>>
}

const SIMULATE_PATH = '/cosmos.tx.v1beta1.Service/Simulate'

export async function createRawSigner (
  comet: CometClient, wallet: OfflineDirectSigner, registry: Registry, init: SignerInit, log: ComponentLogger
): Promise<RawSigner> {
  const [account] = await wallet.getAccounts()
  if (account === undefined) throw new ChainTxError(0, 'client', '', 'the wallet holds no account')
  const address = account.address
  const gasPrice = GasPrice.fromString(init.gasPrice)
  const client = SigningStargateClient.createWithSigner(comet, wallet, {
    registry, gasPrice, broadcastPollIntervalMs: init.broadcastPollIntervalMs, broadcastTimeoutMs: init.broadcastTimeoutMs
  })
  const pubkey = { typeUrl: '/cosmos.crypto.secp256k1.PubKey', value: PubKey.encode({ key: account.pubkey }).finish() }
  let accountNumber: bigint | undefined
  let nextSequence: bigint | undefined
  let lock: Promise<unknown> = Promise.resolve()

  const simulate = async (msgs: readonly EncodeObject[], memo: string, sequence: bigint): Promise<bigint> => {
    const bodyBytes = TxBody.encode(TxBody.fromPartial({ messages: msgs.map((m) => registry.encodeAsAny(m)), memo })).finish()
    const authInfoBytes = makeAuthInfoBytes([{ pubkey, sequence }], [], 0, undefined, undefined, SignMode.SIGN_MODE_UNSPECIFIED)
    const txBytes = TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [new Uint8Array(0)] }).finish()
    const res = await comet.abciQuery({ path: SIMULATE_PATH, data: SimulateRequest.encode(SimulateRequest.fromPartial({ txBytes })).finish() })
    if (res.code !== undefined && res.code !== 0) throw new ChainTxError(res.code, res.codespace, '', res.log ?? 'simulation failed')
    return SimulateResponse.decode(res.value).gasInfo?.gasUsed ?? 0n
  }

  /**
   * Gas by simulation. The application simulates against committed state, where a tx that follows
   * others still in the mempool has a sequence ahead of the account's: gas does not depend on the
   * sequence's value, so simulate again with the sequence the refusal names (SDK wording).
   */
  const estimateGas = async (msgs: readonly EncodeObject[], memo: string, sequence: bigint): Promise<bigint> => {
    let trying = sequence
    for (let attempt = 0; ; attempt++) {
      try {
        return await simulate(msgs, memo, trying)
      } catch (err) {
        if (!(err instanceof ChainTxError) || err.code !== SEQUENCE_MISMATCH_CODE || err.codespace !== SDK_CODESPACE || attempt >= 3) throw err
        const expected = /expected (\d+)/.exec(err.log)?.[1]
        if (expected === undefined || BigInt(expected) === trying) throw err
        trying = BigInt(expected)
      }
    }
  }

  const signAndSubmit = async (msgs: readonly EncodeObject[], memo: string): Promise<string> => {
    if (accountNumber === undefined || nextSequence === undefined) {
      const acc = await client.getAccount(address)
      if (acc === null) throw new ChainTxError(0, SDK_CODESPACE, '', `account ${address} does not exist on chain`)
      accountNumber = acc.accountNumber
      nextSequence = BigInt(acc.sequence)
    }
    const sequence = nextSequence
    const gasUsed = await estimateGas(msgs, memo, sequence)
    const gas = Math.ceil(Number(gasUsed) * init.gasMultiplier)
    const fee = calculateFee(gas, gasPrice)
    const raw = await client.sign(address, [...msgs], fee, memo, { accountNumber, sequence: Number(sequence), chainId: init.chainId })
    const bytes = TxRaw.encode(raw).finish()
    const txHash = toHex(sha256(bytes)).toUpperCase()
    const res = await comet.broadcastTxSync({ tx: bytes })
    if (res.code !== 0) {
      if (res.codespace === SDK_CODESPACE && res.code === SEQUENCE_MISMATCH_CODE) nextSequence = undefined
      throw new ChainTxError(res.code, res.codespace ?? '', txHash, res.log ?? '')
    }
    nextSequence = sequence + 1n
    return txHash
  }

  const waitForTx = async (txHash: string): Promise<TxOutcome<readonly AnyMsg[]>> => {
    const deadline = Date.now() + init.broadcastTimeoutMs
    const hash = Buffer.from(txHash, 'hex')
    while (Date.now() < deadline) {
      try {
        const tx = await comet.tx({ hash })
        const r = tx.result
        if (r.code !== 0) throw new ChainTxError(r.code, r.codespace ?? '', txHash, r.log ?? '', BigInt(tx.height))
        const data = r.data === undefined || r.data.length === 0 ? [] : TxMsgData.decode(r.data).msgResponses
        return {
          txHash,
          height: BigInt(tx.height),
          gasUsed: r.gasUsed,
          value: data.map((a) => ({ typeUrl: a.typeUrl, value: a.value })),
          events: decodeLedgerEvents(r.events)
        }
      } catch (err) {
        if (err instanceof ChainTxError) throw err
        if (!(err instanceof Error) || !/not found/i.test(err.message)) throw err
      }
      await new Promise((resolve) => setTimeout(resolve, init.broadcastPollIntervalMs))
    }
    throw new ChainTxTimeoutError(txHash, init.broadcastTimeoutMs)
  }

  return {
    address,
    send: async (msgs, memo = '') => {
      // sign and submit one at a time (sequence order); wait for blocks concurrently
      const submitted = lock.then(async () => await signAndSubmit(msgs, memo))
      lock = submitted.catch(() => undefined)
      const txHash = await submitted
      log.debug({ txHash, msgs: msgs.map((m) => m.typeUrl) }, 'tx submitted')
      return await waitForTx(txHash)
    }
  }
}
