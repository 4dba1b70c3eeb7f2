/** The media type of FHIR R4 JSON records, and the check of a request's Content-Type. */
import { UnsupportedMediaTypeError } from './errors.js'

/** What every stored record's media type is: FHIR JSON, R4. */
export const FHIR_JSON_MEDIA_TYPE = 'application/fhir+json; fhirVersion=4.0'

const ACCEPTED = new Set(['application/fhir+json', 'application/json+fhir', 'application/json'])
const R4_VERSIONS = new Set(['4.0', '4.0.0', '4.0.1'])

/**
 * Checks a Content-Type header for FHIR R4 JSON (`application/fhir+json`, optionally with
 * `charset=utf-8` and `fhirVersion=4.0`) and returns the record's media type.
 */
export function fhirMediaType (contentType: string | undefined): string {
  if (contentType === undefined || contentType.trim() === '') {
    throw new UnsupportedMediaTypeError('Content-Type is missing; send application/fhir+json')
  }
  const [essence = '', ...params] = contentType.split(';').map((s) => s.trim())
  if (!ACCEPTED.has(essence.toLowerCase())) {
    throw new UnsupportedMediaTypeError(`Content-Type ${essence} is not accepted; send application/fhir+json`)
  }
  for (const p of params) {
    const [k = '', v = ''] = p.split('=').map((s) => s.trim().replace(/^"|"$/g, ''))
    const key = k.toLowerCase()
    if (key === 'charset' && v.toLowerCase() !== 'utf-8') {
      throw new UnsupportedMediaTypeError(`charset ${v} is not accepted; FHIR JSON is UTF-8`)
    }
    if (key === 'fhirversion' && !R4_VERSIONS.has(v)) {
      throw new UnsupportedMediaTypeError(`fhirVersion ${v} is not accepted; this node takes FHIR R4 (4.0)`)
    }
  }
  return FHIR_JSON_MEDIA_TYPE
}
