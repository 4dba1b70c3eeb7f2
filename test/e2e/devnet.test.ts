/**
 * `healthrelay devnet` as a newcomer runs it (a real process): the chain and the DE, FR and US
 * nodes on loopback, devnet.json in the shape of DESIGN.md §8, the walkthrough's first steps
 * through the CLI (discover by share code, record get writes the summary), Ctrl-C stops it with
 * exit 0 and a second run reuses its data without enrolling anyone again.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve, dirname, isAbsolute } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const home = mkdtempSync(join(tmpdir(), 'hr-devnet-e2e-'))
const offset = 20_000 + Math.floor(Math.random() * 20_000)
afterAll(() => { rmSync(home, { recursive: true, force: true }) })

interface Run { child: ChildProcess, out: () => string, exit: Promise<number | null> }

function run (argv: string[]): Run {
  const child = spawn(process.execPath, [join(root, 'bin/healthrelay.js'), ...argv], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr.on('data', (c: Buffer) => { out += c.toString() })
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => { r(code) }))
  return { child, out: () => out, exit }
}

const start = (): Run => run(['--home', home, 'devnet', '--ports-offset', String(offset)])

async function cli (...argv: string[]): Promise<{ code: number | null, out: string }> {
  const r = run(argv)
  const code = await r.exit
  return { code, out: r.out() }
}

async function waitFor (r: Run, pattern: RegExp, ms = 150_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!pattern.test(r.out())) {
    if (r.child.exitCode !== null) throw new Error(`devnet exited early:\n${r.out()}`)
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${r.out()}`)
    await new Promise((res) => setTimeout(res, 200))
  }
}

interface Country { api: string, peerId: string, multiaddr: string, apiKeys: Record<string, string>, provider: { id: string, keyFile: string }, regulator: { keyFile: string } }
interface Patient { name: string, country: string, subject: string, keyFile: string, shareCode: string, records: Array<{ tokenId: string, category: string }>, grants: Array<{ id: string, grantee: string, purposes: string[] }> }
interface DevnetFile { chain: { rpc: string, chainId: string }, countries: Record<string, Country>, patients: Patient[] }

describe('healthrelay devnet', () => {
  it('starts the chain and three nodes, writes devnet.json, serves the walkthrough, stops on Ctrl-C and reuses its data', async () => {
    const first = start()
    let file: DevnetFile
    try {
      await waitFor(first, /Ctrl-C stops the devnet/)
      expect(first.out()).toMatch(/created node homes for DE, FR, US/)
      file = JSON.parse(readFileSync(join(home, 'devnet.json'), 'utf8')) as DevnetFile
      expect(file.chain).toEqual({ rpc: `http://127.0.0.1:${26657 + offset}`, chainId: 'healthrelay-devnet-1' })
      expect(Object.keys(file.countries).sort()).toEqual(['DE', 'FR', 'US'])
      for (const [i, c] of ['DE', 'FR', 'US'].entries()) {
        const n = file.countries[c]!
        expect(n.api).toBe(`http://127.0.0.1:${8081 + i + offset}`)
        expect(n.peerId).toMatch(/^12D3KooW/)
        expect(n.multiaddr).toBe(`/ip4/127.0.0.1/tcp/${4001 + i + offset}/p2p/${n.peerId}`)
        expect(Object.keys(n.apiKeys).sort()).toEqual(['admin', 'provider', 'regulator'])
        expect(isAbsolute(n.provider.keyFile) && existsSync(n.provider.keyFile)).toBe(true)
        expect(isAbsolute(n.regulator.keyFile) && existsSync(n.regulator.keyFile)).toBe(true)
        expect((await fetch(`${n.api}/readyz`)).status).toBe(200)
      }
      const status = await (await fetch(`${file.chain.rpc}/status`)).json() as { result: { node_info: { network: string } } }
      expect(status.result.node_info.network).toBe('healthrelay-devnet-1')
      const traveller = file.patients.find((p) => p.country === 'DE' && p.grants.some((g) => g.grantee === 'FR' && g.purposes.includes('treatment')))
      expect(traveller).toBeDefined()
      expect(traveller!.subject).toMatch(/^hr1/)
      expect(existsSync(traveller!.keyFile)).toBe(true)
      const summary = traveller!.records.find((r) => r.category === 'patient-summary')
      expect(summary?.tokenId).toMatch(/^[0-9a-f]{64}$/)
      expect(first.out()).toContain(`--share-code ${traveller!.shareCode}`)
      expect(first.out()).toContain(`grant revoke ${traveller!.grants[0]!.id}`)

      const fr = file.countries.FR!
      const doctor = ['--node', fr.api, '--api-key', fr.apiKeys.provider!, '--key', fr.provider.keyFile, '--chain-rpc', file.chain.rpc]
      let found = await cli('discover', ...doctor, '--purpose', 'treatment', '--country', 'DE', '--share-code', traveller!.shareCode, '--json')
      for (let i = 0; i < 20 && found.code !== 0; i++) { // the FR node may still be learning its peers
        await new Promise((res) => setTimeout(res, 1000))
        found = await cli('discover', ...doctor, '--purpose', 'treatment', '--country', 'DE', '--share-code', traveller!.shareCode, '--json')
      }
      expect(found.code).toBe(0)
      const answer = JSON.parse(found.out) as { status: string, subject: string, tokens: Array<{ tokenId: string }> }
      expect(answer.status).toBe('OK')
      expect(answer.subject).toBe(traveller!.subject)
      expect(answer.tokens.map((t) => t.tokenId)).toContain(summary!.tokenId)
      const out = join(home, 'summary.json')
      const got = await cli('record', 'get', summary!.tokenId, ...doctor, '--purpose', 'treatment', '--out', out)
      expect(got.code).toBe(0)
      expect(got.out).toContain(`wrote ${out}`)
      expect((JSON.parse(readFileSync(out, 'utf8')) as { resourceType: string }).resourceType).toBe('Bundle')
    } finally {
      first.child.kill('SIGINT')
    }
    expect(await first.exit).toBe(0)
    expect(first.out()).toMatch(/devnet stopped on SIGINT/)

    const second = start()
    try {
      await waitFor(second, /Ctrl-C stops the devnet/)
      expect(second.out()).toMatch(/reusing /)
      expect(second.out()).not.toMatch(/patient .* summary/)
      const again = JSON.parse(readFileSync(join(home, 'devnet.json'), 'utf8')) as DevnetFile
      expect(again.patients).toEqual(file.patients)
      expect((await fetch(`${again.countries.DE!.api}/readyz`)).status).toBe(200)
    } finally {
      second.child.kill('SIGTERM')
    }
    expect(await second.exit).toBe(0)
  }, 240_000)
})
