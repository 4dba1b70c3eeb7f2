/**
 * Policies (DESIGN.md §6): the Cedar policy engine (pure, clock injected), the jurisdiction
 * modules' formats, the obligations the relay enforces (deidentify, redact) with the FHIR category
 * mapping they share with the daemon, rolling transfer counts for bulk rules, the on-chain module
 * format, and the registry that keeps a node's modules in step with the chain.
 */
export * from './engine/index.js'
export * from './errors.js'
export * from './vocabulary.js'
export * from './obligations/index.js'
export { categoryOfResource, categoryOfRecord } from './fhir-category.js'
export { createTransferCounter, transferClassesOf, DEFAULT_TRANSFER_WINDOW_MS, EMERGENCY_WINDOW_MS } from './transfer-counter.js'
export type { TransferCounter, TransferCounterInit, TransferCounts, TransferClass } from './transfer-counter.js'
export { publishedMetadata, filesFromPublished, PUBLISHED_FORMAT, PublishedPolicyFormatError } from './published.js'
export type { PublishedPolicy } from './published.js'
export { createPolicyRegistry, DEFAULT_REFRESH_EVERY_BLOCKS } from './registry.js'
export type { PolicyRegistry, PolicyRegistryInit, PolicyRegistryComponents, PolicySource, PolicyLoadFailure, ActivePolicy, RegistryEvent } from './registry.js'
export { readSchemaText, readModuleDir, readBundledModules, loadBundledModules, readModuleWithParents, orderByParent, SCHEMA_PATH, BUNDLED_MODULES_DIR } from './files.js'
export { bundledGenesisPolicies, type BundledGenesisPolicy } from './genesis.js'
