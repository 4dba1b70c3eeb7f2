/**
 * The healthrelay ledger state machine (`healthrelay.ledger.v1`): `createLedgerApp` returns the
 * `AbciApplication` that the embedded engine and the ABCI server drive; genesis helpers build and
 * parse the genesis document; codes, the governance account and the Msg type URLs are what
 * clients need to talk to it. See docs/chain.md.
 */
export type { AbciApplication, CommitHooks } from './application.js'
export { createLedgerApp, APP_VERSION, APP_PROTOCOL_VERSION, type LedgerApp, type LedgerAppInit } from './ledger-app.js'
export {
  buildGenesisDoc, type GenesisDoc, type GenesisDocInput, type GenesisKeySet, type CometValidatorKey,
  generateOperatorKey, generateValidatorKey, operatorKeyFromSecret, validatorKeyFromSeed, validatorKeyJson, accountKeyJson,
  buildGenesisState, defaultConsensusParams, type OperatorKey, DEFAULT_CHAIN_ID
} from './genesis-doc.js'
export {
  parseGenesisState, genesisStateToJson, validateGenesisState, applyGenesis,
  type GenesisState, type GenesisAccount, type GenesisMember, type GenesisNode, type GenesisRegulator,
  type GenesisPolicy, type NodeRoleName
} from './genesis.js'
export { DEFAULT_PARAMS, validateParams, paramsToWire, paramsFromWire, type LedgerParams } from './params.js'
export { GOVERNANCE_ADDRESS, addressFromPublicKey } from './address.js'
export {
  SDK_CODESPACE, LEDGER_CODESPACE, SdkCode, LedgerCode, AbciCodeError, UpgradeHaltError, InvalidGenesisError,
  AbciOrderError, GenesisExistsError
} from './errors.js'
export { LEDGER_MSG_TYPE_URLS, GOVERNANCE_MSG_TYPE_URLS } from './router.js'
export { ledgerMsgTypes } from './registry.js'
export { LEDGER_QUERY_PREFIX, LEDGER_QUERY_METHODS, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from './queries.js'
export { ACCOUNT_QUERY_PATH, SIMULATE_PATH } from './query-router.js'
export { GAS } from './tx.js'
export { writeSetDigest, nextAppHash } from './store.js'
export { verifySecp256k1 } from './sig.js'
export { CATEGORIES, PURPOSES, BECH32_PREFIX, isAddress, isCategory, isPurpose, type Category, type Purpose } from './validation.js'
export { isCountryCode, isJurisdictionCode, COUNTRY_CODES, UNION_CODES } from './jurisdictions.js'
