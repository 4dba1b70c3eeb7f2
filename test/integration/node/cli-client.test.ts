/**
 * The doctor's and patient's commands through the CLI's own entry point (`main(argv, io)`),
 * against two real nodes (DE custodian, FR requester) on the real engine: a French doctor
 * discovers a German traveller by share code, `record get` writes the FHIR exactly as ingested,
 * and after the patient revokes the grant the retrieval exits non-zero with its reason; the patient
 * grants by category and revokes with `grant create|revoke`; `record put` ingests or lists the errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { DirectSecp256k1Wallet } from '@cosmjs/proto-signing'
import { silentLogger } from '../../../common/logger.js'
import { chainAddress, generateDoctorKeys, withCredential, writeDoctorKeyFile } from '../../../node/keystore/index.js'
import { syntheticPatient, syntheticPatientSummary } from '../../../node/fhir/index.js'
import { createNode, type HealthrelayNode } from '../../../node/create-node.js'
import { createApiKey } from '../../../node/services/apikeys.js'
import { issueCredential } from '../../../relay/protocol/index.js'
import { main } from '../../../node/cli/main.js'
import { createTestNetwork, waitFor, type TestNetwork } from './harness.js'

interface Run { code: number, out: string, err: string }

async function cli (...argv: string[]): Promise<Run> {
  const out: string[] = []
  const err: string[] = []
  const code = await main(['node', 'healthrelay', ...argv], { out: (t) => { out.push(t) }, err: (t) => { err.push(t) } })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('healthrelay discover / record get / grant: the doctor\'s and patient\'s commands', () => {
  let net: TestNetwork
  const nodes: Record<string, HealthrelayNode> = {}
  const keys: Record<string, string> = {}
  let dir: string
  let rpc: string
  let doctorFile: string
  const privateKey = secp256k1.utils.randomSecretKey()
  const publicKey = secp256k1.getPublicKey(privateKey, true)
  const subject = chainAddress(publicKey)
  const person = syntheticPatient('cli-1', 'DE')
  const bundle = Buffer.from(JSON.stringify(syntheticPatientSummary(person)))
  let shareCode = ''
  let tokenId = ''
  let grantId = 0n

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hr-cli-client-it-'))
    net = await createTestNetwork({ countries: ['DE', 'FR'], label: 'cli-client' })
    await net.startChain()
    rpc = net.nodes.DE!.config.chain.rpc
    for (const c of ['DE', 'FR']) {
      const n = net.nodes[c]!
      nodes[c] = createNode(n.config, { home: n.home, logger: silentLogger(), outboxIntervalMs: 50 })
      await nodes[c].start()
      keys[c] = createApiKey(nodes[c].parts.storage.db, 'provider', 'provider', Date.now()).key
    }
    const fr = nodes.FR!
    const doctor = generateDoctorKeys('fr-rpps-cli', 'FR')
    const credential = issueCredential({
      providerId: doctor.providerId, name: 'Dr Test', role: 'physician', licence: 'L-1', country: 'FR',
      ed25519PublicKey: doctor.ed25519.publicKey, x25519PublicKey: doctor.x25519.publicKey
    }, { peerId: fr.peerId, ed25519PrivateKey: fr.parts.peerKey.raw }).signed
    doctorFile = join(dir, 'doctor.key.json')
    await writeDoctorKeyFile(doctorFile, withCredential(doctor, credential, doctorFile))
  }, 120_000)

  afterAll(async () => {
    for (const n of Object.values(nodes)) await n.stop()
    await net?.cleanup()
    await rm(dir, { recursive: true, force: true })
  })

  const post = async (c: string, path: string, body: string, type = 'application/json'): Promise<Response> =>
    await fetch(nodes[c]!.apiUrl + path, { method: 'POST', headers: { authorization: `Bearer ${keys[c]!}`, 'content-type': type }, body })

  const doctorArgs = (): string[] => ['--node', nodes.FR!.apiUrl, '--api-key', keys.FR!, '--key', doctorFile, '--chain-rpc', rpc]

  it('enrols and ingests at the German node; the patient grants France treatment access', async () => {
    const enrol = await post('DE', '/v1/subjects', JSON.stringify({
      publicKey: Buffer.from(publicKey).toString('hex'), x25519PublicKey: Buffer.from(x25519.getPublicKey(x25519.utils.randomSecretKey())).toString('hex'),
      birthDate: person.birthDate, identifiers: [person.nationalId], categories: ['patient-summary']
    }))
    expect(enrol.status).toBe(201)
    shareCode = (await enrol.json() as { shareCode: string }).shareCode
    const put = await post('DE', '/v1/records', bundle.toString(), 'application/fhir+json')
    expect(put.status).toBe(201)
    tokenId = (await put.json() as { tokenId: string }).tokenId
    await nodes.DE!.drainOutbox()
    const signer = await nodes.DE!.parts.chain.signer(await DirectSecp256k1Wallet.fromKey(privateKey, 'hr'))
    const now = BigInt(Math.floor(Date.now() / 1000))
    grantId = (await signer.grantAccess({ subject, grantee: { country: 'FR' }, tokenIds: [tokenId], purposes: ['treatment'], notBefore: now - 60n, expiresAt: now + 86_400n })).value.grantId
  })

  it('discover: the French doctor finds the traveller by share code', async () => {
    let last: Run | undefined
    const run = await waitFor(async () => {
      const r = await cli('discover', ...doctorArgs(), '--purpose', 'treatment', '--country', 'DE', '--share-code', shareCode, '--json')
      last = r
      return r.code === 0 ? r : undefined
    }, 'discovery', 100, 200).catch((err: unknown) => { throw new Error(`${String(err)}: last run ${JSON.stringify(last)}`) })
    const answer = JSON.parse(run.out) as { status: string, subject: string, tokens: unknown }
    expect(answer.status).toBe('OK')
    expect(answer.subject).toBe(subject)
    expect(answer.tokens).toEqual([{ tokenId, custodian: nodes.DE!.peerId }])
    const text = await cli('discover', ...doctorArgs(), '--purpose', 'treatment', '--country', 'DE', '--share-code', shareCode)
    expect(text.code).toBe(0)
    expect(text.out).toContain(`subject ${subject}`)
    expect(text.out).toContain(`${tokenId}  custodian ${nodes.DE!.peerId}`)
  })

  it('discover: by national identifier and birth date', async () => {
    const r = await cli('discover', ...doctorArgs(), '--purpose', 'treatment', '--country', 'DE', '--identifier', person.nationalId.value, '--birth-date', person.birthDate, '--json')
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    const answer = JSON.parse(r.out) as { subject: string, tokens: unknown }
    expect(answer.subject).toBe(subject)
    expect(answer.tokens).toEqual([{ tokenId, custodian: nodes.DE!.peerId }])
  })

  it('discover: neither or both query forms is a usage error', async () => {
    const r = await cli('discover', ...doctorArgs(), '--purpose', 'treatment', '--country', 'DE')
    expect(r.code).toBe(1)
    expect(r.err).toContain('--share-code')
  })

  it('record get: verifies and decrypts the summary, byte for byte as ingested', async () => {
    const out = join(dir, 'summary.json')
    const r = await cli('record', 'get', tokenId, ...doctorArgs(), '--purpose', 'treatment', '--out', out)
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(r.out).toContain(`wrote ${out}`)
    expect((await readFile(out)).equals(bundle)).toBe(true)
    expect(r.out).not.toContain(person.nationalId.value) // no health data on stdout
  })

  it('record get: refused after the patient revokes the grant, non-zero with the reason, no file', async () => {
    const signer = await nodes.DE!.parts.chain.signer(await DirectSecp256k1Wallet.fromKey(privateKey, 'hr'))
    await signer.revokeAccess(grantId)
    const out = join(dir, 'refused.json')
    const r = await waitFor(async () => {
      const run = await cli('record', 'get', tokenId, ...doctorArgs(), '--purpose', 'treatment', '--out', out, '--json')
      return run.code === 0 ? undefined : run
    }, 'the revocation to bite', 50, 200)
    expect(r.code).toBe(3)
    const answer = JSON.parse(r.out) as { status: string, reason?: { code: string } }
    expect(answer.status).toBe('DENIED')
    expect(answer.reason?.code).toBeTruthy()
    expect(r.err).toContain('refused: DENIED')
    expect(existsSync(out)).toBe(false)
  })

  it('grant create: the patient grants France by category with their own key; the doctor retrieves again', async () => {
    const patientFile = join(dir, 'patient.key.json')
    await writeFile(patientFile, JSON.stringify({ address: subject, publicKey: Buffer.from(publicKey).toString('hex'), privateKey: Buffer.from(privateKey).toString('hex') }), { mode: 0o600 })
    const patientArgs = ['--node', nodes.DE!.apiUrl, '--key', patientFile, '--chain-rpc', rpc]
    const created = await cli('grant', 'create', ...patientArgs, '--grantee', 'FR', '--purposes', 'treatment', '--categories', 'patient-summary', '--days', '7', '--json')
    expect(created.err).toBe('')
    expect(created.code).toBe(0)
    const g = JSON.parse(created.out) as { grantId: string, tokenIds: string[] }
    expect(g.grantId).toMatch(/^\d+$/)
    expect(g.tokenIds).toEqual([tokenId])
    expect(created.out).not.toContain(Buffer.from(privateKey).toString('hex'))
    const onChain = await nodes.DE!.parts.chain.queries.grant(BigInt(g.grantId))
    expect(onChain?.grantee).toEqual({ country: 'FR' })
    expect(onChain?.tokenIds).toEqual([tokenId])
    expect(onChain?.purposes).toEqual(['treatment'])

    const out = join(dir, 'again.json')
    const got = await waitFor(async () => {
      const r = await cli('record', 'get', tokenId, ...doctorArgs(), '--purpose', 'treatment', '--out', out)
      return r.code === 0 ? r : undefined
    }, 'the new grant to apply', 50, 200)
    expect(got.out).toContain(`wrote ${out}`)
    expect((await readFile(out)).equals(bundle)).toBe(true)

    const revoked = await cli('grant', 'revoke', g.grantId, ...patientArgs)
    expect(revoked.err).toBe('')
    expect(revoked.code).toBe(0)
    expect(revoked.out).toContain(`revoked grant ${g.grantId}`)
    expect((await nodes.DE!.parts.chain.queries.grant(BigInt(g.grantId)))?.revokedAt).not.toBe(0n)
  })

  it('grant create: a category with no records is refused before signing', async () => {
    const patientFile = join(dir, 'patient.key.json')
    const r = await cli('grant', 'create', '--node', nodes.DE!.apiUrl, '--key', patientFile, '--chain-rpc', rpc, '--grantee', 'FR', '--purposes', 'treatment', '--categories', 'imaging')
    expect(r.code).toBe(1)
    expect(r.err).toContain('no minted records of imaging')
  })

  it('record put: ingests a FHIR file and prints its token id; an invalid one prints the precise errors', async () => {
    const good = join(dir, 'summary-v2.json')
    await writeFile(good, bundle)
    const r = await cli('record', 'put', good, '--node', nodes.DE!.apiUrl, '--api-key', keys.DE!, '--subject', subject)
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^[0-9a-f]{64}$/)
    expect(r.err).toContain('patient-summary')
    const local = await (await fetch(`${nodes.DE!.apiUrl}/v1/records/${r.out}`, { headers: { authorization: `Bearer ${keys.DE!}` } })).json() as { local?: { subject?: string } }
    expect(JSON.stringify(local)).toContain(subject)

    const bad = join(dir, 'bad.json')
    await writeFile(bad, JSON.stringify({ resourceType: 'Observation', status: 'final' }))
    const refused = await cli('record', 'put', bad, '--node', nodes.DE!.apiUrl, '--api-key', keys.DE!, '--subject', subject)
    expect(refused.code).toBe(1)
    expect(refused.out).toBe('')
    expect(refused.err).toContain('400 FhirValidationError')
    expect(refused.err).toContain('Observation.code: required')
  })

  it('record put of several files (a bulk import): progress per file, a refused file does not stop the others, a summary, exit 1', async () => {
    const bulk = join(dir, 'bulk')
    await mkdir(bulk)
    await writeFile(join(bulk, 'a.json'), bundle)
    await writeFile(join(bulk, 'b.json'), JSON.stringify({ resourceType: 'Observation', status: 'final' }))
    await writeFile(join(bulk, 'c.json'), bundle)
    await writeFile(join(bulk, 'notes.txt'), 'not FHIR')
    const r = await cli('record', 'put', bulk, '--node', nodes.DE!.apiUrl, '--api-key', keys.DE!, '--subject', subject)
    expect(r.code).toBe(1)
    const ids = r.out.split('\n')
    expect(ids).toHaveLength(2)
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{64}$/)
    expect(r.err).toMatch(/\[1\/3\] .*a\.json: [0-9a-f]{64} stored as patient-summary/)
    expect(r.err).toMatch(/\[2\/3\] .*b\.json: refused: .*400 FhirValidationError[^[]*Observation\.code: required/)
    expect(r.err).toMatch(/\[3\/3\] .*c\.json: [0-9a-f]{64} stored as patient-summary/)
    expect(r.err).toContain('ingested 2 of 3 files; 1 refused')
    expect(r.err).not.toContain('notes.txt')
    // a bad API key stops the import at the first file instead of refusing each
    const denied = await cli('record', 'put', join(bulk, 'a.json'), join(bulk, 'c.json'), '--node', nodes.DE!.apiUrl, '--api-key', 'hr_wrong', '--subject', subject)
    expect(denied.code).not.toBe(0)
    expect(denied.err).not.toContain('[2/2]')
  })

  it('record get: an emergency access with a justification, with no grant in force', async () => {
    const out = join(dir, 'emergency.json')
    const r = await cli('record', 'get', tokenId, ...doctorArgs(), '--purpose', 'emergency', '--justification', 'unconscious at A&E, allergies unknown', '--out', out, '--json')
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect((JSON.parse(r.out) as { status: string }).status).toBe('OK')
    expect((await readFile(out)).equals(bundle)).toBe(true)
  })

  it('record erase: the custodian\'s agency-admin erases a record; a provider key is refused; the token goes ERASED on chain', async () => {
    const file = join(dir, 'summary-v3.json')
    await writeFile(file, bundle)
    const put = await cli('record', 'put', file, '--node', nodes.DE!.apiUrl, '--api-key', keys.DE!, '--subject', subject)
    expect(put.code).toBe(0)
    const erasable = put.out
    await nodes.DE!.drainOutbox()
    const refused = await cli('record', 'erase', erasable, '--node', nodes.DE!.apiUrl, '--api-key', keys.DE!)
    expect(refused.code).toBe(1)
    expect(refused.err).toContain('403 WrongRoleError')
    const admin = createApiKey(nodes.DE!.parts.storage.db, 'agency-admin', 'admin', Date.now()).key
    const r = await cli('record', 'erase', erasable, '--node', nodes.DE!.apiUrl, '--api-key', admin)
    expect(r.code).toBe(0)
    expect(r.out).toBe(erasable)
    expect(r.err).toContain('queued for the chain')
    await waitFor(async () => (await nodes.DE!.parts.chain.queries.token(erasable))?.status === 'erased' ? true : undefined, 'the token to be ERASED')
    const again = await cli('record', 'erase', erasable, '--node', nodes.DE!.apiUrl, '--api-key', admin, '--json')
    expect(again.code).toBe(1)
    expect(again.err).toContain('404 RecordNotVisibleError')
    expect((await cli('record', 'erase', 'nothex', '--node', nodes.DE!.apiUrl, '--api-key', admin)).code).not.toBe(0)
  })
})
