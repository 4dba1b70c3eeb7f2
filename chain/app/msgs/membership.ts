/**
 * Membership Msgs (`authority` = the governance account). They run only as the messages of a
 * proposal that a quorum of member countries approved; sent directly, the ante rejects them.
 */
import { ledger, toBigInt } from '../../../proto/index.js'
import { defineMsg, encodeResponse } from './define.js'
import { emit, type ExecContext } from '../exec.js'
import { K } from '../keys.js'
import { GOVERNANCE_ADDRESS, addressFromPublicKey } from '../address.js'
import { ensureAccount, getMember, getRegulator, listMembers, operatorCountry, putParams } from '../state.js'
import { AlreadyExistsError, InvalidMsgError, LedgerNotFoundError } from '../errors.js'
import { paramsFromWire, validateParams } from '../params.js'
import { requireAddress, requireBytes, requireCount, requireCountry, requireJurisdiction, requireText } from '../validation.js'
import type { healthrelay } from '../../../proto/index.js'

const v1 = ledger
type NodeProps = healthrelay.ledger.v1.Node.$Properties

function requireAuthority (authority: string): void {
  if (authority !== GOVERNANCE_ADDRESS) throw new InvalidMsgError(`authority: must be the governance account ${GOVERNANCE_ADDRESS}`)
}

const PEER_ID_RE = /^[1-9A-HJ-NP-Za-km-z]{32,128}$/

export function validateNode (n: NodeProps | null | undefined): asserts n is NodeProps {
  if (n === null || n === undefined) throw new InvalidMsgError('node: required')
  if (!PEER_ID_RE.test(n.peerId ?? '')) throw new InvalidMsgError('node.peer_id: not a base58btc libp2p peer id')
  requireCountry('node.country', n.country ?? '')
  requireCount('node.multiaddrs', n.multiaddrs?.length ?? 0, 1, 16)
  for (const a of n.multiaddrs ?? []) {
    requireText('node.multiaddrs', a, 2, 256)
    if (!a.startsWith('/')) throw new InvalidMsgError(`node.multiaddrs: not a multiaddr: "${a.slice(0, 60)}"`)
  }
  requireBytes('node.x25519_public_key', n.x25519PublicKey, 32)
  requireBytes('node.ed25519_public_key', n.ed25519PublicKey, 32)
  requireAddress('node.operator', n.operator ?? '')
  if (n.role !== v1.NodeRole.NODE_ROLE_CUSTODIAN && n.role !== v1.NodeRole.NODE_ROLE_REPLICA) throw new InvalidMsgError('node.role: must be CUSTODIAN or REPLICA')
}

function putNode (ctx: ExecContext, n: NodeProps, change: string): void {
  if (getMember(ctx.store, n.country ?? '') === undefined) throw new LedgerNotFoundError(`node.country: ${n.country ?? ''} is not a member`)
  if (operatorCountry(ctx.store, n.operator ?? '') !== n.country) throw new InvalidMsgError(`node.operator: ${n.operator ?? ''} is not an operator of ${n.country ?? ''}`)
  ctx.store.set(K.node(n.peerId ?? ''), v1.Node.encode(v1.Node.create(n)).finish())
  emit(ctx, 'EventNodeChanged', [['peer_id', n.peerId ?? '', true], ['country', n.country ?? '', true], ['change', change, false]])
}

export const addMember = defineMsg('MsgAddMember', v1.MsgAddMember, {
  governance: true,
  signer: (m) => m.authority,
  validate: (m) => {
    requireAuthority(m.authority)
    if (m.member === null || m.member === undefined) throw new InvalidMsgError('member: required')
    requireCountry('member.country', m.member.country ?? '')
    const ops = m.member.operators ?? []
    requireCount('member.operators', ops.length, 1, 16)
    for (const o of ops) requireAddress('member.operators', o)
    if (new Set(ops).size !== ops.length) throw new InvalidMsgError('member.operators: duplicates')
    if (m.operatorPublicKeys.length > 0) {
      if (m.operatorPublicKeys.length !== ops.length) throw new InvalidMsgError('operator_public_keys: one per operator, in the same order')
      m.operatorPublicKeys.forEach((k, i) => {
        requireBytes(`operator_public_keys[${i}]`, k, 33)
        if (addressFromPublicKey(k) !== ops[i]) throw new InvalidMsgError(`operator_public_keys[${i}]: does not match member.operators[${i}]`)
      })
    }
  },
  execute: (ctx, m) => {
    const country = m.member?.country ?? ''
    const ops = m.member?.operators ?? []
    if (getMember(ctx.store, country) !== undefined) throw new AlreadyExistsError(`${country} is already a member`)
    for (const [i, op] of ops.entries()) {
      const other = operatorCountry(ctx.store, op)
      if (other !== undefined) throw new AlreadyExistsError(`${op} is already an operator of ${other}`)
      ensureAccount(ctx.store, op, m.operatorPublicKeys[i])
      ctx.store.set(K.operator(op), Buffer.from(country, 'utf8'))
    }
    ctx.store.set(K.member(country), v1.Member.encode({ country, operators: ops }).finish())
    emit(ctx, 'EventMemberChanged', [['country', country, true], ['removed', 'false', false]])
    return encodeResponse(v1.MsgAddMemberResponse)
  }
})

