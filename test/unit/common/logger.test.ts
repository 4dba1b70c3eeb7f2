import { describe, it, expect } from 'vitest'
import { Writable } from 'node:stream'
import { createLogger } from '../../../common/logger.js'
import { HealthrelayError, InvalidInputError, isErrorNamed } from '../../../common/errors.js'

function capture (): { lines: () => Array<Record<string, unknown>>, destination: Writable } {
  const chunks: string[] = []
  const destination = new Writable({ write (chunk, _enc, cb) { chunks.push(String(chunk)); cb() } })
  return { destination, lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) }
}

describe('logger', () => {
  it('tags lines with the component and redacts secrets and health data', () => {
    const { destination, lines } = capture()
    const log = createLogger({ destination, base: { country: 'DE' } }).forComponent('relay:retrieve')
    log.info({ tokenId: 'ab', privateKey: 'secret-key', nested: { fhir: '{"resourceType":"Patient"}' } }, 'released')
    const [line] = lines()
    expect(line).toMatchObject({ component: 'relay:retrieve', country: 'DE', tokenId: 'ab', msg: 'released' })
    expect(JSON.stringify(line)).not.toContain('secret-key')
    expect(JSON.stringify(line)).not.toContain('Patient')
  })
})

describe('named errors', () => {
  it('carry their class name and HTTP mapping', () => {
    const err = new InvalidInputError('bad id')
    expect(err.name).toBe('InvalidInputError')
    expect(err.status).toBe(400)
    expect(err.expose).toBe(true)
    expect(err).toBeInstanceOf(HealthrelayError)
    expect(isErrorNamed(err, 'InvalidInputError')).toBe(true)
    expect(new HealthrelayError('x').expose).toBe(false)
  })
})
