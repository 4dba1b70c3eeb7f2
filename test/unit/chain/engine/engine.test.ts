import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { Comet38Client } from '@cosmjs/tendermint-rpc'
import { sha256 } from '@noble/hashes/sha2.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { createEngine, hashHeader, voteSignBytes, type Engine, type BlockHeader } from '../../../../chain/engine/index.js'
import { kvApp } from './kv-app.js'
import { makeHome, type TestHome } from './home.js'

const enc = new TextEncoder()

function headerFromCosmjs (h: Awaited<ReturnType<Comet38Client['block']>>['block']['header']): BlockHeader {
  return {
    chainId: h.chainId,
    height: BigInt(h.height),
    timeMs: h.time.getTime(),
    appVersion: BigInt(h.version.app),
    lastBlockId: h.lastBlockId === null
      ? { hash: new Uint8Array(0), parts: { total: 0, hash: new Uint8Array(0) } }
      : { hash: h.lastBlockId.hash, parts: { total: h.lastBlockId.parts.total, hash: h.lastBlockId.parts.hash } },
    lastCommitHash: h.lastCommitHash,
    dataHash: h.dataHash,
    validatorsHash: h.validatorsHash,
    nextValidatorsHash: h.nextValidatorsHash,
    consensusHash: h.consensusHash,
    appHash: h.appHash,
    lastResultsHash: h.lastResultsHash,
    evidenceHash: h.evidenceHash,
    proposerAddress: h.proposerAddress
  }
}

describe('embedded engine with a KV application, through cosmjs Comet38Client', () => {
  let home: TestHome
  let engine: Engine
  let client: Comet38Client

  beforeAll(async () => {
    home = makeHome()
    engine = createEngine({ home: home.dir, rpcListen: '127.0.0.1:0', blockTimeMs: 50 }, { createApp: kvApp() })
    await engine.start()
    client = await Comet38Client.connect(engine.rpcUrl)
  })

  afterAll(async () => {
    client?.disconnect()
    await engine?.stop()
    home?.cleanup()
  })

  it('reports status as a CometBFT 0.38 node with the genesis chain id', async () => {
    const status = await client.status()
    expect(status.nodeInfo.network).toBe('kv-test-1')
    expect(status.nodeInfo.version).toBe('0.38.17')
    expect(status.syncInfo.latestBlockHeight).toBeGreaterThanOrEqual(1)
    expect(status.validatorInfo.pubkey?.algorithm).toBe('ed25519')
  })

  it('commits a tx sent with broadcast_tx_commit and finds it by hash and by event attribute', async () => {
    const tx = enc.encode('colour=blue')
    const res = await client.broadcastTxCommit({ tx })
    expect(res.checkTx.code).toBe(0)
    expect(res.txResult?.code).toBe(0)
    expect(res.height).toBeGreaterThan(0)
    expect(Buffer.from(res.hash).toString('hex')).toBe(Buffer.from(sha256(tx)).toString('hex'))

    const byHash = await client.tx({ hash: res.hash })
    expect(byHash.height).toBe(res.height)
    expect(Buffer.from(byHash.tx).toString()).toBe('colour=blue')

    const found = await client.txSearch({ query: "kv.key='colour'" })
    expect(found.totalCount).toBe(1)
    expect(found.txs[0]!.result.events[0]!.attributes.find((a) => a.key === 'value')?.value).toBe('blue')

    const q = await client.abciQuery({ path: '/store', data: enc.encode('colour') })
    expect(q.code).toBe(0)
    expect(Buffer.from(q.value).toString()).toBe('blue')
    expect(q.height).toBeGreaterThanOrEqual(res.height)
  })

  it('serves blocks whose id is the CometBFT header hash, chained by app hash and signed commits', async () => {
    const r1 = await client.broadcastTxCommit({ tx: enc.encode('chain=1') })
    const h = r1.height
    await client.broadcastTxCommit({ tx: enc.encode('chain=2') })
    const block = await client.block(h)
    const next = await client.block(h + 1)
    expect(block.block.txs.map((t) => Buffer.from(t).toString())).toContain('chain=1')
    expect(hashHeader(headerFromCosmjs(block.block.header))).toEqual(block.blockId.hash)
    expect(next.block.header.lastBlockId?.hash).toEqual(block.blockId.hash)
    // header.app_hash of h+1 = the app hash after block h
    const results = await client.blockResults(h)
    expect(results.results.length).toBe(block.block.txs.length)
    const info = await client.abciInfo()
    expect(info.lastBlockAppHash?.length).toBe(32)
    // the commit of block h (carried in block h+1) is signed by the validator
    const sig = next.block.lastCommit!.signatures[0]!
    const validators = await client.validators({})
    const pub = validators.validators[0]!.pubkey!.data
    const signBytes = voteSignBytes('kv-test-1', BigInt(h), { hash: block.blockId.hash, parts: block.blockId.parts }, sig.timestamp!.getTime())
    expect(ed25519.verify(sig.signature!, signBytes, pub)).toBe(true)
    expect(sig.validatorAddress).toEqual(block.block.header.proposerAddress)
  })

  it('answers blockchain, genesis, validators, health and num_unconfirmed_txs', async () => {
    const chain = await client.blockchain()
    expect(chain.blockMetas.length).toBeGreaterThan(0)
    expect(chain.blockMetas[0]!.header.height).toBe(chain.lastHeight)
    const genesis = await client.genesis()
    expect(genesis.chainId).toBe('kv-test-1')
    expect(genesis.appState).toEqual({ hello: 'world' })
    const validators = await client.validators({})
    expect(validators.total).toBe(1)
    expect(await client.health()).toBeNull()
    const unconfirmed = await client.numUnconfirmedTxs()
    expect(unconfirmed.total).toBeGreaterThanOrEqual(0)
  })
})
