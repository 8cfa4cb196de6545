import { existsSync, statSync } from 'node:fs'
import { MESSAGES, errorBody } from '../errors.ts'
import { join, normalize } from 'node:path'
import type { FastifyInstance, FastifySchema } from 'fastify'
import fastifyStatic from '@fastify/static'

/**
 * The web UI on the API listener (same origin as the API, so the session cookie and CSP 'self' work):
 *
 *   GET /assets/…  hashed build files, cached for a year
 *   GET /anything  the file when it exists, else index.html (the SPA's router takes the path)
 *   GET /api/…     never the UI: an unknown API path stays a JSON 404
 *
 * Without a build (packages/ui/dist) the root explains how to make one instead of a bare 404.
 */
export async function registerUiRoutes(app: FastifyInstance, distDir: string): Promise<void> {
  const built = existsSync(join(distDir, 'index.html'))
  if (built) await app.register(fastifyStatic, { root: distDir, serve: false })

  app.get('/*', {
    config: { permission: 'public' },
    // OpenAPI: hidden (not an API); description and tags for the document generator.
    schema: { hide: true, description: 'The web UI (single-page application)', tags: ['ui'] } as FastifySchema,
  }, async (request, reply) => {
    const path = decodeURIComponent((request.params as { '*': string })['*'] ?? '')
    if (path.startsWith('api/') || path === 'api') {
      return reply.status(404).send(errorBody('not_found', MESSAGES.noRoute('GET', `/${path}`)))
    }
    if (!built) {
      return reply.type('text/plain; charset=utf-8').status(503)
        .send('The web UI is not built. Run `npm run build:ui` (or start Beacon with `npm start`, which builds it).\n')
    }
    const file = normalize(path)
    if (file !== '' && !file.startsWith('..') && isFile(join(distDir, file))) {
      const immutable = file.startsWith('assets/')
      return reply.sendFile(file, { maxAge: immutable ? 31_536_000_000 : 0, immutable })
    }
    reply.header('cache-control', 'no-cache')
    return reply.sendFile('index.html', { maxAge: 0 })
  })
}

function isFile(p: string): boolean {
  try { return statSync(p).isFile() } catch { return false }
}
