/**
 * `healthrelay devnet` as a newcomer runs it (a real process): the chain and the DE, FR and US
 * nodes on loopback, devnet.json in the shape of DESIGN.md §8, then the printed walkthrough pasted
 * as printed (each `npx healthrelay …` line run through the CLI, in a scratch folder) and checked
 * through the HTTP API as well: discover by share code, the summary written and verified byte for
 * byte, the grant revoked, the refusal (exit 3 and its reason), the emergency access without a
 * grant, and the patient's access log (emergency marked, details unsealed with the patient's key)
 * and inbox. Ctrl-C stops it with exit 0; a second run reuses its data without enrolling anyone
 * again and renews the revoked grant, so the walkthrough holds again.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, existsSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve, dirname, isAbsolute } from 'node:path'
import { fileURLToPath } from 'node:url'
import { x25519 } from '@noble/curves/ed25519.js'
import { patientAuthorization } from '../../node/services/patient-auth.js'
import { ACCESS_DETAILS_LABEL, openSealed } from '../../relay/service/seal.js'
import { syntheticPatient, syntheticPatientSummary } from '../../node/fhir/index.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const home = mkdtempSync(join(tmpdir(), 'hr-devnet-e2e-'))
const work = join(home, 'newcomer') // where the newcomer pastes the commands (--out files land here)
mkdirSync(work)
// every port shifted stays below 65536 (the highest, the chain RPC 26657 + offset; checkPortsOffset)
const offset = 20_000 + Math.floor(Math.random() * 18_000)
afterAll(() => { rmSync(home, { recursive: true, force: true }) })

interface Run { child: ChildProcess, out: () => string, stdout: () => string, stderr: () => string, exit: Promise<number | null> }

function run (argv: string[], cwd = root): Run {
  const child = spawn(process.execPath, [join(root, 'bin/healthrelay.js'), ...argv], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); stdout += c.toString() })
  child.stderr.on('data', (c: Buffer) => { out += c.toString(); stderr += c.toString() })
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => { r(code) }))
  return { child, out: () => out, stdout: () => stdout, stderr: () => stderr, exit }
}

const start = (): Run => run(['--home', home, 'devnet', '--ports-offset', String(offset)])

interface Done { code: number | null, stdout: string, stderr: string }

async function cli (argv: string[], cwd = root): Promise<Done> {
  const r = run(argv, cwd)
  const code = await r.exit
  return { code, stdout: r.stdout(), stderr: r.stderr() }
}

async function waitFor (r: Run, pattern: RegExp, ms = 150_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!pattern.test(r.out())) {
    if (r.child.exitCode !== null) throw new Error(`devnet exited early:\n${r.out()}`)
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${r.out()}`)
    await new Promise((res) => setTimeout(res, 200))
  }
}

/** The walkthrough's commands as printed: every `npx healthrelay …` line, split as a shell would ("…" kept whole). */
function printedCommands (output: string): string[][] {
  return output.split('\n').filter((l) => l.startsWith('   npx healthrelay ')).map((l) =>
    [...l.trim().matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '').slice(2))
}

/** Runs a pasted command again until `done` says so (at most `tries` times, a second apart). */
async function retry (argv: string[], done: (r: Done) => boolean, tries = 20): Promise<Done> {
  let r = await cli(argv, work)
  for (let i = 1; i < tries && !done(r); i++) {
    await new Promise((res) => setTimeout(res, 1000))
    r = await cli(argv, work)
  }
  return r
}

interface Country { api: string, peerId: string, multiaddr: string, apiKeys: Record<string, string>, provider: { id: string, keyFile: string }, regulator: { keyFile: string } }
interface Patient { name: string, country: string, subject: string, keyFile: string, shareCode: string, records: Array<{ tokenId: string, category: string }>, grants: Array<{ id: string, grantee: string, purposes: string[] }> }
interface DevnetFile { chain: { rpc: string, chainId: string }, countries: Record<string, Country>, patients: Patient[] }

/** The patient's own HTTP session at their node: a signed challenge (the CLI's `patient` commands do the same). */
async function patientGet (api: string, keyFile: string, path: string): Promise<{ status: number, body: unknown }> {
  const key = JSON.parse(readFileSync(keyFile, 'utf8')) as { address: string, privateKey: string }
  const ch = await (await fetch(`${api}/v1/auth/challenge?subject=${key.address}`)).json() as { nonce: string, nodeId: string }
  const auth = patientAuthorization(ch.nodeId, key.address, ch.nonce, new Uint8Array(Buffer.from(key.privateKey, 'hex')))
  const res = await fetch(`${api}${path}`, { headers: { authorization: auth } })
  return { status: res.status, body: await res.json() }
}

