/**
 * `healthrelay start` stops cleanly and exits by itself: nothing of the node (the chain client's
 * websocket subscription and RPC connections, the broadcaster, libp2p, the HTTP server, timers)
 * stays open after its stop, so the safety net (which would name what is open, then exit) never
 * fires. The node runs as a child process against the in-process engine, as an operator runs it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { createTestNetwork, type TestNetwork } from './harness.js'

const BIN = resolve('bin/healthrelay.js')

describe('healthrelay start: a clean stop exits by itself', () => {
  let net: TestNetwork

  beforeAll(async () => {
    net = await createTestNetwork({ countries: ['DE'], label: 'exit' })
    await net.startChain()
  }, 120_000)

  afterAll(async () => { await net?.cleanup() })

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`exits 0 on ${signal} with every handle closed`, async () => {
      const child = spawn(process.execPath, [BIN, '--home', net.nodes.DE!.home, 'start', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      let err = ''
      child.stderr.on('data', (d: Buffer) => { err += d.toString() })
      const exited = new Promise<number | null>((resolve) => { child.once('exit', (code) => { resolve(code) }) })
      try {
        const api = await new Promise<string>((resolve, reject) => {
          const t = setTimeout(() => { reject(new Error(`node did not start: ${err.slice(-2000)}`)) }, 60_000)
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString()
            const m = /API (http:\/\/[^\s]+)/.exec(out)
            if (m !== null) { clearTimeout(t); resolve(m[1]!) }
          })
          child.once('exit', (code) => { clearTimeout(t); reject(new Error(`node exited ${String(code)}: ${err.slice(-2000)}`)) })
        })
        // a request leaves a keep-alive connection to the API open, as a real client does
        expect((await fetch(`${api}/readyz`)).status).toBeLessThan(600)
        await new Promise((resolve) => setTimeout(resolve, 1500)) // a few blocks through the event subscription
        child.kill(signal)
        expect(await exited).toBe(0)
        expect(out).toContain(`stopped on ${signal}`)
        expect(err).not.toMatch(/after a clean stop; exiting anyway/)
      } finally {
        if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await exited }
      }
    }, 120_000)
  }
})
