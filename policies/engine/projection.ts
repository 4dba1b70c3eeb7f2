/**
 * What a policy set reads of a request, found by walking the policies' JSON form. The engine
 * passes Cedar only that, which changes no decision (Cedar never sees an attribute no policy
 * names) and keeps each call small: most of an evaluation's cost is copying its input into
 * WebAssembly. A data list that the policies only test with `list.contains(<attribute>)` is cut
 * down to the entries equal to some string of the request, for the same reason: an attribute's
 * value is always one of the request's strings, so the answer of `contains` cannot change.
 */
import type { PolicyJson, Expr } from '@cedar-policy/cedar-wasm/nodejs'

/** A tree of attribute paths: `true` = the whole value is read. */
export interface PathTree { [attr: string]: PathTree | true }

export interface Projection {
  readonly context: PathTree
  readonly principal: PathTree
  readonly resource: PathTree
  /** Lists read only through `contains(<attribute path>)`: safe to filter by the request's strings. */
  readonly filterableLists: ReadonlySet<string>
  /** Whether any policy names a principal or resource entity (then its id matters). */
  readonly usesEntityIds: boolean
  /**
   * Context numbers read only in comparisons with literals (`context.transfers.health > 10000`),
   * by path: a memo key needs only the outcomes of those comparisons, not the number.
   */
  readonly thresholds: ReadonlyMap<string, ReadonlyArray<{ readonly op: string, readonly value: number, readonly flipped: boolean }>>
}

type Var = 'principal' | 'action' | 'resource' | 'context'

/** The attribute chain of `e` when it is `<var>.a.b…`; undefined otherwise. */
function attributeChain (e: Expr): { v: Var, path: string[] } | undefined {
  const path: string[] = []
  let cur: unknown = e
  for (;;) {
    if (typeof cur !== 'object' || cur === null) return undefined
    const node = cur as Record<string, unknown>
    if ('Var' in node) return { v: node.Var as Var, path: path.reverse() }
    const dot = node['.'] as { left: Expr, attr: string } | undefined
    if (dot === undefined) return undefined
    path.push(dot.attr)
    cur = dot.left
  }
}

function addPath (tree: PathTree, path: readonly string[]): void {
  let t: PathTree = tree
  for (const [i, key] of path.entries()) {
    const existing = t[key]
    if (existing === true) return
    if (i === path.length - 1) { t[key] = true; return }
    if (existing === undefined) t[key] = {}
    t = t[key] as PathTree
  }
}

class Walker {
  readonly trees: Record<'principal' | 'resource' | 'context', PathTree> = { principal: {}, resource: {}, context: {} }
  readonly listContains = new Set<string>()
  readonly listOther = new Set<string>()
  usesEntityIds = false
  readonly comparisons = new Map<string, Array<{ op: string, value: number, flipped: boolean }>>()
  readonly numbersOther = new Set<string>()

  record (chain: { v: Var, path: string[] }): void {
    if (chain.v === 'action') return
    if (chain.path.length === 0) {
      // a whole variable: context as a value, or principal/resource as an entity (its id)
      if (chain.v === 'context') this.trees.context.__all__ = true
      else this.usesEntityIds = true
      return
    }
    if (chain.v === 'context') this.numbersOther.add(chain.path.join('.'))
    if (chain.v === 'context' && chain.path[0] === 'lists') {
      this.listOther.add(chain.path[1] ?? '*')
    }
    addPath(this.trees[chain.v], chain.path)
  }

