/**
 * Policy sets specialised by what every request states exactly: the action, the purpose and the
 * record's category (each from a closed list). At load, every policy of a module is checked
 * against each combination; a policy is left out of a combination's set only when Cedar would
 * certainly find it not satisfied, without an error, before reading anything else of the request.
 * The rest is evaluated by Cedar exactly as before, so no decision, deciding policy or error
 * changes; but Cedar's cost grows with every policy in the set (even one whose scope names the
 * other action), and most policies apply to one purpose or one action.
 *
 * The check follows Cedar's evaluation order: the scope (principal, action, resource), then each
 * `when` and `unless` clause, `&&` left to right. The conjuncts in that order are evaluated over
 * the known values only (literals, the action, `context.purpose`, `resource.category`, and the
 * operators `== != ! && || contains if` on them); the policy is left out when a conjunct is known
 * false and every conjunct before it is known true. The first conjunct that reads anything
 * unknown stops the check and keeps the policy.
 */
import type { PolicyJson } from '@cedar-policy/cedar-wasm/nodejs'
import { ACTIONS, CATEGORIES, PURPOSES, type Category, type PolicyAction, type Purpose } from '../vocabulary.js'

/** What is known of every request before Cedar sees it. */
export interface Knowns {
  readonly action: PolicyAction
  readonly purpose: Purpose
  readonly category: Category
}

/** A known value: Cedar's String, Bool, Long, an entity, or a set of these. */
type Known = string | boolean | number | KnownEntity | KnownSet
interface KnownEntity { readonly type: string, readonly id: string }
interface KnownSet { readonly set: readonly Known[] }
/** `undefined` = not known before Cedar evaluates it. */
type Abstract = Known | undefined

type Node = Record<string, unknown>

const isEntity = (v: Known): v is KnownEntity => typeof v === 'object' && 'type' in v
const isSet = (v: Known): v is KnownSet => typeof v === 'object' && 'set' in v

/** Cedar's `==` on two known values (no error: `==` compares any two values). */
function equal (a: Known, b: Known): boolean {
  if (typeof a !== 'object' || typeof b !== 'object') return a === b
  if (isEntity(a) && isEntity(b)) return a.type === b.type && a.id === b.id
  if (isSet(a) && isSet(b)) return a.set.every((x) => b.set.some((y) => equal(x, y))) && b.set.every((y) => a.set.some((x) => equal(x, y)))
  return false
}

function literal (v: unknown): Abstract {
  if (typeof v === 'string' || typeof v === 'boolean') return v
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v
  if (typeof v === 'object' && v !== null) {
    const e = (v as { __entity?: { type?: unknown, id?: unknown } }).__entity
    if (e !== undefined && typeof e.type === 'string' && typeof e.id === 'string' && Object.keys(v).length === 1) return { type: e.type, id: e.id }
  }
  return undefined
}

/** The value of `e` over the known values, or undefined when Cedar needs the request (or might fail). */
function evaluate (e: unknown, k: Knowns): Abstract {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return undefined
  const node = e as Node
  const keys = Object.keys(node)
  if (keys.length !== 1) return undefined
  const op = keys[0] as string
  const arg = node[op]
  switch (op) {
    case 'Value': return literal(arg)
    case 'Var': return arg === 'action' ? { type: 'Action', id: k.action } : undefined
    case '.': {
      const { left, attr } = arg as { left?: Node, attr?: unknown }
      if (left?.Var === 'context' && attr === 'purpose') return k.purpose
      if (left?.Var === 'resource' && attr === 'category') return k.category
      return undefined
    }
    case 'Set': {
      if (!Array.isArray(arg)) return undefined
      const items: Known[] = []
      for (const x of arg) {
        const v = evaluate(x, k)
        if (v === undefined) return undefined
        items.push(v)
      }
      return { set: items }
    }
    case '!': {
      const v = evaluate((arg as { arg?: unknown }).arg, k)
      return typeof v === 'boolean' ? !v : undefined
    }
    case '==':
    case '!=': {
      const { left, right } = arg as { left?: unknown, right?: unknown }
      const l = evaluate(left, k)
      if (l === undefined) return undefined
      const r = evaluate(right, k)
      if (r === undefined) return undefined
      return op === '==' ? equal(l, r) : !equal(l, r)
    }
    case '&&':
    case '||': {
      const { left, right } = arg as { left?: unknown, right?: unknown }
      const l = evaluate(left, k)
      if (typeof l !== 'boolean') return undefined
      if (op === '&&' ? !l : l) return l
      const r = evaluate(right, k)
      return typeof r === 'boolean' ? r : undefined
    }
    case 'contains': {
      const { left, right } = arg as { left?: unknown, right?: unknown }
      const l = evaluate(left, k)
      if (l === undefined || !isSet(l)) return undefined
      const r = evaluate(right, k)
      if (r === undefined) return undefined
      return l.set.some((x) => equal(x, r))
    }
    case 'if-then-else': {
      const { if: c, then: t, else: f } = arg as { if?: unknown, then?: unknown, else?: unknown }
      const v = evaluate(c, k)
      if (typeof v !== 'boolean') return undefined
      return evaluate(v ? t : f, k)
    }
    default: return undefined
  }
}

