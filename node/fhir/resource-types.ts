/**
 * The resource types of FHIR R4 (4.0.1), and the ones the node accepts inside a health record with
 * the elements R4 requires of them (minimum cardinality 1). A path `a.b` means: in every `a`
 * present, `b` is required; `x[x]` is a choice element (`medicationCodeableConcept`,
 * `medicationReference`, …).
 */
export const R4_RESOURCE_TYPES: ReadonlySet<string> = new Set([
  'Account', 'ActivityDefinition', 'AdverseEvent', 'AllergyIntolerance', 'Appointment',
  'AppointmentResponse', 'AuditEvent', 'Basic', 'Binary', 'BiologicallyDerivedProduct',
  'BodyStructure', 'Bundle', 'CapabilityStatement', 'CarePlan', 'CareTeam', 'CatalogEntry',
  'ChargeItem', 'ChargeItemDefinition', 'Claim', 'ClaimResponse', 'ClinicalImpression', 'CodeSystem',
  'Communication', 'CommunicationRequest', 'CompartmentDefinition', 'Composition', 'ConceptMap',
  'Condition', 'Consent', 'Contract', 'Coverage', 'CoverageEligibilityRequest',
  'CoverageEligibilityResponse', 'DetectedIssue', 'Device', 'DeviceDefinition', 'DeviceMetric',
  'DeviceRequest', 'DeviceUseStatement', 'DiagnosticReport', 'DocumentManifest', 'DocumentReference',
  'EffectEvidenceSynthesis', 'Encounter', 'Endpoint', 'EnrollmentRequest', 'EnrollmentResponse',
  'EpisodeOfCare', 'EventDefinition', 'Evidence', 'EvidenceVariable', 'ExampleScenario',
  'ExplanationOfBenefit', 'FamilyMemberHistory', 'Flag', 'Goal', 'GraphDefinition', 'Group',
  'GuidanceResponse', 'HealthcareService', 'ImagingStudy', 'Immunization', 'ImmunizationEvaluation',
  'ImmunizationRecommendation', 'ImplementationGuide', 'InsurancePlan', 'Invoice', 'Library',
  'Linkage', 'List', 'Location', 'Measure', 'MeasureReport', 'Media', 'Medication',
  'MedicationAdministration', 'MedicationDispense', 'MedicationKnowledge', 'MedicationRequest',
  'MedicationStatement', 'MedicinalProduct', 'MedicinalProductAuthorization',
  'MedicinalProductContraindication', 'MedicinalProductIndication', 'MedicinalProductIngredient',
  'MedicinalProductInteraction', 'MedicinalProductManufactured', 'MedicinalProductPackaged',
  'MedicinalProductPharmaceutical', 'MedicinalProductUndesirableEffect', 'MessageDefinition',
  'MessageHeader', 'MolecularSequence', 'NamingSystem', 'NutritionOrder', 'Observation',
  'ObservationDefinition', 'OperationDefinition', 'OperationOutcome', 'Organization',
  'OrganizationAffiliation', 'Parameters', 'Patient', 'PaymentNotice', 'PaymentReconciliation',
  'Person', 'PlanDefinition', 'Practitioner', 'PractitionerRole', 'Procedure', 'Provenance',
  'Questionnaire', 'QuestionnaireResponse', 'RelatedPerson', 'RequestGroup', 'ResearchDefinition',
  'ResearchElementDefinition', 'ResearchStudy', 'ResearchSubject', 'RiskAssessment',
  'RiskEvidenceSynthesis', 'Schedule', 'SearchParameter', 'ServiceRequest', 'Slot', 'Specimen',
  'SpecimenDefinition', 'StructureDefinition', 'StructureMap', 'Subscription', 'Substance',
  'SubstanceNucleicAcid', 'SubstancePolymer', 'SubstanceProtein', 'SubstanceReferenceInformation',
  'SubstanceSourceMaterial', 'SubstanceSpecification', 'SupplyDelivery', 'SupplyRequest', 'Task',
  'TerminologyCapabilities', 'TestReport', 'TestScript', 'ValueSet', 'VerificationResult',
  'VisionPrescription'
])

/**
 * Accepted inside a record, with R4's required elements. Types of R4 not listed here
 * (terminology, conformance and knowledge artefacts, messaging) are refused in a health record.
 */
