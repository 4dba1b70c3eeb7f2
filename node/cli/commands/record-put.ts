import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from 'commander'
import { InvalidInputError } from '../../../common/errors.js'
import type { CliContext } from '../context.js'

interface PutOpts { node: string, apiKey: string, subject?: string, supersedes?: string, json?: boolean }

/** Largest file `record put` sends (the node enforces its own, usually lower, limit). */
const MAX_FILE_BYTES = 256 * 1024 * 1024

/** The files to ingest: each argument, a directory standing for its *.json files (sorted). */
async function expandFiles (args: readonly string[]): Promise<string[]> {
  const files: string[] = []
  for (const a of args) {
    let st
    try { st = await stat(a) } catch { throw new InvalidInputError(`${a}: no such file`) }
    if (st.isDirectory()) {
      const inDir = (await readdir(a)).filter((f) => f.endsWith('.json')).sort().map((f) => join(a, f))
      if (inDir.length === 0) throw new InvalidInputError(`${a}: no *.json files in this directory`)
      files.push(...inDir)
    } else {
      files.push(a)
    }
  }
  return files
}

interface PutResult { tokenId: string, subject: string, category: string, status: string, warnings?: string[] }

/**
 * `healthrelay record put <file.json|dir>...`: sends each FHIR R4 JSON file (a Bundle or one
 * resource) to the node's POST /v1/records as `application/fhir+json`. One file: prints the token
 * id (stdout) and its category and status (stderr); a refused record prints the node's precise
 * validation errors and exits 1. Several files (a bulk import): one at a time, a progress line per
 * file on stderr (`[i/n] file: …`), the token ids on stdout, a refused file does not stop the
 * others, a summary at the end, exit 1 when any was refused. Never prints the records' content.
 */
export function registerRecordPut (record: Command, ctx: CliContext): void {
  record.command('put')
    .description('ingest FHIR R4 JSON files (Bundles or single resources; a directory means its *.json files); prints the token ids or the validation errors')
    .argument('<files...>', 'the FHIR R4 JSON files or directories (several: a bulk import with progress)')
    .requiredOption('--node <url>', 'the node API, e.g. http://127.0.0.1:8080')
    .requiredOption('--api-key <key>', 'a provider or agency-admin API key of that node')
    .option('--subject <address>', 'the enrolled patient (hr1…); default: matched from the record\'s Patient identifier and birth date')
    .option('--supersedes <tokenId>', 'the token id this record is a new version of (one file only)')
    .option('--json', 'print {tokenId, subject, category, status, warnings} as JSON (with "file" when several)')
    .action(async (args: string[], opts: PutOpts) => {
      const { isSubject } = await import('../../api/routes/common.js')
      const { callNode, nodeUrl, requireOk } = await import('./record-common.js')
      const base = nodeUrl(opts.node)
      if (opts.subject !== undefined && !isSubject(opts.subject)) throw new InvalidInputError('--subject: a bech32 hr1… address')
      if (opts.supersedes !== undefined && !/^[0-9a-f]{64}$/.test(opts.supersedes)) throw new InvalidInputError('--supersedes: a token id (64 lower-case hex)')
      const files = await expandFiles(args)
      if (opts.supersedes !== undefined && files.length > 1) throw new InvalidInputError('--supersedes names one record: give one file')
      const q = new URLSearchParams()
      if (opts.subject !== undefined) q.set('subject', opts.subject)
      if (opts.supersedes !== undefined) q.set('supersedes', opts.supersedes)
      const qs = q.toString()
      const put = async (file: string): Promise<PutResult> => {
        const size = (await stat(file)).size
        if (size > MAX_FILE_BYTES) throw new InvalidInputError(`${file}: ${size} bytes is larger than ${MAX_FILE_BYTES}`)
        const body = await readFile(file)
        const res = await requireOk(await callNode(`${base}/v1/records${qs === '' ? '' : `?${qs}`}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${opts.apiKey}`, 'content-type': 'application/fhir+json' },
          body
        }))
        return await res.json() as PutResult
      }
      const describe = (out: PutResult): string =>
        `stored as ${out.category} for ${out.subject}, ${out.status === 'pending' ? 'minting on chain' : 'kept local (category not opted in)'}`

      const [only] = files
      if (files.length === 1 && only !== undefined) {
        const out = await put(only)
        if (opts.json === true) { ctx.io.out(JSON.stringify(out)); return }
        ctx.io.out(out.tokenId)
        ctx.io.err(describe(out))
        for (const w of out.warnings ?? []) ctx.io.err(`warning: ${w}`)
        return
      }
      let refused = 0
      for (const [i, file] of files.entries()) {
        const at = `[${i + 1}/${files.length}] ${file}`
        try {
          const out = await put(file)
          ctx.io.out(opts.json === true ? JSON.stringify({ file, ...out }) : out.tokenId)
          ctx.io.err(`${at}: ${out.tokenId} ${describe(out)}${(out.warnings ?? []).length > 0 ? ` (${(out.warnings ?? []).length} warnings)` : ''}`)
        } catch (err) {
          // a refused record (4xx about that file) is reported and the next one goes; an unreachable
          // node, a bad API key or a server error stops the import
          const status = (err as { httpStatus?: number }).httpStatus
          const aboutTheFile = (err as Error).name === 'InvalidInputError' ||
            ((err as Error).name === 'NodeApiError' && status !== undefined && status >= 400 && status < 500 && status !== 401 && status !== 403)
          if (!aboutTheFile) throw err
          refused++
          ctx.io.err(`${at}: refused: ${(err as Error).message.split('\n').join('\n    ')}`)
        }
      }
      ctx.io.err(`ingested ${files.length - refused} of ${files.length} files${refused > 0 ? `; ${refused} refused (above)` : ''}`)
      if (refused > 0) throw new BulkImportRefusedError(`${refused} of ${files.length} files were refused`)
    })
}

class BulkImportRefusedError extends InvalidInputError {
  override readonly name: string = 'BulkImportRefusedError'
}
