/**
 * The node's HTTP API: `createApi(components)` (a hono app of sub-apps, one error handler, the
 * route table that generates `/openapi.json`), its component interfaces and the auth middleware.
 */
export { createApi, API_VERSION, type Api } from './create-api.js'
export type { ApiComponents, ApiEnv, Principal, RelayApi, Readiness } from './context.js'
export { RouteTable, openApiDocument, type RouteSpec } from './openapi.js'
export { authenticate, allow } from './auth.js'
export { ENVELOPE_MEDIA_TYPE, DEFAULT_MAX_BODY_BYTES } from './routes/records.js'
