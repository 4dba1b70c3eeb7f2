/**
 * The HTTP API alone, through `app.request()` (no port): fakes of the node's parts built from
 * ApiComponents, and an in-memory SQLite for the API keys. Roles (401/403), the JSON error shape
 * from the one error handler (unknown errors → 500 without internals), the relay routes' 503 while
 * no relay service runs, patient challenge auth, and the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { silentLogger } from '../../../../common/logger.js'
import { createStorage, insertEnrolment, type Storage } from '../../../../node/storage/index.js'
import { chainAddress } from '../../../../node/keystore/index.js'
import { createApi, type ApiComponents } from '../../../../node/api/index.js'
import { APIKEYS_COMPONENT, APIKEYS_MIGRATIONS, createApiKey, revokeApiKey } from '../../../../node/services/apikeys.js'
import { createPatientAuth, patientAuthorization } from '../../../../node/services/patient-auth.js'
import { createNodeMetrics } from '../../../../node/metrics.js'
import type { RecordService } from '../../../../node/services/records.js'
import type { LedgerQueries } from '../../../../chain/client/index.js'

describe('node/api with fakes', () => {
  let home: string
  let storage: Storage
  let app: ReturnType<typeof createApi>['app']
  const keys: Record<string, string> = {}
  const ingested: string[] = []
  const erased: Array<[string, string | undefined]> = []
  const patientKey = secp256k1.utils.randomSecretKey()
  const patientPub = secp256k1.getPublicKey(patientKey, true)
  const subject = chainAddress(patientPub)
  let ready = true

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'hr-api-unit-'))
    storage = createStorage({ home, lookupSecret: new Uint8Array(32).fill(1), databasePath: ':memory:', migrations: { [APIKEYS_COMPONENT]: APIKEYS_MIGRATIONS } }, { logger: silentLogger() })
    await storage.start()
    for (const role of ['agency-admin', 'provider', 'regulator'] as const) keys[role] = createApiKey(storage.db, role, role, 1).key
    insertEnrolment(storage.db, storage.lookup, { subject, homeCountry: 'DE', birthDate: '1980-01-01', identifiers: [{ value: 'X1' }], x25519PublicKey: new Uint8Array(32), chainPublicKey: patientPub, categories: [], at: 1 })
    const records: RecordService = {
      enrol: async () => await Promise.reject(new Error('secret internal detail')),
      ingest: async (body) => { ingested.push(Buffer.from(body).toString()); return await Promise.resolve({ tokenId: 'ab'.repeat(32), subject, category: 'patient-summary', mediaType: 'application/fhir+json', bytes: body.byteLength, status: 'pending', warnings: [] }) },
      erase: async (tokenId, o) => { erased.push([tokenId, o?.subject]); return await Promise.resolve({ tokenId, subject, status: 'erased', chain: 'queued' }) }
    }
    const registry = new Registry()
    const components: ApiComponents = {
      country: 'DE',
      nodeId: () => '12D3KooWfake',
      db: () => storage.db,
      lookup: () => storage.lookup,
      records,
      queries: () => ({ token: async () => { await Promise.resolve(undefined); } }) as unknown as LedgerQueries,
      operator: () => { throw new Error('no signer in unit tests') },
      broadcast: async () => await Promise.reject(new Error('no chain in unit tests')),
      policies: { engine: { get: () => undefined } as never, active: () => [], loaded: () => true },
      patientAuth: createPatientAuth({ nodeId: '12D3KooWfake' }),
      relay: () => undefined,
      guard: { assertFresh: () => {} },
      readiness: () => ({ ready, checks: { chain: ready, p2p: true, policies: true } }),
      metricsRegistry: registry,
      metrics: createNodeMetrics(registry),
      logger: silentLogger()
    }
    app = createApi(components).app
  })

  afterAll(async () => {
    await storage.stop()
    await rm(home, { recursive: true, force: true })
  })

  const req = async (path: string, init: RequestInit & { key?: string } = {}): Promise<{ status: number, body: { error?: { name: string, message: string } } & Record<string, unknown> }> => {
    const headers = new Headers(init.headers)
    if (init.key !== undefined) headers.set('authorization', `Bearer ${init.key}`)
    const res = await app.request(path, { ...init, headers })
    return { status: res.status, body: await res.json() as never }
  }

  it('answers 401 without or with an unknown key, 403 for a wrong role, in the JSON error shape', async () => {
    expect(await req('/v1/records', { method: 'POST' })).toMatchObject({ status: 401, body: { error: { name: 'MissingCredentialsError' } } })
    expect(await req('/v1/records', { method: 'POST', key: 'hr_nope' })).toMatchObject({ status: 401, body: { error: { name: 'UnknownApiKeyError' } } })
    expect(await req('/v1/records', { method: 'POST', key: keys.regulator })).toMatchObject({ status: 403, body: { error: { name: 'WrongRoleError' } } })
    expect(await req('/v1/policies/DE/decisions', { key: keys.provider })).toMatchObject({ status: 403 })
    expect(await req('/v1/nothing')).toMatchObject({ status: 404, body: { error: { name: 'NotFoundError' } } })
  })

  it('refuses a revoked key', async () => {
    const { key, info } = createApiKey(storage.db, 'provider', 'temp', 2)
    expect((await req('/v1/discover', { method: 'POST', key, body: '{}' })).status).toBe(503)
    revokeApiKey(storage.db, info.id, 3)
    expect((await req('/v1/discover', { method: 'POST', key, body: '{}' })).status).toBe(401)
  })

  it('hands FHIR to the record service and checks the media type', async () => {
    const ok = await req(`/v1/records?subject=${subject}`, { method: 'POST', key: keys.provider, headers: { 'content-type': 'application/fhir+json' }, body: '{"resourceType":"Patient"}' })
    expect(ok.status).toBe(201)
    expect(ingested).toEqual(['{"resourceType":"Patient"}'])
    expect((await req('/v1/records', { method: 'POST', key: keys.provider, headers: { 'content-type': 'text/xml' }, body: '<x/>' })).status).toBe(415)
    expect((await req('/v1/records?subject=nope', { method: 'POST', key: keys.provider, headers: { 'content-type': 'application/fhir+json' }, body: '{}' })).body.error?.name).toBe('InvalidInputError')
  })

  it('erases through DELETE /v1/records/{tokenId}: the agency-admin any record, the subject only as themselves; providers 403', async () => {
    const token = 'cd'.repeat(32)
    expect(await req(`/v1/records/${token}`, { method: 'DELETE' })).toMatchObject({ status: 401 })
    expect(await req(`/v1/records/${token}`, { method: 'DELETE', key: keys.provider })).toMatchObject({ status: 403, body: { error: { name: 'WrongRoleError' } } })
    expect(await req('/v1/records/nothex', { method: 'DELETE', key: keys['agency-admin'] })).toMatchObject({ status: 400, body: { error: { name: 'InvalidInputError' } } })
    expect(await req(`/v1/records/${token}`, { method: 'DELETE', key: keys['agency-admin'] })).toEqual({ status: 200, body: { tokenId: token, subject, status: 'erased', chain: 'queued' } })
    const ch = await req(`/v1/auth/challenge?subject=${subject}`)
    const auth = patientAuthorization('12D3KooWfake', subject, ch.body.nonce as string, patientKey)
    expect((await app.request(`/v1/records/${token}`, { method: 'DELETE', headers: { authorization: auth } })).status).toBe(200)
    expect(erased).toEqual([[token, undefined], [token, subject]])
  })

  it('maps an unknown error to 500 without its message', async () => {
    const res = await req('/v1/subjects', {
      method: 'POST', key: keys['agency-admin'],
      body: JSON.stringify({ publicKey: Buffer.from(patientPub).toString('hex'), x25519PublicKey: '00'.repeat(32), birthDate: '1980-01-01', identifiers: [{ value: 'X' }], categories: [] })
    })
    expect(res).toEqual({ status: 500, body: { error: { name: 'InternalError', message: 'internal error' } } })
  })

  it('answers 503 on retrieve and discover while no relay service runs', async () => {
    const r = await req(`/v1/records/${'ab'.repeat(32)}/retrieve`, { method: 'POST', key: keys.provider, body: '{}' })
    expect(r).toMatchObject({ status: 503, body: { error: { name: 'RelayServiceUnavailableError', message: 'relay service not started' } } })
  })

  it('authenticates a patient by a signed challenge, bound to their subject', async () => {
    const ch = await req(`/v1/auth/challenge?subject=${subject}`)
    const auth = patientAuthorization('12D3KooWfake', subject, ch.body.nonce as string, patientKey)
    const own = await app.request(`/v1/subjects/${subject}/records`, { headers: { authorization: auth } })
    expect(own.status).toBe(200)
    const forged = patientAuthorization('12D3KooWfake', subject, ch.body.nonce as string, secp256k1.utils.randomSecretKey())
    expect((await app.request(`/v1/subjects/${subject}/records`, { headers: { authorization: forged } })).status).toBe(401)
    const otherNode = patientAuthorization('12D3KooWother', subject, ch.body.nonce as string, patientKey)
    expect((await app.request(`/v1/subjects/${subject}/records`, { headers: { authorization: otherNode } })).status).toBe(401)
  })

  it('reports readiness and serves an OpenAPI 3.1 document of every route', async () => {
    expect((await req('/readyz')).status).toBe(200)
    ready = false
    expect((await req('/readyz')).status).toBe(503)
    ready = true
    const doc = await req('/openapi.json')
    expect(doc.body.openapi).toBe('3.1.0')
    const paths = doc.body.paths as Record<string, Record<string, { 'x-roles'?: string[] }>>
    expect(paths['/v1/subjects']?.post?.['x-roles']).toEqual(['agency-admin', 'provider'])
    expect(paths['/v1/records/{tokenId}']?.delete?.['x-roles']).toEqual(['agency-admin', 'patient'])
    expect(Object.keys(paths).length).toBeGreaterThanOrEqual(15)
  })
})
