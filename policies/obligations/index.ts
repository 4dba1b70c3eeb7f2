/** The obligations the relay enforces: names, parsing, and the FHIR transformations. */
export * from './known.js'
export { deidentify, safeHarborZip, ALLOW_LISTS } from './deidentify.js'
export type { DeidentifyOptions } from './deidentify.js'
export { redactCategory } from './redact.js'
export type { RedactResult } from './redact.js'
export { RESTRICTED_ZIP3 } from './zip3-restricted.js'
