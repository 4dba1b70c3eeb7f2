/**
 * The bundled jurisdiction modules as genesis policies (what `healthrelay chain init` and the
 * devnet publish at height 1), in the on-chain format of published.ts.
 */
import { readBundledModules } from './files.js'
import { publishedMetadata } from './published.js'

export interface BundledGenesisPolicy {
  readonly jurisdiction: string
  readonly version: string
  readonly cedar: string
  readonly metadataJson: string
}

/** Every bundled module (parents first), ready for `buildGenesisDoc({ policies })`. */
export async function bundledGenesisPolicies (options?: { signal?: AbortSignal }): Promise<BundledGenesisPolicy[]> {
  const out: BundledGenesisPolicy[] = []
  for (const [code, files] of await readBundledModules(options)) {
    const module = JSON.parse(typeof files.moduleJson === 'string' ? files.moduleJson : JSON.stringify(files.moduleJson)) as { version?: unknown }
    if (typeof module.version !== 'string') throw new Error(`bundled module ${code} has no version in module.json`)
    out.push({ jurisdiction: code, version: module.version, cedar: files.policy, metadataJson: publishedMetadata(files) })
  }
  return out
}
