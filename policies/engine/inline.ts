/**
 * Module data in the policies themselves: before preparsing, every `context.lists.<name>` becomes
 * the set literal of that list and every `context.limits.<name>` its number (in the policies'
 * JSON form). The regulator still edits one line of module.json and writes `context.lists.x`;
 * the policies are still validated as written against the schema; but no list crosses into
 * WebAssembly on each evaluation, which is most of an evaluation's cost.
 */
import type { PolicyJson } from '@cedar-policy/cedar-wasm/nodejs'
import type { ModuleData } from './manifest.js'

type Node = Record<string, unknown>

function contextAttr (e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined
  const dot = (e as Node)['.'] as { left?: unknown, attr?: string } | undefined
  if (dot === undefined) return undefined
  const left = dot.left as Node | undefined
  return left !== undefined && left.Var === 'context' ? dot.attr : undefined
}

function dataAttr (e: unknown): { of: 'lists' | 'limits', name: string } | undefined {
  if (typeof e !== 'object' || e === null) return undefined
  const dot = (e as Node)['.'] as { left?: unknown, attr?: string } | undefined
  if (dot?.attr === undefined) return undefined
  const of = contextAttr(dot.left)
  return of === 'lists' || of === 'limits' ? { of, name: dot.attr } : undefined
}

function setOf (values: readonly string[]): unknown {
  return { Set: values.map((v) => ({ Value: v })) }
}

function rewrite (e: unknown, data: ModuleData): unknown {
  if (Array.isArray(e)) return e.map((x) => rewrite(x, data))
  if (typeof e !== 'object' || e === null) return e
  const ref = dataAttr(e)
  if (ref !== undefined) {
    if (ref.of === 'lists') return setOf(data.lists[ref.name as keyof ModuleData['lists']] ?? [])
    const limit = data.limits[ref.name as keyof ModuleData['limits']]
    if (limit !== undefined) return { Value: limit }
  }
  const whole = contextAttr(e)
  if (whole === 'lists') return { Record: Object.fromEntries(Object.entries(data.lists).map(([k, v]) => [k, setOf(v)])) }
  if (whole === 'limits') return { Record: Object.fromEntries(Object.entries(data.limits).map(([k, v]) => [k, { Value: v }])) }
  const out: Node = {}
  for (const [k, v] of Object.entries(e as Node)) out[k] = k === 'Value' ? v : rewrite(v, data)
  return out
}

/** The policy with the module's lists and limits written in. */
export function inlineData (policy: PolicyJson, data: ModuleData): PolicyJson {
  return { ...policy, conditions: policy.conditions.map((c) => ({ ...c, body: rewrite(c.body, data) as typeof c.body })) }
}
