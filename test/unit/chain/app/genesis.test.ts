import { describe, it, expect, afterEach } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import {
  buildGenesisDoc, parseGenesisState, generateValidatorKey, addressFromPublicKey, DEFAULT_PARAMS, InvalidGenesisError, type GenesisDoc
} from '../../../../chain/app/index.js'
import { testKey } from '../../../../chain/app/testing.js'
import { main } from '../../../../node/cli/main.js'

const members = ['DE', 'FR'].map((country) => ({ country, operator: testKey(`${country}-op`), regulator: testKey(`${country}-reg`) }))

describe('genesis document', () => {
  it('is a CometBFT genesis doc whose app_state parses back to the same state', () => {
    const validator = generateValidatorKey()
    const doc = buildGenesisDoc({ genesisTime: '2026-11-25T00:00:00Z', members, validator })
    expect(doc.chain_id).toBe('healthrelay-devnet-1')
    expect(doc.initial_height).toBe('1')
    expect(doc.app_hash).toBe('')
    expect(doc.validators[0]?.pub_key.type).toBe('tendermint/PubKeyEd25519')
    expect(doc.validators[0]?.address).toBe(createHash('sha256').update(validator.publicKey).digest().subarray(0, 20).toString('hex').toUpperCase())
    const state = parseGenesisState(JSON.parse(JSON.stringify(doc.app_state)))
    expect(state.params).toEqual(DEFAULT_PARAMS)
    expect(state.members).toEqual(members.map((m) => ({ country: m.country, operators: [m.operator.address] })))
    expect(state.regulators).toEqual(members.map((m) => ({ account: m.regulator.address, jurisdiction: m.country })))
    expect(state.accounts.map((a) => a.address)).toEqual(members.flatMap((m) => [m.operator.address, m.regulator.address]))
    expect(Buffer.from(state.accounts[0]!.publicKey).equals(Buffer.from(members[0]!.operator.publicKey))).toBe(true)
    expect(state.policies).toEqual([])
  })

  it('fills omitted params with defaults and rejects invalid states with a named error', () => {
    const doc = buildGenesisDoc({ genesisTime: '2026-11-25T00:00:00Z', members, validator: generateValidatorKey(), params: { quorumNumerator: 1, quorumDenominator: 2 } })
    const appState = doc.app_state as { params: Record<string, unknown>, members: unknown[] }
    expect(parseGenesisState({ ...appState, params: { quorum_numerator: 1 } }).params.votingPeriodBlocks).toBe(DEFAULT_PARAMS.votingPeriodBlocks)
    const bad: unknown[] = [
      { ...appState, members: [] },
      { ...appState, members: [{ country: 'XX', operators: [members[0]!.operator.address] }] },
      { ...appState, params: { ...appState.params, quorum_numerator: 4, quorum_denominator: 3 } },
      { ...appState, extra: 1 },
      { ...appState, accounts: [{ address: members[0]!.operator.address, public_key: Buffer.from(members[1]!.operator.publicKey).toString('base64') }] },
      { ...appState, policies: [{ jurisdiction: 'DE', version: '1', cedar: '', metadata_json: '{}' }] }
    ]
    for (const b of bad) expect(() => parseGenesisState(b)).toThrow(InvalidGenesisError)
    expect(() => parseGenesisState(new TextEncoder().encode('{not json'))).toThrow(InvalidGenesisError)
    expect(() => buildGenesisDoc({ genesisTime: 'yesterday', members, validator: generateValidatorKey() })).toThrow(InvalidGenesisError)
  })
})

