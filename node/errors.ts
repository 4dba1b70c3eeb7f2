/** Named errors of the daemon (node/), one class per condition. */
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError, UnauthorizedError, UnavailableError } from '../common/errors.js'

/** No credentials, or credentials this node does not know. */
export class MissingCredentialsError extends UnauthorizedError { override name = 'MissingCredentialsError' }
export class UnknownApiKeyError extends UnauthorizedError { override name = 'UnknownApiKeyError' }
export class InvalidPatientSignatureError extends UnauthorizedError { override name = 'InvalidPatientSignatureError' }
/** Authenticated, but the role or the ownership does not allow this route. */
export class WrongRoleError extends ForbiddenError { override name = 'WrongRoleError' }
export class NotOwnerError extends ForbiddenError { override name = 'NotOwnerError' }
/** The relay service (retrieve, discover) is not part of this node yet. */
export class RelayServiceUnavailableError extends UnavailableError { override name = 'RelayServiceUnavailableError' }
/** The node's view of the chain is too old (or the chain is unreachable): releases are refused. */
export class ChainLagError extends UnavailableError { override name = 'ChainLagError' }
export class NodeNotStartedError extends UnavailableError { override name = 'NodeNotStartedError' }
export class ApiKeyNotFoundError extends NotFoundError { override name = 'ApiKeyNotFoundError' }
export class RecordNotVisibleError extends NotFoundError { override name = 'RecordNotVisibleError' }
export class PolicyNotFoundError extends NotFoundError { override name = 'PolicyNotFoundError' }
export class UnsupportedMediaTypeError extends InvalidInputError {
  override name = 'UnsupportedMediaTypeError'
  override readonly status: number = 415
}
export class PayloadTooLargeError extends InvalidInputError {
  override name = 'PayloadTooLargeError'
  override readonly status: number = 413
}
/** A signed transaction whose content this route does not carry (wrong Msg, wrong subject). */
export class UnexpectedTxError extends InvalidInputError { override name = 'UnexpectedTxError' }
export class PatientNotMatchedError extends InvalidInputError { override name = 'PatientNotMatchedError' }
export class NoPolicyModuleError extends ConflictError { override name = 'NoPolicyModuleError' }
