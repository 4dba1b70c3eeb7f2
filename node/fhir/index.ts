/**
 * FHIR R4 at the node's edge: parsing within limits, validation with FHIRPath-like locations,
 * the category and media type of a record, the patient it is about, and synthetic records.
 */
export * from './errors.js'
export * from './issues.js'
export * from './parse.js'
export * from './validate.js'
export * from './category.js'
export * from './patient.js'
export * from './media-type.js'
export * from './record.js'
export * from './redact.js'
export { R4_RESOURCE_TYPES, REQUIRED_ELEMENTS, ACCEPTED_BUNDLE_TYPES, isAcceptedResourceType } from './resource-types.js'
export { IPS_COMPOSITION_LOINC, isIpsComposition } from './bundle.js'
export * from './synthetic.js'