describe('healthrelay chain init', () => {
  let home = ''
  afterEach(() => { if (home !== '') rmSync(home, { recursive: true, force: true }) })

  async function run (...args: string[]): Promise<{ code: number, out: string, err: string }> {
    let out = ''
    let err = ''
    const code = await main(['node', 'healthrelay', ...args], { out: (t) => { out += t + '\n' }, err: (t) => { err += t + '\n' } })
    return { code, out, err }
  }

  it('writes genesis.json, one operator and regulator key per country (0600) and the validator key; refuses to overwrite without --force', async () => {
    home = mkdtempSync(join(tmpdir(), 'hr-chain-init-'))
    const r = await run('--home', home, 'chain', 'init', '--countries', 'DE,FR,US', '--chain-id', 'hr-test-7')
    expect(r.code).toBe(0)
    const doc = JSON.parse(readFileSync(join(home, 'genesis.json'), 'utf8')) as GenesisDoc
    expect(doc.chain_id).toBe('hr-test-7')
    const state = parseGenesisState(doc.app_state)
    expect(state.members.map((m) => m.country)).toEqual(['DE', 'FR', 'US'])
    for (const c of ['DE', 'FR', 'US']) {
      for (const role of ['operator', 'regulator']) {
        const path = join(home, 'keys', `${c}-${role}.json`)
        expect(statSync(path).mode & 0o777).toBe(0o600)
        const key = JSON.parse(readFileSync(path, 'utf8')) as { address: string, publicKey: string, privateKey: string }
        expect(Buffer.from(secp256k1.getPublicKey(Buffer.from(key.privateKey, 'hex'), true)).toString('hex')).toBe(key.publicKey)
        expect(addressFromPublicKey(Buffer.from(key.publicKey, 'hex'))).toBe(key.address)
        expect(r.out).toContain(key.address)
        expect(r.out).not.toContain(key.privateKey)
      }
      const op = JSON.parse(readFileSync(join(home, 'keys', `${c}-operator.json`), 'utf8')) as { address: string }
      expect(state.members.find((m) => m.country === c)?.operators).toEqual([op.address])
    }
    const vk = JSON.parse(readFileSync(join(home, 'config', 'priv_validator_key.json'), 'utf8')) as { address: string, pub_key: { value: string }, priv_key: { value: string } }
    expect(statSync(join(home, 'config', 'priv_validator_key.json')).mode & 0o777).toBe(0o600)
    const priv = Buffer.from(vk.priv_key.value, 'base64')
    expect(Buffer.from(ed25519.getPublicKey(priv.subarray(0, 32))).toString('base64')).toBe(vk.pub_key.value)
    expect(doc.validators[0]?.pub_key.value).toBe(vk.pub_key.value)
    expect(doc.validators[0]?.address).toBe(vk.address)
    // the bundled jurisdiction modules are published at genesis, parents (EU) before children
    const codes = state.policies.map((p) => p.jurisdiction)
    for (const code of ['EU', 'DE', 'FR', 'US', 'GB', 'CH', 'JP', 'CN', 'RU', 'IN', 'BR', 'CA', 'AU']) expect(codes).toContain(code)
    expect(codes.indexOf('EU')).toBeLessThan(codes.indexOf('DE'))
    expect(r.out).toMatch(/policy modules: .*EU/)

    const before = readFileSync(join(home, 'genesis.json'), 'utf8')
    const again = await run('--home', home, 'chain', 'init')
    expect(again.code).toBe(1)
    expect(again.err).toMatch(/exists; pass --force/)
    expect(readFileSync(join(home, 'genesis.json'), 'utf8')).toBe(before)
    const forced = await run('--home', home, 'chain', 'init', '--force', '--countries', 'IT', '--no-policies')
    expect(forced.code).toBe(0)
    expect(parseGenesisState((JSON.parse(readFileSync(join(home, 'genesis.json'), 'utf8')) as GenesisDoc).app_state).policies).toEqual([])
    expect(parseGenesisState((JSON.parse(readFileSync(join(home, 'genesis.json'), 'utf8')) as GenesisDoc).app_state).members.map((m) => m.country)).toEqual(['IT'])
  })

  it('refuses an unknown country code', async () => {
    home = mkdtempSync(join(tmpdir(), 'hr-chain-init-'))
    const r = await run('--home', home, 'chain', 'init', '--countries', 'DE,XX')
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/XX is not an ISO 3166-1 alpha-2 country code/)
    expect(existsSync(join(home, 'genesis.json'))).toBe(false)
  })
})
