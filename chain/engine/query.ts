/**
 * CometBFT's event query language (the subset of `tx_search` and `subscribe`): conditions joined by
 * `AND`; each is `<key> <op> <operand>` with op one of `=`, `<`, `<=`, `>`, `>=`, `CONTAINS`, or
 * `<key> EXISTS`; operands are 'strings', numbers, `TIME <RFC 3339>` or `DATE <YYYY-MM-DD>`.
 * Numbers compare as exact decimals (never floats). A parsed query both matches an event map
 * (subscriptions) and compiles to SQL over the tx index (`tx_search`).
 */
import { InvalidQueryError } from './errors.js'

export type Operator = '=' | '<' | '<=' | '>' | '>=' | 'CONTAINS' | 'EXISTS'

export type Operand =
  | { readonly kind: 'string', readonly value: string }
  | { readonly kind: 'number', readonly value: string }
  | { readonly kind: 'time', readonly value: number }

export interface Condition {
  readonly key: string
  readonly op: Operator
  readonly operand?: Operand
}

export interface Query {
  readonly text: string
  readonly conditions: readonly Condition[]
}

export const MAX_QUERY_LENGTH = 2048
export const MAX_CONDITIONS = 16

const TOKEN = /\s*(?:(AND)\b|(CONTAINS)\b|(EXISTS)\b|(TIME)\s+(\S+)|(DATE)\s+(\d{4}-\d{2}-\d{2})|('[^']*')|(<=|>=|=|<|>)|(-?\d+(?:\.\d+)?)(?![\w.])|([A-Za-z_][A-Za-z0-9_.\-/]*))/y

type Token =
  | { t: 'and' } | { t: 'op', op: Operator } | { t: 'operand', operand: Operand } | { t: 'key', key: string }

function tokenize (text: string): Token[] {
  const tokens: Token[] = []
  TOKEN.lastIndex = 0
  let pos = 0
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break
    TOKEN.lastIndex = pos
    const m = TOKEN.exec(text)
    if (m === null) throw new InvalidQueryError(`invalid query at character ${pos + 1}: ${JSON.stringify(text.slice(pos, pos + 20))}`)
    pos = TOKEN.lastIndex
    const [, and, contains, exists, timeKw, timeVal = '', dateKw, dateVal = '', str, op, num, key = ''] = m
    if (and !== undefined) tokens.push({ t: 'and' })
    else if (contains !== undefined) tokens.push({ t: 'op', op: 'CONTAINS' })
    else if (exists !== undefined) tokens.push({ t: 'op', op: 'EXISTS' })
    else if (timeKw !== undefined) {
      const ms = Date.parse(timeVal)
      if (Number.isNaN(ms)) throw new InvalidQueryError(`invalid TIME operand ${timeVal}`)
      tokens.push({ t: 'operand', operand: { kind: 'time', value: ms } })
    } else if (dateKw !== undefined) {
      const ms = Date.parse(`${dateVal}T00:00:00Z`)
      if (Number.isNaN(ms)) throw new InvalidQueryError(`invalid DATE operand ${dateVal}`)
      tokens.push({ t: 'operand', operand: { kind: 'time', value: ms } })
    } else if (str !== undefined) tokens.push({ t: 'operand', operand: { kind: 'string', value: str.slice(1, -1) } })
    else if (op !== undefined) tokens.push({ t: 'op', op: op as Operator })
    else if (num !== undefined) tokens.push({ t: 'operand', operand: { kind: 'number', value: num } })
    else tokens.push({ t: 'key', key })
  }
  return tokens
}

/** Parses a query; throws InvalidQueryError naming what is wrong. */
export function parseQuery (text: string): Query {
  if (typeof text !== 'string' || text.trim() === '') throw new InvalidQueryError('empty query')
  if (text.length > MAX_QUERY_LENGTH) throw new InvalidQueryError(`query longer than ${MAX_QUERY_LENGTH} characters`)
  const tokens = tokenize(text)
  const conditions: Condition[] = []
  let i = 0
  for (;;) {
    const key = tokens[i++]
    if (key?.t !== 'key') throw new InvalidQueryError(`expected an event key in ${JSON.stringify(text)}`)
    const op = tokens[i++]
    if (op?.t !== 'op') throw new InvalidQueryError(`expected an operator after ${key.key}`)
    if (op.op === 'EXISTS') {
      conditions.push({ key: key.key, op: 'EXISTS' })
    } else {
      const operand = tokens[i++]
      if (operand?.t !== 'operand') throw new InvalidQueryError(`expected a value after ${key.key} ${op.op}`)
      if (op.op === 'CONTAINS' && operand.operand.kind !== 'string') throw new InvalidQueryError('CONTAINS takes a quoted string')
      if (op.op !== '=' && op.op !== 'CONTAINS' && operand.operand.kind === 'string') {
        throw new InvalidQueryError(`${op.op} compares numbers, times or dates, not strings`)
      }
      conditions.push({ key: key.key, op: op.op, operand: operand.operand })
    }
    if (conditions.length > MAX_CONDITIONS) throw new InvalidQueryError(`at most ${MAX_CONDITIONS} conditions`)
    if (i >= tokens.length) break
    if (tokens[i++]?.t !== 'and') throw new InvalidQueryError('conditions must be joined by AND (OR is not supported)')
  }
  return { text, conditions }
}

