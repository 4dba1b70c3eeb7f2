/** Named errors of the policy part (one class per condition). */
import { HealthrelayError, InvalidInputError, UnavailableError } from '../common/errors.js'

/** Where in a module's files a problem was found (1-based line and column). */
export interface SourcePosition {
  readonly file: string
  readonly line: number
  readonly column: number
}

/** One problem found while loading a module, with Cedar's message when Cedar found it. */
export interface ModuleDiagnostic {
  readonly file: string
  readonly line?: number
  readonly column?: number
  readonly message: string
  readonly help?: string
  /** The policy id it concerns, when it concerns one. */
  readonly policy?: string
}

/** Formats a diagnostic as `file:line:column: message (help)`. */
export function formatDiagnostic (d: ModuleDiagnostic): string {
  const where = d.line === undefined ? d.file : `${d.file}:${d.line}:${d.column ?? 1}`
  const policy = d.policy === undefined ? '' : ` [${d.policy}]`
  const help = d.help === undefined || d.help === '' ? '' : ` (${d.help})`
  return `${where}: ${d.message}${policy}${help}`
}

/** A module that does not parse, validate against the schema, or use only known obligations. */
export class ModuleLoadError extends InvalidInputError {
  override name = 'ModuleLoadError'
  readonly diagnostics: readonly ModuleDiagnostic[]
  constructor (code: string, diagnostics: readonly ModuleDiagnostic[]) {
    super(`module ${code} refused: ${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'}\n` +
      diagnostics.map((d) => '  ' + formatDiagnostic(d)).join('\n'))
    this.diagnostics = diagnostics
  }
}

/** The shared schema itself does not parse (a broken installation, never a regulator's error). */
export class SchemaError extends HealthrelayError {
  override name = 'SchemaError'
}

/** A module names a parent (`extends`) that is not loaded. */
export class ParentModuleMissingError extends InvalidInputError {
  override name = 'ParentModuleMissingError'
}

/** A release request that fails validation at the edge. */
export class InvalidReleaseRequestError extends InvalidInputError {
  override name = 'InvalidReleaseRequestError'
}

/** No module governs a country named in a request. */
export class NoModuleError extends UnavailableError {
  override name = 'NoModuleError'
}

/** A dry-run could not fetch the node's decision records. */
export class DecisionFetchError extends UnavailableError {
  override name = 'DecisionFetchError'
}
