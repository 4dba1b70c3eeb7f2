/**
 * The route table: each route's method, path, roles and zod schemas, used both to validate
 * requests (`parseBody`, `parseQuery`) and to generate the OpenAPI 3.1 document (`/openapi.json`).
 */
import { z, type ZodType } from 'zod'
import type { Context } from 'hono'
import { InvalidInputError } from '../../common/errors.js'
import type { Role } from '../services/apikeys.js'

export interface RouteSpec<B extends ZodType = ZodType, Q extends ZodType = ZodType> {
  readonly method: 'get' | 'post' | 'put' | 'delete'
  /** Hono path syntax (`/v1/records/:tokenId`). */
  readonly path: string
  readonly summary: string
  /** Roles allowed; 'public' needs no credentials. */
  readonly roles: readonly Role[] | 'public'
  readonly body?: B
  /** Media type of a body that is not JSON (e.g. application/fhir+json). */
  readonly bodyMediaType?: string
  readonly query?: Q
  readonly responseMediaType?: string
  readonly response?: ZodType
}

export class RouteTable {
  readonly specs: RouteSpec[] = []
  add<B extends ZodType, Q extends ZodType>(spec: RouteSpec<B, Q>): RouteSpec<B, Q> {
    this.specs.push(spec)
    return spec
  }
}

function issuesText (error: z.ZodError): string {
  return error.issues.slice(0, 10).map((i) => `${i.path.length === 0 ? '(body)' : i.path.join('.')}: ${i.message}`).join('; ')
}

export async function parseBody<B extends ZodType> (c: Context, spec: RouteSpec<B>): Promise<z.infer<B>> {
  let raw: unknown
  try { raw = await c.req.json() } catch { throw new InvalidInputError('the body must be JSON') }
  const parsed = (spec.body as ZodType).safeParse(raw)
  if (!parsed.success) throw new InvalidInputError(issuesText(parsed.error))
  return parsed.data as z.infer<B>
}

export function parseQuery<Q extends ZodType> (c: Context, spec: RouteSpec<ZodType, Q>): z.infer<Q> {
  const parsed = (spec.query as ZodType).safeParse(c.req.query())
  if (!parsed.success) throw new InvalidInputError(issuesText(parsed.error))
  return parsed.data as z.infer<Q>
}

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { name: { type: 'string' }, message: { type: 'string' } }, required: ['name', 'message'] } },
  required: ['error']
}

const jsonSchema = (s: ZodType): unknown => {
  try { return z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) } catch { return {} }
}

/** The OpenAPI 3.1 document of a route table. */
export function openApiDocument (table: RouteTable, info: { title: string, version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const s of table.specs) {
    const path = s.path.replace(/:(\w+)/g, '{$1}')
    const params = [...s.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }))
    if (s.query !== undefined) {
      const q = jsonSchema(s.query) as { properties?: Record<string, unknown>, required?: string[] }
      for (const [name, schema] of Object.entries(q.properties ?? {})) params.push({ name, in: 'query', required: (q.required ?? []).includes(name), schema } as never)
    }
    const op: Record<string, unknown> = {
      summary: s.summary,
      ...(s.roles === 'public' ? { security: [] } : { 'x-roles': s.roles, security: s.roles.includes('patient') ? [{ apiKey: [] }, { patient: [] }] : [{ apiKey: [] }] }),
      ...(params.length > 0 ? { parameters: params } : {}),
      responses: {
        200: { description: 'OK', content: { [s.responseMediaType ?? 'application/json']: { schema: s.response === undefined ? {} : jsonSchema(s.response) } } },
        default: { description: 'error', content: { 'application/json': { schema: errorSchema } } }
      }
    }
    if (s.body !== undefined) op.requestBody = { required: true, content: { [s.bodyMediaType ?? 'application/json']: { schema: jsonSchema(s.body) } } }
    else if (s.bodyMediaType !== undefined) op.requestBody = { required: true, content: { [s.bodyMediaType]: { schema: {} } } }
    paths[path] = { ...(paths[path] ?? {}), [s.method]: op }
  }
  return {
    openapi: '3.1.0',
    info,
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'an API key made by `healthrelay apikey create`' },
        patient: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'Patient <subject>:<nonce>:<secp256k1 signature> over a challenge of GET /v1/auth/challenge' }
      }
    },
    paths
  }
}