export const removeMember = defineMsg('MsgRemoveMember', v1.MsgRemoveMember, {
  governance: true,
  signer: (m) => m.authority,
  validate: (m) => { requireAuthority(m.authority); requireCountry('country', m.country) },
  execute: (ctx, m) => {
    const member = getMember(ctx.store, m.country)
    if (member === undefined) throw new LedgerNotFoundError(`${m.country} is not a member`)
    if (listMembers(ctx.store).length <= 1) throw new InvalidMsgError('the last member cannot be removed')
    for (const op of member.operators) ctx.store.delete(K.operator(op))
    ctx.store.delete(K.member(m.country))
    for (const [key, value] of ctx.store.scan(K.nodePrefix)) {
      const node = v1.Node.decode(value)
      if (node.country !== m.country) continue
      ctx.store.delete(key)
      emit(ctx, 'EventNodeChanged', [['peer_id', node.peerId, true], ['country', node.country, true], ['change', 'removed', false]])
    }
    emit(ctx, 'EventMemberChanged', [['country', m.country, true], ['removed', 'true', false]])
    return encodeResponse(v1.MsgRemoveMemberResponse)
  }
})

export const registerNode = defineMsg('MsgRegisterNode', v1.MsgRegisterNode, {
  governance: true,
  signer: (m) => m.authority,
  validate: (m) => { requireAuthority(m.authority); validateNode(m.node) },
  execute: (ctx, m) => {
    const n = m.node as NodeProps
    if (ctx.store.has(K.node(n.peerId ?? ''))) throw new AlreadyExistsError(`node ${n.peerId ?? ''} is already registered`)
    putNode(ctx, n, 'registered')
    return encodeResponse(v1.MsgRegisterNodeResponse)
  }
})

export const updateNode = defineMsg('MsgUpdateNode', v1.MsgUpdateNode, {
  governance: true,
  signer: (m) => m.authority,
  validate: (m) => { requireAuthority(m.authority); validateNode(m.node) },
  execute: (ctx, m) => {
    const n = m.node as NodeProps
    if (!ctx.store.has(K.node(n.peerId ?? ''))) throw new LedgerNotFoundError(`node ${n.peerId ?? ''} is not registered`)
    putNode(ctx, n, 'updated')
    return encodeResponse(v1.MsgUpdateNodeResponse)
  }
})

export const removeNode = defineMsg('MsgRemoveNode', v1.MsgRemoveNode, {
  governance: true,
  signer: (m) => m.authority,
  validate: (m) => {
    requireAuthority(m.authority)
    if (!PEER_ID_RE.test(m.peerId)) throw new InvalidMsgError('peer_id: not a base58btc libp2p peer id')
  },
  execute: (ctx, m) => {
    const v = ctx.store.get(K.node(m.peerId))
    if (v === undefined) throw new LedgerNotFoundError(`node ${m.peerId} is not registered`)
    const node = v1.Node.decode(v)
    ctx.store.delete(K.node(m.peerId))
    emit(ctx, 'EventNodeChanged', [['peer_id', m.peerId, true], ['country', node.country, true], ['change', 'removed', false]])
    return encodeResponse(v1.MsgRemoveNodeResponse)
  }
})

export const registerRegulator = defineMsg('MsgRegisterRegulator', v1.MsgRegisterRegulator, {
  governance: true,
  signer: (m) => m.authority,
  validate: (m) => {
    requireAuthority(m.authority)
    if (m.regulator === null || m.regulator === undefined) throw new InvalidMsgError('regulator: required')
    requireAddress('regulator.account', m.regulator.account ?? '')
    requireJurisdiction('regulator.jurisdiction', m.regulator.jurisdiction ?? '')
  },
  execute: (ctx, m) => {
    const account = m.regulator?.account ?? ''
    const jurisdiction = m.regulator?.jurisdiction ?? ''
    if (getRegulator(ctx.store, account) !== undefined) throw new AlreadyExistsError(`${account} is already a regulator`)
    ensureAccount(ctx.store, account)
    ctx.store.set(K.regulator(account), v1.Regulator.encode({ account, jurisdiction }).finish())
    emit(ctx, 'EventRegulatorChanged', [['account', account, false], ['jurisdiction', jurisdiction, true], ['removed', 'false', false]])
    return encodeResponse(v1.MsgRegisterRegulatorResponse)
  }
})

export const removeRegulator = defineMsg('MsgRemoveRegulator', v1.MsgRemoveRegulator, {
  governance: true,
  signer: (m) => m.authority,
  validate: (m) => { requireAuthority(m.authority); requireAddress('account', m.account) },
  execute: (ctx, m) => {
    const reg = getRegulator(ctx.store, m.account)
    if (reg === undefined) throw new LedgerNotFoundError(`${m.account} is not a regulator`)
    ctx.store.delete(K.regulator(m.account))
    emit(ctx, 'EventRegulatorChanged', [['account', m.account, false], ['jurisdiction', reg.jurisdiction, true], ['removed', 'true', false]])
    return encodeResponse(v1.MsgRemoveRegulatorResponse)
  }
})

export const updateParams = defineMsg('MsgUpdateParams', v1.MsgUpdateParams, {
  governance: true,
  signer: (m) => m.authority,
  validate: (m) => {
    requireAuthority(m.authority)
    if (m.params === null || m.params === undefined) throw new InvalidMsgError('params: required')
    validateParams(paramsFromWire(m.params))
  },
  execute: (ctx, m) => {
    const p = paramsFromWire(m.params ?? {})
    if (p.upgradeHeight !== 0n && p.upgradeHeight <= ctx.height) throw new InvalidMsgError(`params.upgrade_height: ${p.upgradeHeight} is not above the current height ${ctx.height}`)
    putParams(ctx.store, p)
    emit(ctx, 'EventParamsUpdated', [['upgrade_height', toBigInt(m.params?.upgradeHeight).toString(), false]])
    return encodeResponse(v1.MsgUpdateParamsResponse)
  }
})
