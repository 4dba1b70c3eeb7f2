/**
 * The base of every named error in healthrelay. Errors are told apart by `.name` (one class per
 * condition, in each part's `errors.ts`), never by message text. `expose` marks errors whose
 * message is safe to show to an API caller; anything else becomes a generic 500.
 */
export class HealthrelayError extends Error {
  override name = 'HealthrelayError'
  /** HTTP status the API maps this error to. */
  readonly status: number = 500
  /** Whether the message may be shown to a remote caller. */
  readonly expose: boolean = false
}

/** Input that fails validation at an edge (API body, CLI argument, config, wire message). */
export class InvalidInputError extends HealthrelayError {
  override name = 'InvalidInputError'
  override readonly status: number = 400
  override readonly expose: boolean = true
}

export class NotFoundError extends HealthrelayError {
  override name = 'NotFoundError'
  override readonly status: number = 404
  override readonly expose: boolean = true
}

export class UnauthorizedError extends HealthrelayError {
  override name = 'UnauthorizedError'
  override readonly status: number = 401
  override readonly expose: boolean = true
}

export class ForbiddenError extends HealthrelayError {
  override name = 'ForbiddenError'
  override readonly status: number = 403
  override readonly expose: boolean = true
}

export class ConflictError extends HealthrelayError {
  override name = 'ConflictError'
  override readonly status: number = 409
  override readonly expose: boolean = true
}

export class UnavailableError extends HealthrelayError {
  override name = 'UnavailableError'
  override readonly status: number = 503
  override readonly expose: boolean = true
}

/** True when `err` is an Error whose name is `name` (works across module copies). */
export function isErrorNamed (err: unknown, name: string): err is Error {
  return err instanceof Error && err.name === name
}
