/**
 * What the `healthrelay policy …` commands share: loading a module folder (and the folders of
 * the parents it extends) into an engine, and printing diagnostics as file:line:column.
 */
import { readSchemaText, readModuleWithParents } from '../../../policies/files.js'
import { createPolicyEngine, type CompiledModule, type PolicyEngine } from '../../../policies/engine/index.js'
import { ModuleLoadError, formatDiagnostic } from '../../../policies/errors.js'
import type { CliContext } from '../context.js'

export interface LoadedDraft {
  readonly engine: PolicyEngine
  readonly module: CompiledModule
}

/** A fresh engine for one command. */
export function cliEngine (): PolicyEngine {
  return createPolicyEngine({ schema: readSchemaText() })
}

/** Compiles the module in `dir` over its parents (sibling folders first, else the bundled ones). */
export async function loadDraft (dir: string, engine: PolicyEngine = cliEngine()): Promise<LoadedDraft> {
  const chain = await readModuleWithParents(dir)
  let parent: CompiledModule | undefined
  for (const files of chain) parent = engine.compile(files, parent === undefined ? undefined : { parent })
  if (parent === undefined) throw new Error(`no module in ${dir}`)
  return { engine, module: parent }
}

/** Prints a load error's diagnostics; true when `err` was one. */
export function reportLoadError (ctx: CliContext, err: unknown): boolean {
  if (!(err instanceof ModuleLoadError)) return false
  for (const d of err.diagnostics) ctx.io.err(formatDiagnostic(d))
  ctx.io.err(`${err.diagnostics.length} problem${err.diagnostics.length === 1 ? '' : 's'}: the module is refused`)
  ctx.exit.code = 1
  return true
}

export function describeModule (m: CompiledModule): string {
  const lineage = m.lineage.map((l) => `${l.code}@${l.version}`).join(' + ')
  const own = [...m.policies.values()].filter((p) => p.jurisdiction === m.code)
  const unv = m.unverified.length === 0 ? '' : `, ${m.unverified.length} unverified point${m.unverified.length === 1 ? '' : 's'} flagged`
  return `${m.code} ${m.version} (${lineage}): ${own.length} own polic${own.length === 1 ? 'y' : 'ies'}, ${m.policies.size} in force${unv}`
}
