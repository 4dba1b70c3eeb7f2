import { describe, it, expect } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StargateClient } from '@cosmjs/stargate'

describe('healthrelay chain init, then chain start as an operator runs it', () => {
  it('prints the RPC URL, serves cosmjs, and exits 0 after SIGTERM', async () => {
    const home = mkdtempSync(join(tmpdir(), 'hr-chain-cli-'))
    try {
      const init = spawnSync(process.execPath, ['bin/healthrelay.js', 'chain', 'init', '--home', home], { encoding: 'utf8' })
      expect(init.status, init.stderr).toBe(0)
      const child = spawn(process.execPath, ['bin/healthrelay.js', 'chain', 'start', '--home', home, '--rpc', '127.0.0.1:0', '--block-time-ms', '100', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] })
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
      let out = ''
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => { reject(new Error(`no RPC URL printed: ${out}`)) }, 60_000)
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString()
          const m = /RPC listening on (http:\/\/\S+)/.exec(out)
          if (m !== null) { clearTimeout(timer); resolve(m[1]!) }
        })
      })
      const client = await StargateClient.connect(url)
      expect(await client.getChainId()).toBe('healthrelay-devnet-1')
      expect(await client.getHeight()).toBeGreaterThan(0)
      client.disconnect()
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
      expect(out).toMatch(/stopped on SIGTERM at height \d+/)
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  })
})
