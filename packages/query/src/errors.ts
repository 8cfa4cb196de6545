/**
 * The query package's one coded error. The server's HTTP error handler answers it with 400 and
 * `{ error: 'invalid_query', message, position, expected }`, so a UI can put a caret under the
 * offending character.
 */
export class QueryError extends Error {
  readonly code = 'invalid_query' as const
  readonly status = 400
  /** 0-based character offset into the query text where the problem was found. */
  readonly position: number
  /** What would have been valid there, e.g. `')'`, `a value after ':'`. */
  readonly expected: string

  /**
   * @example
   * throw new QueryError(14, "')'")                       // "Expected ')' at position 14"
   * throw new QueryError(3, 'a term', "found 'AND'")       // "Expected a term at position 3, found 'AND'"
   */
  constructor(position: number, expected: string, detail?: string, message?: string) {
    super(message ?? `Expected ${expected} at position ${position}${detail ? `, ${detail}` : ''}`)
    this.name = 'QueryError'
    this.position = position
    this.expected = expected
  }
}

/** Quotes a piece of the query for an error message, shortened so a hostile query can't flood a log line. */
export function quoteForMessage(text: string): string {
  const short = text.length > 40 ? `${text.slice(0, 40)}…` : text
  return `'${short}'`
}
