/**
 * A small engine entry for the crash test: the real engine with the real ledger application on
 * `<home>` (argv[2]), RPC on 127.0.0.1 with a free port; prints `RPC <url>` once listening and
 * stops cleanly on SIGTERM. Loads only the chain (not the whole CLI), so it restarts quickly.
 */
import { createLedgerApp } from '../../../chain/app/index.js'
import { createEngine } from '../../../chain/engine/index.js'

const home = process.argv[2]
if (home === undefined) {
  process.stderr.write('usage: engine-child.ts <home> [blockTimeMs]\n')
  process.exit(2)
}
const engine = createEngine({ home, rpcListen: '127.0.0.1:0', blockTimeMs: Number(process.argv[3] ?? '50') }, { createApp: (deps) => createLedgerApp(deps) })
engine.start().then(() => {
  process.stdout.write(`RPC ${engine.rpcUrl}\n`)
  process.once('SIGTERM', () => { void engine.stop().then(() => { process.exit(0) }) })
}, (err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
