/** PolicyDecider and ContentTransformer over policies/engine, the transfer counter and policies/obligations. */
import type { PolicyEngine } from '../../policies/engine/engine.js'
import { parseReleaseRequest } from '../../policies/engine/request.js'
import { createTransferCounter, transferClassesOf, type TransferCounter } from '../../policies/transfer-counter.js'
import { deidentify } from '../../policies/obligations/deidentify.js'
import { parseObligation } from '../../policies/obligations/known.js'
import { isCategory, type Category } from '../../policies/vocabulary.js'
import type { ContentTransformer, PolicyDecider, ReleaseAnswer, ReleaseQuestion, RestrictionCheck } from '../../relay/service/ports.js'
import { redactRecordCategory } from '../fhir/redact.js'

/** How one sensitive category inside a record was decided (kept in the decision record; no content). */
export interface ContainedOutcome {
  readonly category: Category
  /** `released`: its own decision allowed it (its obligations joined the release's); `redacted`: removed before release. */
  readonly outcome: 'released' | 'redacted'
  /** Why it was redacted: the patient restricted the category, or the policies denied it (their `@reason`s). */
  readonly cause?: 'restricted' | 'policy-denied'
  readonly reasons: readonly string[]
  readonly deniedBy?: { readonly jurisdiction: string, readonly policyIds: readonly string[] }
  readonly obligations: readonly string[]
}

/**
 * The custodian's release decision. The record's own category is decided as it always was
 * (source export AND destination import). Then every sensitive category the record contains
 * (HeldRecord.contains, e.g. genomic results inside a patient summary) is decided on its own, as
 * the same request for a record of that category: a category the patient restricted, or one the
 * policies deny, gets `redact:<category>` (its resources are removed before release; the relay
 * re-encrypts the result under a new key and commitment, and denies the release if the removal is
 * impossible); a permitted one adds its obligations to the release's. The answer's reasons name
 * each policy redaction as `redact:<category>:<reason>` (the forbid's @reason). A redaction the
 * patient's restriction caused goes to `undisclosedObligations`: applied to the content, kept in
 * the decision log and the patient's access event, never named to the requester (a restriction is
 * never revealed, DESIGN.md §6; the header says only that the content was transformed).
 */
