/**
 * Flat inputs: every attribute a policy set reads becomes one attribute of the context, named by
 * its path (`context.grant.valid` → `context["grant.valid"]`, `principal.role` →
 * `context["principal.role"]`), and the policies are rewritten to read it there. Cedar then gets
 * no entities and no nested records, which are the dearest inputs to cross into WebAssembly (a
 * nested record costs about as much as five flat attributes, an entity more), and reads the same
 * values: the engine builds each flat attribute from the same request, and a path has a dot that
 * no schema attribute has, so no name collides.
 *
 * Only a set whose policies read attributes as plain paths from `principal`, `resource` or
 * `context` is flattened (not the whole context as a value, not an attribute of a computed
 * expression); any other set keeps the nested inputs.
 */
import type { PolicyJson } from '@cedar-policy/cedar-wasm/nodejs'

type Node = Record<string, unknown>
export type Root = 'principal' | 'resource' | 'context'

/** One flat attribute: where its value comes from, and its name in the flat context. */
export type FlatRead = PathRead | MemberRead

/** The value at `path` of the principal, the resource or the context. */
export interface PathRead {
  readonly root: Root
  readonly path: readonly string[]
  readonly key: string
  /** False when the policies test it only through membership reads: then Cedar does not get it. */
  readonly pass: boolean
}

/**
 * `[…literal strings].contains(<attribute>)` or `<attribute>.contains("literal")`, as the Bool it
 * evaluates to for the attribute's value (`of`, the key of a path read): a data list written into
 * a policy is a set literal that Cedar builds on every evaluation, at a cost that grows with its
 * length, and a set is the dearest input to pass; a Bool costs least. Cedar still evaluates every
 * policy; only the membership of one request value in one constant is worked out beforehand.
 */
export interface MemberRead {
  readonly key: string
  readonly of: string
  /** `list.contains(of)` */
  readonly list?: ReadonlySet<string>
  /** `of.contains(value)` */
  readonly value?: string
}

class NotFlat extends Error {}

const keyOf = (root: Root, path: readonly string[]): string => (root === 'context' ? path : [root, ...path]).join('.')

/** `<Var>.a.b…` as (root, path); undefined when `e` is not such a chain (or is a bare `action`). */
function chain (e: unknown): { root: Root | 'action', path: string[] } | undefined {
  const path: string[] = []
  let cur: unknown = e
  for (;;) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined
    const node = cur as Node
    if (Object.keys(node).length !== 1) return undefined
    if ('Var' in node) return { root: node.Var as Root | 'action', path: path.reverse() }
    const dot = node['.'] as { left?: unknown, attr?: unknown } | undefined
    if (dot === undefined || typeof dot.attr !== 'string') return undefined
    path.push(dot.attr)
    cur = dot.left
  }
}

const flatAttr = (key: string): Node => ({ '.': { left: { Var: 'context' }, attr: key } })

function literalString (e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || Object.keys(e).length !== 1) return undefined
  const v = (e as { Value?: unknown }).Value
  return typeof v === 'string' ? v : undefined
}

/** The strings of a set literal of string literals. */
function literalStrings (e: unknown): string[] | undefined {
  if (typeof e !== 'object' || e === null || Object.keys(e).length !== 1) return undefined
  const items = (e as { Set?: unknown }).Set
  if (!Array.isArray(items)) return undefined
  const out: string[] = []
  for (const item of items) {
    const v = literalString(item)
    if (v === undefined) return undefined
    out.push(v)
  }
  return out
}

class Rewriter {
  readonly reads = new Map<string, { root: Root, path: string[], key: string, pass: boolean }>()
  readonly members = new Map<string, MemberRead>()

  read (root: Root, path: readonly string[], pass = true): string {
    const key = keyOf(root, path)
    const known = this.reads.get(key)
    if (known === undefined) this.reads.set(key, { root, path: [...path], key, pass })
    else if (pass) known.pass = true
    return key
  }

