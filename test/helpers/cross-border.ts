/**
 * A cross-border pair for tests: the real embedded chain engine and two real nodes (a custodian
 * country and a requester country; DE and FR by default) started in the test process with real
 * SQLite, libp2p on 127.0.0.1 and cosmjs, on the homes and genesis of the node integration
 * harness (test/integration/node/harness.ts). It adds what a suite driving the product as its
 * users do needs: a provider API key on each node, a doctor of the requester country with their
 * own key file and a credential issued by their node, patients enrolled at the custodian with
 * their own chain key file, and the `healthrelay` CLI run in-process through its `main()`.
 *
 * Everything started here stops in `stop()` (reverse order), which also removes the temp dirs.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { silentLogger } from '../../common/logger.js'
import { chainAddress, generateDoctorKeys, withCredential, writeDoctorKeyFile } from '../../node/keystore/index.js'
import { createNode, type HealthrelayNode } from '../../node/create-node.js'
import { createApiKey } from '../../node/services/apikeys.js'
import { patientAuthorization } from '../../node/services/patient-auth.js'
import { issueCredential } from '../../relay/protocol/index.js'
import { main } from '../../node/cli/main.js'
import { createTestNetwork, waitFor, type TestNetwork } from '../integration/node/harness.js'

export { waitFor }

/** One run of the CLI: its exit code and what it printed on stdout and stderr. */
export interface CliRun { readonly code: number, readonly out: string, readonly err: string }