export function createPolicyDecider (components: { engine: PolicyEngine, counter?: TransferCounter, restrictions?: RestrictionCheck }): PolicyDecider {
  const counter = components.counter ?? createTransferCounter({ clock: components.engine.now })
  const categoryOf = (q: ReleaseQuestion): Category => isCategory(q.record.category) ? q.record.category : 'other'
  /** Contained categories whose content crossed the border with a release (for the transfer counts). */
  const releasedWith = new WeakMap<ReleaseQuestion, Category[]>()

  const evaluate = (q: ReleaseQuestion, category: Category, restricted: boolean): ReturnType<PolicyEngine['decide']> => {
    const transfers = counter.counts({ destination: q.destinationCountry, subject: q.subject, classes: transferClassesOf(category), requester: q.requester.id, emergency: q.emergency })
    const request = parseReleaseRequest({
      requester: q.requester,
      record: { category, subjectHomeCountry: q.record.subjectHomeCountry, custodianCountry: q.record.custodianCountry },
      purpose: q.purpose,
      sourceCountry: q.sourceCountry,
      destinationCountry: q.destinationCountry,
      grant: { present: q.grant.present, valid: q.grant.valid, purposes: q.grant.purposes },
      emergency: q.emergency,
      justificationPresent: q.justificationPresent,
      patientUnableToConsent: q.patientUnableToConsent,
      restricted,
      transfers
    })
    return components.engine.decide(request)
  }
  const denierOf = (d: ReturnType<PolicyEngine['decide']>): ReleaseAnswer['deniedBy'] => {
    const denier = d.export.decision === 'deny' ? d.export : d.import.decision === 'deny' ? d.import : undefined
    return denier === undefined ? undefined : { jurisdiction: denier.jurisdiction, policyIds: denier.policies }
  }
  const versionsOf = (d: ReturnType<PolicyEngine['decide']>): string[] =>
    [`${d.export.jurisdiction}@${d.export.version}`, `${d.import.jurisdiction}@${d.import.version}`]

  return {
    decide: async (q, options) => {
      const category = categoryOf(q)
      const d = evaluate(q, category, q.restricted)
      const deniedBy = denierOf(d)
      const base = {
        policyVersions: versionsOf(d),
        ...(deniedBy === undefined ? {} : { deniedBy })
      }
      if (d.decision === 'deny') return { decision: 'deny', reasons: d.reasons, obligations: d.obligations, ...base, record: d.record }

      const contained = [...new Set((q.record.contains ?? []).map((c) => isCategory(c) ? c : undefined))]
      // a category the node does not know cannot be decided, nor redacted: deny (fail closed)
      if (contained.includes(undefined)) {
        return { decision: 'deny', reasons: ['contained-category-unknown'], obligations: [], ...base, record: { ...d.record, decision: 'deny', reasons: ['contained-category-unknown'] } }
      }
      const obligations = new Set(d.obligations)
      const undisclosed = new Set<string>()
      const reasons = [...d.reasons]
      const outcomes: ContainedOutcome[] = []
      const released: Category[] = []
      for (const c of contained as Category[]) {
        if (c === category) continue
        if (components.restrictions !== undefined && await components.restrictions.isRestricted(q.subject, c, options)) {
          undisclosed.add(`redact:${c}`) // applied, never named to the requester
          outcomes.push({ category: c, outcome: 'redacted', cause: 'restricted', reasons: ['patient-restriction'], obligations: [] })
          continue
        }
        const dc = evaluate(q, c, false)
        if (dc.decision === 'deny') {
          const why = dc.reasons.length === 0 ? ['no-permit'] : dc.reasons
          const by = denierOf(dc)
          obligations.add(`redact:${c}`)
          for (const r of why) reasons.push(`redact:${c}:${r}`)
          outcomes.push({ category: c, outcome: 'redacted', cause: 'policy-denied', reasons: why, ...(by === undefined ? {} : { deniedBy: by }), obligations: [] })
        } else {
          for (const o of dc.obligations) obligations.add(o)
          released.push(c)
          outcomes.push({ category: c, outcome: 'released', reasons: dc.reasons, obligations: dc.obligations })
        }
      }
      // a category both redacted and (by another permit) released stays redacted: removal wins
      const union = [...obligations]
      const hidden = [...undisclosed].filter((o) => !obligations.has(o))
      if (released.length > 0) releasedWith.set(q, released.filter((c) => !obligations.has(`redact:${c}`) && !undisclosed.has(`redact:${c}`)))
      return {
        decision: 'allow',
        reasons,
        obligations: union,
        ...(hidden.length === 0 ? {} : { undisclosedObligations: hidden }),
        ...base,
        record: outcomes.length === 0 ? d.record : { ...d.record, reasons, obligations: union, ...(hidden.length === 0 ? {} : { undisclosedObligations: hidden }), contained: outcomes }
      }
    },
    released: (q) => {
      const at = { destination: q.destinationCountry, subject: q.subject, requester: q.requester.id, emergency: q.emergency }
      counter.record({ ...at, classes: transferClassesOf(categoryOf(q)) })
      for (const c of releasedWith.get(q) ?? []) counter.record({ ...at, classes: transferClassesOf(c) })
    }
  }
}

/**
 * Applies `redact:<category>` (node/fhir/redact.ts: the node's own labelling; throws when a resource
 * of the category cannot be removed, so that the relay denies) and then `deidentify` to FHIR JSON.
 */
export function createContentTransformer (init: { clock?: () => number } = {}): ContentTransformer {
  const clock = init.clock ?? Date.now
  return {
    transform: (plaintext, obligations) => {
      let fhir = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext)) as unknown
      const parsed = obligations.map(parseObligation)
      // every redaction first, on the content as labelled at ingestion; de-identification after
      for (const ob of parsed) if (ob?.kind === 'redact') fhir = redactRecordCategory(fhir, ob.category).fhir
      if (parsed.some((ob) => ob?.kind === 'deidentify')) fhir = deidentify(fhir, { now: clock() })
      return new TextEncoder().encode(JSON.stringify(fhir))
    }
  }
}
