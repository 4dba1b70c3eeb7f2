/**
 * `npm run bench -- ledger-app`: the ledger state machine alone (no RPC, no mempool): CheckTx and
 * FinalizeBlock + Commit per tx for mints of 1 and of 100 tokens, signed in advance by the
 * operators of 10 countries. Prints figures; never fails.
 */
import { randomBytes } from 'node:crypto'
import { CheckTxType } from 'cosmjs-types/tendermint/abci/types'
import { createTestChain, testKey } from '../../chain/app/testing.js'

const COUNTRIES = ['DE', 'FR', 'US', 'IT', 'ES', 'NL', 'BE', 'AT', 'PL', 'SE']
const chain = createTestChain({ countries: COUNTRIES, params: { rateMaxTxs: 1_000_000 } })
try {
  const subjects = COUNTRIES.map((c) => ({ country: c, subject: testKey(`bench-${c}`) }))
  chain.block(await Promise.all(subjects.map(async ({ country, subject }) => {
    const op = chain.members[country]?.operator
    if (op === undefined) throw new Error('no operator')
    return await chain.sign(op, [{ typeUrl: '/healthrelay.ledger.v1.MsgEnrollSubject', value: { operator: op.address, subject: subject.address, publicKey: subject.publicKey, x25519PublicKey: randomBytes(32) } }])
  })))
  for (const [perTx, txCount] of [[1, 2000], [100, 100]] as const) {
    const txs: Uint8Array[] = []
    for (let i = 0; i < txCount; i++) {
      const { country, subject } = subjects[i % subjects.length] ?? { country: 'DE', subject: testKey('x') }
      const op = chain.members[country]?.operator
      if (op === undefined) throw new Error('no operator')
      const tokens = Array.from({ length: perTx }, () => ({ id: randomBytes(32), subject: subject.address, commitment: randomBytes(32), sealedMetadata: randomBytes(120) }))
      txs.push(await chain.sign(op, [{ typeUrl: '/healthrelay.ledger.v1.MsgMintRecordTokens', value: { custodian: op.address, tokens } }], { pending: Math.floor(i / subjects.length) }))
    }
    const cpuMs = (start: NodeJS.CpuUsage): number => { const u = process.cpuUsage(start); return (u.user + u.system) / 1000 }
    let t = performance.now()
    let cpu = process.cpuUsage()
    const admitted = txs.filter((tx) => chain.app.checkTx({ tx, type: CheckTxType.NEW }).code === 0).length
    const checkMs = performance.now() - t
    const checkCpu = cpuMs(cpu)
    t = performance.now()
    cpu = process.cpuUsage()
    const ok = chain.block(txs).txResults.filter((r) => r.code === 0).length
    const blockMs = performance.now() - t
    const blockCpu = cpuMs(cpu)
    const tokens = ok * perTx
    console.log(`${perTx} token(s)/tx, ${txCount} txs: CheckTx ${(checkMs / txCount).toFixed(3)} ms/tx (${admitted} admitted); ` +
      `FinalizeBlock+Commit ${(blockMs / txCount).toFixed(3)} ms/tx (${ok} ok, one block); ` +
      `${Math.round(tokens / (blockMs / 1000))} tokens/s in the block, ${Math.round(tokens / ((checkMs + blockMs) / 1000))} tokens/s counting CheckTx; ` +
      `CPU ${(checkCpu / txCount).toFixed(3)} + ${(blockCpu / txCount).toFixed(3)} ms/tx → ${Math.round(tokens / ((checkCpu + blockCpu) / 1000))} tokens per CPU-second`)
  }
  console.log(`rss ${Math.round(process.memoryUsage().rss / 1048576)} MiB`)
} finally {
  chain.close()
}
