import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { InvalidInputError } from '../../common/errors.js'
import { configSchema, type NodeConfig } from './schema.js'

export const CONFIG_FILE = 'config.json'
export const ENV_PREFIX = 'HEALTHRELAY_'

/** A configuration that does not validate; `issues` lists every wrong field. */
export class InvalidConfigError extends InvalidInputError {
  override name = 'InvalidConfigError'
  constructor (readonly source: string, readonly issues: readonly string[]) {
    super(`invalid configuration in ${source}:\n${issues.map((i) => `  - ${i}`).join('\n')}`)
  }
}

/**
 * Environment overrides: `HEALTHRELAY_COUNTRY`, `HEALTHRELAY_LOG_LEVEL`, and
 * `HEALTHRELAY_<SECTION>_<FIELD>` for the fields of api, chain, p2p and relay (camelCase fields in
 * SCREAMING_SNAKE_CASE; lists comma-separated; numbers as digits).
 */
export function envOverrides (env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, raw] of Object.entries(env)) {
    if (!key.startsWith(ENV_PREFIX) || raw === undefined) continue
    const target = ENV_FIELDS.get(key.slice(ENV_PREFIX.length))
    // Other HEALTHRELAY_* variables (HOME, IPS_DIR, KEY_PASSPHRASE, …) are not configuration.
    if (target === undefined) continue
    const [section, field] = target
    if (field === undefined) {
      out[section] = coerce(raw, false)
    } else {
      const values = (out[section] ??= {}) as Record<string, unknown>
      values[field] = coerce(raw, LIST_FIELDS.has(`${section}.${field}`))
    }
  }
  return out
}

const screaming = (camel: string): string => camel.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()

/** `API_LISTEN` → ['api', 'listen'], `COUNTRY` → ['country'], for every field of the schema. */
const ENV_FIELDS: ReadonlyMap<string, [string, string?]> = (() => {
  const map = new Map<string, [string, string?]>()
  for (const [name, schema] of Object.entries(configSchema.shape)) {
    let inner: unknown = schema
    while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) inner = inner.unwrap()
    if (inner instanceof z.ZodObject) {
      for (const field of Object.keys(inner.shape)) map.set(`${screaming(name)}_${screaming(field)}`, [name, field])
    } else {
      map.set(screaming(name), [name])
    }
  }
  return map
})()

const LIST_FIELDS = new Set(['p2p.listen', 'p2p.announce'])

function coerce (raw: string, list: boolean): unknown {
  if (list) return raw.split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (/^\d+$/.test(raw)) return Number(raw)
  return raw
}

function merge (base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(over)) {
    const b = out[k]
    out[k] = (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof b === 'object' && b !== null && !Array.isArray(b))
      ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
      : v
  }
  return out
}

/** Validates a raw configuration object; throws one InvalidConfigError naming every bad field. */
export function parseConfig (raw: unknown, source = 'configuration'): NodeConfig {
  const result = configSchema.safeParse(raw)
  if (result.success) return result.data
  const issues = result.error.issues.map((i) => {
    const path = i.path.length > 0 ? i.path.join('.') : '(root)'
    return `${path}: ${i.message}`
  })
  throw new InvalidConfigError(source, issues)
}

/** Reads `<home>/config.json` (if present), applies environment overrides, validates. */
export function loadConfig (home: string, env: NodeJS.ProcessEnv = process.env, overrides: Record<string, unknown> = {}): NodeConfig {
  const file = join(home, CONFIG_FILE)
  let fromFile: Record<string, unknown> = {}
  if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    } catch (err) {
      throw new InvalidConfigError(file, [`not valid JSON: ${(err as Error).message}`])
    }
    if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
      throw new InvalidConfigError(file, ['(root): expected a JSON object'])
    }
  }
  const merged = merge(merge(fromFile, envOverrides(env)), overrides)
  return parseConfig(merged, existsSync(file) ? `${file} (with HEALTHRELAY_* overrides)` : 'HEALTHRELAY_* environment')
}
