import { AsyncLocalStorage } from 'node:async_hooks'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { BeaconError } from '../errors.ts'
import type { Store } from '../store/connection.ts'
import { parseTime } from './time-range.ts'

/**
 * Bounded reads (docs/security.md §6): no request of a reader can take the process or the store
 * down, or starve ingest, health and alerting.
 *
 *   API read ──► per-user limit (in flight) ──► 429 past it
 *       │        time range clamped to what the store holds (said in a header and the answer)
 *       ▼
 *   read store ──► at most `concurrentQueries` API queries in the store at once, the rest wait
 *       │          in one queue per user, served in turn (bounded, 429 past it); ingest, health and alerts use the
 *       │          store directly, so at most that many searches are ever ahead of them
 *       ▼
 *   each query: SETTINGS max_execution_time, max_memory_usage, max_result_bytes (chDB honours
 *   all three; a server too) — a breach is a 400 saying what to narrow
 *       ▼
 *   lists read long values cut (`truncateColumns`); `/api/records/full` reads one record whole
 */

export interface ReadLimits {
  /** Seconds a query may run. */
  maxExecutionSeconds: number
  /** Memory one query may use, bytes. */
  maxMemoryBytes: number
  /** Size of one query's result, bytes. */
  maxResultBytes: number
  /** API queries in the store at once (the rest wait). */
  concurrentQueries: number
  /** API queries waiting for the store before new ones are refused (429). */
  queuedQueries: number
  /** Read requests one user or key may have in flight (429 past it). */
  perUserRequests: number
}

/** Who is reading (principal id), for the store's turn order; set for each read request. */
const reader = new AsyncLocalStorage<string>()

/** Characters of a text column (body, status message) in lists; the full value on demand. */
export const LIST_TEXT_CHARS = 16_384
/** Characters of each attribute value in lists. */
export const LIST_VALUE_CHARS = 2_048

/**
 * What the store can hold and search: the tables' second-resolution `TimestampTime` (DateTime, the
 * primary key) spans 1970-01-01 … 2106-02-07; outside it comparisons wrap and silently match nothing.
 */
export const STORE_MIN_MS = 0
export const STORE_MAX_MS = Date.UTC(2106, 1, 7, 6, 28, 15)

/**
 * A SELECT list with long values cut in the store: `Body` → `substringUTF8(Body, 1, 16384) AS Body`.
 * The read store sets `prefer_column_name_to_alias`, so WHERE clauses still see the whole column.
 */
export function truncateColumns(select: string, texts: readonly string[], maps: readonly string[]): string {
  let out = select
  for (const c of texts) out = out.replace(new RegExp(`(^|,\\s*)${c}(?=\\s*,|\\s*$)`), `$1substringUTF8(${c}, 1, ${LIST_TEXT_CHARS}) AS ${c}`)
  for (const c of maps) out = out.replace(new RegExp(`(^|,\\s*)${c}(?=\\s*,|\\s*$)`), `$1mapApply((k, v) -> (k, substringUTF8(v, 1, ${LIST_VALUE_CHARS})), ${c}) AS ${c}`)
  return out
}

function limitError(err: unknown, limits: ReadLimits): unknown {
  const m = err instanceof Error ? err.message : ''
  if (/Timeout exceeded|TIMEOUT_EXCEEDED/i.test(m)) {
    return new BeaconError('bad_request', `The query ran longer than ${limits.maxExecutionSeconds} s and was stopped: narrow the time range or make the query more specific`)
  }
  if (/memory limit exceeded|MEMORY_LIMIT_EXCEEDED/i.test(m)) {
    return new BeaconError('bad_request', `The query needed more than ${Math.round(limits.maxMemoryBytes / 2 ** 20)} MiB and was stopped: narrow the time range or the query`)
  }
  if (/Limit for result exceeded|TOO_MANY_ROWS_OR_BYTES/i.test(m)) {
    return new BeaconError('bad_request', `The answer would exceed ${Math.round(limits.maxResultBytes / 2 ** 20)} MiB: lower the limit or narrow the query`)
  }
  return err
}

/**
 * Settings of a statement that looks up one order, trace or span id (`OrderId = …`, `TraceId = …`):
 * its bloom filter keeps a handful of granules of the whole range. ClickHouse 26 evaluates skip
 * indexes while reading by default (`use_skip_indexes_on_data_read`), so such a statement still
 * opened every part and decompressed a block of each read column in each before the bloom filter
 * dropped them; evaluated before reading, parts without a hit are dropped up front (a log-only
 * trace on 3 M records: 10 parts → 1). The rows are the same (BENCHMARKS.md, session 7).
 * The read store adds its limits to this clause.
 */
export const POINT_LOOKUP_SETTINGS = 'SETTINGS use_skip_indexes_on_data_read = 0'

/** A SETTINGS clause ending the statement (its own settings, no subquery after it). */
const TRAILING_SETTINGS = /\sSETTINGS\s+[a-z_]+\s*=[^()]*$/i

