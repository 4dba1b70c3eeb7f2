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
