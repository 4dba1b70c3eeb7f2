/**
 * MsgPublishPolicy: a regulator stores a new version of its jurisdiction's Cedar module. Consensus
 * checks only the signer, sizes and formats; Cedar is parsed and evaluated off chain, by nodes.
 */
import { createHash } from 'node:crypto'
import { ledger, toLong } from '../../../proto/index.js'
import { defineMsg, encodeResponse } from './define.js'
import { emit } from '../exec.js'
import { K } from '../keys.js'
import { getRegulator } from '../state.js'
import { AlreadyExistsError, InvalidMsgError, SignerNotAllowedError } from '../errors.js'
import { requireAddress, requireJurisdiction, requireText } from '../validation.js'

const v1 = ledger
const VERSION_RE = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/

export const publishPolicy = defineMsg('MsgPublishPolicy', v1.MsgPublishPolicy, {
  signer: (m) => m.regulator,
  validate: (m, p) => {
    requireAddress('regulator', m.regulator)
    requireJurisdiction('jurisdiction', m.jurisdiction)
    if (!VERSION_RE.test(m.version)) throw new InvalidMsgError('version: 1..64 characters of [0-9A-Za-z.+_-], starting with a letter or digit')
    const size = Buffer.byteLength(m.cedar, 'utf8') + Buffer.byteLength(m.metadataJson, 'utf8')
    if (size > p.maxPolicyBytes) throw new InvalidMsgError(`cedar + metadata_json: ${size} bytes, more than max_policy_bytes (${p.maxPolicyBytes})`)
    requireText('cedar', m.cedar.replace(/[\t\r\n]/g, ' '), 1, p.maxPolicyBytes)
    if (m.cedar.includes('\ufffd')) throw new InvalidMsgError('cedar: not valid UTF-8')
    let meta: unknown
    try { meta = JSON.parse(m.metadataJson) } catch { throw new InvalidMsgError('metadata_json: not valid JSON') }
    if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) throw new InvalidMsgError('metadata_json: must be a JSON object')
  },
  execute: (ctx, m) => {
    const reg = getRegulator(ctx.store, m.regulator)
    if (reg === undefined || reg.jurisdiction !== m.jurisdiction) {
      throw new SignerNotAllowedError(`MsgPublishPolicy: ${m.regulator} is not a regulator of ${m.jurisdiction}`)
    }
    const key = K.policy(m.jurisdiction, m.version)
    if (ctx.store.has(key)) throw new AlreadyExistsError(`policy ${m.jurisdiction} ${m.version} is already published`)
    const effective = ctx.height + 1n
    ctx.store.set(key, v1.Policy.encode({
      jurisdiction: m.jurisdiction,
      version: m.version,
      cedar: m.cedar,
      metadataJson: m.metadataJson,
      publisher: m.regulator,
      height: toLong(ctx.height, true),
      effectiveHeight: toLong(effective, true),
      sha256: createHash('sha256').update(m.cedar, 'utf8').digest()
    }).finish())
    ctx.store.set(K.policyLatest(m.jurisdiction), Buffer.from(m.version, 'utf8'))
    emit(ctx, 'EventPolicyPublished', [['jurisdiction', m.jurisdiction, true], ['version', m.version, false], ['effective_height', effective.toString(), false]])
    return encodeResponse(v1.MsgPublishPolicyResponse, { effectiveHeight: toLong(effective, true) })
  }
})
