import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { BeaconError } from '../errors.ts'
import type { Migration } from '../store/migrations.ts'
import type { ApiDeps } from './deps.ts'

/**
 * Saved searches, per user (the caller's audit id: `user:alice`, `key:…`, `anonymous`):
 *   GET    /api/saved-searches          → { searches: [{ id, name, query, owner, createdAt }] }, newest first
 *   POST   /api/saved-searches {name, query}   query = the Search page's URL parameters ("?q=…&from=…")
 *   DELETE /api/saved-searches/{id}
 * Stored in ClickHouse (ReplacingMergeTree: a delete is a newer row with deleted = 1).
 */
export const SAVED_SEARCHES_TABLE = 'beacon_saved_searches'
const MAX_PER_OWNER = 200

export const SAVED_SEARCH_MIGRATIONS: Migration[] = [{
  version: 400,
  name: 'saved searches (web UI)',
  statements: () => [`CREATE TABLE IF NOT EXISTS ${SAVED_SEARCHES_TABLE} (
  owner String,
  id String,
  name String,
  query String,
  created_at DateTime64(3, 'UTC'),
  deleted UInt8,
  version UInt64
) ENGINE = ReplacingMergeTree(version) ORDER BY (owner, id)`],
}]

const READERS = ['logs:read', 'traces:read', 'aggregates:read'] as const
const owner = (request: FastifyRequest): string => request.principal?.id ?? 'anonymous'
let lastVersion = 0
const nextVersion = () => (lastVersion = Math.max(lastVersion + 1, Date.now() * 1000))

/** Checks a saved search's fields; returns what to store. */
export function validateSavedSearch(body: unknown): { name: string; query: string } {
  const b = (body ?? {}) as Record<string, unknown>
  const name = typeof b.name === 'string' ? b.name.trim() : ''
  const query = typeof b.query === 'string' ? b.query : ''
  if (name.length < 1 || name.length > 100) throw new BeaconError('bad_request', 'name must be 1 to 100 characters')
  if (query.length > 4000) throw new BeaconError('bad_request', 'query must be at most 4000 characters')
  if (query !== '' && !query.startsWith('?')) throw new BeaconError('bad_request', 'query must be the Search page\'s URL parameters, starting with "?"')
  return { name, query }
}

export function registerSavedSearchRoutes(app: FastifyInstance, deps: ApiDeps): void {
  type Row = { id: string; name: string; query: string; owner: string; created: string }
  const list = (who: string) => deps.store.query<Row>(
    `SELECT id, name, query, owner, toString(toUnixTimestamp64Milli(created_at)) AS created
     FROM ${SAVED_SEARCHES_TABLE} FINAL WHERE owner = {owner:String} AND deleted = 0 ORDER BY created_at DESC LIMIT ${MAX_PER_OWNER + 1}`, { owner: who })
  const view = (r: Row) => ({ id: r.id, name: r.name, query: r.query, owner: r.owner, createdAt: new Date(Number(r.created)).toISOString() })

  app.get('/api/saved-searches', {
    config: { permission: [...READERS], audit: false },
    schema: { description: 'The caller\'s saved searches, newest first', tags: ['search'] } as object,
  }, async (request) => ({ searches: (await list(owner(request))).map(view) }))

  app.post('/api/saved-searches', {
    config: { permission: [...READERS], audit: 'saved_search.create' },
    schema: {
      description: 'Save a search (name and the Search page URL parameters)', tags: ['search'],
      body: { type: 'object', required: ['name', 'query'], properties: { name: { type: 'string' }, query: { type: 'string' } } },
    } as object,
  }, async (request, reply) => {
    const { name, query } = validateSavedSearch(request.body)
    const who = owner(request)
    if ((await list(who)).length >= MAX_PER_OWNER) throw new BeaconError('bad_request', `at most ${MAX_PER_OWNER} saved searches per user; delete some first`)
    const id = randomUUID()
    const now = Date.now()
    await deps.store.command(
      `INSERT INTO ${SAVED_SEARCHES_TABLE} (owner, id, name, query, created_at, deleted, version)
       VALUES ({owner:String}, {id:String}, {name:String}, {query:String}, fromUnixTimestamp64Milli({at:Int64}), 0, {v:UInt64})`,
      { owner: who, id, name, query, at: now, v: nextVersion() })
    reply.code(201)
    return { id, name, query, owner: who, createdAt: new Date(now).toISOString() }
  })

  app.delete<{ Params: { id: string } }>('/api/saved-searches/:id', {
    config: { permission: [...READERS], audit: 'saved_search.delete' },
    schema: { description: 'Delete one of the caller\'s saved searches', tags: ['search'] } as object,
  }, async (request) => {
    const who = owner(request)
    const [row] = (await list(who)).filter((r) => r.id === request.params.id)
    if (!row) throw new BeaconError('not_found', 'No saved search with this id among yours')
    await deps.store.command(
      `INSERT INTO ${SAVED_SEARCHES_TABLE} (owner, id, name, query, created_at, deleted, version)
       VALUES ({owner:String}, {id:String}, {name:String}, {query:String}, fromUnixTimestamp64Milli({at:Int64}), 1, {v:UInt64})`,
      { owner: who, id: row.id, name: row.name, query: row.query, at: Number(row.created), v: nextVersion() })
    return { deleted: row.id }
  })
}
