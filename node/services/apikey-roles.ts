/**
 * The roles an API key may have, as a constant with no imports: the CLI names them in its help
 * without loading the API-key store (node/services/apikeys.ts re-exports them).
 */
export const API_KEY_ROLES = ['agency-admin', 'provider', 'regulator'] as const
