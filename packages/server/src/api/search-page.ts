import { resolveField } from '@beacon/query'
import { BeaconError } from '../errors.ts'
import { ROW_HASH } from './records.ts'
import type { Target } from './search.ts'

/**
 * Sort order and keyset paging for /api/search.
 *
 *   ORDER BY [<sort field> asc|desc,] Timestamp desc|asc, <row hash> desc|asc
 *
 * The last two keys make the order total (records that share a nanosecond are told apart by
 * ROW_HASH; records equal in all keys are the same content). A cursor holds the last record's keys
 * and how many records with exactly those keys were already returned, so the next page starts
 * right after it: no record repeats, none is skipped, however many share a timestamp.
 */

export interface SortKey {
  /** SQL of the value sorted on. */
  sql: string
  /** ClickHouse type of the cursor parameter that compares with it. */
  type: 'String' | 'UInt8' | 'UInt16' | 'UInt64'
  dir: 'ASC' | 'DESC'
  /** Parameters `sql` uses. */
  params: Record<string, unknown>
}

export interface SearchOrder {
  /** The user's sort field; null when sorting by time only. */
  field: SortKey | null
  /** Direction of time and the hash tie-breaker. */
  timeDir: 'ASC' | 'DESC'
  /** Whether this is the default newest-first order (the histogram window applies). */
  newestFirst: boolean
}

const TIME_NAMES = new Set(['timestamp', '@timestamp', 'time', '_time'])

/** `sort=duration:desc`, `sort=@timestamp:asc`, `sort=service` (ascending) → the order. */
export function parseSort(text: string, target: Target): SearchOrder {
  if (text === '') return { field: null, timeDir: 'DESC', newestFirst: true }
  const colon = text.lastIndexOf(':')
  const name = colon < 0 ? text : text.slice(0, colon)
  const suffix = colon < 0 ? 'asc' : text.slice(colon + 1).toLowerCase()
  if (name === '' || name.length > 256 || (suffix !== 'asc' && suffix !== 'desc')) {
    throw new BeaconError('bad_request', 'sort must be <field>, <field>:asc or <field>:desc, e.g. duration:desc')
  }
  const dir = suffix.toUpperCase() as 'ASC' | 'DESC'
  if (TIME_NAMES.has(name.toLowerCase())) return { field: null, timeDir: dir, newestFirst: dir === 'DESC' }
  return { field: sortKey(name, dir, target), timeDir: 'DESC', newestFirst: false }
}

function sortKey(name: string, dir: 'ASC' | 'DESC', target: Target): SortKey {
  const r = resolveField(name, target)
  if (r.type === 'attribute') {
    const [own, res] = r.maps
    return { sql: `if(mapContains(${own}, {sk:String}), ${own}[{sk:String}], ${res}[{sk:String}])`, type: 'String', dir, params: { sk: r.key } }
  }
  const c = r.column
  switch (c.kind) {
    case 'duration': return { sql: 'Duration', type: 'UInt64', dir, params: {} }
    case 'number': return { sql: c.columns[0], type: 'UInt16', dir, params: {} }
    case 'level': return { sql: 'SeverityNumber', type: 'UInt8', dir, params: {} }
    case 'spanLevel': return { sql: "if(StatusCode = 'Error', 17, 9)", type: 'UInt8', dir, params: {} }
    default: return { sql: c.columns[0], type: 'String', dir, params: {} }
  }
}

export interface Cursor {
  /** Sort value of the last record (as text), when sorting by a field. */
  v?: string
  ts: string
  h: number
  /** Records with exactly the last record's keys already returned. */
  skip: number
}

export function decodeCursor(text: string): Cursor | null {
  if (!text) return null
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Cursor
    if (typeof c.ts === 'string' && /^\d{1,20}$/.test(c.ts) && Number.isInteger(c.h) && c.h >= 0 && c.h <= 0xffffffff
      && Number.isInteger(c.skip) && c.skip >= 0 && (c.v === undefined || typeof c.v === 'string')) return c
  } catch { /* fall through */ }
  throw new BeaconError('bad_request', 'cursor is not one this server issued; start again without it')
}

export const encodeCursor = (c: Cursor): string => Buffer.from(JSON.stringify(c)).toString('base64url')

/** ORDER BY clause of an order. */
export function orderBy(order: SearchOrder, target: Target): string {
  const keys = [`Timestamp ${order.timeDir}`, `${ROW_HASH[target]} ${order.timeDir}`]
  if (order.field) keys.unshift(`${order.field.sql} ${order.field.dir}`)
  return keys.join(', ')
}

/**
 * The condition "at or after the cursor" in this order (records with exactly the cursor's keys are
 * included; OFFSET skip steps over the ones already returned), with its parameters.
 */
export function afterCursor(order: SearchOrder, target: Target, cursor: Cursor): { sql: string; params: Record<string, unknown> } {
  const after = (dir: 'ASC' | 'DESC'): string => (dir === 'DESC' ? '<' : '>')
  const ts = 'fromUnixTimestamp64Nano(toInt64({cts:String}))'
  const h = ROW_HASH[target]
  let sql = `(Timestamp ${after(order.timeDir)} ${ts} OR (Timestamp = ${ts} AND ${h} ${after(order.timeDir)}= {ch:UInt32}))`
  const params: Record<string, unknown> = { cts: cursor.ts, ch: cursor.h }
  if (order.field) {
    const f = order.field
    if (cursor.v === undefined) throw new BeaconError('bad_request', 'cursor was issued for another sort order; start again without it')
    sql = `(${f.sql} ${after(f.dir)} {cv:${f.type}} OR (${f.sql} = {cv:${f.type}} AND ${sql}))`
    params.cv = cursor.v
  }
  return { sql, params }
}

/** The cursor after a page: the last record's keys, and how many records with those keys have been returned so far. */
export function nextCursor(rows: readonly { ts: string; rh: number; sv?: string }[], previous: Cursor | null): Cursor {
  const last = rows[rows.length - 1]
  const same = (r: { ts: string; rh: number; sv?: string }): boolean => r.ts === last.ts && Number(r.rh) === Number(last.rh) && r.sv === last.sv
  let n = 0
  for (const r of rows) if (same(r)) n++
  const carried = previous && previous.ts === last.ts && previous.h === Number(last.rh) && previous.v === last.sv ? previous.skip : 0
  return { ...(last.sv === undefined ? {} : { v: last.sv }), ts: last.ts, h: Number(last.rh), skip: carried + n }
}
