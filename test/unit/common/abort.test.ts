import { describe, expect, it } from 'vitest'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { timeoutSignal } from '../../../common/abort.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

describe('timeoutSignal', () => {
  it('still fires through AbortSignal.any after garbage collection (Node 20 loses AbortSignal.timeout there)', async () => {
    const outcomes = Array.from({ length: 20 }, async () => {
      const signal = AbortSignal.any([timeoutSignal(30)])
      return await new Promise<string>((resolve) => {
        signal.addEventListener('abort', () => { resolve((signal.reason as Error).name) })
        setTimeout(() => { resolve('never fired') }, 2_000)
      })
    })
    gc()
    await new Promise((resolve) => setTimeout(resolve, 5))
    gc()
    expect(await Promise.all(outcomes)).toEqual(Array(20).fill('TimeoutError'))
  })
})
