/**
 * What `healthrelay chain init` runs (loaded only by its action): the genesis document and the
 * genesis members' keys of a chain home.
 */
import { existsSync, mkdirSync, writeFileSync, chmodSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { InvalidInputError } from '../../../common/errors.js'
import { bundledGenesisPolicies } from '../../../policies/genesis.js'
import {
  buildGenesisDoc, generateOperatorKey, generateValidatorKey, validatorKeyJson, accountKeyJson,
  DEFAULT_CHAIN_ID, GenesisExistsError, isCountryCode, type OperatorKey, type GenesisDoc, type CometValidatorKey
} from '../../../chain/app/index.js'
import { DEFAULT_GENESIS_COUNTRIES } from '../defaults.js'

export function parseCountries (value: string): string[] {
  const list = value.split(',').map((c) => c.trim().toUpperCase()).filter((c) => c !== '')
  if (list.length === 0) throw new InvalidInputError('--countries: at least one country')
  for (const c of list) if (!isCountryCode(c)) throw new InvalidInputError(`--countries: ${c} is not an ISO 3166-1 alpha-2 country code`)
  if (new Set(list).size !== list.length) throw new InvalidInputError('--countries: a country is listed twice')
  return list
}

function keyFile (key: OperatorKey): string {
  return JSON.stringify(accountKeyJson(key), null, 2) + '\n'
}

/** Writes a file readable only by its owner, atomically (temp file, then rename). */
function writeSecret (path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, content, { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, path)
}

export interface ChainHomeOptions {
  readonly chainId?: string
  readonly countries?: readonly string[]
  readonly force?: boolean
  /** Publish the bundled jurisdiction modules at genesis (default true). */
  readonly policies?: boolean
}

export interface ChainHome {
  readonly genesisPath: string
  readonly doc: GenesisDoc
  readonly keys: ReadonlyArray<{ country: string, operator: OperatorKey, regulator: OperatorKey }>
  readonly validator: CometValidatorKey
}

/**
 * Writes a chain home: genesis.json, one operator and one regulator key per member country under
 * keys/ (0600) and the validator key config/priv_validator_key.json. Refuses to overwrite an
 * existing genesis unless `force`.
 */
export async function initChainHome (home: string, options: ChainHomeOptions = {}): Promise<ChainHome> {
  const countries = options.countries ?? parseCountries(DEFAULT_GENESIS_COUNTRIES)
  const genesisPath = join(home, 'genesis.json')
  if (existsSync(genesisPath) && options.force !== true) {
    throw new GenesisExistsError(`${genesisPath} exists; pass --force to overwrite it (and the genesis keys)`)
  }
  const keys = countries.map((country) => ({ country, operator: generateOperatorKey(), regulator: generateOperatorKey() }))
  const validator = generateValidatorKey()
  const doc = buildGenesisDoc({
    chainId: options.chainId ?? DEFAULT_CHAIN_ID,
    genesisTime: new Date().toISOString(),
    members: keys,
    validator,
    policies: options.policies === false ? [] : await bundledGenesisPolicies()
  })
  mkdirSync(join(home, 'keys'), { recursive: true, mode: 0o700 })
  mkdirSync(join(home, 'config'), { recursive: true, mode: 0o700 })
  for (const k of keys) {
    writeSecret(join(home, 'keys', `${k.country}-operator.json`), keyFile(k.operator))
    writeSecret(join(home, 'keys', `${k.country}-regulator.json`), keyFile(k.regulator))
  }
  writeSecret(join(home, 'config', 'priv_validator_key.json'), JSON.stringify(validatorKeyJson(validator), null, 2) + '\n')
  const tmp = `${genesisPath}.tmp-${process.pid}`
  writeFileSync(tmp, JSON.stringify(doc, null, 2) + '\n', { mode: 0o644 })
  renameSync(tmp, genesisPath)
  return { genesisPath, doc, keys, validator }
}
