import { describe, it, expect } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../../../../node/cli/main.js'

async function run (...args: string[]): Promise<{ code: number, out: string, err: string }> {
  let out = ''
  let err = ''
  const code = await main(['node', 'healthrelay', ...args], { out: (t) => { out += t + '\n' }, err: (t) => { err += t + '\n' } })
  return { code, out, err }
}

describe('healthrelay chain start', () => {
  it('without a genesis, exits 1 and tells the user to run `healthrelay chain init`', async () => {
    const home = mkdtempSync(join(tmpdir(), 'hr-cli-'))
    try {
      const r = await run('--home', home, 'chain', 'start', '--rpc', '127.0.0.1:0')
      expect(r.code).toBe(1)
      expect(r.err).toMatch(/no genesis at .*genesis\.json: run `healthrelay chain init --home /)
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  })

  it('rejects a malformed --rpc or --block-time-ms', async () => {
    const home = mkdtempSync(join(tmpdir(), 'hr-cli-'))
    try {
      expect((await run('--home', home, 'chain', 'start', '--rpc', 'nonsense')).err).toMatch(/host:port/)
      expect((await run('--home', home, 'chain', 'start', '--block-time-ms', '-5')).code).not.toBe(0)
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  })
})
