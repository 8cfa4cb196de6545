import type { FastifyInstance, FastifyRequest } from 'fastify'
import { listFields, fieldExpression } from '@beacon/query'
import { LOGS_TABLE, TRACES_TABLE } from '../store/schema.ts'
import { chTime, parseRange } from './time-range.ts'
import { intParam, qs, type ApiDeps } from './deps.ts'
import { parseTarget, searchWhere } from './search.ts'
import { errors, ok, query, stringParam, LIMIT, QUERY, TARGET, TIME_RANGE } from './openapi-schemas.ts'

/**
 * GET /api/fields?target=&from=&to= → built-in fields and the attribute names seen in the range.
 * GET /api/fields/{name}/values?q=&from=&to=&limit= → top values of one field among matching events.
 */
/**
 * Facet values are raw data: only readers of records (`logs:read` / `traces:read`) see every
 * field's values; `aggregates:read` alone sees values of the configured dimensions
 * (`security.dimensions`: service, level, route, status…) and counts for the rest.
 */
function canSeeValues(principal: FastifyRequest['principal'], name: string, dimensions: readonly string[]): boolean {
  if (principal === null || principal === undefined) return true // authentication off
  if (principal.permissions.has('logs:read') || principal.permissions.has('traces:read')) return true
  return dimensions.includes(name)
}

export function registerFieldRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/fields', {
    config: { permission: ['logs:read', 'traces:read', 'aggregates:read'] },
    schema: {
      tags: ['search'],
      description: 'Field names: the built-in fields of the query language and the attribute names seen in the range (default 24 h), with counts.',
      querystring: query({ target: TARGET, ...TIME_RANGE }),
      response: { ...ok('`{ target, builtin, attributes: [{ name, source, count }] }`'), ...errors(400) },
    },
  }, async (request) => {
    const target = parseTarget(request.query)
    const range = parseRange(qs(request.query, 'from'), qs(request.query, 'to'), 'now-24h')
    const table = target === 'logs' ? LOGS_TABLE : TRACES_TABLE
    const attrs = target === 'logs' ? 'LogAttributes' : 'SpanAttributes'
    const params = { from: chTime(range.fromMs), to: chTime(range.toMs) }
    const rows = await deps.store.query<{ name: string; source: string; count: string }>(
      `SELECT name, source, count() AS count FROM (
         SELECT arrayJoin(arrayConcat(arrayMap(k -> (k, 'attribute'), mapKeys(${attrs})), arrayMap(k -> (k, 'resource'), mapKeys(ResourceAttributes)))) AS kv,
                kv.1 AS name, kv.2 AS source
         FROM ${table} WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} LIMIT 1000000)
       GROUP BY name, source ORDER BY count DESC LIMIT 500`, params)
    return {
      target,
      builtin: listFields(target),
      attributes: rows.map((r) => ({ name: r.name, source: r.source, count: Number(r.count) })),
    }
  })

  app.get<{ Params: { name: string } }>('/api/fields/:name/values', {
    config: { permission: ['logs:read', 'traces:read', 'aggregates:read'] },
    schema: {
      tags: ['search'],
      description: 'Top values of one field among the records matching `q` (facets). Callers with only `aggregates:read` get counts '
        + 'without the values of fields that are not configured dimensions (`valuesWithheld` says so).',
      params: { type: 'object', properties: { name: stringParam('field name, e.g. service, level, http.route') }, required: ['name'] },
      querystring: query({ q: QUERY, target: TARGET, ...TIME_RANGE, limit: LIMIT(20, 200, 'values') }),
      response: { ...ok('`{ field, values: [{ value, count }] }` (aggregates only: `{ field, values: [], events, distinctValues, valuesWithheld }`)'), ...errors(400) },
    },
  }, async (request) => {
    const target = parseTarget(request.query)
    const range = parseRange(qs(request.query, 'from'), qs(request.query, 'to'), 'now-24h')
    const limit = intParam(request.query, 'limit', 20, 1, 200)
    const { where, params } = searchWhere(qs(request.query, 'q'), target, range, deps.rewriteSearch)
    const field = fieldExpression(request.params.name, { target })
    const table = target === 'logs' ? LOGS_TABLE : TRACES_TABLE
    if (!canSeeValues(request.principal, request.params.name, deps.config.security.dimensions)) {
      // aggregates only: values of free-text and high-cardinality fields are raw data — counts, not values
      const [c] = await deps.store.query<{ events: string; distinct: string }>(
        `SELECT count() AS events, uniq(toString(${field.sql})) AS distinct FROM ${table} WHERE ${where} AND toString(${field.sql}) != ''`,
        { ...params, ...field.params })
      return { field: request.params.name, values: [], events: Number(c?.events ?? 0), distinctValues: Number(c?.distinct ?? 0), valuesWithheld: 'aggregates:read only: values of this field are withheld (not a configured dimension)' }
    }
    const rows = await deps.store.query<{ value: string; count: string }>(
      `SELECT toString(${field.sql}) AS value, count() AS count FROM ${table} WHERE ${where}
       GROUP BY value HAVING value != '' ORDER BY count DESC LIMIT {limit:UInt32}`,
      { ...params, ...field.params, limit })
    return { field: request.params.name, values: rows.map((r) => ({ value: r.value, count: Number(r.count) })) }
  })
}
