import type { FieldNode, Match } from './ast.ts'
import { textCondition } from './compile-text.ts'
import { QueryError, quoteForMessage } from './errors.ts'
import { resolveField, type FieldColumn, type Target } from './fields.ts'
import { allOf, anyOf, type Params } from './params.ts'
import { anchored, compileRegex } from './regex.ts'
import { LEVEL_HINT, likePattern, parseDurationNs, parseLevel, parseNumber, parseTimeValue, timeLimit, type LevelValue } from './values.ts'

/**
 * `field:value` → a SQL condition, by what the field is on the target (see fields.ts).
 * Equality is exact and case-sensitive; wildcards are case-insensitive (ILIKE); comparisons and
 * ranges are numeric when the bounds are numbers, alphabetical otherwise. Conditions that could be
 * NULL (a missing attribute compared as a number) are wrapped in ifNull(…, 0) so NOT stays true
 * for events without the field, as in Kibana.
 */
export function fieldCondition(node: FieldNode, target: Target, params: Params, nowMs: number = Date.now()): string {
  const r = resolveField(node.field, target)
  if (r.type === 'attribute') {
    const k = params.add(r.key, 'String')
    return mapsCondition(node, r.maps.map((m) => `${m}[${k}]`), r.maps.map((m) => `mapContains(${m}, ${k})`), params)
  }
  const c = r.column
  const column = c.columns[0]
  switch (c.kind) {
    case 'text': return textField(node, c, params)
    case 'string': return mapsCondition(node, [column], [`${column} != ''`], params)
    case 'id': return mapsCondition(lowerValues(node), [column], [`${column} != ''`], params, 'LIKE')
    case 'number': return numberField(node, column, params)
    case 'duration': return durationField(node, column, params)
    case 'level': return levelField(node, params)
    case 'spanLevel': return spanLevelField(node)
    case 'time': return timeField(node, params, nowMs)
  }
}

/** The limits of a time condition, [op, ns]; `field:value` is the span of time the value names. */
export function timeLimits(node: FieldNode, nowMs: number): { op: '>=' | '<'; ns: bigint }[] | null {
  const m = node.match
  const span = (text: string): { start: bigint; end: bigint } => {
    const s = parseTimeValue(text, nowMs)
    if (!s) throw new QueryError(node.position, 'a time such as 2026-11-29, 2026-11-29T10:00:00Z or now-15m', `found ${quoteForMessage(text)}`)
    return s
  }
  switch (m.op) {
    case 'exists': return null
    case 'is': {
      if (m.value.type === 'pattern' || m.value.type === 'regex') {
        throw new QueryError(node.position, 'a time such as 2026-11-29, 2026-11-29T10:00:00Z or now-15m', 'wildcards and regular expressions do not apply to times')
      }
      const s = span(m.value.text)
      return [{ op: '>=', ns: s.start }, { op: '<', ns: s.end }]
    }
    default: return bounds(m).map((b) => timeLimit(b.op, span(b.text)))
  }
}

function timeField(node: FieldNode, params: Params, nowMs: number): string {
  const limits = timeLimits(node, nowMs)
  if (!limits) return '1'
  return allOf(limits.map((l) => `Timestamp ${l.op} fromUnixTimestamp64Nano(${params.add(l.ns.toString(), 'Int64')})`))
}

/** One condition per bound: `>= 100` and `<= 500` for `[100 TO 500]`. */
export interface Bound { op: '>' | '>=' | '<' | '<='; text: string }

export function bounds(match: Extract<Match, { op: 'compare' | 'range' }>): Bound[] {
  if (match.op === 'compare') return [{ op: match.comparison, text: match.text }]
  const out: Bound[] = []
  if (match.lower) out.push({ op: match.lower.inclusive ? '>=' : '>', text: match.lower.text })
  if (match.upper) out.push({ op: match.upper.inclusive ? '<=' : '<', text: match.upper.text })
  return out
}

/** A String value that may live in several places (attribute map, then resource map; or one column). */
function mapsCondition(node: FieldNode, values: string[], present: string[], params: Params, likeOp = 'ILIKE'): string {
  const m = node.match
  switch (m.op) {
    case 'exists': return anyOf(present)
    case 'is': {
      if (m.value.type === 'pattern') {
        const p = params.add(likePattern(m.value.parts), 'String')
        return anyOf(values.map((v) => `${v} ${likeOp} ${p}`))
      }
      if (m.value.type === 'regex') {
        const p = params.add(anchored(m.value.pattern), 'String')
        return anyOf(values.map((v) => `match(${v}, ${p})`))
      }
      const p = params.add(m.value.text, 'String')
      return anyOf(values.map((v) => `${v} = ${p}`))
    }
    default: {
      const bs = bounds(m)
      const numeric = bs.map((b) => parseNumber(b.text) !== null)
      if (numeric.some((n) => n !== numeric[0])) {
        throw new QueryError(node.position, 'range bounds that are both numbers or both text')
      }
      const ps = bs.map((b) => numeric[0] ? params.add(parseNumber(b.text)!, 'Float64') : params.add(b.text, 'String'))
      // Numbers: a value that isn't one (or is missing) is NULL; text: a missing/empty value is NULL.
      const cast = (v: string): string => numeric[0] ? `toFloat64OrNull(${v})` : `nullIf(${v}, '')`
      const perValue = values.map((v) => allOf(bs.map((b, i) => `${cast(v)} ${b.op} ${ps[i]}`)))
      return `ifNull(${perValue.join(' OR ')}, 0)`
    }
  }
}

