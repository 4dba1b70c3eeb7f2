/**
 * The synchronous heart of the engine: the handshake with the application, and the production of
 * one block (PrepareProposal → ProcessProposal → FinalizeBlock → Commit, with the block store
 * written inside the commit transaction). No timers and no I/O other than SQLite: `engine.ts`
 * decides when to call `produceBlock`.
 */
import type Database from 'better-sqlite3'
import { BlockIDFlag } from 'cosmjs-types/tendermint/types/validator'
import { ResponseProcessProposal_ProposalStatus, type ExecTxResult, type ResponseFinalizeBlock } from 'cosmjs-types/tendermint/abci/types'
import type { AbciApplication } from '../app/application.js'
import type { ComponentLogger } from '../../common/logger.js'
import { StoreMismatchError, UpgradeHaltError } from './errors.js'
import type { GenesisDoc, ValidatorKey } from './genesis.js'
import {
  EMPTY_BLOCK_ID, blockIdOf, commitHash, consensusHash, dataHash, resultsHash, signCommit, timestamp,
  validatorsHash, type BlockHeader, type BlockId, type CommitSignature
} from './header.js'
import type { Mempool } from './mempool.js'
import { BlockStoreReader, writeBlock, type StoredBlock } from './store.js'

export const DEFAULT_VALIDATOR_POWER = 10n
export const DEFAULT_BLOCK_MAX_BYTES = 22_020_096n
export const DEFAULT_BLOCK_MAX_GAS = -1n

/** What a committed block produced, for subscribers and waiters. */
export interface CommittedBlock {
  readonly block: StoredBlock
  readonly results: readonly ExecTxResult[]
  readonly finalize: ResponseFinalizeBlock
}

export interface ChainLimits {
  readonly maxBlockTxs: number
  readonly maxBlockBytes: number
}

export interface ChainState {
  /** Height of the last committed block (0 before the first). */
  readonly height: bigint
  readonly lastBlockId: BlockId
  /** App hash after the last committed block: the next header's app_hash. */
  readonly appHash: Uint8Array
  readonly lastResultsHash: Uint8Array
  readonly lastCommit: readonly CommitSignature[]
  readonly lastTimeMs: number
  readonly appVersion: bigint
}

/** True when an error thrown by the application means "stop here for an upgrade". */
export function isUpgradeHalt (err: unknown): boolean {
  return err instanceof Error && /upgrade/i.test(err.name + ' ' + err.message)
}

export class Chain {
  private state: ChainState
  readonly validatorPower: bigint
  readonly validatorsHash: Uint8Array
  readonly consensusHash: Uint8Array

  constructor (
    private readonly app: AbciApplication,
    private readonly db: Database.Database,
    readonly reader: BlockStoreReader,
    private readonly mempool: Mempool,
    readonly genesis: GenesisDoc,
    readonly validator: ValidatorKey,
    private readonly limits: ChainLimits,
    private readonly log: ComponentLogger
  ) {
    this.validatorPower = genesisPower(genesis, validator)
    this.validatorsHash = validatorsHash([{ publicKey: validator.publicKey, power: this.validatorPower }])
    const { maxBytes, maxGas } = genesisBlockParams(genesis)
    this.consensusHash = consensusHash(maxBytes, maxGas)
    this.state = this.handshake()
  }

  get current (): ChainState { return this.state }

  /** `info()`, then `initChain()` on a new chain, and a check that the app and the block store agree. */
  private handshake (): ChainState {
    const info = this.app.info({ version: '0.38.17', blockVersion: 11n, p2pVersion: 8n, abciVersion: '2.0.0' })
    const stored = this.reader.latestHeight()
    if (info.lastBlockHeight === 0n) {
      if (stored !== 0n) throw new StoreMismatchError(`the application is at height 0 but the block store holds ${stored} blocks`)
      const res = this.app.initChain({
        time: timestamp(this.genesis.genesisTime.getTime()),
        chainId: this.genesis.chainId,
        consensusParams: undefined,
        validators: [{ pubKey: { ed25519: this.validator.publicKey }, power: this.validatorPower }],
        appStateBytes: this.genesis.appStateBytes,
        initialHeight: this.genesis.initialHeight
      })
      this.log.info({ chainId: this.genesis.chainId, initialHeight: this.genesis.initialHeight.toString() }, 'initialised a new chain')
      return {
        height: 0n,
        lastBlockId: EMPTY_BLOCK_ID,
        appHash: res.appHash.length > 0 ? res.appHash : this.genesis.appHash,
        lastResultsHash: resultsHash([]),
        lastCommit: [],
        lastTimeMs: this.genesis.genesisTime.getTime(),
        appVersion: info.appVersion
      }
    }
    if (stored !== info.lastBlockHeight) {
      throw new StoreMismatchError(`the application is at height ${info.lastBlockHeight} but the block store at ${stored}`)
    }
    const last = this.reader.block(stored)
    if (last === undefined) throw new StoreMismatchError(`block ${stored} is missing from the store`)
    if (Buffer.compare(Buffer.from(last.finalize.appHash), Buffer.from(info.lastBlockAppHash)) !== 0) {
      throw new StoreMismatchError(`app hash at height ${stored} differs between the application and the block store`)
    }
    this.log.info({ height: stored.toString() }, 'resumed the chain')
    return {
      height: stored,
      lastBlockId: last.id,
      appHash: info.lastBlockAppHash,
      lastResultsHash: resultsHash(this.reader.blockResults(stored)),
      lastCommit: [this.sign(last)],
      lastTimeMs: last.header.timeMs,
      appVersion: info.appVersion
    }
  }

