/**
 * `AbortSignal.timeout(ms)` that cannot be lost to garbage collection.
 *
 * On Node 20 a signal from `AbortSignal.timeout()` that nothing but `AbortSignal.any()` refers to
 * is collected at the next GC and then never fires: a time-out combined with a caller's signal
 * (the usual pattern) silently stops timing out in a busy daemon (reproduced on v20.20.2, fixed in
 * Node 22; test/unit/common/abort.test.ts). Here the timer holds the controller, so the signal
 * lives until it fires; the timer is unref'd, so it never keeps a process alive.
 */
export function timeoutSignal (ms: number): AbortSignal {
  const controller = new AbortController()
  setTimeout(() => {
    controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))
  }, ms).unref()
  return controller.signal
}
