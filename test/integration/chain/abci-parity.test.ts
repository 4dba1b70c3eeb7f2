/**
 * One state machine, two drivers: transactions sent with cosmjs through the embedded engine are
 * replayed, block by block (same txs, same times), through the ABCI socket server by a client
 * playing CometBFT's role; the app hash agrees at every height, and an ABCI restart mid-chain
 * resumes from Info.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import { DirectSecp256k1Wallet } from '@cosmjs/proto-signing'
import { SigningStargateClient, GasPrice } from '@cosmjs/stargate'
import { x25519 } from '@noble/curves/ed25519.js'
import { createEngine, BlockStoreReader, CHAIN_DB_FILE, type Engine } from '../../../chain/engine/index.js'
import { createLedgerApp, buildGenesisDoc, validatorKeyFromSeed, validatorKeyJson, GOVERNANCE_ADDRESS } from '../../../chain/app/index.js'
import { ledgerRegistry, testKey } from '../../../chain/app/testing.js'
import { createAbciServer, openAppDatabases, type AbciServer } from '../../../chain/abci/index.js'
import { toLong, ledgerTypeUrl } from '../../../proto/index.js'
import { CometDriver } from '../../helpers/comet-driver.js'

const CHAIN_ID = 'healthrelay-parity-1'
const countries = ['DE', 'FR', 'US'] as const
const operators = Object.fromEntries(countries.map((c) => [c, testKey(`parity-${c}-operator`)]))
const regulators = Object.fromEntries(countries.map((c) => [c, testKey(`parity-${c}-regulator`)]))
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

// protobufjs names the field of an embedded google.protobuf.Any `type_url`
function registerRegulatorAny (): { type_url: string, value: Uint8Array } {
  const any = ledgerRegistry().encodeAsAny({
    typeUrl: ledgerTypeUrl('MsgRegisterRegulator'),
    value: { authority: GOVERNANCE_ADDRESS, regulator: { account: testKey('parity-FR-regulator-2').address, jurisdiction: 'FR' } }
  })
  return { type_url: any.typeUrl, value: any.value }
}

let root: string
let engineHome: string
let appState: string
let genesisTime: Date
let engine: Engine | undefined

async function clientFor (label: string, key: { privateKey: Uint8Array }): Promise<{ client: SigningStargateClient, address: string, label: string }> {
  const wallet = await DirectSecp256k1Wallet.fromKey(key.privateKey, 'hr')
  const [account] = await wallet.getAccounts()
  const client = await SigningStargateClient.connectWithSigner(engine!.rpcUrl, wallet, {
    registry: ledgerRegistry(), gasPrice: GasPrice.fromString('0uhr'), broadcastPollIntervalMs: 50
  })
  return { client, address: account!.address, label }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'hr-parity-'))
  engineHome = join(root, 'engine')
  mkdirSync(join(engineHome, 'config'), { recursive: true })
  const validator = validatorKeyFromSeed(randomBytes(32))
  genesisTime = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000)
  const doc = buildGenesisDoc({
    chainId: CHAIN_ID,
    genesisTime: genesisTime.toISOString(),
    members: countries.map((c) => ({ country: c, operator: operators[c]!, regulator: regulators[c]! })),
    validator
  })
  appState = JSON.stringify(doc.app_state)
  writeFileSync(join(engineHome, 'genesis.json'), JSON.stringify(doc, null, 2))
  writeFileSync(join(engineHome, 'config', 'priv_validator_key.json'), JSON.stringify(validatorKeyJson(validator), null, 2), { mode: 0o600 })
  engine = createEngine({ home: engineHome, rpcListen: '127.0.0.1:0', blockTimeMs: 150 }, {
    createApp: (deps) => createLedgerApp(deps)
  })
  await engine.start()
})

afterAll(async () => {
  await engine?.stop()
  rmSync(root, { recursive: true, force: true })
})

describe('the ledger app under the embedded engine and under ABCI', () => {
  it('gives the same app hash at every height, and an ABCI restart resumes from Info', async () => {
    // --- a realistic stream through the engine, with real cosmjs -----------------------------
    const de = await clientFor('DE', operators.DE!)
    const fr = await clientFor('FR', operators.FR!)
    const patients = [0, 1, 2].map((i) => testKey(`parity-patient-${i}`))
    const enrol = await de.client.signAndBroadcast(de.address, patients.map((p) => ({
      typeUrl: ledgerTypeUrl('MsgEnrollSubject'),
      value: { operator: de.address, subject: p.address, publicKey: p.publicKey, x25519PublicKey: x25519.getPublicKey(x25519.utils.randomSecretKey()) }
    })), 'auto')
    expect(enrol.code).toBe(0)

    const tokenIds = patients.map(() => randomBytes(32))
    const [mint, proposal] = await Promise.all([
      de.client.signAndBroadcast(de.address, [{
        typeUrl: ledgerTypeUrl('MsgMintRecordTokens'),
        value: { custodian: de.address, tokens: patients.map((p, i) => ({ id: tokenIds[i], subject: p.address, commitment: randomBytes(32), sealedMetadata: randomBytes(64) })) }
      }], 'auto'),
      fr.client.signAndBroadcast(fr.address, [{
        typeUrl: ledgerTypeUrl('MsgSubmitProposal'),
        value: {
          proposer: fr.address,
          title: 'register the FR regulator again',
          summary: 'a governance round for the parity test',
          messages: [registerRegulatorAny()]
        }
      }], 'auto')
    ])
    expect(mint.code).toBe(0)
    expect(proposal.code).toBe(0)

    const grants = await Promise.all(patients.map(async (p, i) => {
      const c = await clientFor(`patient-${i}`, p)
      const now = BigInt(Math.floor(Date.now() / 1000))
      return await c.client.signAndBroadcast(c.address, [{
        typeUrl: ledgerTypeUrl('MsgGrantAccess'),
        value: {
          granter: p.address, subject: p.address, grantee: { country: 'FR' }, tokenIds: [tokenIds[i]], purposes: ['treatment'],
          notBefore: toLong(now - 10n), expiresAt: toLong(now + 86_400n)
        }
      }], 'auto')
    }))
    for (const g of grants) expect(g.code).toBe(0)
    // a rejected tx (wrong signer) is part of the block too, with its error code
    const wrong = await fr.client.signAndBroadcast(fr.address, [{
      typeUrl: ledgerTypeUrl('MsgMintRecordTokens'),
      value: { custodian: de.address, tokens: [{ id: randomBytes(32), subject: patients[0]!.address, commitment: randomBytes(32), sealedMetadata: new Uint8Array() }] }
    }], 'auto').catch((err: unknown) => err)
    expect(wrong).toBeInstanceOf(Error)

    const votes = await Promise.all([de, fr].map(async (c) => await c.client.signAndBroadcast(c.address, [{
      typeUrl: ledgerTypeUrl('MsgVote'), value: { voter: c.address, proposalId: toLong(1n, true), option: 1 }
    }], 'auto')))
    for (const v of votes) expect(v.code).toBe(0)
    for (const c of [de, fr]) c.client.disconnect()
    const lastHeight = engine!.height() + 1n
    for (let i = 0; i < 50 && engine!.height() < lastHeight; i++) await new Promise((r) => setTimeout(r, 100))
    await engine!.stop()
    engine = undefined

    // --- the engine's blocks, as stored ---------------------------------------------------------
    const db = new Database(join(engineHome, CHAIN_DB_FILE), { readonly: true })
    const store = new BlockStoreReader(db)
    const top = store.latestHeight()
    const blocks: Array<{ height: bigint, txs: readonly Uint8Array[], timeMs: number, appHash: string }> = []
    for (let h = 1n; h <= top; h++) {
      const b = store.block(h)!
      blocks.push({ height: h, txs: b.txs, timeMs: b.header.timeMs, appHash: hex(b.finalize.appHash) })
    }
    db.close()
    expect(blocks.filter((b) => b.txs.length > 0).length).toBeGreaterThanOrEqual(4)

    // --- the same blocks through the ABCI socket ----------------------------------------------
    const abciHome = join(root, 'abci')
    const half = Math.floor(blocks.length / 2)
    let compared = 0
    const runAbci = async (from: number, to: number): Promise<bigint> => {
      const { db: w, readDb: r } = openAppDatabases(abciHome)
      const app = createLedgerApp({ db: w, readDb: r })
      const server: AbciServer = createAbciServer({ listen: 'tcp://127.0.0.1:0' }, { app })
      await server.start()
      const port = Number(/:(\d+)$/.exec(server.address())![1])
      const driver = await CometDriver.connect({ port, chainId: CHAIN_ID, appState, genesisTime, seed: from + 7 })
      const info = await driver.handshake()
      try {
        for (const b of blocks.slice(from, to)) {
          for (const tx of b.txs) expect((await driver.checkTx(tx)).code).toBe(0)
          const out = await driver.block(new Date(b.timeMs))
          expect(out.height).toBe(b.height)
          expect(hex(out.appHash)).toBe(b.appHash)
          compared++
        }
      } finally {
        driver.close()
        await server.stop()
        app.close(); w.close(); r.close()
      }
      return info.lastBlockHeight
    }
    expect(await runAbci(0, half)).toBe(0n)
    // restart: the handshake reports where the application stopped, and the chain goes on
    expect(await runAbci(half, blocks.length)).toBe(BigInt(half))
    expect(compared).toBe(blocks.length)
  })
})
