import { compileQuery, type Ast } from '@beacon/query'
import type { Store } from '../store/connection.ts'
import { lookupOrder, SIGNAL_LOGS, SIGNAL_SPANS, type OrderPlace } from '../store/order-map.ts'
import type { Target } from './search.ts'

/**
 * Order-id searches through the order-id map (store/order-map.ts): the map says in which services
 * and seconds an order's records are, and the search reads only those partitions and primary-key
 * ranges instead of checking the OrderId bloom filter of every granule of the range.
 */

/** The order id a query requires (`order.id:X`, also AND-ed with other conditions), or null. */
export function requiredOrderId(ast: Ast, target: Target): string | null {
  const nodes = ast.kind === 'and' ? ast.children : [ast]
  for (const n of nodes) {
    if (n.kind !== 'field' || n.match.op !== 'is') continue
    let compiled
    try {
      compiled = compileQuery(n, { target, paramPrefix: 'o' })
    } catch {
      continue
    }
    // Exactly what the search compiles for it: an equality on the column, one value.
    const m = /^OrderId = \{(o\d+):String\}$/.exec(compiled.sql)
    if (m && typeof compiled.params[m[1]] === 'string') return compiled.params[m[1]] as string
  }
  return null
}

/**
 * The condition to AND to the search's WHERE for that order: its services and time ranges, or
 * `'0'` when the map has no record of it in the range, or null when the map cannot answer (a range
 * reaching back before the map existed). Parameters are named `on…`.
 */
export async function orderNarrowing(store: Store, orderId: string, target: Target, fromMs: number, toMs: number): Promise<Narrowing | null> {
  return narrowingFor(await orderPlaces(store, orderId, fromMs, toMs), target)
}

export interface Narrowing { sql: string; params: Record<string, unknown> }

/** The map's places of an order in a range (null: the map cannot answer). */
export function orderPlaces(store: Store, orderId: string, fromMs: number, toMs: number): Promise<OrderPlace[] | null> {
  return lookupOrder(store, orderId, Math.floor(fromMs / 1000), Math.floor(toMs / 1000))
}

/** orderNarrowing for places already looked up. */
export function narrowingFor(places: OrderPlace[] | null, target: Target): Narrowing | null {
  if (places === null) return null
  const signal = target === 'logs' ? SIGNAL_LOGS : SIGNAL_SPANS
  const mine = places.filter((p) => p.signal === signal)
  if (mine.length === 0) return { sql: '0', params: {} }
  // Beyond a handful of ranges the bloom filter path is as good (and the statement stays small).
  if (mine.length > 32) return null
  const time = target === 'logs' ? 'TimestampTime' : 'toDateTime(Timestamp)'
  const params: Record<string, unknown> = {}
  const terms = mine.map((p, i) => {
    params[`ons${i}`] = p.service
    params[`onf${i}`] = p.first
    params[`onl${i}`] = p.last
    return `(ServiceName = {ons${i}:String} AND ${time} >= toDateTime({onf${i}:UInt32}) AND ${time} <= toDateTime({onl${i}:UInt32}))`
  })
  return { sql: terms.length === 1 ? terms[0] : `(${terms.join(' OR ')})`, params }
}