  private sign (block: StoredBlock): CommitSignature {
    // the commit is signed at the block's own time, so it can be signed again identically after a restart
    return signCommit(this.validator.secretKey, this.validator.address, this.genesis.chainId, block.header.height, block.id, block.header.timeMs)
  }

  /** Next height to be produced. */
  nextHeight (): bigint {
    return this.state.height === 0n ? this.genesis.initialHeight : this.state.height + 1n
  }

  /**
   * Produces and commits one block from the mempool. Throws (and commits nothing) when the
   * application refuses to go on; an upgrade halt is thrown as UpgradeHaltError.
   */
  produceBlock (nowMs: number): CommittedBlock {
    const s = this.state
    const height = this.nextHeight()
    const timeMs = Math.max(Math.floor(nowMs), s.lastTimeMs + (s.height === 0n ? 0 : 1))
    const time = timestamp(timeMs)
    const proposerAddress = this.validator.address
    const reaped = this.mempool.reap(this.limits.maxBlockTxs, this.limits.maxBlockBytes).map((e) => e.tx)
    const lastVotes = s.height === 0n
      ? []
      : [{ validator: { address: proposerAddress, power: this.validatorPower }, blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_COMMIT }]
    try {
      const prepared = this.app.prepareProposal({
        maxTxBytes: BigInt(this.limits.maxBlockBytes), txs: reaped, localLastCommit: { round: 0, votes: lastVotes.map((v) => ({ ...v, voteExtension: new Uint8Array(0), extensionSignature: new Uint8Array(0) })) },
        misbehavior: [], height, time, nextValidatorsHash: this.validatorsHash, proposerAddress
      })
      const txs = prepared.txs
      const header: BlockHeader = {
        chainId: this.genesis.chainId,
        height,
        timeMs,
        appVersion: s.appVersion,
        lastBlockId: s.lastBlockId,
        lastCommitHash: commitHash(s.lastCommit),
        dataHash: dataHash(txs),
        validatorsHash: this.validatorsHash,
        nextValidatorsHash: this.validatorsHash,
        consensusHash: this.consensusHash,
        appHash: s.appHash,
        lastResultsHash: s.lastResultsHash,
        evidenceHash: dataHash([]),
        proposerAddress
      }
      const id = blockIdOf(header)
      const common = { txs, misbehavior: [], hash: id.hash, height, time, nextValidatorsHash: this.validatorsHash, proposerAddress }
      const processed = this.app.processProposal({ ...common, proposedLastCommit: { round: 0, votes: lastVotes } })
      if (processed.status !== ResponseProcessProposal_ProposalStatus.ACCEPT) {
        throw new StoreMismatchError(`the application rejected its own proposal at height ${height}`)
      }
      const finalize = this.app.finalizeBlock({ ...common, decidedLastCommit: { round: 0, votes: lastVotes } })
      const block: StoredBlock = {
        header, id, txs, size: txs.reduce((n, t) => n + t.length, 0), lastCommit: s.lastCommit, finalize
      }
      this.app.commit({ inTransaction: (db) => { writeBlock(db, block, finalize.txResults) } })
      this.state = {
        height,
        lastBlockId: id,
        appHash: finalize.appHash,
        lastResultsHash: resultsHash(finalize.txResults),
        lastCommit: [this.sign(block)],
        lastTimeMs: timeMs,
        appVersion: s.appVersion
      }
      this.mempool.update(txs, true)
      return { block, results: finalize.txResults, finalize }
    } catch (err) {
      if (isUpgradeHalt(err)) throw new UpgradeHaltError(`halted before height ${height}: ${(err as Error).message}`)
      throw err
    }
  }

  /** The write connection (used only by tests that inspect the file). */
  get writeDb (): Database.Database { return this.db }
}

function genesisPower (genesis: GenesisDoc, validator: ValidatorKey): bigint {
  const validators = (genesis.raw.validators ?? []) as Array<{ pub_key?: { value?: string }, power?: string | number }>
  const mine = validators.find((v) => v.pub_key?.value === Buffer.from(validator.publicKey).toString('base64'))
  return mine?.power !== undefined ? BigInt(mine.power) : DEFAULT_VALIDATOR_POWER
}

function genesisBlockParams (genesis: GenesisDoc): { maxBytes: bigint, maxGas: bigint } {
  const block = (genesis.raw.consensus_params as { block?: { max_bytes?: string, max_gas?: string } } | undefined)?.block
  try {
    return {
      maxBytes: block?.max_bytes !== undefined ? BigInt(block.max_bytes) : DEFAULT_BLOCK_MAX_BYTES,
      maxGas: block?.max_gas !== undefined ? BigInt(block.max_gas) : DEFAULT_BLOCK_MAX_GAS
    }
  } catch {
    return { maxBytes: DEFAULT_BLOCK_MAX_BYTES, maxGas: DEFAULT_BLOCK_MAX_GAS }
  }
}
