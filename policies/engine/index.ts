/**
 * The Cedar policy engine (DESIGN.md §6): pure, no I/O, clock injected. Compile a module from its
 * three files, install it, and ask for release decisions (source `export` AND destination
 * `import`), with obligations, reasons and a decision record.
 */
export { createPolicyEngine, DEFAULT_DECISION_CACHE_SIZE } from './engine.js'
export type { PolicyEngine, PolicyEngineInit, ReleaseDecision, DecisionRecord, ModuleRef, InstallResult, DecideOptions } from './engine.js'
export { compileModule } from './module.js'
export type { CompiledModule, CompiledPolicy, ModuleFiles } from './module.js'
export { NO_MATCHING_PERMIT, POLICY_ERROR } from './evaluate.js'
export type { Evaluation } from './evaluate.js'
export { parseReleaseRequest, releaseRequestSchema } from './request.js'
export type { ReleaseRequest, ReleaseRequestInput } from './request.js'
export { LIST_NAMES, LIMIT_NAMES, DEFAULT_TRANSFER_WINDOW_DAYS, manifestSchema } from './manifest.js'
export type { Manifest, ModuleData, ListName, LimitName } from './manifest.js'
export { runModuleTests, runCase } from './testing.js'
export type { TestReport, TestResult } from './testing.js'
export type { TestCase } from './tests-file.js'
export { lineColumnOfByteOffset } from './source.js'
export { dryRun, decisionRecordSchema, decisionListSchema } from './dry-run.js'
export type { DryRunChange, DryRunReport } from './dry-run.js'
export { diffModules, requestFor, homeCountryOf, DIFF_BASE_COUNTRIES, GRANT_STATES, EMERGENCY_STATES } from './diff.js'
export type { DiffPoint, DiffChange, DiffReport } from './diff.js'
export { combineSides, sameOutcome, formatOutcome } from './combine.js'
export type { SideOutcome } from './engine.js'
