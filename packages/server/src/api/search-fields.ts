import { BeaconError } from '../errors.ts'
import type { LogView, SpanView } from './records.ts'

/**
 * `fields=` on search: which fields each hit carries. Names are the hit's own keys (`service`,
 * `body`, `durationMs`…) or attribute names (`customer.tier`), which come back in `attributes`
 * (the event's own value, else its resource's). `id`, `kind`, `time` and `timeUnixNano` are always there.
 */

const ALWAYS = ['id', 'kind', 'time', 'timeUnixNano'] as const

/** `a,b,c` → the names, or null for "all fields". */
export function parseFieldList(text: string): string[] | null {
  if (text.trim() === '') return null
  const names = text.split(',').map((n) => n.trim()).filter((n) => n !== '')
  if (names.length > 100 || names.some((n) => n.length > 256)) throw new BeaconError('bad_request', 'fields takes at most 100 names of at most 256 characters')
  return names
}

/** A hit with only the chosen fields. */
export function pickFields(view: LogView | SpanView, names: readonly string[]): Record<string, unknown> {
  const v = view as unknown as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const k of ALWAYS) out[k] = v[k]
  let attributes: Record<string, string> | null = null
  for (const n of names) {
    if (Object.hasOwn(v, n)) { out[n] = v[n]; continue }
    const value = Object.hasOwn(view.attributes, n) ? view.attributes[n] : Object.hasOwn(view.resource, n) ? view.resource[n] : undefined
    if (value !== undefined) (attributes ??= {})[n] = value
  }
  if (attributes && !Object.hasOwn(out, 'attributes')) out.attributes = attributes
  return out
}
