/**
 * The healthrelay daemon: `createNode(config, options)` wires keystore, storage, chain client,
 * policies, libp2p, location, the relay service, the outbox and the HTTP API (`createApi`).
 */
export { createNode, type CreateNodeOptions, type HealthrelayNode, type NodeParts } from './create-node.js'
export { createLifecycle, type Part, type Lifecycle } from './lifecycle.js'
export { createNodeMetrics, type NodeMetrics, type GaugeSources } from './metrics.js'
export * from './errors.js'
export * from './api/index.js'
export * from './services/index.js'
