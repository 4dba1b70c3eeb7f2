/**
 * Compiling a module: `module.json`, `policy.cedar` and `tests.json` given as text (or parsed
 * JSON) become a `CompiledModule`, or a `ModuleLoadError` listing every problem at its
 * file:line:column. Checks: the manifest's shape and data lists; Cedar parsing; validation
 * against the shared schema (strict mode); one `@id` per policy, unique; `@reason` on every
 * forbid and only there; `@obligation` only on permits and naming only obligations the relay
 * knows; limits the policies read are defined. `extends` prepends the parent's policies (the EU
 * baseline plus a member state's additions) and merges the data lists (the child's replace).
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs'
import type { DetailedError, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { ModuleLoadError, ParentModuleMissingError, type ModuleDiagnostic } from '../errors.js'
import { parseObligation, splitObligations } from '../obligations/known.js'
import { manifestSchema, mergeData, LIMIT_NAMES, DEFAULT_TRANSFER_WINDOW_DAYS, type Manifest, type ModuleData, type LimitName } from './manifest.js'
import { testsFileSchema, type TestCase } from './tests-file.js'
import { projectPolicies, type Projection } from './projection.js'
import { inlineData } from './inline.js'
import { prepareSets, type PreparedSet } from './prepared.js'
import { jsonErrorPosition, lineColumnOfByteOffset, lineColumnOfCharOffset, locateJsonPath } from './source.js'

/** A module's three files, as text (or already-parsed JSON). */
export interface ModuleFiles {
  readonly moduleJson: string | object
  readonly policy: string
  readonly tests?: string | object
  /** Names shown in diagnostics (default `module.json`, `policy.cedar`, `tests.json`). */
  readonly paths?: { readonly moduleJson?: string, readonly policy?: string, readonly tests?: string }
}

/** One policy of a compiled module. */
export interface CompiledPolicy {
  /** `<CODE>.<@id>`, e.g. `DE.gendg-insurance`: the id Cedar names in its diagnostics. */
  readonly id: string
  readonly jurisdiction: string
  readonly effect: 'permit' | 'forbid'
  readonly text: string
  readonly annotations: Readonly<Record<string, string>>
  readonly reason?: string
  readonly obligations: readonly string[]
  readonly file: string
  readonly line: number
  readonly column: number
}

export interface CompiledModule {
  readonly code: string
  readonly version: string
  readonly manifest: Manifest
  /** The chain of modules it is made of, root first (`[EU@x, DE@y]`). */
  readonly lineage: ReadonlyArray<{ readonly code: string, readonly version: string }>
  readonly policies: ReadonlyMap<string, CompiledPolicy>
  readonly data: ModuleData
  readonly transferWindowDays: number
  /** Countries governed by this module besides its code (e.g. EU member states without a module). */
  readonly members: readonly string[]
  readonly tests: readonly TestCase[]
  /**
   * The policies as Cedar evaluates them: JSON form with data lists and limits written in (the
   * text as written when its JSON form cannot carry a 64-bit literal exactly).
   */
  readonly cedarPolicies: Readonly<Record<string, PolicyJson | string>>
  /** Id of the preparsed Cedar policy set (code, version and a hash of the policies). */
  readonly policySetId: string
  readonly projection: Projection
  /** The whole set as Cedar evaluates it (id `policySetId`, nested inputs). */
  readonly full: PreparedSet
  /**
   * The set specialised for each action × purpose × category (`knownsKey`): only the policies
   * Cedar could find satisfied (or fail on) for such a request, with flat inputs where possible.
   */
  readonly sets: ReadonlyMap<string, PreparedSet>
  /** SHA-256 (hex) of this module's own Cedar text. */
  readonly cedarSha256: string
  /** The module's own files as given, so it can be re-derived when its parent changes. */
  readonly files: ModuleFiles
  /** The UNV points of the module and its parents. */
  readonly unverified: ReadonlyArray<{ readonly module: string, readonly id: string, readonly point: string, readonly where: string }>
}

