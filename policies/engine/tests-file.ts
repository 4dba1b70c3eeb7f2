/** `tests.json`: a module's own cases, request → expected decision, reasons and obligations. */
import { z } from 'zod'
import { ACTIONS } from '../vocabulary.js'

export const testCaseSchema = z.strictObject({
  name: z.string().min(1).max(300),
  action: z.enum(ACTIONS),
  /** A release request (policies/engine/request.ts); omitted fields take fail-closed defaults. */
  request: z.record(z.string(), z.unknown()),
  expect: z.strictObject({
    decision: z.enum(['allow', 'deny']),
    /** When given: exactly these reasons (order ignored). */
    reasons: z.array(z.string()).optional(),
    /** When given: exactly these obligations (order ignored). */
    obligations: z.array(z.string()).optional()
  }),
  /** Seconds since the epoch for `context.time` (default: the engine's clock). */
  time: z.number().int().optional()
})

export const testsFileSchema = z.strictObject({
  cases: z.array(testCaseSchema).max(10_000)
})

export type TestCase = z.output<typeof testCaseSchema>
