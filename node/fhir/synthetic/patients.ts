/** Fake patients: name, national identifier, birth date, country. Obviously fictitious identifiers. */
import { SeededRandom } from './random.js'

export interface SyntheticPatient {
  readonly givenName: string
  readonly familyName: string
  readonly gender: 'female' | 'male'
  /** YYYY-MM-DD */
  readonly birthDate: string
  /** ISO 3166-1 alpha-2 */
  readonly country: string
  readonly nationalId: { readonly system: string, readonly value: string }
}

/** The identifier system of each country's national health identifier (a generic one elsewhere). */
export const NATIONAL_ID_SYSTEMS: Readonly<Record<string, string>> = {
  DE: 'http://fhir.de/sid/gkv/kvid-10',
  FR: 'urn:oid:1.2.250.1.213.1.4.8',
  US: 'http://hl7.org/fhir/sid/us-ssn',
  DK: 'urn:oid:1.2.208.176.1.2',
  NL: 'http://fhir.nl/fhir/NamingSystem/bsn'
}

const NAMES: Readonly<Record<string, { female: string[], male: string[], family: string[] }>> = {
  DE: { female: ['Anna', 'Lena', 'Marie', 'Sophie'], male: ['Lukas', 'Jonas', 'Felix', 'Max'], family: ['Müller', 'Schmidt', 'Weber', 'Fischer'] },
  FR: { female: ['Camille', 'Léa', 'Chloé', 'Manon'], male: ['Louis', 'Hugo', 'Jules', 'Arthur'], family: ['Martin', 'Bernard', 'Dubois', 'Moreau'] },
  US: { female: ['Emma', 'Olivia', 'Ava', 'Mia'], male: ['Liam', 'Noah', 'Ethan', 'Mason'], family: ['Smith', 'Johnson', 'Brown', 'Davis'] }
}
const DEFAULT_NAMES = { female: ['Alex', 'Sam'], male: ['Robin', 'Kim'], family: ['Doe', 'Roe'] }

function nationalIdValue (country: string, rnd: SeededRandom): string {
  switch (country) {
    case 'DE': return `${String.fromCharCode(65 + rnd.int(26))}${rnd.digits(9)}` // KVNR shape
    case 'FR': return `${1 + rnd.int(2)}${rnd.digits(12)}${rnd.digits(2)}` // NIR shape + key
    case 'US': return `9${rnd.digits(8)}` // SSNs starting with 9 are never issued
    default: return rnd.digits(10)
  }
}

/** A fake patient of `country`, the same for the same seed. */
export function syntheticPatient (seed: string, country: string, overrides: Partial<SyntheticPatient> = {}): SyntheticPatient {
  const rnd = new SeededRandom(`patient/${country}/${seed}`)
  const names = NAMES[country] ?? DEFAULT_NAMES
  const gender = rnd.int(2) === 0 ? 'female' : 'male'
  const year = 1940 + rnd.int(65)
  const month = String(1 + rnd.int(12)).padStart(2, '0')
  const day = String(1 + rnd.int(28)).padStart(2, '0')
  return {
    givenName: rnd.pick(names[gender]),
    familyName: rnd.pick(names.family),
    gender,
    birthDate: `${year}-${month}-${day}`,
    country,
    nationalId: { system: NATIONAL_ID_SYSTEMS[country] ?? `urn:healthrelay:synthetic:national-id:${country}`, value: nationalIdValue(country, rnd) },
    ...overrides
  }
}
