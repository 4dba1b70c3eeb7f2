/**
 * HIPAA Safe Harbor (45 CFR 164.514(b)(2)(i)(B)): the initial three digits of a ZIP code may be
 * kept only when the geographic unit formed by all ZIP codes with those digits holds more than
 * 20,000 people; otherwise they become 000. Data: the three-digit prefixes with 20,000 people or
 * fewer, as the union of the lists HHS's de-identification guidance gives for the 2000 and 2010
 * Censuses (a prefix on either list is restricted: the safer reading). Edit this list when the
 * Census Bureau publishes new figures.
 */
export const RESTRICTED_ZIP3: readonly string[] = [
  '036', '059', '063', '102', '203', '205', '369', '556', '692', '753', '772', '790', '821',
  '823', '830', '831', '878', '879', '884', '890', '893'
]