  member (signature: string, read: Omit<MemberRead, 'key'>): Node {
    let m = this.members.get(signature)
    if (m === undefined) {
      m = { ...read, key: `#in.${this.members.size}` }
      this.members.set(signature, m)
    }
    return flatAttr(m.key)
  }

  /** A `contains` between a constant and an attribute, as a membership read (undefined: not one). */
  membership (node: Node): unknown {
    const c = node.contains as { left?: unknown, right?: unknown } | undefined
    if (c === undefined || Object.keys(node).length !== 1) return undefined
    const strings = literalStrings(c.left)
    const right = chain(c.right)
    if (strings !== undefined && right !== undefined && right.root !== 'action' && right.path.length > 0) {
      const of = this.read(right.root, right.path, false)
      return this.member(`list ${of} ${JSON.stringify(strings)}`, { of, list: new Set(strings) })
    }
    const left = chain(c.left)
    const value = literalString(c.right)
    if (left !== undefined && left.root !== 'action' && left.path.length > 0 && value !== undefined) {
      const of = this.read(left.root, left.path, false)
      return this.member(`value ${of} ${JSON.stringify(value)}`, { of, value })
    }
    return undefined
  }

  expr (e: unknown): unknown {
    if (Array.isArray(e)) return e.map((x) => this.expr(x))
    if (typeof e !== 'object' || e === null) return e
    const node = e as Node
    const c = chain(node)
    if (c !== undefined) {
      if (c.root === 'action') {
        if (c.path.length > 0) throw new NotFlat('an attribute of the action')
        return node
      }
      if (c.path.length === 0) {
        // a bare variable: principal and resource are their ids (still passed); context as a value is not flat
        if (c.root === 'context') throw new NotFlat('the context as a value')
        return node
      }
      return flatAttr(this.read(c.root, c.path))
    }
    if ('.' in node) throw new NotFlat('an attribute of a computed value')
    const member = this.membership(node)
    if (member !== undefined) return member
    const has = node.has as { left?: unknown, attr?: unknown } | undefined
    if (has !== undefined && Object.keys(node).length === 1) {
      const left = chain(has.left)
      const attrs = typeof has.attr === 'string' ? [has.attr] : Array.isArray(has.attr) && has.attr.every((a) => typeof a === 'string') ? has.attr : undefined
      if (left === undefined || left.root === 'action' || attrs === undefined) throw new NotFlat('`has` on a computed value')
      return { has: { left: { Var: 'context' }, attr: this.read(left.root, [...left.path, ...attrs]) } }
    }
    const record = node.Record as Node | undefined
    if (record !== undefined && Object.keys(node).length === 1) {
      // a record literal: its keys are attribute names, not operators
      return { Record: Object.fromEntries(Object.entries(record).map(([k, v]) => [k, this.expr(v)])) }
    }
    const out: Node = {}
    for (const [k, v] of Object.entries(node)) out[k] = k === 'Value' ? v : this.expr(v)
    return out
  }
}

/**
 * The policies rewritten to read flat attributes, and the attributes to pass (in a fixed order);
 * undefined when some policy reads its inputs in a way that cannot be flattened.
 */
export function flattenPolicies (policies: Readonly<Record<string, PolicyJson>>): { policies: Record<string, PolicyJson>, reads: FlatRead[] } | undefined {
  const w = new Rewriter()
  const out: Record<string, PolicyJson> = {}
  try {
    for (const [id, p] of Object.entries(policies)) {
      out[id] = { ...p, conditions: p.conditions.map((c) => ({ ...c, body: w.expr(c.body) as typeof c.body })) }
    }
  } catch (err) {
    if (err instanceof NotFlat) return undefined
    throw err
  }
  // path reads first: a membership read is worked out from one
  return { policies: out, reads: [...w.reads.values(), ...w.members.values()] }
}

/** The value at `path` in `value` (undefined when absent). */
export function valueAt (value: unknown, path: readonly string[]): unknown {
  let cur = value
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur) || !Object.prototype.hasOwnProperty.call(cur, k)) return undefined
    cur = (cur as Record<string, unknown>)[k]
  }
  return cur
}