  expr (e: unknown): void {
    if (typeof e !== 'object' || e === null) return
    if (Array.isArray(e)) { for (const x of e) this.expr(x); return }
    const chain = attributeChain(e as Expr)
    if (chain !== undefined) { this.record(chain); return }
    const node = e as Record<string, unknown>
    const contains = node.contains as { left: Expr, right: Expr } | undefined
    if (contains !== undefined) {
      const left = attributeChain(contains.left)
      const right = attributeChain(contains.right)
      if (left !== undefined && right !== undefined && left.v === 'context' && left.path[0] === 'lists' && left.path.length === 2) {
        this.listContains.add(left.path[1] ?? '*')
        addPath(this.trees.context, left.path)
        this.record(right)
        return
      }
    }
    for (const op of ['<', '<=', '>', '>=', '==', '!=']) {
      const cmp = node[op] as { left: Expr, right: Expr } | undefined
      if (cmp === undefined) continue
      const l = attributeChain(cmp.left)
      const r = attributeChain(cmp.right)
      const lv = (cmp.left as { Value?: unknown }).Value
      const rv = (cmp.right as { Value?: unknown }).Value
      if (l?.v === 'context' && l.path.length > 0 && typeof rv === 'number') {
        this.compare(l.path, op, rv, false); return
      }
      if (r?.v === 'context' && r.path.length > 0 && typeof lv === 'number') {
        this.compare(r.path, op, lv, true); return
      }
    }
    const has = node.has as { left: Expr, attr: string | string[] } | undefined
    if (has !== undefined) {
      const left = attributeChain(has.left)
      const attrs = Array.isArray(has.attr) ? has.attr : [has.attr]
      if (left !== undefined) { this.record({ v: left.v, path: [...left.path, ...attrs] }); return }
    }
    if ('Value' in node) {
      // an entity literal in an expression names an id
      if (JSON.stringify(node.Value).includes('__entity')) this.usesEntityIds = true
      return
    }
    for (const value of Object.values(node)) this.expr(value)
  }

  compare (path: readonly string[], op: string, value: number, flipped: boolean): void {
    const key = path.join('.')
    addPath(this.trees.context, path)
    const list = this.comparisons.get(key) ?? []
    list.push({ op, value, flipped })
    this.comparisons.set(key, list)
  }

  scope (c: Record<string, unknown>): void {
    if (c.op !== 'All' && c.op !== 'is') this.usesEntityIds = true
    if (c.op === 'is' && c.in !== undefined) this.usesEntityIds = true
  }
}

/** The projection of a policy set (policies in JSON form). */
export function projectPolicies (policies: readonly PolicyJson[]): Projection {
  const w = new Walker()
  for (const p of policies) {
    w.scope(p.principal as unknown as Record<string, unknown>)
    w.scope(p.resource as unknown as Record<string, unknown>)
    for (const clause of p.conditions) w.expr(clause.body)
  }
  const filterable = new Set<string>()
  for (const name of w.listContains) if (!w.listOther.has(name) && !w.listOther.has('*')) filterable.add(name)
  const thresholds = new Map<string, Array<{ op: string, value: number, flipped: boolean }>>()
  for (const [path, list] of w.comparisons) if (!w.numbersOther.has(path)) thresholds.set(path, list)
  return {
    thresholds,
    context: w.trees.context,
    principal: w.trees.principal,
    resource: w.trees.resource,
    filterableLists: filterable,
    usesEntityIds: w.usesEntityIds
  }
}

/** The part of `value` that `tree` names (`__all__` or `true` = all of it). */
export function pick (value: unknown, tree: PathTree | true): unknown {
  if (tree === true || tree.__all__ === true) return value
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value
  const out: Record<string, unknown> = {}
  const src = value as Record<string, unknown>
  for (const key of Object.keys(tree)) {
    const sub = tree[key]
    if (sub !== undefined && key in src) out[key] = pick(src[key], sub)
  }
  return out
}

/** The outcomes of a number's comparisons, standing for the number in a memo key. */
export function comparisonOutcomes (n: unknown, list: ReadonlyArray<{ readonly op: string, readonly value: number, readonly flipped: boolean }>): string {
  if (typeof n !== 'number') return String(n)
  let out = '#'
  for (const c of list) {
    const [a, b] = c.flipped ? [c.value, n] : [n, c.value]
    const r = c.op === '<' ? a < b : c.op === '<=' ? a <= b : c.op === '>' ? a > b : c.op === '>=' ? a >= b : c.op === '==' ? a === b : a !== b
    out += r ? '1' : '0'
  }
  return out
}