const DECIMAL = /^-?\d+(\.\d+)?$/

/** Compares two decimal strings exactly: -1, 0, 1. */
export function compareDecimal (a: string, b: string): number {
  const [ai = '0', af = ''] = a.split('.')
  const [bi = '0', bf = ''] = b.split('.')
  const scale = Math.max(af.length, bf.length)
  const av = BigInt(ai + af.padEnd(scale, '0'))
  const bv = BigInt(bi + bf.padEnd(scale, '0'))
  return av < bv ? -1 : av > bv ? 1 : 0
}

function cmpResult (op: Operator, c: number): boolean {
  switch (op) {
    case '=': return c === 0
    case '<': return c < 0
    case '<=': return c <= 0
    case '>': return c > 0
    case '>=': return c >= 0
    default: return false
  }
}

/** Whether one attribute value satisfies a condition. */
export function matchValue (cond: Condition, value: string): boolean {
  const operand = cond.operand
  if (cond.op === 'EXISTS' || operand === undefined) return true
  if (cond.op === 'CONTAINS') return operand.kind === 'string' && value.includes(operand.value)
  if (operand.kind === 'string') return value === operand.value
  if (operand.kind === 'number') {
    const v = value.trim()
    return DECIMAL.test(v) && cmpResult(cond.op, compareDecimal(v, operand.value))
  }
  const ms = Date.parse(value)
  return !Number.isNaN(ms) && cmpResult(cond.op, ms < operand.value ? -1 : ms > operand.value ? 1 : 0)
}

/** Whether an event map (`key` → values, as CometBFT's pubsub builds it) satisfies every condition. */
export function matchEvents (query: Query, events: ReadonlyMap<string, readonly string[]>): boolean {
  return query.conditions.every((cond) => {
    const values = events.get(cond.key)
    return values !== undefined && values.some((v) => matchValue(cond, v))
  })
}

/**
 * Compiles a query to a WHERE clause over `engine_txs t` (see store.ts). `tx.hash` and `tx.height`
 * read the tx row; other keys read the index rows through `hr_match(value, op, kind, operand)`.
 */
export function compileTxSearch (query: Query): { where: string, args: unknown[] } {
  const parts: string[] = []
  const args: unknown[] = []
  for (const c of query.conditions) {
    if (c.key === 'tx.hash') {
      if (c.op === 'EXISTS') { parts.push('1'); continue }
      if (c.op !== '=' || c.operand?.kind !== 'string') throw new InvalidQueryError("tx.hash takes = 'HEX'")
      if (!/^[0-9A-Fa-f]{64}$/.test(c.operand.value)) throw new InvalidQueryError('tx.hash must be 64 hex characters')
      parts.push('t.hash = ?')
      args.push(Buffer.from(c.operand.value, 'hex'))
    } else if (c.key === 'tx.height') {
      if (c.op === 'EXISTS') { parts.push('1'); continue }
      if (c.operand?.kind !== 'number' || !/^-?\d+$/.test(c.operand.value) || c.op === 'CONTAINS') {
        throw new InvalidQueryError('tx.height compares with an integer')
      }
      parts.push(`t.height ${c.op} ?`)
      args.push(BigInt(c.operand.value))
    } else {
      const where = ['e.key = ?']
      args.push(c.key)
      if (c.op === '=' && c.operand?.kind === 'string') {
        where.push('e.value = ?')
        args.push(c.operand.value)
      } else if (c.op !== 'EXISTS') {
        const operand = c.operand
        if (operand === undefined) throw new InvalidQueryError(`${c.key} ${c.op} needs a value`)
        where.push('hr_match(e.value, ?, ?, ?) = 1')
        args.push(c.op, operand.kind, String(operand.value))
      }
      parts.push(`(t.height, t.idx) IN (SELECT e.height, e.idx FROM engine_tx_events e WHERE ${where.join(' AND ')})`)
    }
  }
  return { where: parts.join(' AND '), args }
}

/** The SQL function `hr_match` that compiled queries use; register it on the read connection. */
export function hrMatch (value: unknown, op: unknown, kind: unknown, operand: unknown): number {
  if (typeof value !== 'string' || typeof operand !== 'string') return 0
  const o: Operand = kind === 'time' ? { kind: 'time', value: Number(operand) } : kind === 'number' ? { kind: 'number', value: operand } : { kind: 'string', value: operand }
  return matchValue({ key: '', op: op as Operator, operand: o }, value) ? 1 : 0
}
