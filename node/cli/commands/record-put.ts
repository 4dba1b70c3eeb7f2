import { readFile, stat } from 'node:fs/promises'
import type { Command } from 'commander'
import { InvalidInputError } from '../../../common/errors.js'
import type { CliContext } from '../context.js'

interface PutOpts { node: string, apiKey: string, subject?: string, supersedes?: string, json?: boolean }

/** Largest file `record put` sends (the node enforces its own, usually lower, limit). */
const MAX_FILE_BYTES = 256 * 1024 * 1024

/**
 * `healthrelay record put <file.json>`: sends a FHIR R4 JSON file (a Bundle or one resource) to
 * the node's POST /v1/records as `application/fhir+json`. Prints the token id (stdout) and its
 * category and status (stderr); a refused record prints the node's precise validation errors and
 * exits 1. Never prints the record's content.
 */
export function registerRecordPut (record: Command, ctx: CliContext): void {
  record.command('put')
    .description('ingest a FHIR R4 JSON file (Bundle or one resource); prints the token id or the validation errors')
    .argument('<file>', 'the FHIR R4 JSON file')
    .requiredOption('--node <url>', 'the node API, e.g. http://127.0.0.1:8080')
    .requiredOption('--api-key <key>', 'a provider or agency-admin API key of that node')
    .option('--subject <address>', 'the enrolled patient (hr1…); default: matched from the record\'s Patient identifier and birth date')
    .option('--supersedes <tokenId>', 'the token id this record is a new version of')
    .option('--json', 'print {tokenId, subject, category, status, warnings} as JSON')
    .action(async (file: string, opts: PutOpts) => {
      const { isSubject } = await import('../../api/routes/common.js')
      const { callNode, nodeUrl, requireOk } = await import('./record-common.js')
      const base = nodeUrl(opts.node)
      if (opts.subject !== undefined && !isSubject(opts.subject)) throw new InvalidInputError('--subject: a bech32 hr1… address')
      if (opts.supersedes !== undefined && !/^[0-9a-f]{64}$/.test(opts.supersedes)) throw new InvalidInputError('--supersedes: a token id (64 lower-case hex)')
      let size: number
      try { size = (await stat(file)).size } catch { throw new InvalidInputError(`${file}: no such file`) }
      if (size > MAX_FILE_BYTES) throw new InvalidInputError(`${file}: ${size} bytes is larger than ${MAX_FILE_BYTES}`)
      const body = await readFile(file)
      const q = new URLSearchParams()
      if (opts.subject !== undefined) q.set('subject', opts.subject)
      if (opts.supersedes !== undefined) q.set('supersedes', opts.supersedes)
      const qs = q.toString()
      const res = await requireOk(await callNode(`${base}/v1/records${qs === '' ? '' : `?${qs}`}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${opts.apiKey}`, 'content-type': 'application/fhir+json' },
        body
      }))
      const out = await res.json() as { tokenId: string, subject: string, category: string, status: string, warnings?: string[] }
      if (opts.json === true) { ctx.io.out(JSON.stringify(out)); return }
      ctx.io.out(out.tokenId)
      ctx.io.err(`stored as ${out.category} for ${out.subject}, ${out.status === 'pending' ? 'minting on chain' : 'kept local (category not opted in)'}`)
      for (const w of out.warnings ?? []) ctx.io.err(`warning: ${w}`)
    })
}
