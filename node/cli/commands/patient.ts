import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { InvalidInputError } from '../../../common/errors.js'
import type { CliContext } from '../context.js'
import { patientAuth, readPatientKeyFile } from './grant.js'
import type { AccessDetails, PatientKeys } from './patient-answers.js'

async function readPatientKeys (path: string): Promise<PatientKeys> {
  const key = await readPatientKeyFile(path)
  const o = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>
  if (o.x25519PrivateKey === undefined) return key
  const { x25519 } = await import('@noble/curves/ed25519.js')
  if (typeof o.x25519PrivateKey !== 'string' || !/^[0-9a-f]{64}$/.test(o.x25519PrivateKey)) {
    throw new InvalidInputError(`${path}: x25519PrivateKey must be 32 bytes of lower-case hex`)
  }
  const privateKey = new Uint8Array(Buffer.from(o.x25519PrivateKey, 'hex'))
  return { ...key, x25519: { privateKey, publicKey: x25519.getPublicKey(privateKey) } }
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

function whoOf (country: string, d: AccessDetails | string): string {
  if (typeof d === 'string') return `a provider of ${country}`
  return `${d.providerName ?? 'a provider'}${d.providerId !== undefined ? ` (${d.providerId})` : ''} of ${country}`
}

interface CommonOpts { node: string, key: string, json?: boolean }

const withKey = (c: Command): Command => c
  .requiredOption('--node <url>', 'the patient\'s node API (their home country\'s), e.g. http://127.0.0.1:8081')
  .requiredOption('--key <file>', 'the patient\'s key file {address, publicKey, privateKey, x25519PrivateKey} (hex)')
  .option('--json', 'print JSON')

function count (v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidInputError(`${name}: a whole number from ${min} to ${max}`)
  return n
}

/**
 * `healthrelay patient access-log|inbox`: the patient's side of transparency. Each signs a fresh
 * challenge of the patient's node with the patient's chain key (no API key), then reads who
 * accessed their records (from the chain, through the node; the details are sealed to the
 * patient's X25519 key and opened here, never by the node) or their notifications.
 */
export function registerPatient (program: Command, ctx: CliContext): void {
  const patient = program.command('patient').description('the patient\'s own view: who accessed their records, and their notifications')

  withKey(patient.command('access-log'))
    .description('who accessed the patient\'s records, from the chain; details unsealed with the patient\'s key, emergencies marked')
    .option('--offset <n>', 'skip the first n events', '0')
    .option('--limit <n>', 'at most n events (1-1000)', '100')
    .addHelpText('after', '\nOne line per event: time, EMERGENCY when it was an emergency access, permit or deny, purpose, the\nprovider (from the sealed details), the record and the block; then the justification or the reason.\nThe details are opened with x25519PrivateKey from --key; without it they stay sealed.')
    .action(async (opts: CommonOpts & { offset: string, limit: string }) => {
      const { callNode, nodeUrl, requireOk } = await import('./record-common.js')
      const base = nodeUrl(opts.node)
      const offset = count(opts.offset, '--offset', 0, Number.MAX_SAFE_INTEGER) ?? 0
      const limit = count(opts.limit, '--limit', 1, 1000) ?? 100
      const key = await readPatientKeys(opts.key)
      const auth = await patientAuth(base, key)
      const res = await requireOk(await callNode(`${base}/v1/subjects/${key.address}/access-log?offset=${offset}&limit=${limit}`, { headers: { authorization: auth } }))
      const { accessLogAnswer, unseal } = await import('./patient-answers.js')
      const parsed = accessLogAnswer.safeParse(await res.json())
      if (!parsed.success) throw new InvalidInputError('the node\'s access log is not in the expected form')
      const events = parsed.data.entries.map((e) => ({ ...e, details: unseal(e.sealedDetails, key) }))
      if (opts.json === true) {
        ctx.io.out(JSON.stringify({ subject: key.address, total: parsed.data.total, events: events.map((e) => ({ seq: e.seq, custodian: e.custodian, height: e.height, tokenId: e.tokenId, requesterCountry: e.requesterCountry, purpose: e.purpose, decision: e.decision, time: e.time, emergency: e.emergency, details: e.details })) }))
        return
      }
      ctx.io.out(`access log of ${key.address}: ${events.length} of ${parsed.data.total} event(s)`)
      for (const e of events) {
        const mark = e.emergency ? 'EMERGENCY ' : ''
        ctx.io.out(`${iso(Number(e.time) * 1000)}  ${mark}${e.decision} ${e.purpose} by ${whoOf(e.requesterCountry, e.details)}  record ${e.tokenId}  block ${e.height}`)
        if (typeof e.details === 'string') ctx.io.out(`    details: ${e.details}`)
        else {
          if (e.details.justification !== undefined) ctx.io.out(`    justification: ${JSON.stringify(e.details.justification)}`)
          if (e.details.reason !== undefined) ctx.io.out(`    reason: ${e.details.reason}`)
        }
      }
    })

  withKey(patient.command('inbox'))
    .description('the patient\'s notifications at their node (emergency accesses, releases the policies notify, grants on paper consent)')
    .option('--after <id>', 'only messages after this id')
    .option('--limit <n>', 'at most n messages (1-500)', '100')
    .action(async (opts: CommonOpts & { after?: string, limit: string }) => {
      const { callNode, nodeUrl, requireOk } = await import('./record-common.js')
      const base = nodeUrl(opts.node)
      const after = count(opts.after, '--after', 0, Number.MAX_SAFE_INTEGER)
      const limit = count(opts.limit, '--limit', 1, 500) ?? 100
      const key = await readPatientKeyFile(opts.key)
      const auth = await patientAuth(base, key)
      const query = `limit=${limit}${after !== undefined ? `&after=${after}` : ''}`
      const res = await requireOk(await callNode(`${base}/v1/subjects/${key.address}/inbox?${query}`, { headers: { authorization: auth } }))
      const { inboxAnswer } = await import('./patient-answers.js')
      const parsed = inboxAnswer.safeParse(await res.json())
      if (!parsed.success) throw new InvalidInputError('the node\'s inbox is not in the expected form')
      const { messages } = parsed.data
      if (opts.json === true) {
        ctx.io.out(JSON.stringify({ subject: key.address, messages }))
        return
      }
      ctx.io.out(`inbox of ${key.address}: ${messages.length} message(s)`)
      for (const m of messages) {
        const b = (typeof m.body === 'object' && m.body !== null ? m.body : {}) as Record<string, unknown>
        const s = (k: string): string => typeof b[k] === 'string' ? b[k] : '?'
        const line = m.kind === 'emergency-access' || m.kind === 'access'
          ? `${m.kind === 'emergency-access' ? 'EMERGENCY ACCESS' : 'access'}: ${s('providerName')} of ${s('requesterCountry')} received record ${s('tokenId')} for ${s('purpose')}`
          : `${m.kind}: ${JSON.stringify(m.body)}`
        ctx.io.out(`#${m.id} ${iso(m.createdAt)}  ${line}`)
      }
    })
}
