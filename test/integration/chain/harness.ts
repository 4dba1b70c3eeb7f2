/**
 * Shared harness of the chain integration tests (and the chain benchmark): a chain home written
 * the way `healthrelay chain init` writes it (CometBFT genesis document with the ledger's
 * app_state, priv_validator_key.json), with deterministic member keys and optional extra operators,
 * and the real engine running the real ledger application on it.
 */
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { DirectSecp256k1Wallet } from '@cosmjs/proto-signing'
import {
  buildGenesisDoc, buildGenesisState, genesisStateToJson, validatorKeyFromSeed, validatorKeyJson, createLedgerApp,
  type LedgerParams, type OperatorKey
} from '../../../chain/app/index.js'
import { testKey } from '../../../chain/app/testing.js'
import { createEngine, type Engine, type EngineInit } from '../../../chain/engine/index.js'
import type { ComponentLogger } from '../../../common/logger.js'

export interface LedgerHome {
  readonly dir: string
  readonly chainId: string
  readonly members: Readonly<Record<string, { operator: OperatorKey, regulator: OperatorKey }>>
  /** Additional operators of the first country (for load: one account each). */
  readonly extraOperators: readonly OperatorKey[]
  cleanup: () => void
}

export interface LedgerHomeInit {
  countries?: readonly string[]
  chainId?: string
  extraOperators?: number
  params?: Partial<LedgerParams>
  /** Prefix of the deterministic key labels (default "it"). */
  label?: string
}

export function writeLedgerHome (init: LedgerHomeInit = {}): LedgerHome {
  const countries = init.countries ?? ['DE', 'FR', 'US']
  const chainId = init.chainId ?? 'healthrelay-it-1'
  const label = init.label ?? 'it'
  const members: Record<string, { operator: OperatorKey, regulator: OperatorKey }> = {}
  for (const c of countries) members[c] = { operator: testKey(`${label}-${c}-operator`), regulator: testKey(`${label}-${c}-regulator`) }
  const extraOperators = Array.from({ length: init.extraOperators ?? 0 }, (_, i) => testKey(`${label}-extra-operator-${i}`))
  const validator = validatorKeyFromSeed(createHash('sha256').update(`${label}/validator`).digest())
  const keySets = countries.map((c) => ({ country: c, operator: members[c]!.operator, regulator: members[c]!.regulator }))
  const doc = buildGenesisDoc({ chainId, genesisTime: new Date().toISOString(), members: keySets, validator, params: init.params })
  if (extraOperators.length > 0) {
    const state = buildGenesisState({ members: keySets, params: init.params })
    const first = countries[0]!
    doc.app_state = genesisStateToJson({
      ...state,
      members: state.members.map((m) => m.country === first ? { ...m, operators: [...m.operators, ...extraOperators.map((k) => k.address)] } : m),
      accounts: [...state.accounts, ...extraOperators.map((k) => ({ address: k.address, publicKey: k.publicKey }))]
    })
  }
  const dir = mkdtempSync(join(tmpdir(), 'hr-chain-it-'))
  mkdirSync(join(dir, 'config'), { recursive: true })
  writeFileSync(join(dir, 'genesis.json'), JSON.stringify(doc, null, 2))
  writeFileSync(join(dir, 'config', 'priv_validator_key.json'), JSON.stringify(validatorKeyJson(validator), null, 2))
  return { dir, chainId, members, extraOperators, cleanup: () => { rmSync(dir, { recursive: true, force: true }) } }
}

/** The real engine with the real ledger application, on a free loopback port. */
export async function startLedgerEngine (home: LedgerHome, init: Partial<EngineInit> = {}, logger?: ComponentLogger): Promise<Engine> {
  const engine = createEngine({ home: home.dir, rpcListen: '127.0.0.1:0', blockTimeMs: 100, ...init }, {
    createApp: (deps) => createLedgerApp(deps),
    ...(logger !== undefined ? { logger } : {})
  })
  await engine.start()
  return engine
}

export async function walletOf (key: OperatorKey): Promise<DirectSecp256k1Wallet> {
  return await DirectSecp256k1Wallet.fromKey(key.privateKey, 'hr')
}

export { testKey }
