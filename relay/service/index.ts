/**
 * relay/service: the relay protocol `/healthrelay/relay/1.0.0` on a libp2p host.
 *
 * - `relayService(init)(components)`: the custodian and home-country side (retrieve pipeline,
 *   discovery, emergency access), against the narrow ports of ports.ts that node/ implements.
 * - `createRelayClient(init, components)`: the requester side (the doctor's node) that carries
 *   doctor-signed requests and streams the response frames back.
 * Pipelines and order of checks: docs/protocol.md, "Custodian and requester pipelines".
 */
export * from './ports.js'
export * from './api.js'
export { relayService, createRelayService } from './service.js'
export {
  relayClient, createRelayClient, DEFAULT_DIAL_TIMEOUT_MS, DEFAULT_FRAME_TIMEOUT_MS, DEFAULT_DISCOVER_TIMEOUT_MS,
  type RelayClientInit, type RelayClientComponents
} from './client.js'
export * from './errors.js'
export { createRateLimiter, type RateRule } from './rate-limiter.js'
export { sealTo, openSealed, SEALED_VERSION, SEAL_INFO_LABEL, ACCESS_DETAILS_LABEL } from './seal.js'
export { reason, denialOfVerifyError } from './reasons.js'
export { MAX_DISCOVERED_RECORDS } from './discover.js'
