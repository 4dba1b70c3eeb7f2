/**
 * How a module travels on chain (MsgPublishPolicy): `cedar` is policy.cedar as written, and
 * `metadata_json` is `{"format": "healthrelay-module/1", "module": <module.json>, "tests":
 * <tests.json>}` (JSON text, compact). The chain stores both after checking size, format and
 * signer; nodes turn them back into a module's files here. Pure.
 */
import { z } from 'zod'
import type { ModuleFiles } from './engine/module.js'
import { InvalidInputError } from '../common/errors.js'

export const PUBLISHED_FORMAT = 'healthrelay-module/1'

/** A policy as the chain returns it (chain/client's `Policy`, narrowed to what loading needs). */
export interface PublishedPolicy {
  readonly jurisdiction: string
  readonly version: string
  readonly cedar: string
  readonly metadataJson: string
  readonly effectiveHeight: bigint
  readonly publisher?: string
  readonly height?: bigint
}

/** A published policy whose metadata is not a module of this format. */
export class PublishedPolicyFormatError extends InvalidInputError {
  override name = 'PublishedPolicyFormatError'
}

const metadataSchema = z.object({
  format: z.literal(PUBLISHED_FORMAT),
  module: z.record(z.string(), z.unknown()),
  tests: z.record(z.string(), z.unknown()).optional()
})

function asObject (v: string | object): object {
  return typeof v === 'string' ? JSON.parse(v) as object : v
}

/** The `metadata_json` of a module's files. */
export function publishedMetadata (files: ModuleFiles): string {
  return JSON.stringify({
    format: PUBLISHED_FORMAT,
    module: asObject(files.moduleJson),
    ...(files.tests !== undefined ? { tests: asObject(files.tests) } : {})
  })
}

/** A module's files from a published policy; checks that its code and version match the chain's. */
export function filesFromPublished (p: PublishedPolicy): ModuleFiles {
  let raw: unknown
  try { raw = JSON.parse(p.metadataJson) } catch { throw new PublishedPolicyFormatError(`${p.jurisdiction} ${p.version}: metadata_json is not JSON`) }
  const meta = metadataSchema.safeParse(raw)
  if (!meta.success) throw new PublishedPolicyFormatError(`${p.jurisdiction} ${p.version}: metadata_json is not a ${PUBLISHED_FORMAT} module`)
  const { code, version } = meta.data.module as { code?: unknown, version?: unknown }
  if (code !== p.jurisdiction || version !== p.version) {
    throw new PublishedPolicyFormatError(`${p.jurisdiction} ${p.version}: module.json says ${String(code)} ${String(version)}`)
  }
  const where = `chain:${p.jurisdiction}@${p.version}`
  return {
    moduleJson: JSON.stringify(meta.data.module, null, 2),
    policy: p.cedar,
    ...(meta.data.tests !== undefined ? { tests: meta.data.tests } : {}),
    paths: { moduleJson: `${where}/module.json`, policy: `${where}/policy.cedar`, tests: `${where}/tests.json` }
  }
}