/** Trace and span ids are stored lowercase; accept them pasted in any case. */
function lowerValues(node: FieldNode): FieldNode {
  const m = node.match
  if (m.op === 'is' && m.value.type !== 'regex') {
    const value = m.value.type === 'pattern'
      ? { type: 'pattern' as const, parts: m.value.parts.map((p) => p.toLowerCase()) }
      : { ...m.value, text: m.value.text.toLowerCase() }
    return { ...node, match: { op: 'is', value } }
  }
  return node
}

function textField(node: FieldNode, c: FieldColumn, params: Params): string {
  const m = node.match
  if (m.op === 'is') return textCondition(m.value, c.columns, params)
  if (m.op === 'exists') return anyOf(c.columns.map((x) => `${x} != ''`))
  throw new QueryError(node.position, `words or a phrase for ${node.field}`, 'comparisons and ranges do not apply to text')
}

function numberField(node: FieldNode, column: string, params: Params): string {
  const m = node.match
  const uint16 = (text: string): string => {
    const n = parseNumber(text)
    if (n === null || !Number.isInteger(n) || n < 0 || n > 65535) {
      throw new QueryError(node.position, `a whole number for ${node.field}`, `found ${quoteForMessage(text)}`)
    }
    return params.add(n, 'UInt16')
  }
  switch (m.op) {
    case 'exists': return `${column} != 0`
    case 'is':
      if (m.value.type === 'pattern') return `toString(${column}) LIKE ${params.add(likePattern(m.value.parts), 'String')}`
      if (m.value.type === 'regex') return `match(toString(${column}), ${params.add(anchored(m.value.pattern), 'String')})`
      return `${column} = ${uint16(m.value.text)}`
    default: return allOf(bounds(m).map((b) => `${column} ${b.op} ${uint16(b.text)}`))
  }
}

function durationField(node: FieldNode, column: string, params: Params): string {
  const m = node.match
  const ns = (text: string): string => {
    const n = parseDurationNs(text)
    if (n === null) throw new QueryError(node.position, 'a duration such as 500 (ms), 250ms or 1.5s', `found ${quoteForMessage(text)}`)
    return params.add(n, 'UInt64')
  }
  switch (m.op) {
    case 'exists': return '1'
    case 'is':
      if (m.value.type === 'pattern' || m.value.type === 'regex') {
        throw new QueryError(node.position, 'a duration such as 500 (ms), 250ms or 1.5s', 'wildcards and regular expressions do not apply to durations')
      }
      return `${column} = ${ns(m.value.text)}`
    default: return allOf(bounds(m).map((b) => `${column} ${b.op} ${ns(b.text)}`))
  }
}

export function level(node: FieldNode, text: string): LevelValue {
  const l = parseLevel(text)
  if (!l) throw new QueryError(node.position, LEVEL_HINT, `found ${quoteForMessage(text)}`)
  return l
}

/** `>= warn` starts at WARN's lowest number, `> warn` starts above WARN's highest, and so on. */
export function levelBoundNumber(op: Bound['op'], l: LevelValue): number {
  return op === '>=' || op === '<' ? l.min : l.max
}

function levelField(node: FieldNode, params: Params): string {
  const m = node.match
  switch (m.op) {
    case 'exists': return "SeverityText != ''"
    case 'is': {
      if (m.value.type === 'pattern') return `SeverityText ILIKE ${params.add(likePattern(m.value.parts), 'String')}`
      if (m.value.type === 'regex') return `match(SeverityText, ${params.add(anchored(m.value.pattern), 'String')})`
      const l = level(node, m.value.text)
      if (l.name) return `SeverityText = ${params.add(l.name, 'String')}`
      return `SeverityNumber = ${params.add(l.min, 'UInt8')}`
    }
    default:
      return allOf(bounds(m).map((b) => `SeverityNumber ${b.op} ${params.add(levelBoundNumber(b.op, level(node, b.text)), 'UInt8')}`))
  }
}

/** A span's level is ERROR when its status is Error, INFO otherwise (as the search histogram shows it). */
const SPAN_LEVELS = [
  { name: 'INFO', number: 9, sql: "StatusCode != 'Error'" },
  { name: 'ERROR', number: 17, sql: "StatusCode = 'Error'" },
]

function spanLevelField(node: FieldNode): string {
  const hits = spanLevelsMatching(node)
  return hits.length === SPAN_LEVELS.length ? '1' : hits.length === 0 ? '0' : hits[0].sql
}

/**
 * Which of a span's two levels (INFO, ERROR) a `level:` condition accepts; the SQL compiler and the
 * in-memory evaluator both decide from this list.
 */
export function spanLevelsMatching(node: FieldNode): readonly { name: string; number: number; sql: string }[] {
  const m = node.match
  let test: (s: (typeof SPAN_LEVELS)[number]) => boolean
  if (m.op === 'exists') return SPAN_LEVELS
  if (m.op === 'is') {
    const v = m.value
    if (v.type === 'regex') {
      const re = compileRegex(anchored(v.pattern))
      test = (s) => re.test(s.name)
    } else if (v.type === 'pattern') {
      const re = new RegExp(`^${v.parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i')
      test = (s) => re.test(s.name)
    } else {
      const l = level(node, v.text)
      test = (s) => s.number >= l.min && s.number <= l.max
    }
  } else {
    const bs = bounds(m).map((b) => ({ op: b.op, n: levelBoundNumber(b.op, level(node, b.text)) }))
    test = (s) => bs.every((b) => compareNumbers(s.number, b.op, b.n))
  }
  return SPAN_LEVELS.filter(test)
}

export function compareNumbers(a: number, op: Bound['op'], b: number): boolean {
  return op === '>' ? a > b : op === '>=' ? a >= b : op === '<' ? a < b : a <= b
}
