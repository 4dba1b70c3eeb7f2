// A 50 MB record relayed between two real nodes (custodian and requester in this process) with
// the process's memory growth measured: streamed and never buffered whole, the growth stays below
// 64 MB. This asserts a memory bound, not a timing.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createHash } from 'node:crypto'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createRelayWorld, type RelayWorld } from './harness.js'

const TOTAL = 50 * 1024 * 1024
const CHUNK = 256 * 1024
const LIMIT = 64 * 1024 * 1024

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

describe('a 50 MB record across two nodes', () => {
  let w: RelayWorld

  beforeAll(async () => {
    w = await createRelayWorld({ label: 'relay-memory', nodes: [{ name: 'de1', country: 'DE' }, { name: 'fr1', country: 'FR' }] })
  }, 120_000)

  afterAll(async () => { await w?.stop() }, 60_000)

  it('relays with requester and custodian memory growth below 64 MB', async () => {
    const [de, fr] = [w.node('de1'), w.node('fr1')]
    const patient = await w.enrol(de, 'imaging')
    const record = await w.store([de], patient, 'imaging', () => (async function * () {
      for (let off = 0, i = 0; off < TOTAL; off += CHUNK, i++) {
        const c = new Uint8Array(CHUNK).fill(i & 0xff)
        yield await Promise.resolve(c)
      }
    })(), 'application/dicom')
    await w.grant(patient, [record.tokenId], { country: 'FR' }, ['treatment'])
    const doctor = w.doctor(fr)
    const request = w.sign(doctor, record.tokenId, de)

    gc()
    const baseline = process.memoryUsage().rss
    let peak = baseline
    const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss) }, 20)
    const hash = createHash('sha256')
    try {
      const opened = await w.fetch(fr, doctor, request, (c) => { hash.update(c) })
      expect(opened.plaintextBytes).toBe(BigInt(TOTAL))
    } finally {
      clearInterval(timer)
    }
    peak = Math.max(peak, process.memoryUsage().rss)
    expect(hash.digest('hex')).toBe(record.sha256)
    const growth = peak - baseline
    console.log(`50 MB relay across two nodes: peak RSS growth ${(growth / 2 ** 20).toFixed(1)} MiB`)
    expect(growth).toBeLessThan(LIMIT)
  }, 180_000)
})