/** Runs `healthrelay <argv…>` in this process through the CLI's own entry point. */
export async function runCli (...argv: string[]): Promise<CliRun> {
  const out: string[] = []
  const err: string[] = []
  const code = await main(['node', 'healthrelay', ...argv], { out: (t) => { out.push(t) }, err: (t) => { err.push(t) } })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

/** A patient enrolled at the custodian: their chain key (also as a key file) and share code. */
export interface EnrolledPatient {
  readonly subject: string
  readonly shareCode: string
  /** `{ address, publicKey, privateKey }` (hex), mode 0600, as `healthrelay grant` reads it. */
  readonly keyFile: string
  readonly privateKey: Uint8Array
}

export interface EnrolInput {
  readonly identifiers: ReadonlyArray<{ readonly system?: string, readonly value: string }>
  /** YYYY-MM-DD */
  readonly birthDate: string
  /** Categories the patient makes available across borders. */
  readonly categories: readonly string[]
}

export interface CrossBorderPair {
  readonly net: TestNetwork
  readonly custodian: HealthrelayNode
  readonly requester: HealthrelayNode
  /** A provider API key of each node. */
  readonly custodianKey: string
  readonly requesterKey: string
  /** The requester country's doctor key file (with the credential their node issued). */
  readonly doctorKeyFile: string
  readonly doctorProviderId: string
  /** The chain RPC the CLI reads commitments and the node registry through. */
  readonly chainRpc: string
  /** Scratch directory for files the test writes (removed by stop()). */
  readonly dir: string
  /** fetch() against a node's API with its provider key (unless `authorization` is given). */
  api: (node: 'custodian' | 'requester', path: string, init?: RequestInit) => Promise<Response>
  /** fetch() against the custodian's API as the patient (a challenge signed with their chain key). */
  asPatient: (p: EnrolledPatient, path: string, init?: RequestInit) => Promise<Response>
  /** Enrols a patient at the custodian (POST /v1/subjects) with a fresh synthetic key pair. */
  enrol: (input: EnrolInput) => Promise<EnrolledPatient>
  /** `--node/--api-key/--key/--chain-rpc` for the doctor's commands (discover, record get). */
  doctorArgs: () => string[]
  /** `--node/--key/--chain-rpc` for a patient's commands (grant create|revoke), at the custodian. */
  patientArgs: (p: EnrolledPatient) => string[]
  stop: () => Promise<void>
}

/**
 * Starts the engine and the two nodes (custodian first), makes the API keys and the doctor.
 * On a failure part-way, whatever started is stopped again before the error is thrown.
 */
export async function startCrossBorderPair (init: { label: string, custodian?: string, requester?: string }): Promise<CrossBorderPair> {
  const cc = init.custodian ?? 'DE'
  const rc = init.requester ?? 'FR'
  const started: HealthrelayNode[] = []
  let net: TestNetwork | undefined
  let dir: string | undefined
  const stop = async (): Promise<void> => {
    for (const n of started.reverse()) await n.stop()
    started.length = 0
    await net?.cleanup()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  }
  try {
    dir = await mkdtemp(join(tmpdir(), `hr-${init.label}-`))
    net = await createTestNetwork({ countries: [cc, rc], label: init.label })
    await net.startChain()
    const nodes: HealthrelayNode[] = []
    const keys: string[] = []
    for (const c of [cc, rc]) {
      const h = net.nodes[c]
      if (h === undefined) throw new Error(`no node home for ${c}`)
      const node = createNode(h.config, { home: h.home, logger: silentLogger(), outboxIntervalMs: 50 })
      await node.start()
      started.push(node)
      nodes.push(node)
      keys.push(createApiKey(node.parts.storage.db, 'provider', 'provider', Date.now()).key)
    }
    const [custodian, requester] = nodes as [HealthrelayNode, HealthrelayNode]
    const [custodianKey, requesterKey] = keys as [string, string]
    const doctor = generateDoctorKeys(`${rc.toLowerCase()}-${init.label}-doctor`, rc)
    const credential = issueCredential({
      providerId: doctor.providerId, name: 'Dr Conformance', role: 'physician', licence: 'L-1', country: rc,
      ed25519PublicKey: doctor.ed25519.publicKey, x25519PublicKey: doctor.x25519.publicKey
    }, { peerId: requester.peerId, ed25519PrivateKey: requester.parts.peerKey.raw }).signed
    const doctorKeyFile = join(dir, 'doctor.key.json')
    await writeDoctorKeyFile(doctorKeyFile, withCredential(doctor, credential, doctorKeyFile))
    const chainRpc = custodian.parts.config.chain.rpc
    const scratch = dir
    let patients = 0

    const api = async (which: 'custodian' | 'requester', path: string, reqInit: RequestInit = {}): Promise<Response> => {
      const node = which === 'custodian' ? custodian : requester
      const headers = new Headers(reqInit.headers)
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${which === 'custodian' ? custodianKey : requesterKey}`)
      return await fetch(node.apiUrl + path, { ...reqInit, headers })
    }

    return {
      net,
      custodian,
      requester,
      custodianKey,
      requesterKey,
      doctorKeyFile,
      doctorProviderId: doctor.providerId,
      chainRpc,
      dir: scratch,
      api,
      async enrol (input) {
        const privateKey = secp256k1.utils.randomSecretKey()
        const publicKey = secp256k1.getPublicKey(privateKey, true)
        const res = await api('custodian', '/v1/subjects', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            publicKey: Buffer.from(publicKey).toString('hex'),
            x25519PublicKey: Buffer.from(x25519.getPublicKey(x25519.utils.randomSecretKey())).toString('hex'),
            birthDate: input.birthDate,
            identifiers: input.identifiers.map((i) => ({ value: i.value, ...(i.system !== undefined ? { system: i.system } : {}) })),
            categories: input.categories
          })
        })
        if (res.status !== 201) throw new Error(`enrolment answered ${res.status}: ${await res.text()}`)
        const { subject, shareCode } = await res.json() as { subject: string, shareCode: string }
        if (subject !== chainAddress(publicKey)) throw new Error(`enrolment answered subject ${subject}, not the key's address`)
        const keyFile = join(scratch, `patient-${++patients}.key.json`)
        await writeFile(keyFile, JSON.stringify({
          address: subject, publicKey: Buffer.from(publicKey).toString('hex'), privateKey: Buffer.from(privateKey).toString('hex')
        }), { mode: 0o600 })
        return { subject, shareCode, keyFile, privateKey }
      },
      async asPatient (p, path, reqInit = {}) {
        const ch = await fetch(`${custodian.apiUrl}/v1/auth/challenge?subject=${p.subject}`)
        if (ch.status !== 200) throw new Error(`challenge answered ${ch.status}: ${await ch.text()}`)
        const { nonce, nodeId } = await ch.json() as { nonce: string, nodeId: string }
        const headers = new Headers(reqInit.headers)
        headers.set('authorization', patientAuthorization(nodeId, p.subject, nonce, p.privateKey))
        return await fetch(custodian.apiUrl + path, { ...reqInit, headers })
      },
      doctorArgs: () => ['--node', requester.apiUrl, '--api-key', requesterKey, '--key', doctorKeyFile, '--chain-rpc', chainRpc],
      patientArgs: (p) => ['--node', custodian.apiUrl, '--key', p.keyFile, '--chain-rpc', chainRpc],
      stop
    }
  } catch (err) {
    await stop()
    throw err
  }
}