describe('healthrelay devnet', () => {
  it('starts the chain and three nodes, writes devnet.json, and the printed walkthrough holds step by step; Ctrl-C, reuse', async () => {
    const first = start()
    let file: DevnetFile
    let traveller: Patient
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
      expect(file.patients.map((p) => p.country).sort()).toEqual(['DE', 'FR', 'US'])
      traveller = file.patients.find((p) => p.country === 'DE' && p.grants.some((g) => g.grantee === 'FR' && g.purposes.includes('treatment')))!
      expect(traveller).toBeDefined()
      expect(traveller.subject).toMatch(/^hr1/)
      expect(existsSync(traveller.keyFile)).toBe(true)
      expect(traveller.records.map((r) => r.category)).toEqual(['patient-summary', 'lab-result', 'vaccination', 'imaging'])
      for (const r of traveller.records) expect(r.tokenId).toMatch(/^[0-9a-f]{64}$/)
      const summary = traveller.records[0]!.tokenId
      const lab = traveller.records[1]!.tokenId
      const grant = traveller.grants[0]!
      const de = file.countries.DE!
      const fr = file.countries.FR!
      const summaryBytes = JSON.stringify(syntheticPatientSummary(syntheticPatient('devnet-de-1', 'DE')))

      // The walkthrough as printed: six steps, seven commands, in this order.
      const steps = printedCommands(first.out())
      expect(steps.map((a) => a.slice(0, a[0] === 'record' || a[0] === 'grant' || a[0] === 'patient' ? 2 : 1).join(' '))).toEqual([
        'discover', 'record get', 'grant revoke', 'record get', 'record get', 'patient access-log', 'patient inbox'
      ])
      const [discover, get, revoke, refused, emergency, accessLog, inbox] = steps as [string[], string[], string[], string[], string[], string[], string[]]
      expect(discover).toContain(traveller.shareCode)
      expect(revoke).toContain(grant.id)
      for (const s of [get, refused, emergency]) expect(s[2]).toBe(summary)
      expect(emergency.slice(emergency.indexOf('--purpose'), emergency.indexOf('--purpose') + 2)).toEqual(['--purpose', 'emergency'])
      expect(emergency[emergency.indexOf('--justification') + 1]).toMatch(/unconscious/)
      const frProvider = { headers: { authorization: `Bearer ${fr.apiKeys.provider!}` } }
      const frSees = async (token: string): Promise<number> => (await fetch(`${fr.api}/v1/records/${token}`, frProvider)).status

      // 1. discover by share code: the FR doctor finds the subject and only the granted summary
      const found = await retry(discover, (r) => r.code === 0) // the FR node may still be learning its peers
      expect(found.code).toBe(0)
      expect(found.stdout.trim().split('\n')).toEqual([`subject ${traveller.subject}`, `${summary}  custodian ${de.peerId}`])
      const meta = await (await fetch(`${fr.api}/v1/records/${summary}`, frProvider)).json() as { chain: { custodian: string, status: string, subject: string } }
      expect(meta.chain).toMatchObject({ custodian: 'DE', status: 'active', subject: traveller.subject })
      expect(await frSees(lab)).toBe(404) // never granted to FR

      // 2. record get: written, checked against the chain, byte for byte what DE ingested
      const got = await cli(get, work)
      expect(got.code).toBe(0)
      expect(got.stdout).toContain(`wrote ${join(work, 'summary.json')} (${Buffer.byteLength(summaryBytes)} bytes, patient-summary, checked against the commitment on chain, signed by DE custodian ${de.peerId})`)
      expect(readFileSync(join(work, 'summary.json'), 'utf8')).toBe(summaryBytes)

      // 3. the patient revokes the grant with their own key
      const revoked = await cli(revoke, work)
      expect(revoked.code).toBe(0)
      expect(revoked.stdout).toMatch(new RegExp(`^revoked grant ${grant.id} in block \\d+`))
      expect(await frSees(summary)).toBe(404)

      // 4. the same retrieval is refused with its reason, as the walkthrough says; nothing written
      const no = await cli(refused, work)
      expect(no.code).toBe(3)
      const reason = 'refused: DENIED grant-revoked: the patient revoked the grant (DE)'
      expect(no.stderr.trim()).toBe(reason)
      expect(first.out()).toContain(`"${reason}"`)
      expect(existsSync(join(work, 'again.json'))).toBe(false)

      // 5. the emergency access without a grant succeeds
      const urgent = await cli(emergency, work)
      expect(urgent.code).toBe(0)
      expect(urgent.stdout).toContain(`wrote ${join(work, 'emergency.json')} (${Buffer.byteLength(summaryBytes)} bytes, patient-summary, checked against the commitment on chain`)
      expect(readFileSync(join(work, 'emergency.json'), 'utf8')).toBe(summaryBytes)

      // 6. the patient's access log (on chain once the DE node's access batch is in a block) and inbox
      const log = await retry(accessLog, (r) => r.code === 0 && /EMERGENCY permit emergency/.test(r.stdout), 30)
      expect(log.code).toBe(0)
      const lines = log.stdout.trim().split('\n')
      expect(lines[0]).toBe(`access log of ${traveller.subject}: 3 of 3 event(s)`)
      const who = `by Dr Devnet FR (${fr.provider.id}) of FR  record ${summary}`
      expect(lines.filter((l) => !l.startsWith('    ')).slice(1).map((l) => l.replace(/^\S+ {2}/, '').replace(/ {2}block \d+$/, ''))).toEqual([
        `permit treatment ${who}`, `deny treatment ${who}`, `EMERGENCY permit emergency ${who}`
      ])
      expect(log.stdout).toContain('    reason: grant-revoked')
      expect(log.stdout).toContain(`    justification: "${emergency[emergency.indexOf('--justification') + 1]!}"`)
      const box = await cli(inbox, work)
      expect(box.code).toBe(0)
      expect(box.stdout).toMatch(new RegExp(`^inbox of ${traveller.subject}: 1 message\\(s\\)\\n#\\d+ \\S+ {2}EMERGENCY ACCESS: Dr Devnet FR of FR received record ${summary} for emergency\\n$`))

      // the same through the HTTP API: the emergency event marked, its sealed details open with the patient's key only
      const api = await patientGet(de.api, traveller.keyFile, `/v1/subjects/${traveller.subject}/access-log`)
      expect(api.status).toBe(200)
      const entries = (api.body as { entries: Array<{ tokenId: string, purpose: string, decision: string, emergency: boolean, requesterCountry: string, sealedDetails: string }> }).entries
      expect(entries.map((e) => [e.purpose, e.decision, e.emergency, e.requesterCountry, e.tokenId])).toEqual([
        ['treatment', 'permit', false, 'FR', summary], ['treatment', 'deny', false, 'FR', summary], ['emergency', 'permit', true, 'FR', summary]
      ])
      const x = JSON.parse(readFileSync(traveller.keyFile, 'utf8')) as { x25519PrivateKey: string }
      const xPriv = new Uint8Array(Buffer.from(x.x25519PrivateKey, 'hex'))
      const details = JSON.parse(new TextDecoder().decode(openSealed(new Uint8Array(Buffer.from(entries[2]!.sealedDetails, 'hex')), xPriv, x25519.getPublicKey(xPriv), ACCESS_DETAILS_LABEL))) as Record<string, unknown>
      expect(details).toMatchObject({ providerId: fr.provider.id, providerName: 'Dr Devnet FR', justification: emergency[emergency.indexOf('--justification') + 1] })
      const msgs = await patientGet(de.api, traveller.keyFile, `/v1/subjects/${traveller.subject}/inbox`)
      expect(msgs.status).toBe(200)
      expect((msgs.body as { messages: Array<{ kind: string, body: unknown }> }).messages.map((m) => [m.kind, m.body])).toEqual([
        ['emergency-access', expect.objectContaining({ tokenId: summary, requesterCountry: 'FR', providerName: 'Dr Devnet FR', purpose: 'emergency' })]
      ])
      // a patient reaches only their own subject; no credentials, no log
      const other = file.patients.find((p) => p.country === 'FR')!
      expect((await patientGet(de.api, traveller.keyFile, `/v1/subjects/${other.subject}/inbox`)).status).toBe(403)
      expect((await fetch(`${de.api}/v1/subjects/${traveller.subject}/access-log`)).status).toBe(401)
    } finally {
      first.child.kill('SIGINT')
    }
    expect(await first.exit).toBe(0)
    expect(first.out()).toMatch(/devnet stopped on SIGINT/)

    const second = start()
    try {
      await waitFor(second, /Ctrl-C stops the devnet/)
      expect(second.out()).toMatch(/reusing /)
      expect(second.out()).not.toMatch(/patient .*\(DE\): /)
      const again = JSON.parse(readFileSync(join(home, 'devnet.json'), 'utf8')) as DevnetFile
      const renewed = again.patients.find((p) => p.subject === traveller.subject)!.grants[0]!
      expect(renewed.id).not.toBe(traveller.grants[0]!.id)
      expect(second.out()).toContain(`grant ${traveller.grants[0]!.id} to FR was revoked; granted again for the walkthrough (grant ${renewed.id})`)
      expect(again.patients.map((p) => ({ ...p, grants: [] }))).toEqual(file.patients.map((p) => ({ ...p, grants: [] })))
      expect((await fetch(`${again.countries.DE!.api}/readyz`)).status).toBe(200)
      // the walkthrough holds again: step 2 as printed now succeeds
      const [, get] = printedCommands(second.out()) as [string[], string[]]
      const got = await retry(get, (r) => r.code === 0, 10)
      expect(got.code).toBe(0)
      expect(got.stdout).toContain('patient-summary, checked against the commitment on chain')
    } finally {
      second.child.kill('SIGTERM')
    }
    expect(await second.exit).toBe(0)
  }, 540_000) // some ten CLI processes and two devnet starts; slow on a loaded machine
})
