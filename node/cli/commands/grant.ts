import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import type { EncodeObject } from '@cosmjs/proto-signing'
import { InvalidInputError } from '../../../common/errors.js'
import { CATEGORIES as RECORD_CATEGORIES } from '../../../policies/vocabulary.js'
import { PURPOSES } from '../../../relay/protocol/constants.js'
import type { CliContext } from '../context.js'
import { DEFAULT_CHAIN_RPC } from '../defaults.js'

/** A patient's chain key file: `{ address, publicKey, privateKey }` (hex; secp256k1, compressed public key). */
export interface PatientKey { address: string, publicKey: Uint8Array, privateKey: Uint8Array }

export async function readPatientKeyFile (path: string): Promise<PatientKey> {
  const { secp256k1 } = await import('@noble/curves/secp256k1.js')
  const { chainAddress } = await import('../../keystore/index.js')
  let v: unknown
  try { v = JSON.parse(await readFile(path, 'utf8')) } catch (err) {
    throw new InvalidInputError(`${path}: not a readable JSON key file (${err instanceof Error ? err.message : String(err)})`)
  }
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>
  if (typeof o.privateKey !== 'string' || !/^[0-9a-f]{64}$/.test(o.privateKey)) throw new InvalidInputError(`${path}: privateKey must be 32 bytes of lower-case hex`)
  const privateKey = new Uint8Array(Buffer.from(o.privateKey, 'hex'))
  const publicKey = secp256k1.getPublicKey(privateKey, true)
  const address = chainAddress(publicKey)
  if (o.address !== undefined && o.address !== address) throw new InvalidInputError(`${path}: its address does not belong to its private key (that is ${address})`)
  if (o.publicKey !== undefined && o.publicKey !== Buffer.from(publicKey).toString('hex')) throw new InvalidInputError(`${path}: publicKey does not belong to its private key`)
  return { address, publicKey, privateKey }
}

const list = (v: string | undefined): string[] => v === undefined ? [] : v.split(',').map((s) => s.trim()).filter((s) => s !== '')

/** `Authorization: Patient …` for this node: fetches a challenge and signs it with the patient's key. */
export async function patientAuth (base: string, key: PatientKey): Promise<string> {
  const { callNode, requireOk } = await import('./record-common.js')
  const { patientAuthorization } = await import('../../services/patient-auth.js')
  const res = await requireOk(await callNode(`${base}/v1/auth/challenge?subject=${key.address}`, {}))
  const ch = await res.json() as { nonce?: unknown, nodeId?: unknown }
  if (typeof ch.nonce !== 'string' || typeof ch.nodeId !== 'string') throw new InvalidInputError('the node\'s challenge lacks nonce or nodeId')
  return patientAuthorization(ch.nodeId, key.address, ch.nonce, key.privateKey)
}

/** Signs `msgs` with the patient's key (account number and sequence read from `rpc`); base64 TxRaw. */
async function signTx (rpc: string, key: PatientKey, msgs: EncodeObject[]): Promise<string> {
  const { DirectSecp256k1Wallet } = await import('@cosmjs/proto-signing')
  const { SigningStargateClient } = await import('@cosmjs/stargate')
  const { TxRaw } = await import('cosmjs-types/cosmos/tx/v1beta1/tx')
  const { createLedgerRegistry } = await import('../../../chain/client/index.js')
  const wallet = await DirectSecp256k1Wallet.fromKey(key.privateKey, 'hr')
  const client = await SigningStargateClient.connectWithSigner(rpc, wallet, { registry: createLedgerRegistry() })
  try {
    const raw = await client.sign(key.address, msgs, { amount: [], gas: '5000000' }, '')
    return Buffer.from(TxRaw.encode(raw).finish()).toString('base64')
  } finally { client.disconnect() }
}

interface CreateOpts {
  node: string, key: string, grantee: string, purposes: string, categories?: string, tokens?: string, days: string, chainRpc: string, json?: boolean
}

/**
 * `healthrelay grant create|revoke`: the patient's side of consent. The patient's own chain key
 * signs MsgGrantAccess / MsgRevokeAccess; their node (authenticated by a signed challenge)
 * broadcasts it as is. Categories expand to the patient's minted records held by that node.
 */
