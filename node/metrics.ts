/**
 * The daemon's Prometheus metrics, registered on an injected prom-client Registry (never the
 * global one). Gauges read their value at scrape time from the sources given to `bindGauges`.
 * The relay service and the location resolver count through the same registry.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

export interface NodeMetrics {
  readonly relayRequests: Counter<'direction' | 'outcome' | 'purpose'>
  readonly relaySeconds: Histogram<'direction'>
  readonly policyDecisions: Counter<'jurisdiction' | 'decision'>
  readonly chainSubmissions: Counter<'kind' | 'outcome'>
  readonly httpRequests: Counter<'method' | 'route' | 'status'>
  readonly httpSeconds: Histogram<'route'>
  readonly ingestedRecords: Counter<'category'>
  /** Sets the sources the gauges read at scrape time. */
  bindGauges: (sources: GaugeSources) => void
}

export interface GaugeSources {
  chainHeight: () => number
  chainLag: () => number
  peers: () => number
  outboxDepth: () => number
  storedBytes: () => number
}

const safe = (f: () => number): number => { try { return f() } catch { return 0 } }

export function createNodeMetrics (registry: Registry): NodeMetrics {
  let sources: GaugeSources | undefined
  const gauge = (name: string, help: string, read: (s: GaugeSources) => () => number): void => {
    new Gauge({ name, help, registers: [registry], collect () { if (sources !== undefined) this.set(safe(read(sources))) } })
  }
  gauge('healthrelay_chain_height', 'latest chain height this node knows', (s) => s.chainHeight)
  gauge('healthrelay_chain_lag_blocks', 'blocks between the chain head and this node\'s view', (s) => s.chainLag)
  gauge('healthrelay_peers', 'connected libp2p peers', (s) => s.peers)
  gauge('healthrelay_outbox_depth', 'chain transactions owed (pending or submitted)', (s) => s.outboxDepth)
  gauge('healthrelay_stored_bytes', 'bytes of ciphertext held for records not erased', (s) => s.storedBytes)
  return {
    relayRequests: new Counter({ name: 'healthrelay_relay_requests_total', help: 'relay requests by direction (inbound, outbound), outcome and purpose', labelNames: ['direction', 'outcome', 'purpose'], registers: [registry] }),
    relaySeconds: new Histogram({ name: 'healthrelay_relay_request_seconds', help: 'relay request latency', labelNames: ['direction'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] }),
    policyDecisions: new Counter({ name: 'healthrelay_policy_decisions_total', help: 'policy decisions by jurisdiction and decision', labelNames: ['jurisdiction', 'decision'], registers: [registry] }),
    chainSubmissions: new Counter({ name: 'healthrelay_chain_submissions_total', help: 'chain transactions sent by kind and outcome', labelNames: ['kind', 'outcome'], registers: [registry] }),
    httpRequests: new Counter({ name: 'healthrelay_http_requests_total', help: 'HTTP API requests', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    httpSeconds: new Histogram({ name: 'healthrelay_http_request_seconds', help: 'HTTP API latency', labelNames: ['route'], buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers: [registry] }),
    ingestedRecords: new Counter({ name: 'healthrelay_ingested_records_total', help: 'records ingested by category', labelNames: ['category'], registers: [registry] }),
    bindGauges: (s) => { sources = s }
  }
}
