/**
 * Helpers for collaborators that may not honour an AbortSignal.
 */
/** Settles with `promise`, or rejects as soon as `signal` aborts. */
export async function raceSignal<T> (promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted()
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(signal.reason instanceof Error ? signal.reason : new Error(errorMessage(signal.reason))) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([promise, aborted])
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
    promise.catch(() => {})
  }
}

/** The message of an unknown thrown value, for logs. */
export function errorMessage (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
