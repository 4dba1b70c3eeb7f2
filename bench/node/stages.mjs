// Where a node's memory goes: run by `npm run bench -- node breakdown` (bench/node/breakdown.ts),
// one fresh process per configuration:
//
//   node [flags] bench/node/stages.mjs <bare|src|dist> [home]
//
// bare: a bare Node process; src: the sources through tsx's loader (as bin/healthrelay.js without
// a build); dist: the compiled build; dist+flags: the build with the V8 flags that
// bin/healthrelay.js sets for the daemon (bin/node-flags.js). After each stage (imports of the big libraries one by one,
// then every part of createNode as it starts, then idle, then after a full GC when --expose-gc) it
// prints one JSON line of process.memoryUsage() and v8.getHeapStatistics() figures in MiB.
// Plain JavaScript, so that the dist configuration runs without tsx anywhere in the process.
import v8 from 'node:v8'
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { join, resolve } from 'node:path'

const [mode = 'bare', home] = process.argv.slice(2)
if (mode === 'dist+flags') {
  const { daemonFlags } = await import('../../bin/node-flags.js')
  for (const f of daemonFlags(['start'])) v8.setFlagsFromString(f)
}
const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..')
const MiB = (n) => Math.round(n / 1048576 * 10) / 10
const vmRss = () => {
  const s = readFileSync('/proc/self/status', 'utf8')
  const f = (k) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? 0) / 1024
  return { rssAnon: Math.round(f('RssAnon') * 10) / 10, rssFile: Math.round(f('RssFile') * 10) / 10, threads: Number(/Threads:\s+(\d+)/.exec(s)?.[1]) }
}
const mark = (stage) => {
  const m = process.memoryUsage()
  const h = v8.getHeapStatistics()
  console.log(JSON.stringify({
    mode,
    stage,
    rss: MiB(m.rss),
    ...vmRss(),
    heapTotal: MiB(m.heapTotal),
    heapUsed: MiB(m.heapUsed),
    external: MiB(m.external),
    arrayBuffers: MiB(m.arrayBuffers),
    malloced: MiB(h.malloced_memory),
    code: MiB(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'code_space')?.space_used_size ?? 0),
    physical: MiB(h.total_physical_size)
  }))
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const gc = async () => { if (typeof globalThis.gc === 'function') { globalThis.gc(); await sleep(100); globalThis.gc() } }

mark('start')
if (mode === 'bare') {
  await sleep(1000)
  await gc()
  mark('idle')
  process.exit(0)
}
const src = mode === 'src'
if (src) {
  const { register } = await import('tsx/esm/api')
  register()
  mark('tsx registered')
}
const at = (p) => pathToFileURL(join(root, src ? p : join('dist', p.replace(/\.ts$/, '.js')))).href
await import(at('common/polyfill.ts'))
mark('polyfill')
await import('pino')
await import(at('common/logger.ts'))
mark('pino')
await import('hono')
await import('@hono/node-server')
await import('zod')
mark('hono + zod')
await import('better-sqlite3')
mark('better-sqlite3')
await import('@cosmjs/stargate')
await import('@cosmjs/proto-signing')
await import('@cosmjs/tendermint-rpc')
mark('cosmjs')
await import(at('proto/index.ts'))
await import(at('chain/client/index.ts'))
mark('proto + chain client')
await import('libp2p')
await import('@libp2p/kad-dht')
await import('@chainsafe/libp2p-yamux')
await import('@chainsafe/libp2p-noise')
await import('@libp2p/tcp')
await import(at('relay/p2p/index.ts'))
mark('libp2p + kad-dht')
await import('@cedar-policy/cedar-wasm/nodejs')
mark('cedar-wasm instantiated')
await import('prom-client')
const { createNode } = await import(at('node/create-node.ts'))
mark('create-node imported')
await import(at('node/cli/main.ts'))
mark('cli imported (every command)')
if (home === undefined) process.exit(0)

const { loadConfig } = await import(at('node/config/index.ts'))
const { createLogger } = await import(at('common/logger.ts'))
// A logger that writes nothing but calls mark() when the lifecycle reports a part started.
const logger = createLogger({
  level: 'debug',
  destination: { write: (line) => { const o = JSON.parse(line); if (o.msg === 'started') mark(`part ${o.part}`) } }
})
const node = createNode(loadConfig(home), { home, logger })
await node.start()
mark('node started')
await sleep(Number(process.env.IDLE_MS ?? 15000))
mark('idle')
await gc()
mark('idle after gc')
if (process.env.SPACES === '1') {
  for (const sp of v8.getHeapSpaceStatistics()) console.error(`  ${sp.space_name.padEnd(28)} size ${MiB(sp.space_size)} used ${MiB(sp.space_used_size)} physical ${MiB(sp.physical_space_size)}`)
  const cs = v8.getHeapCodeStatistics()
  console.error(`  code: bytecode+metadata ${MiB(cs.bytecode_and_metadata_size)}, code+metadata ${MiB(cs.code_and_metadata_size)}, external scripts ${MiB(cs.external_script_source_size)}`)
}
if (process.env.SNAPSHOT !== undefined) v8.writeHeapSnapshot(process.env.SNAPSHOT)
await node.stop()
process.exit(0)
