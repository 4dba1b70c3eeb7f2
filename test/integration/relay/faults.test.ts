// Faults across real nodes: the custodian dies in the middle of a stream. The requester gets a
// typed error naming the other providers of the same country, the doctor signs for the next one,
// and that retrieval verifies. (Tampered segments, forged trailers and oversized frames are in
// relay.test.ts.)
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createHash, randomBytes } from 'node:crypto'
import { CustodianStreamError } from '../../../relay/service/index.js'
import { createRelayWorld, type RelayWorld } from './harness.js'

const SIZE = 8 * 1024 * 1024

describe('custodian failure mid-stream', () => {
  let w: RelayWorld

  beforeAll(async () => {
    w = await createRelayWorld({ label: 'relay-faults', nodes: [{ name: 'de1', country: 'DE' }, { name: 'de2', country: 'DE', role: 'replica' }, { name: 'fr1', country: 'FR' }] })
  }, 120_000)

  afterAll(async () => { await w?.stop() }, 60_000)

  it('gives a typed error with the next provider, and the retry from it verifies', async () => {
    const [de1, de2, fr] = [w.node('de1'), w.node('de2'), w.node('fr1')]
    const patient = await w.enrol(de1, 'failover')
    const block = new Uint8Array(randomBytes(64 * 1024))
    const record = await w.store([de1, de2], patient, 'imaging', () => (async function * () {
      for (let off = 0; off < SIZE; off += block.byteLength) yield await Promise.resolve(block)
    })(), 'application/dicom')
    await w.grant(patient, [record.tokenId], { country: 'FR' }, ['treatment'])
    const doctor = w.doctor(fr)

    let received = 0
    let killed = false
    const err = await w.fetch(fr, doctor, w.sign(doctor, record.tokenId, de1), (chunk) => {
      received += chunk.byteLength
      if (!killed && received >= 1024 * 1024) {
        killed = true
        // the custodian's process dies: its host goes away with the connection
        void de1.host.stop()
      }
    }).then(() => undefined, (e: unknown) => e)
    expect(killed).toBe(true)
    expect(err).toBeInstanceOf(CustodianStreamError)
    expect((err as CustodianStreamError).peerId).toBe(de1.peerId)
    expect((err as CustodianStreamError).alternatives).toContain(de2.peerId)

    const hash = createHash('sha256')
    const next = (err as CustodianStreamError).alternatives[0]!
    const opened = await w.fetch(fr, doctor, w.sign(doctor, record.tokenId, next), (c) => { hash.update(c) })
    expect(opened.plaintextBytes).toBe(BigInt(SIZE))
    expect(hash.digest('hex')).toBe(record.sha256)
  }, 120_000)
})
