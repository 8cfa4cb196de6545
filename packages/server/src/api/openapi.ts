import type { FastifyInstance, RouteOptions } from 'fastify'
import swagger from '@fastify/swagger'
import type { Permission } from './deps.ts'
import { ok, publicErrors } from './openapi-schemas.ts'
import { renderApiDocs, type OpenApiDocument } from './openapi-page.ts'

/**
 *   route schemas (description, tags, params, errors) ──@fastify/swagger──► GET /api/openapi.json
 *                                                                       └─► GET /api/docs (HTML)
 *
 * Registered on the API instance before any route, so every route is collected. Every route's
 * operation lists the errors the gate gives (401, 403) and, when it takes parameters, 400. Each route's
 * `config.permission` is added to its operation (`x-permission`, the security requirement and a
 * line in the description), so the document says who may call what.
 */

/** Routes seen on an instance (method, url), to check that the document leaves none out. */
const seen = new WeakMap<FastifyInstance, { method: string; url: string }[]>()

/** Every route registered on `app` after `registerOpenApi` (HEAD twins of GET routes excluded). */
export function registeredRoutes(app: FastifyInstance): { method: string; url: string }[] {
  return [...(seen.get(app) ?? [])]
}

const permissionsOf = (route: RouteOptions): Permission[] => {
  const p = (route.config as { permission?: Permission | Permission[] } | undefined)?.permission
  return p === undefined ? [] : Array.isArray(p) ? p : [p]
}

export async function registerOpenApi(app: FastifyInstance, opts: { version?: string } = {}): Promise<void> {
  const routes: { method: string; url: string }[] = []
  seen.set(app, routes)
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url })
  })

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Beacon API',
        version: opts.version ?? '0.1.0',
        description: 'Search, traces, order timelines, export and administration of Beacon. Times are ISO 8601 UTC. '
          + 'Every answer that is not 2xx is JSON `{ error, message }`. Sign in with POST /api/auth/login and send '
          + '`Authorization: Bearer <token>` (or a read API key).',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'session token from POST /api/auth/login, or a read API key' },
          session: { type: 'apiKey', in: 'cookie', name: 'beacon_session', description: 'browser session (writes also need the x-beacon-csrf header)' },
        },
      },
    },
    transform: ({ schema, url, route }) => {
      const perms = permissionsOf(route)
      const s = { ...(schema ?? {}) } as Record<string, unknown>
      const identity = (route.config as { identity?: string } | undefined)?.identity
      const isPublic = perms.includes('public') || identity === 'none'
      s['x-permission'] = perms
      s.security = isPublic ? [] : [{ bearer: [] }, { session: [] }]
      // Errors every route can answer, whether or not it lists them: the gate's 401/403, and 400 for bad parameters.
      const responses = { ...((s.response as Record<string, unknown> | undefined) ?? {}) }
      const add = (code: number) => { if (!responses[code]) Object.assign(responses, publicErrors(code)) }
      if (s.querystring || s.params || s.body) add(400)
      if (!isPublic) { add(401); add(403) }
      s.response = responses
      const who = isPublic ? 'No credentials needed.' : perms.length ? `Needs one of: ${perms.join(', ')}.` : 'Needs a signed-in caller.'
      s.description = `${(s.description as string | undefined) ?? ''}\n\n${who}`.trim()
      return { schema: s as typeof schema, url }
    },
  })

  app.get('/api/openapi.json', {
    config: { permission: 'public' },
    schema: { tags: ['meta'], description: 'This API described as OpenAPI 3.1, generated from the route schemas.', response: { ...ok('the OpenAPI document') } },
  }, async () => app.swagger())

  app.get('/api/docs', {
    config: { permission: 'public' },
    schema: {
      tags: ['meta'],
      description: 'A readable page of every endpoint, its parameters, permission and errors (from /api/openapi.json).',
      response: { 200: { description: 'HTML page', type: 'string' }, ...publicErrors() },
    },
  }, async (_request, reply) => {
    reply.type('text/html; charset=utf-8')
    return renderApiDocs(app.swagger() as unknown as OpenApiDocument)
  })
}
