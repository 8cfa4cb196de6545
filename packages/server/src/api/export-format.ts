/**
 * Record → export row: field selection and CSV cells (RFC 4180, safe to open in a spreadsheet).
 */

/** CSV columns when the request names none. */
export const DEFAULT_CSV_FIELDS: Record<'logs' | 'spans', string[]> = {
  logs: ['time', 'service', 'level', 'body', 'traceId', 'spanId', 'orderId', 'userId', 'httpStatus', 'httpRoute', 'eventAction'],
  spans: ['time', 'service', 'name', 'durationMs', 'status', 'statusMessage', 'traceId', 'spanId', 'parentSpanId', 'orderId', 'httpStatus', 'httpRoute'],
}

/**
 * The value of one field of a record view: a top-level key (`time`, `body`, `durationMs`…), else an
 * attribute (`order.id`), else a resource attribute (`host.name`); `attributes.x` / `resource.x`
 * name the map explicitly.
 */
export function fieldValue(view: Record<string, unknown>, field: string): unknown {
  if (Object.hasOwn(view, field)) return view[field]
  const attributes = (view.attributes ?? {}) as Record<string, string>
  const resource = (view.resource ?? {}) as Record<string, string>
  if (field.startsWith('attributes.') && Object.hasOwn(attributes, field.slice(11))) return attributes[field.slice(11)]
  if (field.startsWith('resource.') && Object.hasOwn(resource, field.slice(9))) return resource[field.slice(9)]
  if (Object.hasOwn(attributes, field)) return attributes[field]
  if (Object.hasOwn(resource, field)) return resource[field]
  return null
}

/** A record with only the named fields (missing ones are null). */
export function pickFields(view: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of fields) out[f] = fieldValue(view, f)
  return out
}

/** Cells a spreadsheet would run as a formula (OWASP "CSV injection"): = + - @ and leading tab/CR/LF. */
const FORMULA_START = /^[=+\-@\t\r\n]/

/**
 * One CSV cell: null → empty; objects → JSON; text that a spreadsheet would run as a formula gets
 * a leading `'`; quoted when it holds a comma, quote, CR or LF (quotes doubled).
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  let s = typeof value === 'string' ? value : JSON.stringify(value)
  if (FORMULA_START.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** One CSV line (CRLF, as RFC 4180 says). */
export function csvLine(values: readonly unknown[]): string {
  return values.map(csvCell).join(',') + '\r\n'
}
