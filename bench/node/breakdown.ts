/**
 * Where an idle node's memory goes: `npm run bench -- node breakdown [idleSeconds] [modes…]`.
 * The chain runs in this process and the FR node as a `healthrelay start` process (a peer to
 * connect to); the DE node runs in bench/node/stages.mjs, once per configuration (bare Node, the
 * sources through tsx, the compiled build, and the build with the daemon's V8 flags), which
 * prints process.memoryUsage() and V8 heap figures after each import and each part of createNode.
 * The table shows every stage's RSS and what it added.
 */
import { spawn, execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { createTestNetwork } from '../../test/integration/node/harness.js'

interface Mark {
  mode: string, stage: string, rss: number, rssAnon: number, rssFile: number, threads: number
  heapTotal: number, heapUsed: number, external: number, arrayBuffers: number, malloced: number
}

const idleSeconds = Number(process.argv[3] ?? 15)
const modes = process.argv.length > 4 ? process.argv.slice(4) : ['bare', 'src', 'dist', 'dist+flags']
const BIN = resolve('bin/healthrelay.js')
const STAGES = resolve('bench/node/stages.mjs')
await promisify(execFile)(process.execPath, ['bin/build.js'])

const net = await createTestNetwork({ countries: ['DE', 'FR'], label: 'bench-breakdown' })
await net.startChain()
const fr = spawn(process.execPath, [BIN, '--home', net.nodes.FR!.home, 'start', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, HEALTHRELAY_RUNTIME: 'dist' } })
try {
  for (const mode of modes) {
    // `dist+flags`: the build with the V8 flags bin/healthrelay.js gives the daemon (set at run time
    // by stages.mjs as by the bin); `dist:--a --b`: the build with these Node flags.
    const [base = mode, extra] = mode.split(':')
    const flags = extra?.split(' ').filter((f) => f !== '') ?? []
    const child = spawn(process.execPath, ['--expose-gc', ...flags, STAGES, base, net.nodes.DE!.home], {
      stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, IDLE_MS: String(idleSeconds * 1000) }
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    await new Promise((resolve) => child.once('exit', resolve))
    console.log(`\n${base}${flags.length > 0 ? ` (${flags.join(' ')})` : ''}`)
    console.log('stage                              RSS   +RSS  anon  file thr  heapUsed heapTotal external arrayBuf malloced (MiB)')
    let prev = 0
    for (const line of out.split('\n')) {
      if (!line.startsWith('{')) { if (line.trim() !== '') console.log(line); continue }
      const m = JSON.parse(line) as Mark
      const f = (n: number, w = 6): string => n.toFixed(1).padStart(w)
      console.log(`${m.stage.padEnd(32)} ${f(m.rss)} ${f(m.rss - prev)} ${f(m.rssAnon, 5)} ${f(m.rssFile, 5)} ${String(m.threads).padStart(3)} ${f(m.heapUsed, 9)} ${f(m.heapTotal, 9)} ${f(m.external, 8)} ${f(m.arrayBuffers, 8)} ${f(m.malloced, 8)}`)
      prev = m.rss
    }
  }
} finally {
  fr.kill('SIGTERM')
  await new Promise((resolve) => setTimeout(resolve, 1500))
  await net.cleanup()
}
