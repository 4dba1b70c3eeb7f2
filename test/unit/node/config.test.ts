import { afterEach, describe, it, expect } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, parseConfig, InvalidConfigError, DEFAULT_API_LISTEN } from '../../../node/config/index.js'

describe('node configuration', () => {
  const homes: string[] = []
  afterEach(() => { for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true }) })
  const tempHome = (): string => {
    const home = mkdtempSync(join(tmpdir(), 'hr-config-'))
    homes.push(home)
    return home
  }

  it('fills documented defaults around the one required field', () => {
    const config = parseConfig({ country: 'DE' })
    expect(config.api.listen).toBe(DEFAULT_API_LISTEN)
    expect(config.chain.chainId).toBe('healthrelay-devnet-1')
    expect(config.p2p.listen).toEqual(['/ip4/127.0.0.1/tcp/4001'])
  })

  it('lists every wrong field in one error', () => {
    try {
      parseConfig({ country: 'germany', api: { listen: 'nowhere' }, chain: { maxLagBlocks: -1 }, extra: 1 })
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidConfigError)
      const e = err as InvalidConfigError
      expect(e.name).toBe('InvalidConfigError')
      const text = e.issues.join('\n')
      expect(text).toMatch(/country: .*alpha-2/)
      expect(text).toMatch(/api\.listen: .*host:port/)
      expect(text).toMatch(/chain\.maxLagBlocks/)
      expect(text).toMatch(/extra/)
      expect(e.issues.length).toBeGreaterThanOrEqual(4)
    }
  })

  it('applies environment overrides over the file', () => {
    const home = tempHome()
    writeFileSync(join(home, 'config.json'), JSON.stringify({ country: 'FR', api: { listen: '127.0.0.1:9000' } }))
    const config = loadConfig(home, {
      HEALTHRELAY_API_LISTEN: '127.0.0.1:9100',
      HEALTHRELAY_P2P_LISTEN: '/ip4/127.0.0.1/tcp/4100,/ip4/127.0.0.1/tcp/4101',
      HEALTHRELAY_CHAIN_MAX_LAG_BLOCKS: '3',
      // not configuration: read elsewhere, and never an error here
      HEALTHRELAY_HOME: '/elsewhere',
      HEALTHRELAY_IPS_DIR: '/data/ips',
      HEALTHRELAY_KEY_PASSPHRASE: 'x'
    })
    expect(config.country).toBe('FR')
    expect(config.api.listen).toBe('127.0.0.1:9100')
    expect(config.p2p.listen).toEqual(['/ip4/127.0.0.1/tcp/4100', '/ip4/127.0.0.1/tcp/4101'])
    expect(config.chain.maxLagBlocks).toBe(3)
  })

  it('names the file when it is not JSON', () => {
    const home = tempHome()
    writeFileSync(join(home, 'config.json'), '{ country: DE')
    expect(() => loadConfig(home, {})).toThrow(/config\.json[\s\S]*not valid JSON/)
  })
})
