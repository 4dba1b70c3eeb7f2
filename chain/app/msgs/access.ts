/** MsgRecordAccess: the custodian's batched access events, readable only by the subject. */
import { ledger, toBigInt, toLong } from '../../../proto/index.js'
import { defineMsg, encodeResponse } from './define.js'
import { emit, requireOperator } from '../exec.js'
import { K } from '../keys.js'
import { getToken, nextCounter } from '../state.js'
import { InvalidMsgError, LedgerNotFoundError, SignerNotAllowedError } from '../errors.js'
import { hex, isPurpose, requireAddress, requireBytes, requireCount, requireCountry } from '../validation.js'
import { EMPTY_VALUE } from '../store.js'

const v1 = ledger
const D = v1.AccessDecision

export const recordAccess = defineMsg('MsgRecordAccess', v1.MsgRecordAccess, {
  signer: (m) => m.custodian,
  validate: (m, p) => {
    requireAddress('custodian', m.custodian)
    requireCount('events', m.events.length, 1, p.maxAccessEvents)
    m.events.forEach((e, i) => {
      requireBytes(`events[${i}].token_id`, e.tokenId, 32)
      requireCountry(`events[${i}].requester_country`, e.requesterCountry ?? '')
      if (!isPurpose(e.purpose ?? '')) throw new InvalidMsgError(`events[${i}].purpose: unknown purpose`)
      if (e.decision !== D.ACCESS_DECISION_PERMIT && e.decision !== D.ACCESS_DECISION_DENY) throw new InvalidMsgError(`events[${i}].decision: must be PERMIT or DENY`)
      if (toBigInt(e.time) <= 0n) throw new InvalidMsgError(`events[${i}].time: required`)
      const sealed = e.sealedDetails ?? EMPTY_VALUE
      if (sealed.length > p.maxSealedBytes) throw new InvalidMsgError(`events[${i}].sealed_details: more than ${p.maxSealedBytes} bytes`)
    })
  },
  execute: (ctx, m) => {
    const country = requireOperator(ctx, m.custodian, 'MsgRecordAccess')
    for (const [i, e] of m.events.entries()) {
      const id = e.tokenId as Uint8Array
      const token = getToken(ctx.store, id)
      if (token === undefined) throw new LedgerNotFoundError(`events[${i}]: token ${hex(id)} does not exist`)
      if (token.custodian !== country) throw new SignerNotAllowedError(`events[${i}]: only the custodian of token ${hex(id)} (${token.custodian}) records its access`)
      const seq = nextCounter(ctx.store, 'accesslog', 1n)
      const event = v1.AccessEvent.create({
        tokenId: id,
        requesterCountry: e.requesterCountry ?? '',
        purpose: e.purpose ?? '',
        decision: e.decision ?? D.ACCESS_DECISION_UNSPECIFIED,
        time: toLong(toBigInt(e.time)),
        sealedDetails: e.sealedDetails ?? EMPTY_VALUE,
        emergency: e.emergency === true
      })
      ctx.store.set(K.accessLog(token.subject, seq), v1.AccessLogEntry.encode({
        seq: toLong(seq, true), subject: token.subject, custodian: country, event, height: toLong(ctx.height, true)
      }).finish())
      emit(ctx, 'EventAccessRecorded', [
        ['token_id', hex(id), true], ['custodian', country, false], ['requester_country', e.requesterCountry ?? '', false],
        ['decision', D[event.decision] ?? '', false], ['emergency', String(event.emergency), false]
      ])
    }
    return encodeResponse(v1.MsgRecordAccessResponse)
  }
})
