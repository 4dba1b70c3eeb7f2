/**
 * Rolling counts for bulk-transfer rules (28 CFR 202) and emergency rate limits: how many distinct
 * subjects' data of each class went to each destination country within the window, and how many
 * emergency requests each requester made in the last 24 hours. In memory, clock injected; the
 * daemon asks for the counts a request would make (`counts`), puts them in the release request's
 * `transfers`, and calls `record` after an allowed release.
 */
import type { Category } from './vocabulary.js'

export type TransferClass = 'genomic' | 'omic' | 'health'

export const DAY_MS = 86_400_000
export const DEFAULT_TRANSFER_WINDOW_MS = 365 * DAY_MS
export const EMERGENCY_WINDOW_MS = DAY_MS
const PRUNE_INTERVAL_MS = 60_000

/** The classes a record of a category counts towards (every category is personal health data). */
export function transferClassesOf (category: Category): TransferClass[] {
  return category === 'genomic' ? ['genomic', 'health'] : ['health']
}

export interface TransferCounts {
  readonly genomic: number
  readonly omic: number
  readonly health: number
  readonly requesterEmergencies: number
}

export interface TransferCounterInit {
  /** Window of the bulk counts in milliseconds (default 365 days). */
  readonly windowMs?: number
  /** Milliseconds since the epoch (default Date.now). */
  readonly clock?: () => number
}

export interface TransferCounter {
  /** The counts a release of `subject`'s data of `classes` to `destination` would make (itself included). */
  counts: (q: { destination: string, subject: string, classes: readonly TransferClass[], requester?: string, emergency?: boolean }) => TransferCounts
  /** Records a release that happened. */
  record: (q: { destination: string, subject: string, classes: readonly TransferClass[], requester?: string, emergency?: boolean }) => void
  /** Forgets everything older than the windows (also done on every call). */
  prune: () => void
}

export function createTransferCounter (init: TransferCounterInit = {}): TransferCounter {
  const windowMs = init.windowMs ?? DEFAULT_TRANSFER_WINDOW_MS
  const clock = init.clock ?? Date.now
  // key `${destination}|${class}` → subject → last time seen
  const bulk = new Map<string, Map<string, number>>()
  // requester → times of emergency requests (ascending)
  const emergencies = new Map<string, number[]>()
  let lastPrune = Number.NEGATIVE_INFINITY

  const prune = (): void => {
    const now = clock()
    lastPrune = now
    for (const [key, subjects] of bulk) {
      for (const [s, t] of subjects) if (now - t >= windowMs) subjects.delete(s)
      if (subjects.size === 0) bulk.delete(key)
    }
    for (const [r, times] of emergencies) {
      const kept = times.filter((t) => now - t < EMERGENCY_WINDOW_MS)
      if (kept.length === 0) emergencies.delete(r)
      else emergencies.set(r, kept)
    }
  }

  const countOf = (destination: string, cls: TransferClass, subject: string, classes: readonly TransferClass[]): number => {
    const now = clock()
    const subjects = bulk.get(`${destination}|${cls}`)
    let n = 0
    let self = false
    if (subjects !== undefined) {
      for (const [s, t] of subjects) {
        if (now - t >= windowMs) continue
        n++
        if (s === subject) self = true
      }
    }
    return classes.includes(cls) && !self ? n + 1 : n
  }

  return {
    counts: (q) => {
      if (clock() - lastPrune > PRUNE_INTERVAL_MS) prune()
      const now = clock()
      const recent = q.requester === undefined ? 0 : (emergencies.get(q.requester) ?? []).filter((t) => now - t < EMERGENCY_WINDOW_MS).length
      return {
        genomic: countOf(q.destination, 'genomic', q.subject, q.classes),
        omic: countOf(q.destination, 'omic', q.subject, q.classes),
        health: countOf(q.destination, 'health', q.subject, q.classes),
        requesterEmergencies: recent + (q.emergency === true ? 1 : 0)
      }
    },
    record: (q) => {
      const now = clock()
      for (const cls of q.classes) {
        const key = `${q.destination}|${cls}`
        let subjects = bulk.get(key)
        if (subjects === undefined) { subjects = new Map(); bulk.set(key, subjects) }
        subjects.set(q.subject, now)
      }
      if (q.emergency === true && q.requester !== undefined) {
        const times = emergencies.get(q.requester) ?? []
        times.push(now)
        emergencies.set(q.requester, times)
      }
    },
    prune
  }
}
