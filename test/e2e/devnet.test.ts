/**
 * `healthrelay devnet` as a newcomer runs it (a real process): it starts what this build
 * contains, says which, serves the chain's RPC, stops cleanly on Ctrl-C and reuses its data.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const home = mkdtempSync(join(tmpdir(), 'hr-devnet-e2e-'))
const offset = 20_000 + Math.floor(Math.random() * 20_000)
afterAll(() => { rmSync(home, { recursive: true, force: true }) })

interface Run { child: ChildProcess, out: () => string, exit: Promise<number | null> }

function start (): Run {
  const child = spawn(process.execPath, [join(root, 'bin/healthrelay.js'), '--home', home, 'devnet', '--ports-offset', String(offset)], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr.on('data', (c: Buffer) => { out += c.toString() })
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => { r(code) }))
  return { child, out: () => out, exit }
}

async function waitFor (run: Run, pattern: RegExp, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!pattern.test(run.out())) {
    if (run.child.exitCode !== null) throw new Error(`devnet exited early:\n${run.out()}`)
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${run.out()}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

describe('healthrelay devnet', () => {
  it('starts the chain, says what it started, stops on Ctrl-C and reuses its data', async () => {
    const first = start()
    try {
      await waitFor(first, /started: chain healthrelay-devnet-1 at height \d+, RPC http:\/\/127\.0\.0\.1:(\d+)/)
      expect(first.out()).toMatch(/created a chain in .*members DE, FR, US/)
      expect(first.out()).toMatch(/not started yet: the DE, FR and US nodes/)
      const port = 26657 + offset
      const status = await (await fetch(`http://127.0.0.1:${port}/status`)).json() as { result: { node_info: { network: string } } }
      expect(status.result.node_info.network).toBe('healthrelay-devnet-1')
      const policies = await (await fetch(`http://127.0.0.1:${port}/abci_query?path=%22/healthrelay.ledger.v1.Query/Policies%22`)).json() as { result: { response: { code: number, value: string } } }
      expect(policies.result.response.code).toBe(0)
      expect(Buffer.from(policies.result.response.value, 'base64').toString('latin1')).toContain('EU')
    } finally {
      first.child.kill('SIGINT')
    }
    expect(await first.exit).toBe(0)
    expect(first.out()).toMatch(/devnet stopped on SIGINT/)
    expect(existsSync(join(home, 'chain', 'genesis.json'))).toBe(true)

    const second = start()
    try {
      await waitFor(second, /started: chain/)
      expect(second.out()).toMatch(/reusing the chain in/)
    } finally {
      second.child.kill('SIGTERM')
    }
    expect(await second.exit).toBe(0)
  })
})
