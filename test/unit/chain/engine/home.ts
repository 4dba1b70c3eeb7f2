/** A temporary chain home with a CometBFT genesis document and validator key, for engine tests. */
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { validatorKeyJson } from '../../../../chain/engine/index.js'

export interface TestHome { dir: string, cleanup: () => void }

export function makeHome (chainId = 'kv-test-1', appState: unknown = { hello: 'world' }): TestHome {
  const dir = mkdtempSync(join(tmpdir(), 'hr-engine-'))
  mkdirSync(join(dir, 'config'), { recursive: true })
  const key = validatorKeyJson(randomBytes(32))
  writeFileSync(join(dir, 'config', 'priv_validator_key.json'), JSON.stringify(key, null, 2))
  writeFileSync(join(dir, 'genesis.json'), JSON.stringify({
    genesis_time: new Date().toISOString(),
    chain_id: chainId,
    initial_height: '1',
    consensus_params: {
      block: { max_bytes: '22020096', max_gas: '-1' },
      evidence: { max_age_num_blocks: '100000', max_age_duration: '172800000000000', max_bytes: '1048576' },
      validator: { pub_key_types: ['ed25519'] },
      version: { app: '0' }
    },
    validators: [{ address: key.address, pub_key: key.pub_key, power: '10', name: 'test' }],
    app_hash: '',
    app_state: appState
  }, null, 2))
  return { dir, cleanup: () => { rmSync(dir, { recursive: true, force: true }) } }
}
