/**
 * Errors of the p2p host, one class per condition, told apart by `.name`.
 */
import { HealthrelayError, InvalidInputError, UnavailableError } from '../../common/errors.js'

/** The peer key file exists but cannot be used (unreadable, bad encoding, permissions too open). */
export class PeerKeyFileError extends HealthrelayError {
  override name = 'PeerKeyFileError'
}

/** A node entry from the registry source failed validation (peer id, country, multiaddr, role). */
export class InvalidRegisteredNodeError extends InvalidInputError {
  override name = 'InvalidRegisteredNodeError'
}

/** The peer registry has never loaded or its last refresh failed: everything is denied. */
export class RegistryUnavailableError extends UnavailableError {
  override name = 'RegistryUnavailableError'
}

/** An operation needs a started host. */
export class HostNotStartedError extends UnavailableError {
  override name = 'HostNotStartedError'
}

/** A listen or announce address of the host's configuration is not a valid multiaddr. */
export class InvalidHostAddressError extends InvalidInputError {
  override name = 'InvalidHostAddressError'
}
