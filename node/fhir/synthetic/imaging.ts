/** A synthetic imaging record of a chosen size: ImagingStudy, report, and the image as an attachment. */
import { createHash } from 'node:crypto'
import type { SeededRandom } from './random.js'
import { seededBytes } from './random.js'
import type { SyntheticPatient } from './patients.js'
import { LOINC, authorEntries, cc, collection, entry, patientEntry, ref, type Json } from './common.js'

/** 1 MiB unless asked: the devnet asks for tens of MB. */
export const DEFAULT_IMAGING_BYTES = 1024 * 1024

function dicomUid (rnd: SeededRandom): string {
  return `2.25.${String(1 + rnd.int(9))}${rnd.digits(30)}`
}

export function buildImagingRecord (rnd: SeededRandom, p: SyntheticPatient, date: string, imageBytes: number): Json {
  const patient = patientEntry(rnd, p)
  const { practitioner, organization } = authorEntries(rnd, p)
  const image = seededBytes(`${rnd.seed}/image`, imageBytes)
  const study = entry(rnd, {
    resourceType: 'ImagingStudy',
    identifier: [{ system: 'urn:dicom:uid', value: `urn:oid:${dicomUid(rnd)}` }],
    status: 'available',
    modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }],
    subject: ref(patient),
    started: date,
    numberOfSeries: 1,
    numberOfInstances: 1,
    series: [{
      uid: dicomUid(rnd),
      modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' },
      bodySite: { system: 'http://snomed.info/sct', code: '51185008', display: 'Thoracic structure' },
      instance: [{ uid: dicomUid(rnd), sopClass: { system: 'urn:ietf:rfc:3986', code: 'urn:oid:1.2.840.10008.5.1.4.1.1.2' } }]
    }]
  })
  const image64 = image.toString('base64')
  const document = entry(rnd, {
    resourceType: 'DocumentReference',
    status: 'current',
    type: cc(LOINC, '18748-4', 'Diagnostic imaging study'),
    subject: ref(patient),
    date,
    author: [ref(practitioner)],
    content: [{
      attachment: {
        contentType: 'application/dicom',
        size: image.length,
        hash: createHash('sha1').update(image).digest('base64'),
        title: 'CT chest (synthetic pixels)',
        data: image64
      }
    }],
    context: { related: [ref(study)] }
  })
  const report = entry(rnd, {
    resourceType: 'DiagnosticReport',
    status: 'final',
    category: [cc('http://terminology.hl7.org/CodeSystem/v2-0074', 'RAD', 'Radiology')],
    code: cc(LOINC, '24627-2', 'CT Chest'),
    subject: ref(patient),
    effectiveDateTime: date,
    performer: [ref(organization)],
    imagingStudy: [ref(study)],
    conclusion: 'No acute findings (synthetic).'
  })
  return collection(rnd, date, [report, study, document, patient, practitioner, organization])
}
