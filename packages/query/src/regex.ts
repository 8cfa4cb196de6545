import { RE2JS } from 're2js'

/**
 * Regular expressions (`field:/ab+c/`) in RE2 syntax — the syntax ClickHouse's `match` takes —
 * so the SQL compiler and the in-memory evaluator (re2js, a linear-time port of RE2) accept the
 * same patterns and answer the same. Matching is linear in the text: a pattern cannot make a search
 * or the live tail hang. As in ClickHouse, `.` matches a newline; `^` and `$` are the text's ends.
 */

/** Longest pattern accepted, characters. */
export const MAX_REGEX_LENGTH = 512

/** The pattern made to match a whole value (Lucene and Kibana match regular expressions against the whole term). */
export function anchored(pattern: string): string {
  return `^(?:${pattern})$`
}

/** Compiles a pattern as ClickHouse would run it; throws re2js's syntax error. */
export function compileRegex(pattern: string): { test(s: string): boolean } {
  const re = RE2JS.compile(pattern, RE2JS.DOTALL)
  return { test: (s) => re.matcher(s).find() }
}