const POLICY_ID = /^[a-z0-9][a-z0-9._-]{0,79}$/

function parseJson (text: string | object, file: string, diags: ModuleDiagnostic[]): unknown {
  if (typeof text !== 'string') return text
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    const pos = jsonErrorPosition(text, err)
    diags.push({ file, ...(pos ?? {}), message: `not valid JSON: ${err instanceof Error ? err.message : String(err)}` })
    return undefined
  }
}

function zodDiagnostics (issues: ReadonlyArray<{ path: readonly PropertyKey[], message: string }>, text: string | object, file: string): ModuleDiagnostic[] {
  return issues.map((i) => {
    const pos = typeof text === 'string' ? locateJsonPath(text, i.path) : undefined
    const where = i.path.length === 0 ? '' : `${i.path.map(String).join('.')}: `
    return { file, ...(pos ?? {}), message: `${where}${i.message}` }
  })
}

function cedarDiagnostics (errors: readonly DetailedError[], text: string, file: string, policy?: string): ModuleDiagnostic[] {
  const out: ModuleDiagnostic[] = []
  const visit = (e: DetailedError): void => {
    const loc = e.sourceLocations?.[0]
    const pos = loc === undefined ? undefined : lineColumnOfByteOffset(text, loc.start)
    const label = loc?.label === null || loc?.label === undefined ? '' : ` (${loc.label})`
    out.push({
      file,
      ...(pos ?? {}),
      message: e.message + label,
      ...(e.help !== null && e.help !== '' ? { help: e.help } : {}),
      ...(policy !== undefined ? { policy } : {})
    })
    for (const r of e.related ?? []) visit(r)
  }
  for (const e of errors) visit(e)
  return out
}

/** The policies of `text` in source order, each with its char offset. */
function splitPolicies (text: string): Array<{ text: string, offset: number }> | undefined {
  const parts = cedar.policySetTextToParts(text)
  if (parts.type !== 'success') return undefined
  const used = new Set<number>()
  const found: Array<{ text: string, offset: number }> = []
  for (const p of parts.policies) {
    let from = 0
    let at = text.indexOf(p, from)
    while (at >= 0 && used.has(at)) { from = at + 1; at = text.indexOf(p, from) }
    used.add(at)
    found.push({ text: p, offset: at < 0 ? 0 : at })
  }
  return found.sort((a, b) => a.offset - b.offset)
}

function limitsRead (projection: Projection): LimitName[] {
  const limits = projection.context.limits
  if (limits === undefined) return []
  if (limits === true) return [...LIMIT_NAMES]
  return Object.keys(limits).filter((k): k is LimitName => (LIMIT_NAMES as readonly string[]).includes(k))
}

/** Whether a policy's JSON form holds a number JavaScript cannot represent exactly. */
function hasUnsafeNumber (v: unknown): boolean {
  if (typeof v === 'number') return !Number.isSafeInteger(v)
  if (Array.isArray(v)) return v.some(hasUnsafeNumber)
  if (typeof v === 'object' && v !== null) return Object.values(v).some(hasUnsafeNumber)
  return false
}

/**
 * Compiles a module against `schema` (the shared schema's text). `parent` is the compiled module
 * that `extends` names. Throws ModuleLoadError with every problem found.
 */
