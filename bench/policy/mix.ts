/**
 * The benchmark's request mix: a deterministic pseudo-random (xorshift) mix of release requests
 * across all bundled modules, weighted by traffic, so runs compare.
 */
import { parseReleaseRequest, type ReleaseRequest } from '../../policies/engine/index.js'
import type { Category, Purpose } from '../../policies/vocabulary.js'

// A deterministic pseudo-random mix (xorshift), so runs compare.
let seed = 0x2545f491
function rnd (): number { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return ((seed >>> 0) % 1_000_000) / 1_000_000 }
function pick<T> (weighted: ReadonlyArray<readonly [T, number]>): T {
  const total = weighted.reduce((s, [, w]) => s + w, 0)
  let x = rnd() * total
  for (const [v, w] of weighted) { x -= w; if (x <= 0) return v }
  return weighted[weighted.length - 1]![0]
}

// Countries with a module (EU members through the EU module), weighted by traffic.
const COUNTRIES: ReadonlyArray<readonly [string, number]> = [
  ['DE', 14], ['FR', 12], ['IT', 8], ['ES', 8], ['NL', 4], ['US', 14], ['GB', 8], ['CH', 3], ['JP', 4],
  ['CN', 3], ['RU', 1], ['IN', 3], ['BR', 3], ['CA', 4], ['AU', 3]
]
const PURPOSES: ReadonlyArray<readonly [Purpose, number]> = [['treatment', 60], ['emergency', 15], ['research', 10], ['insurance', 5], ['public-health', 10]]
const CATEGORIES: ReadonlyArray<readonly [Category, number]> = [
  ['patient-summary', 35], ['lab-result', 20], ['prescription', 15], ['imaging', 10], ['vaccination', 8],
  ['genomic', 3], ['mental-health', 3], ['substance-use', 2], ['sexual-health', 2], ['consent-form', 1], ['other', 1]
]
const ROLE: Record<Purpose, string> = { treatment: 'physician', emergency: 'physician', research: 'researcher', insurance: 'insurer', 'public-health': 'public-health-officer' }

export function mix (n: number): ReleaseRequest[] {
  seed = 0x2545f491
  const out: ReleaseRequest[] = []
  while (out.length < n) {
    const source = pick(COUNTRIES)
    const destination = pick(COUNTRIES)
    if (source === destination) continue
    const purpose = pick(PURPOSES)
    const emergency = purpose === 'emergency'
    const granted = rnd() < (emergency ? 0.2 : 0.7)
    out.push(parseReleaseRequest({
      requester: { id: `provider-${Math.floor(rnd() * 5000)}`, country: destination, role: rnd() < 0.05 ? 'nurse' : ROLE[purpose] },
      record: { category: pick(CATEGORIES), custodianCountry: source, subjectHomeCountry: source, custodianRegion: source === 'US' && rnd() < 0.1 ? 'US-FL' : '', origin: source === 'AU' && rnd() < 0.5 ? 'my-health-record' : '' },
      purpose,
      grant: granted ? { present: true, valid: true, purposes: [purpose] } : { present: false, valid: false, purposes: [] },
      emergency,
      justificationPresent: emergency && rnd() < 0.95,
      patientUnableToConsent: emergency && rnd() < 0.7,
      deidentified: purpose === 'research' && rnd() < 0.6,
      recipient: { publicBody: rnd() < 0.5, certified: rnd() < 0.2, safeguards: rnd() < 0.3 },
      transfers: { genomic: Math.floor(rnd() * 150), omic: 0, health: Math.floor(rnd() * 2000), requesterEmergencies: emergency ? 1 + Math.floor(rnd() * 10) : 0 }
    }))
  }
  return out
}