export function registerGrant (grant: Command, ctx: CliContext): void {
  grant.command('create')
    .description('sign a grant with the patient\'s key and send it through their node; prints the grant id')
    .requiredOption('--node <url>', 'the patient\'s node API (their home country\'s), e.g. http://127.0.0.1:8080')
    .requiredOption('--key <file>', 'the patient\'s key file {address, publicKey, privateKey} (hex)')
    .requiredOption('--grantee <CC[:providerId]>', 'the country granted, optionally one provider of it')
    .requiredOption('--purposes <list>', `comma-separated: ${PURPOSES.join(', ')}`)
    .option('--categories <list>', `comma-separated categories, expanded to the patient's records (${RECORD_CATEGORIES.join(', ')})`)
    .option('--tokens <list>', 'comma-separated token ids')
    .option('--days <n>', 'days the grant lasts', '30')
    .option('--chain-rpc <url>', 'the chain RPC the tx is signed against (account number and sequence)', DEFAULT_CHAIN_RPC)
    .option('--json', 'print {grantId, tokenIds, txHash, height} as JSON')
    .action(async (opts: CreateOpts) => {
      const { ledgerMsgs } = await import('../../../chain/client/index.js')
      const { callNode, nodeUrl, requireOk } = await import('./record-common.js')
      const base = nodeUrl(opts.node)
      const g = /^([A-Z]{2})(?::(.{1,200}))?$/.exec(opts.grantee)
      if (g === null) throw new InvalidInputError('--grantee: CC or CC:providerId')
      const purposes = list(opts.purposes)
      const bad = purposes.filter((p) => !(PURPOSES as readonly string[]).includes(p))
      if (purposes.length === 0 || bad.length > 0) throw new InvalidInputError(`--purposes: one or more of ${PURPOSES.join(', ')}${bad.length > 0 ? ` (not ${bad.join(', ')})` : ''}`)
      const categories = list(opts.categories)
      const badCat = categories.filter((c) => !(RECORD_CATEGORIES as readonly string[]).includes(c))
      if (badCat.length > 0) throw new InvalidInputError(`--categories: unknown ${badCat.join(', ')}`)
      const tokens = list(opts.tokens)
      const badTok = tokens.filter((t) => !/^[0-9a-f]{64}$/.test(t))
      if (badTok.length > 0) throw new InvalidInputError(`--tokens: not token ids: ${badTok.join(', ')}`)
      if (categories.length === 0 && tokens.length === 0) throw new InvalidInputError('give --categories or --tokens (or both)')
      const days = Number(opts.days)
      if (!Number.isInteger(days) || days <= 0 || days > 3650) throw new InvalidInputError('--days: a whole number of days, 1 to 3650')
      const key = await readPatientKeyFile(opts.key)
      const auth = await patientAuth(base, key)
      const tokenIds = new Set(tokens)
      if (categories.length > 0) {
        const res = await requireOk(await callNode(`${base}/v1/subjects/${key.address}/records`, { headers: { authorization: auth } }))
        const { records } = await res.json() as { records: Array<{ tokenId: string, category: string, status: string }> }
        const matched = records.filter((r) => r.status === 'active' && categories.includes(r.category))
        if (matched.length === 0) throw new InvalidInputError(`no minted records of ${categories.join(', ')} for ${key.address} at this node`)
        for (const r of matched) tokenIds.add(r.tokenId)
      }
      const now = BigInt(Math.floor(Date.now() / 1000))
      const tx = await signTx(opts.chainRpc, key, [ledgerMsgs.grantAccess(key.address, {
        subject: key.address,
        grantee: { country: g[1] ?? '', ...(g[2] !== undefined ? { providerId: g[2] } : {}) },
        tokenIds: [...tokenIds], purposes, notBefore: now - 60n, expiresAt: now + BigInt(days) * 86_400n
      })])
      const res = await requireOk(await callNode(`${base}/v1/grants`, {
        method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ tx })
      }))
      const out = await res.json() as { grantId: string, txHash: string, height: string }
      if (opts.json === true) ctx.io.out(JSON.stringify({ ...out, tokenIds: [...tokenIds] }))
      else {
        ctx.io.out(out.grantId)
        ctx.io.err(`granted ${opts.grantee} ${purposes.join(', ')} on ${tokenIds.size} record(s) for ${days} days (tx ${out.txHash}, block ${out.height})`)
      }
    })

  grant.command('revoke')
    .description('revoke a grant, signed with the patient\'s key; effective at once')
    .argument('<id>', 'the grant id')
    .requiredOption('--node <url>', 'the patient\'s node API')
    .requiredOption('--key <file>', 'the patient\'s key file {address, publicKey, privateKey} (hex)')
    .option('--chain-rpc <url>', 'the chain RPC the tx is signed against', DEFAULT_CHAIN_RPC)
    .action(async (id: string, opts: { node: string, key: string, chainRpc: string }) => {
      const { ledgerMsgs } = await import('../../../chain/client/index.js')
      const { callNode, nodeUrl, requireOk } = await import('./record-common.js')
      if (!/^\d{1,20}$/.test(id)) throw new InvalidInputError('<id>: a grant id (decimal)')
      const base = nodeUrl(opts.node)
      const key = await readPatientKeyFile(opts.key)
      const auth = await patientAuth(base, key)
      const tx = await signTx(opts.chainRpc, key, [ledgerMsgs.revokeAccess(key.address, BigInt(id))])
      const res = await requireOk(await callNode(`${base}/v1/grants/${id}`, {
        method: 'DELETE', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ tx })
      }))
      const out = await res.json() as { txHash: string, height: string }
      ctx.io.out(`revoked grant ${id} in block ${out.height} (tx ${out.txHash})`)
    })
}
