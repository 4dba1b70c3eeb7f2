/**
 * One ABCI request in, one response of the matching kind out. The application's methods are
 * synchronous, so requests from all four connections are applied one at a time, in arrival order.
 */
import {
  Request, Response,
  ResponseOfferSnapshot_Result, ResponseApplySnapshotChunk_Result, ResponseVerifyVoteExtension_VerifyStatus
} from 'cosmjs-types/tendermint/abci/types'
import type { AbciApplication } from '../app/application.js'
import { AbciRequestError } from './errors.js'

/** The kind of a decoded request (its oneof field name), or undefined for an empty one. */
export type RequestKind = keyof Request

export function requestKind (req: Request): RequestKind | undefined {
  for (const key of Object.keys(req) as RequestKind[]) {
    if (req[key] !== undefined) return key
  }
  return undefined
}

/**
 * Answers one request. Application exceptions become `ResponseException` (CometBFT then stops,
 * which is the right reaction to a state machine that cannot continue).
 */
export function dispatch (app: AbciApplication, req: Request): Response {
  const kind = requestKind(req)
  try {
    return answer(app, req, kind)
  } catch (err) {
    return Response.fromPartial({ exception: { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) } })
  }
}

function answer (app: AbciApplication, req: Request, kind: RequestKind | undefined): Response {
  if (req.echo !== undefined) return Response.fromPartial({ echo: { message: req.echo.message } })
  if (req.flush !== undefined) return Response.fromPartial({ flush: {} })
  if (req.info !== undefined) return { info: app.info(req.info) }
  if (req.initChain !== undefined) return { initChain: app.initChain(req.initChain) }
  if (req.query !== undefined) return { query: app.query(req.query) }
  if (req.checkTx !== undefined) return { checkTx: app.checkTx(req.checkTx) }
  if (req.commit !== undefined) return { commit: app.commit() }
  if (req.prepareProposal !== undefined) return { prepareProposal: app.prepareProposal(req.prepareProposal) }
  if (req.processProposal !== undefined) return { processProposal: app.processProposal(req.processProposal) }
  if (req.finalizeBlock !== undefined) return { finalizeBlock: app.finalizeBlock(req.finalizeBlock) }
  // Vote extensions are not used: extend with nothing, accept only empty extensions.
  if (req.extendVote !== undefined) return Response.fromPartial({ extendVote: { voteExtension: new Uint8Array() } })
  if (req.verifyVoteExtension !== undefined) {
    const empty = req.verifyVoteExtension.voteExtension.length === 0
    return Response.fromPartial({
      verifyVoteExtension: {
        status: empty ? ResponseVerifyVoteExtension_VerifyStatus.ACCEPT : ResponseVerifyVoteExtension_VerifyStatus.REJECT
      }
    })
  }
  // State sync is not offered: new validators replay blocks from genesis.
  if (req.listSnapshots !== undefined) return Response.fromPartial({ listSnapshots: { snapshots: [] } })
  if (req.offerSnapshot !== undefined) return Response.fromPartial({ offerSnapshot: { result: ResponseOfferSnapshot_Result.REJECT } })
  if (req.loadSnapshotChunk !== undefined) return Response.fromPartial({ loadSnapshotChunk: { chunk: new Uint8Array() } })
  if (req.applySnapshotChunk !== undefined) {
    return Response.fromPartial({ applySnapshotChunk: { result: ResponseApplySnapshotChunk_Result.ABORT } })
  }
  throw new AbciRequestError(`unsupported ABCI request${kind === undefined ? ' (empty)' : `: ${kind}`}`)
}