export function compileModule (schema: string, files: ModuleFiles, parent?: CompiledModule): CompiledModule {
  const paths = {
    moduleJson: files.paths?.moduleJson ?? 'module.json',
    policy: files.paths?.policy ?? 'policy.cedar',
    tests: files.paths?.tests ?? 'tests.json'
  }
  const diags: ModuleDiagnostic[] = []

  // module.json
  const rawManifest = parseJson(files.moduleJson, paths.moduleJson, diags)
  let manifest: Manifest | undefined
  if (rawManifest !== undefined) {
    const r = manifestSchema.safeParse(rawManifest)
    if (r.success) manifest = r.data
    else diags.push(...zodDiagnostics(r.error.issues, files.moduleJson, paths.moduleJson))
  }
  const code = manifest?.code ?? (typeof rawManifest === 'object' && rawManifest !== null && typeof (rawManifest as { code?: unknown }).code === 'string' ? (rawManifest as { code: string }).code : '??')
  if (manifest?.extends !== undefined) {
    if (parent === undefined) throw new ParentModuleMissingError(`module ${code} extends ${manifest.extends}, which is not loaded`)
    if (parent.code !== manifest.extends) throw new ParentModuleMissingError(`module ${code} extends ${manifest.extends}, but the parent given is ${parent.code}`)
  } else if (parent !== undefined && manifest !== undefined) {
    diags.push({ file: paths.moduleJson, message: `a parent (${parent.code}) was given but module.json has no "extends"` })
  }

  // tests.json
  let tests: TestCase[] = []
  if (files.tests !== undefined) {
    const rawTests = parseJson(files.tests, paths.tests, diags)
    if (rawTests !== undefined) {
      const r = testsFileSchema.safeParse(rawTests)
      if (r.success) tests = r.data.cases
      else diags.push(...zodDiagnostics(r.error.issues, files.tests, paths.tests))
    }
  }

  // policy.cedar: parse, validate, then each policy's annotations
  const text = files.policy
  const parsed = cedar.checkParsePolicySet({ staticPolicies: text })
  const own: CompiledPolicy[] = []
  if (parsed.type === 'failure') {
    diags.push(...cedarDiagnostics(parsed.errors, text, paths.policy))
  } else {
    const parts = splitPolicies(text) ?? []
    const idOf = (cedarId: string): string | undefined => {
      const n = /^policy(\d+)$/.exec(cedarId)
      const part = n === null ? undefined : parts[Number(n[1])]
      if (part === undefined) return undefined
      const json = cedar.policyToJson(part.text)
      const local = json.type === 'success' ? json.json.annotations?.id : undefined
      return local === undefined ? undefined : `${code}.${local}`
    }
    const validation = cedar.validate({ schema, policies: { staticPolicies: text }, validationSettings: { mode: 'strict' } })
    if (validation.type === 'failure') {
      diags.push(...cedarDiagnostics(validation.errors, text, paths.policy))
    } else {
      for (const v of validation.validationErrors) {
        const ours = idOf(v.policyId)
        const error = { ...v.error, message: v.error.message.replace(/^for policy `policy\d+`, /, '') }
        diags.push(...cedarDiagnostics([error], text, paths.policy, ours))
      }
    }
    const ids = new Set<string>(parent === undefined ? [] : [...parent.policies.keys()])
    for (const part of parts) {
      const pos = lineColumnOfCharOffset(text, part.offset)
      const at = { file: paths.policy, line: pos.line, column: pos.column }
      const json = cedar.policyToJson(part.text)
      if (json.type !== 'success') { diags.push(...cedarDiagnostics(json.errors, text, paths.policy)); continue }
      const policy: PolicyJson = json.json
      const annotations: Record<string, string> = { ...(policy.annotations ?? {}) }
      const localId = annotations.id
      if (localId === undefined || !POLICY_ID.test(localId)) {
        diags.push({ ...at, message: localId === undefined ? 'every policy needs an @id("...") annotation' : `@id "${localId}" must be lower-case letters, digits, '.', '_' or '-'` })
        continue
      }
      const id = `${code}.${localId}`
      if (ids.has(id)) { diags.push({ ...at, message: `duplicate policy id ${id}`, policy: id }); continue }
      ids.add(id)
      const obligations: string[] = []
      if (annotations.obligation !== undefined) {
        if (policy.effect !== 'permit') diags.push({ ...at, message: '@obligation belongs on a permit (a forbid denies; nothing is released to oblige)', policy: id })
        for (const name of splitObligations(annotations.obligation)) {
          if (parseObligation(name) === undefined) diags.push({ ...at, message: `unknown obligation "${name}": the relay knows notify-patient, audit, deidentify, minimum-necessary, redact:<category>, retention:<days>`, policy: id })
          else obligations.push(name)
        }
      }
      if (policy.effect === 'forbid' && (annotations.reason === undefined || annotations.reason.trim() === '')) {
        diags.push({ ...at, message: 'every forbid needs a @reason("...") so a denial can be explained', policy: id })
      }
      if (policy.effect === 'permit' && annotations.reason !== undefined) {
        diags.push({ ...at, message: '@reason belongs on a forbid (it explains a denial)', policy: id })
      }
      own.push({
        id,
        jurisdiction: code,
        effect: policy.effect,
        text: part.text,
        annotations,
        ...(annotations.reason !== undefined ? { reason: annotations.reason } : {}),
        obligations,
        ...at
      })
    }
    if (parts.length === 0 && diags.length === 0) diags.push({ file: paths.policy, message: 'the module has no policy: every request would be denied' })
  }

  if (manifest === undefined || diags.length > 0) throw new ModuleLoadError(code, diags)

  const policies = new Map<string, CompiledPolicy>(parent === undefined ? [] : [...parent.policies])
  for (const p of own) policies.set(p.id, p)
  const data = mergeData(manifest.data, parent?.data)
  const jsons = [...policies.values()].map((p) => {
    const j = cedar.policyToJson(p.text)
    if (j.type !== 'success') throw new ModuleLoadError(code, [{ file: p.file, line: p.line, column: p.column, message: 'policy no longer parses', policy: p.id }])
    return j.json
  })
  for (const limit of limitsRead(projectPolicies(jsons))) {
    if (data.limits[limit] === undefined) {
      const user = [...policies.values()].find((p) => p.text.includes(`limits.${limit}`))
      diags.push({ file: user?.file ?? paths.policy, ...(user !== undefined ? { line: user.line, column: user.column } : {}), message: `the policies read context.limits.${limit} but module.json defines no "${limit}" in "data"`, ...(user !== undefined ? { policy: user.id } : {}) })
    }
  }
  if (diags.length > 0) throw new ModuleLoadError(code, diags)

  const ids = [...policies.keys()]
  const cedarPolicies: Record<string, PolicyJson | string> = {}
  const evaluated: PolicyJson[] = []
  jsons.forEach((j, i) => {
    const id = ids[i] ?? ''
    if (hasUnsafeNumber(j)) {
      cedarPolicies[id] = policies.get(id)?.text ?? ''
      evaluated.push(j)
    } else {
      const inlined = inlineData(j, data)
      cedarPolicies[id] = inlined
      evaluated.push(inlined)
    }
  })
  const projection = projectPolicies(evaluated)
  const policySetId = `${[...(parent?.lineage ?? []), { code, version: manifest.version }].map((l) => `${l.code}@${l.version}`).join('+')}#${bytesToHex(sha256(utf8ToBytes(JSON.stringify(cedarPolicies)))).slice(0, 16)}`
  const { full, sets } = prepareSets(policySetId, cedarPolicies, Object.fromEntries(ids.map((id, i) => [id, evaluated[i] as PolicyJson])), projection)
  const cedarSha256 = bytesToHex(sha256(utf8ToBytes(text)))
  const lineage = [...(parent?.lineage ?? []), { code, version: manifest.version }]
  const unverified = [
    ...(parent?.unverified ?? []),
    ...(manifest.unverified ?? []).map((u) => ({ module: code, ...u }))
  ]
  return {
    code,
    version: manifest.version,
    manifest,
    lineage,
    policies,
    data,
    transferWindowDays: manifest.transferWindowDays ?? parent?.transferWindowDays ?? DEFAULT_TRANSFER_WINDOW_DAYS,
    members: manifest.members ?? [],
    tests,
    cedarPolicies,
    policySetId,
    projection,
    full,
    sets,
    cedarSha256,
    files,
    unverified
  }
}
