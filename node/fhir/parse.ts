/**
 * Turning the bytes the API receives into JSON, within limits checked before parsing: size first,
 * then nesting depth (a linear scan that skips strings), then strict UTF-8 and JSON.
 */
import { FhirParseError, FhirTooDeepError, FhirTooLargeError } from './errors.js'

/** 64 MiB: room for an imaging-sized DocumentReference; an agency may lower or raise it. */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024
/** Deeper than any R4 structure needs (Questionnaire items nest, but not this far). */
export const DEFAULT_MAX_DEPTH = 64
/** Bundle entries. */
export const DEFAULT_MAX_ENTRIES = 50_000

export interface FhirLimits {
  maxBytes?: number
  maxDepth?: number
  maxEntries?: number
}

const OPEN_BRACE = 0x7b
const OPEN_BRACKET = 0x5b
const CLOSE_BRACE = 0x7d
const CLOSE_BRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c

/** Throws FhirTooDeepError when objects and arrays nest deeper than `maxDepth`. */
export function checkJsonDepth (bytes: Uint8Array, maxDepth: number): void {
  let depth = 0
  let inString = false
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]
    if (inString) {
      if (b === BACKSLASH) i++
      else if (b === QUOTE) inString = false
      continue
    }
    if (b === QUOTE) inString = true
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > maxDepth) throw new FhirTooDeepError(maxDepth, i)
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) depth--
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** Parses FHIR JSON bytes (or text) within the limits; does not validate FHIR rules. */
export function parseFhirJson (input: Uint8Array | string, limits: FhirLimits = {}): unknown {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES
  if (bytes.length > maxBytes) throw new FhirTooLargeError(bytes.length, maxBytes)
  if (bytes.length === 0) throw new FhirParseError('the body is empty; expected FHIR R4 JSON')
  checkJsonDepth(bytes, limits.maxDepth ?? DEFAULT_MAX_DEPTH)
  let text: string
  try {
    text = decoder.decode(bytes)
  } catch {
    throw new FhirParseError('the body is not valid UTF-8')
  }
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    // V8's message quotes the input, which may be health data: keep only the position
    const at = /position (\d+)/.exec((err as Error).message)
    throw new FhirParseError(`the body is not valid JSON${at === null ? '' : ` (at byte ${at[1]})`}`)
  }
}
