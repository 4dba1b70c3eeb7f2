import { describe, it, expect } from 'vitest'
import { main } from '../../../node/cli/main.js'

async function run (...args: string[]): Promise<{ code: number, out: string, err: string }> {
  let out = ''
  let err = ''
  const code = await main(['node', 'healthrelay', ...args], { out: (t) => { out += t + '\n' }, err: (t) => { err += t + '\n' } })
  return { code, out, err }
}

describe('healthrelay CLI', () => {
  it('lists the command groups of the design in --help', async () => {
    const { code, out } = await run('--help')
    expect(code).toBe(0)
    for (const group of ['init', 'start', 'devnet', 'chain', 'keys', 'apikey', 'credential', 'policy', 'record', 'discover', 'grant']) {
      expect(out).toMatch(new RegExp(`^  ${group}\\b`, 'm'))
    }
    expect(out).toContain('--home')
  })

  it('exits non-zero with usage on an unknown command', async () => {
    const { code, err } = await run('frobnicate')
    expect(code).toBe(2)
    expect(err).toMatch(/unknown command/)
  })
})