/** The store as API routes see it: every query bounded and queued behind at most `concurrentQueries` others. */
export function createReadStore(store: Store, limits: ReadLimits): Store {
  const list = `max_execution_time = ${limits.maxExecutionSeconds}, max_memory_usage = ${Math.floor(limits.maxMemoryBytes)}, `
    + `max_result_bytes = ${Math.floor(limits.maxResultBytes)}, result_overflow_mode = 'throw', prefer_column_name_to_alias = 1`
  // A statement's own SETTINGS clause (POINT_LOOKUP_SETTINGS) gets the limits added to it: never instead of them.
  const bound = (sql: string): string => (TRAILING_SETTINGS.test(sql) ? `${sql.trimEnd()}, ${list}` : `${sql.trimEnd()} SETTINGS ${list}`)
  // A ClickHouse server older than `use_skip_indexes_on_data_read` refuses a statement naming it:
  // asked once (system.settings), such a server runs the id lookups without it (reading every part).
  let pointLookup: Promise<boolean> | undefined
  const knowsPointLookup = (): Promise<boolean> => (pointLookup ??= store
    .query<{ n: string | number }>(`SELECT count() AS n FROM system.settings WHERE name = 'use_skip_indexes_on_data_read'`)
    .then((rows) => Number(rows[0]?.n) > 0, () => false))
  let running = 0
  let queued = 0
  // one queue per user, served in turn: a user with many heavy searches does not hold back another's small one
  const queues = new Map<string, Array<() => void>>()
  const acquire = async (): Promise<void> => {
    if (running < limits.concurrentQueries) { running++; return }
    if (queued >= limits.queuedQueries) throw new BeaconError('overloaded', 'Too many searches are waiting for the store; try again in a few seconds')
    const user = reader.getStore() ?? ''
    queued++
    await new Promise<void>((resolve) => {
      const q = queues.get(user)
      if (q) q.push(resolve)
      else queues.set(user, [resolve])
    })
  }
  const release = (): void => {
    const first = queues.entries().next()
    if (first.done === true) { running--; return }
    const [user, q] = first.value
    const next = q.shift() as () => void
    queues.delete(user)
    if (q.length > 0) queues.set(user, q) // to the back of the turn order
    queued--
    next()
  }
  return {
    ...store,
    description: store.description,
    async query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
      const own = sql.includes(POINT_LOOKUP_SETTINGS) && !(await knowsPointLookup()) ? sql.replace(POINT_LOOKUP_SETTINGS, '') : sql
      const bounded = bound(own)
      await acquire()
      try {
        return await store.query<T>(bounded, params)
      } catch (err) {
        throw limitError(err, limits)
      } finally {
        release()
      }
    },
    command: (sql, params) => store.command(sql, params),
    insertTsv: (table, columns, body, token) => store.insertTsv(table, columns, body, token),
    close: () => store.close(),
  }
}

const READ_PERMISSIONS = new Set(['logs:read', 'traces:read', 'aggregates:read', 'audit:read'])
/** Long-lived reads with their own cap (live tail): not counted as a user's searches in flight. */
const LONG_LIVED = new Set(['/api/tail'])

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by read limits when `from`/`to` were moved into the range the store holds. */
    rangeClamped: string | null
    readSlot: string | null
  }
}

function clampParam(q: Record<string, unknown>, name: 'from' | 'to', now: number): string | undefined {
  const raw = q[name]
  if (typeof raw !== 'string' || raw === '') return undefined
  let ms: number
  try { ms = parseTime(raw, now, name) } catch { return undefined } // the route answers the 400
  if (ms >= STORE_MIN_MS && ms <= STORE_MAX_MS) return undefined
  const clamped = new Date(Math.min(Math.max(ms, STORE_MIN_MS), STORE_MAX_MS)).toISOString()
  q[name] = clamped
  return `${name} ${JSON.stringify(raw.slice(0, 40))} → ${clamped}`
}

/** Per-user concurrency and time-range clamping for every read route (after the API guard). */
export function installReadLimits(app: FastifyInstance, limits: ReadLimits): void {
  const inFlight = new Map<string, number>()
  app.decorateRequest('rangeClamped', null)
  app.decorateRequest('readSlot', null)

  const done = (request: FastifyRequest): void => {
    const id = request.readSlot
    if (id === null) return
    request.readSlot = null
    const n = (inFlight.get(id) ?? 1) - 1
    if (n <= 0) inFlight.delete(id)
    else inFlight.set(id, n)
  }

  app.addHook('onRequest', async (request, reply) => {
    const perm = request.routeOptions.config?.permission
    const perms = perm === undefined ? [] : Array.isArray(perm) ? perm : [perm]
    if (!perms.some((p) => READ_PERMISSIONS.has(p))) return
    const q = request.query as Record<string, unknown> | undefined
    if (q && typeof q === 'object') {
      const now = Date.now()
      const notes = [clampParam(q, 'from', now), clampParam(q, 'to', now)].filter((n) => n !== undefined)
      if (notes.length > 0) {
        request.rangeClamped = `time range clamped to what the store holds (1970-01-01 … 2106-02-07): ${notes.join(', ')}`
        reply.header('x-beacon-range-clamped', request.rangeClamped.replace(/[^\x20-\x7e]/g, '?'))
      }
    }
    const id = request.principal?.id
    if (id === undefined || LONG_LIVED.has(request.routeOptions.url ?? '')) return
    const n = inFlight.get(id) ?? 0
    if (n >= limits.perUserRequests) {
      reply.header('retry-after', '1')
      throw new BeaconError('overloaded', `You already have ${n} searches running; wait for them to finish (at most ${limits.perUserRequests} at once)`)
    }
    inFlight.set(id, n + 1)
    request.readSlot = id
  })
  // a callback hook: `done()` runs the handler in this same execution, so the handler and its
  // store queries see the reader set here (an async hook's continuation would not)
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.readSlot !== null) reader.enterWith(request.readSlot)
    done()
  })
  app.addHook('preSerialization', async (request, _reply, payload) => {
    if (request.rangeClamped !== null && payload !== null && typeof payload === 'object' && !Array.isArray(payload)) {
      return { ...(payload as Record<string, unknown>), rangeClamped: request.rangeClamped }
    }
    return payload
  })
  app.addHook('onResponse', async (request) => done(request))
  app.addHook('onRequestAbort', async (request) => done(request))
}
