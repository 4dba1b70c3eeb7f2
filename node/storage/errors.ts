/** Named errors of the node's storage. */
import { ConflictError, HealthrelayError, InvalidInputError, NotFoundError } from '../../common/errors.js'

/** The database was written by a newer healthrelay (its schema version is unknown here). */
export class SchemaTooNewError extends HealthrelayError {
  override name = 'SchemaTooNewError'
  constructor (readonly component: string, readonly found: number, readonly known: number) {
    super(`the database's ${component} schema is at version ${found}, newer than this healthrelay knows (${known}); upgrade healthrelay`)
  }
}

/** A migration failed; the database is left at the last version that succeeded. */
export class MigrationError extends HealthrelayError {
  override name = 'MigrationError'
}

export class RecordNotFoundError extends NotFoundError {
  override name = 'RecordNotFoundError'
}

export class RecordExistsError extends ConflictError {
  override name = 'RecordExistsError'
}

/** A status change that the record's life cycle does not allow (e.g. reviving an erased record). */
export class InvalidStatusTransitionError extends ConflictError {
  override name = 'InvalidStatusTransitionError'
}

export class SubjectNotEnrolledError extends NotFoundError {
  override name = 'SubjectNotEnrolledError'
}

export class SubjectExistsError extends ConflictError {
  override name = 'SubjectExistsError'
}

/** An identifier or share code already belongs to another enrolled subject. */
export class LookupKeyTakenError extends ConflictError {
  override name = 'LookupKeyTakenError'
}

/** A patient-signed request older than the one already applied (replayed or reordered). */
export class StaleRequestError extends ConflictError {
  override name = 'StaleRequestError'
}

export class BlobNotFoundError extends NotFoundError {
  override name = 'BlobNotFoundError'
}

/** A blob whose content does not hash to its address (disk corruption or tampering). */
export class BlobIntegrityError extends HealthrelayError {
  override name = 'BlobIntegrityError'
}

/** A value that does not fit a column's format (hex id, category, country). */
export class InvalidStorageValueError extends InvalidInputError {
  override name = 'InvalidStorageValueError'
}