export const REQUIRED_ELEMENTS: Readonly<Record<string, readonly string[]>> = {
  // people and organisations
  Patient: ['communication.language', 'link.other', 'link.type'],
  RelatedPerson: ['patient', 'communication.language'],
  Practitioner: ['qualification.code'],
  PractitionerRole: [],
  Organization: [],
  Location: ['position.longitude', 'position.latitude'],
  HealthcareService: [],
  CareTeam: [],
  Device: ['deviceName.name', 'deviceName.type', 'specialization.systemType', 'property.type'],
  // documents
  Composition: ['status', 'type', 'date', 'author', 'title', 'attester.mode', 'relatesTo.code', 'relatesTo.target[x]'],
  DocumentReference: ['status', 'content', 'content.attachment', 'relatesTo.code', 'relatesTo.target'],
  DocumentManifest: ['status', 'content'],
  Binary: ['contentType'],
  Media: ['status', 'content'],
  List: ['status', 'mode', 'entry.item'],
  // clinical
  Observation: ['status', 'code', 'component.code'],
  Condition: ['subject'],
  AllergyIntolerance: ['patient', 'reaction.manifestation'],
  Procedure: ['status', 'subject', 'performer.actor', 'focalDevice.manipulated'],
  DiagnosticReport: ['status', 'code', 'media.link'],
  ImagingStudy: ['status', 'subject', 'series.uid', 'series.modality', 'series.performer.actor',
    'series.instance.uid', 'series.instance.sopClass'],
  Specimen: [],
  MolecularSequence: ['coordinateSystem'],
  Encounter: ['status', 'class', 'statusHistory.status', 'statusHistory.period', 'classHistory.class',
    'classHistory.period', 'diagnosis.condition', 'location.location'],
  EpisodeOfCare: ['status', 'patient', 'statusHistory.status', 'statusHistory.period', 'diagnosis.condition'],
  Flag: ['status', 'code', 'subject'],
  FamilyMemberHistory: ['status', 'patient', 'relationship', 'condition.code'],
  ClinicalImpression: ['status', 'subject'],
  RiskAssessment: ['status', 'subject'],
  DetectedIssue: ['status'],
  AdverseEvent: ['actuality', 'subject', 'suspectEntity.instance'],
  BodyStructure: ['patient'],
  CarePlan: ['status', 'intent', 'subject'],
  Goal: ['lifecycleStatus', 'description', 'subject'],
  ServiceRequest: ['status', 'intent', 'subject'],
  NutritionOrder: ['status', 'intent', 'patient', 'dateTime'],
  QuestionnaireResponse: ['status', 'item.linkId'],
  Communication: ['status'],
  Appointment: ['status', 'participant', 'participant.status'],
  Task: ['status', 'intent'],
  Basic: ['code'],
  DeviceUseStatement: ['status', 'subject', 'device'],
  Consent: ['status', 'scope', 'category', 'verification.verified', 'provision.actor.role',
    'provision.actor.reference', 'provision.data.meaning', 'provision.data.reference'],
  // medication and immunisation
  Medication: ['ingredient.item[x]'],
  MedicationStatement: ['status', 'medication[x]', 'subject'],
  MedicationRequest: ['status', 'intent', 'medication[x]', 'subject', 'substitution.allowed[x]'],
  MedicationDispense: ['status', 'medication[x]', 'performer.actor', 'substitution.wasSubstituted'],
  MedicationAdministration: ['status', 'medication[x]', 'subject', 'effective[x]', 'performer.actor'],
  Immunization: ['status', 'vaccineCode', 'patient', 'occurrence[x]', 'performer.actor',
    'protocolApplied.doseNumber[x]'],
  ImmunizationRecommendation: ['patient', 'date', 'recommendation', 'recommendation.forecastStatus'],
  ImmunizationEvaluation: ['status', 'patient', 'targetDisease', 'immunizationEvent', 'doseStatus'],
  Substance: ['code', 'ingredient.substance[x]'],
  // provenance and financial context that national exports carry along
  Provenance: ['target', 'recorded', 'agent', 'agent.who', 'entity.role', 'entity.what'],
  Coverage: ['status', 'beneficiary', 'payor'],
  Claim: ['status', 'type', 'use', 'patient', 'created', 'provider', 'priority', 'insurance',
    'insurance.sequence', 'insurance.focal', 'insurance.coverage', 'item.sequence',
    'item.productOrService', 'diagnosis.sequence', 'diagnosis.diagnosis[x]', 'procedure.sequence',
    'procedure.procedure[x]', 'careTeam.sequence', 'careTeam.provider', 'supportingInfo.sequence',
    'supportingInfo.category'],
  ExplanationOfBenefit: ['status', 'type', 'use', 'patient', 'created', 'insurer', 'provider', 'outcome',
    'insurance', 'insurance.focal', 'insurance.coverage', 'item.sequence', 'item.productOrService',
    'total.category', 'total.amount', 'careTeam.sequence', 'careTeam.provider', 'diagnosis.sequence',
    'diagnosis.diagnosis[x]', 'procedure.sequence', 'procedure.procedure[x]',
    'supportingInfo.sequence', 'supportingInfo.category']
}

/** The Bundle types a record may be (an IPS is a `document`). */
export const ACCEPTED_BUNDLE_TYPES: ReadonlySet<string> = new Set(['document', 'collection', 'transaction'])

export function isAcceptedResourceType (type: string): boolean {
  return Object.hasOwn(REQUIRED_ELEMENTS, type)
}
