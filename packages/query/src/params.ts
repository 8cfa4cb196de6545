/**
 * Collects query parameters. User values never enter SQL text: each becomes a `{q0:String}`
 * placeholder and its value goes in `values`, in the shape `@clickhouse/client` takes as
 * `query_params`. The prefix keeps the names apart from the caller's own (`from`, `to`, `limit`).
 */
export class Params {
  readonly values: Record<string, unknown> = {}
  private next = 0
  constructor(private readonly prefix: string) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix)) throw new Error(`parameter prefix must be an identifier, not ${JSON.stringify(prefix)}`)
  }

  /** Adds a value; returns its placeholder, e.g. `{q3:UInt16}`. */
  add(value: string | number, type: 'String' | 'Float64' | 'UInt8' | 'UInt16' | 'UInt64' | 'Int64'): string {
    const name = `${this.prefix}${this.next++}`
    this.values[name] = value
    return `{${name}:${type}}`
  }

  /** The values whose placeholders occur in `sql` (branches folded away by `a OR *` leave some unused). */
  usedIn(sql: string): Record<string, unknown> {
    return Object.fromEntries(Object.entries(this.values).filter(([name]) => sql.includes(`{${name}:`)))
  }
}

/** SQL for "any of these conditions", parenthesized when there is more than one. */
export function anyOf(conditions: readonly string[]): string {
  return conditions.length === 1 ? conditions[0] : `(${conditions.join(' OR ')})`
}

/** SQL for "all of these conditions", parenthesized when there is more than one. */
export function allOf(conditions: readonly string[]): string {
  return conditions.length === 1 ? conditions[0] : `(${conditions.join(' AND ')})`
}