/** A known value as a Cedar expression (JSON form). */
function asExpr (v: Known): unknown {
  if (typeof v !== 'object') return { Value: v }
  if (isSet(v)) return { Set: v.set.map(asExpr) }
  return { Value: { __entity: { type: v.type, id: v.id } } }
}

/** `e` with its known parts folded: a known value, or the expression left for Cedar. */
type Folded = { readonly known: Known } | { readonly expr: unknown }

const exprOf = (f: Folded): unknown => 'known' in f ? asExpr(f.known) : f.expr

/**
 * Folds what is known in `e`, exactly as Cedar would evaluate it: a subexpression over known
 * values only becomes its value; `&&`, `||` and `if` whose first operand is known become the
 * operand Cedar would evaluate next (their later operands are never folded away, since reading
 * them could fail). Operators it does not know are left as they are, whole.
 */
function fold (e: unknown, k: Knowns): Folded {
  const v = evaluate(e, k)
  if (v !== undefined) return { known: v }
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return { expr: e }
  const node = e as Node
  const keys = Object.keys(node)
  if (keys.length !== 1) return { expr: e }
  const op = keys[0] as string
  const arg = node[op] as Node
  const sub = (x: unknown): unknown => exprOf(fold(x, k))
  switch (op) {
    case '&&':
    case '||': {
      const l = evaluate(arg.left, k)
      if (typeof l === 'boolean') {
        // known and not deciding (a deciding one made `e` known): Cedar evaluates the right
        // operand and requires a Bool, which it is in a validated policy
        return fold(arg.right, k)
      }
      return { expr: { [op]: { left: sub(arg.left), right: sub(arg.right) } } }
    }
    case 'if-then-else': {
      const c = evaluate(arg.if, k)
      if (typeof c === 'boolean') return fold(c ? arg.then : arg.else, k)
      return { expr: { 'if-then-else': { if: sub(arg.if), then: sub(arg.then), else: sub(arg.else) } } }
    }
    case '==': case '!=': case 'contains': case 'containsAll': case 'containsAny':
    case '<': case '<=': case '>': case '>=': case '+': case '-': case '*': case 'in':
      return { expr: { [op]: { ...arg, left: sub(arg.left), right: sub(arg.right) } } }
    case '!': case 'neg': case 'isEmpty':
      return { expr: { [op]: { ...arg, arg: sub(arg.arg) } } }
    case 'has': case 'is': case 'like': case '.':
      return { expr: { [op]: { ...arg, left: sub(arg.left) } } }
    case 'Set':
      return Array.isArray(arg) ? { expr: { Set: (arg as unknown[]).map(sub) } } : { expr: e }
    default:
      return { expr: e }
  }
}

