/** Names and limits of the relay protocol `/healthrelay/relay/1.0.0` (docs/protocol.md). */

/** The libp2p protocol id of the relay. */
export const RELAY_PROTOCOL = '/healthrelay/relay/1.0.0'
/** Largest frame (the protobuf message after its varint length). */
export const MAX_FRAME_BYTES = 1024 * 1024
/** HTTP media type of an envelope (the response frames, length-prefixed, as on the stream). */
export const ENVELOPE_MEDIA_TYPE = 'application/vnd.healthrelay.envelope'
export const TOKEN_ID_BYTES = 32
export const REQUEST_NONCE_BYTES = 16
/** How old a signed request may be when it arrives. */
export const DEFAULT_FRESHNESS_WINDOW_MS = 120_000
/** How far in the future a signed request's time may be (clock skew). */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 30_000
/** Lifetime of a credential issued without an explicit one (24 h). */
export const DEFAULT_CREDENTIAL_TTL_SECONDS = 86_400
/** Longest lifetime a verifier accepts (7 days). */
export const MAX_CREDENTIAL_TTL_SECONDS = 7 * 86_400
/** Clock skew allowed on a credential's issue time. */
export const CREDENTIAL_CLOCK_SKEW_SECONDS = 300
/** Largest credential payload accepted. */
export const MAX_CREDENTIAL_BYTES = 4096
/** Largest signed request payload accepted. */
export const MAX_REQUEST_PAYLOAD_BYTES = 8192
/** Longest emergency justification. */
export const MAX_JUSTIFICATION_CHARS = 2000

/** Purposes of a request (DESIGN §3). */
export const PURPOSES = ['treatment', 'emergency', 'research', 'insurance', 'public-health'] as const
export type Purpose = typeof PURPOSES[number]

export function isPurpose (value: string): value is Purpose {
  return (PURPOSES as readonly string[]).includes(value)
}

/** Milliseconds since the Unix epoch (injected so tests control time). */
export type Clock = () => number

export const systemClock: Clock = () => Date.now()
