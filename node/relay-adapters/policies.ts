/** PolicyDecider and ContentTransformer over policies/engine, the transfer counter and policies/obligations. */
import type { PolicyEngine } from '../../policies/engine/engine.js'
import { parseReleaseRequest } from '../../policies/engine/request.js'
import { createTransferCounter, transferClassesOf, type TransferCounter } from '../../policies/transfer-counter.js'
import { deidentify } from '../../policies/obligations/deidentify.js'
import { redactCategory } from '../../policies/obligations/redact.js'
import { parseObligation } from '../../policies/obligations/known.js'
import { isCategory } from '../../policies/vocabulary.js'
import type { ContentTransformer, PolicyDecider, ReleaseQuestion } from '../../relay/service/ports.js'

export function createPolicyDecider (components: { engine: PolicyEngine, counter?: TransferCounter }): PolicyDecider {
  const counter = components.counter ?? createTransferCounter({ clock: components.engine.now })
  const classesOf = (q: ReleaseQuestion): ReturnType<typeof transferClassesOf> => transferClassesOf(isCategory(q.record.category) ? q.record.category : 'other')
  return {
    decide: async (q) => {
      const transfers = counter.counts({ destination: q.destinationCountry, subject: q.subject, classes: classesOf(q), requester: q.requester.id, emergency: q.emergency })
      const request = parseReleaseRequest({
        requester: q.requester,
        record: { ...q.record, category: isCategory(q.record.category) ? q.record.category : 'other' },
        purpose: q.purpose,
        sourceCountry: q.sourceCountry,
        destinationCountry: q.destinationCountry,
        grant: { present: q.grant.present, valid: q.grant.valid, purposes: q.grant.purposes },
        emergency: q.emergency,
        justificationPresent: q.justificationPresent,
        patientUnableToConsent: q.patientUnableToConsent,
        restricted: q.restricted,
        transfers
      })
      const d = components.engine.decide(request)
      const denier = d.export.decision === 'deny' ? d.export : d.import.decision === 'deny' ? d.import : undefined
      return await Promise.resolve({
        decision: d.decision,
        reasons: d.reasons,
        obligations: d.obligations,
        ...(denier === undefined ? {} : { deniedBy: { jurisdiction: denier.jurisdiction, policyIds: denier.policies } }),
        policyVersions: [`${d.export.jurisdiction}@${d.export.version}`, `${d.import.jurisdiction}@${d.import.version}`],
        record: d.record
      })
    },
    released: (q) => {
      counter.record({ destination: q.destinationCountry, subject: q.subject, classes: classesOf(q), requester: q.requester.id, emergency: q.emergency })
    }
  }
}

/** Applies `deidentify` and `redact:<category>` to FHIR JSON. */
export function createContentTransformer (init: { clock?: () => number } = {}): ContentTransformer {
  const clock = init.clock ?? Date.now
  return {
    transform: (plaintext, obligations) => {
      let fhir = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext)) as unknown
      for (const text of obligations) {
        const ob = parseObligation(text)
        if (ob?.kind === 'redact') fhir = redactCategory(fhir, ob.category).fhir
        else if (ob?.kind === 'deidentify') fhir = deidentify(fhir, { now: clock() })
      }
      return new TextEncoder().encode(JSON.stringify(fhir))
    }
  }
}