/** The `&&` operands of `e` in evaluation order. */
function conjuncts (e: unknown, out: unknown[] = []): unknown[] {
  const and = typeof e === 'object' && e !== null ? (e as Node)['&&'] as { left?: unknown, right?: unknown } | undefined : undefined
  if (and !== undefined && Object.keys(e as Node).length === 1) {
    conjuncts(and.left, out)
    conjuncts(and.right, out)
  } else {
    out.push(e)
  }
  return out
}

/** A scope constraint's value: the variable (`principal`, `action`, `resource`) is of `type`. */
function scope (c: Node, variable: 'principal' | 'action' | 'resource', k: Knowns): boolean | undefined {
  const type = variable === 'principal' ? 'Provider' : variable === 'resource' ? 'Record' : 'Action'
  const self = variable === 'action' ? { type: 'Action', id: k.action } : undefined
  switch (c.op) {
    case 'All': return true
    case 'is':
      if (c.entity_type !== type) return false
      return c.in === undefined ? true : undefined
    case '==': {
      if (self === undefined) return undefined
      const e = c.entity as { type?: unknown, id?: unknown } | undefined
      return typeof e?.type === 'string' && typeof e.id === 'string' ? equal(self, { type: e.type, id: e.id }) : undefined
    }
    case 'in': {
      // with no entity data for actions (no schema is passed), `action in X` holds only for X itself
      if (self === undefined) return undefined
      const list = c.entities !== undefined ? c.entities as unknown[] : [c.entity]
      let any = false
      for (const x of list) {
        const e = x as { type?: unknown, id?: unknown } | undefined
        if (typeof e?.type !== 'string' || typeof e.id !== 'string') return undefined
        if (equal(self, { type: e.type, id: e.id })) any = true
      }
      return any
    }
    default: return undefined
  }
}

/**
 * Whether Cedar could find `policy` satisfied, or fail on it, for some request with these known
 * values (false only when it certainly finds it not satisfied, without an error).
 */
export function mayApply (policy: PolicyJson, k: Knowns): boolean {
  for (const variable of ['principal', 'action', 'resource'] as const) {
    const v = scope(policy[variable] as unknown as Node, variable, k)
    if (v === undefined) return true
    if (!v) return false
  }
  for (const clause of policy.conditions) {
    const body = clause.kind === 'when' ? clause.body : { '!': { arg: clause.body } }
    for (const c of clause.kind === 'when' ? conjuncts(body) : [body]) {
      const v = evaluate(c, k)
      if (v === false) return false
      if (v !== true) return true
    }
  }
  return true
}

/**
 * The policy as Cedar needs it for requests with these known values: its scope reduced to what
 * is not known true, its conditions folded (./fold), a `when` known true or an `unless` known
 * false dropped. Undefined when Cedar would certainly find it not satisfied, without an error.
 * For such requests Cedar finds the residual satisfied, not satisfied or failing exactly when
 * it finds the policy so.
 */
export function residual (policy: PolicyJson, k: Knowns): PolicyJson | undefined {
  if (!mayApply(policy, k)) return undefined
  const out: Record<string, unknown> = { ...policy }
  for (const variable of ['principal', 'action', 'resource'] as const) {
    if (scope(policy[variable] as unknown as Node, variable, k) === true) out[variable] = { op: 'All' }
  }
  const conditions: Array<{ kind: 'when' | 'unless', body: unknown }> = []
  let unknownBefore = false
  for (const clause of policy.conditions) {
    const f = fold(clause.body, k)
    if ('known' in f && typeof f.known === 'boolean') {
      if (f.known === (clause.kind === 'when')) continue
      // certainly not satisfied, unless an earlier clause fails first: then Cedar must see it
      if (!unknownBefore) return undefined
    } else {
      unknownBefore = true
    }
    conditions.push({ kind: clause.kind, body: exprOf(f) })
  }
  out.conditions = conditions
  return out as unknown as PolicyJson
}

/** Every combination of known values. */
export function allKnowns (): Knowns[] {
  const out: Knowns[] = []
  for (const action of ACTIONS) for (const purpose of PURPOSES) for (const category of CATEGORIES) out.push({ action, purpose, category })
  return out
}

export function knownsKey (k: Knowns): string {
  return `${k.action}/${k.purpose}/${k.category}`
}
