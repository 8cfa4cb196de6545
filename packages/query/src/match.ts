import type { Ast, FieldNode, Match } from './ast.ts'
import { compileQuery } from './compile.ts'
import { bounds, compareNumbers, level, levelBoundNumber, spanLevelsMatching, timeLimits, type Bound } from './compile-field.ts'
import { resolveField, type FieldColumn, type Target } from './fields.ts'
import { anchored, compileRegex } from './regex.ts'
import { compareBytes, likeRegex, textPredicate, toFloat64OrNull, toUInt16OrZero } from './match-values.ts'
import { parseDurationNs, parseNumber } from './values.ts'

/**
 * The in-memory evaluator: the same syntax tree the SQL compiler takes, compiled to a predicate over
 * records as they pass the ingest pipeline (live tail, instant alert rules). It answers exactly what
 * the SQL compiler would answer on the stored row (packages/server/test/query-match.int.test.ts runs every query of the
 * language test table through both on the same records).
 *
 *   Ast ──▶ and / or / not ──▶ closures
 *        └▶ text  ─▶ match-values.ts textPredicate  (body on logs; name, status message on spans)
 *        └▶ field ─▶ by what fields.ts says the field is, reading the record's own property or the
 *                    business key (first non-empty of the configured attributes, as the table's
 *                    materialized column computes it)
 */

/** Attribute names of each business key, as configured (`config.businessKeys`); the table's materialized columns use the same lists. */
export interface BusinessKeyLists {
  orderId: readonly string[]
  userId: readonly string[]
  httpStatus: readonly string[]
  httpRoute: readonly string[]
  eventAction: readonly string[]
  clientIp: readonly string[]
}

export interface MatcherOptions {
  /** The configured business-key attribute lists (`config.businessKeys`); must be the ones the tables were created with. */
  businessKeys: BusinessKeyLists
  /** What `now` means in `@timestamp:>now-15m`, ms since the epoch (default: when compiled; it does not move afterwards). */
  now?: number
}

type Attrs = Readonly<Record<string, string>>

/** What the evaluator reads of a log record (structurally the server's LogRecord). */
export interface MatchableLog {
  /** Event time, ns since the epoch (decimal string). */
  timeUnixNano: string
  severityText: string
  severityNumber: number
  serviceName: string
  body: string
  traceId: string
  spanId: string
  resource: Attrs
  attributes: Attrs
}

/** What the evaluator reads of a span (structurally the server's SpanRecord). */
export interface MatchableSpan {
  /** Start time, ns since the epoch (decimal string). */
  timeUnixNano: string
  /** Nanoseconds, decimal string. */
  durationNano: string
  traceId: string
  spanId: string
  parentSpanId: string
  name: string
  kind: string
  serviceName: string
  statusCode: string
  statusMessage: string
  resource: Attrs
  attributes: Attrs
}

type AnyRecord = MatchableLog & MatchableSpan
type Pred = (r: AnyRecord) => boolean
type Get = (r: AnyRecord) => string

const BUSINESS: Record<string, keyof BusinessKeyLists> = {
  OrderId: 'orderId', UserId: 'userId', HttpStatus: 'httpStatus', HttpRoute: 'httpRoute', EventAction: 'eventAction', ClientIp: 'clientIp',
}

const COLUMNS: Record<string, Get> = {
  ServiceName: (r) => r.serviceName,
  SeverityText: (r) => r.severityText,
  TraceId: (r) => r.traceId,
  SpanId: (r) => r.spanId,
  ParentSpanId: (r) => r.parentSpanId,
  Body: (r) => r.body,
  SpanName: (r) => r.name,
  SpanKind: (r) => r.kind,
  StatusCode: (r) => r.statusCode,
  StatusMessage: (r) => r.statusMessage,
}

/**
 * Compiles a parsed query into a predicate over records, with the same answers as `compileQuery`
 * gives in SQL. Throws QueryError exactly where `compileQuery` would (it is run first). Compile once,
 * call per record: the predicate allocates little and never does I/O.
 *
 * @example
 * const isSlowCheckout = compileMatcher(parseQuery('service:shop-api duration:>500'), 'spans', { businessKeys: config.businessKeys })
 * isSlowCheckout(span) // true for a shop-api span longer than 500 ms
 *
 * const isPaymentError = compileMatcher(parseQuery('level:>=error payment'), 'logs', { businessKeys: config.businessKeys })
 * batch.logs.filter(isPaymentError)
 */
export function compileMatcher(ast: Ast, target: 'logs', options: MatcherOptions): (record: MatchableLog) => boolean
export function compileMatcher(ast: Ast, target: 'spans', options: MatcherOptions): (record: MatchableSpan) => boolean
export function compileMatcher(ast: Ast, target: Target, options: MatcherOptions): (record: MatchableLog | MatchableSpan) => boolean
export function compileMatcher(ast: Ast, target: Target, options: MatcherOptions): (record: never) => boolean {
  const now = options.now ?? Date.now()
  compileQuery(ast, { target, now }) // the same QueryErrors, at the same places
  return walk(ast, target, { ...options, now }) as (record: never) => boolean
}

function walk(ast: Ast, target: Target, opts: MatcherOptions): Pred {
  switch (ast.kind) {
    case 'all': return () => true
    case 'text': {
      const test = textPredicate(ast.value)
      return target === 'logs' ? (r) => test(r.body) : (r) => test(r.name) || test(r.statusMessage)
    }
    case 'field': return fieldPredicate(ast, target, opts)
    case 'not': {
      const c = walk(ast.child, target, opts)
      return (r) => !c(r)
    }
    // Plain loops on the per-record path: a callback closing over `r` would be allocated per call.
    case 'and': {
      const cs = ast.children.map((c) => walk(c, target, opts))
      return (r) => { for (const c of cs) if (!c(r)) return false; return true }
    }
    case 'or': {
      const cs = ast.children.map((c) => walk(c, target, opts))
      return (r) => { for (const c of cs) if (c(r)) return true; return false }
    }
  }
}

function fieldPredicate(node: FieldNode, target: Target, opts: MatcherOptions): Pred {
  const f = resolveField(node.field, target)
  if (f.type === 'attribute') {
    const key = f.key
    // Own keys only: `constructor` or `__proto__` are ordinary attribute names here.
    const value = (m: Attrs): string => (Object.hasOwn(m, key) ? m[key] : '')
    return valuesPredicate(node,
      [(r) => value(r.attributes), (r) => value(r.resource)],
      [(r) => Object.hasOwn(r.attributes, key), (r) => Object.hasOwn(r.resource, key)])
  }
  const c = f.column
  switch (c.kind) {
    case 'text': return textField(node, c)
    case 'string': {
      const get = getter(c.columns[0], opts)
      return valuesPredicate(node, [get], [(r) => get(r) !== ''])
    }
    case 'id': {
      const get = getter(c.columns[0], opts)
      return valuesPredicate(lowerValues(node), [get], [(r) => get(r) !== ''], false)
    }
    case 'number': return numberField(node, getter(c.columns[0], opts), numberGetter(c.columns[0], opts))
    case 'duration': return durationField(node)
    case 'level': return levelField(node)
    case 'time': {
      const limits = timeLimits(node, opts.now ?? Date.now())
      if (!limits) return () => true
      return (r) => {
        const t = BigInt(r.timeUnixNano)
        return limits.every((l) => (l.op === '>=' ? t >= l.ns : t < l.ns))
      }
    }
    case 'spanLevel': {
      const hits = spanLevelsMatching(node).map((l) => l.name)
      const error = hits.includes('ERROR')
      const info = hits.includes('INFO')
      return (r) => (r.statusCode === 'Error' ? error : info)
    }
  }
}

/** A column's value on a record; business-key columns are the first non-empty configured attribute. */
function getter(column: string, opts: MatcherOptions): Get {
  const business = BUSINESS[column]
  if (business) {
    const names = opts.businessKeys[business]
    const first: Get = (r) => {
      for (const n of names) {
        const v = Object.hasOwn(r.attributes, n) ? r.attributes[n] : ''
        if (v !== '') return v
      }
      return ''
    }
    return column === 'HttpStatus' ? (r) => String(toUInt16OrZero(first(r))) : first
  }
  const get = COLUMNS[column]
  if (!get) throw new Error(`the evaluator does not know column ${column}`)
  return get
}

/** A number column's value as a number (HttpStatus without the round trip through its decimal text). */
function numberGetter(column: string, opts: MatcherOptions): (r: AnyRecord) => number {
  if (column === 'HttpStatus') {
    const names = opts.businessKeys.httpStatus
    return (r) => {
      for (const n of names) {
        const v = Object.hasOwn(r.attributes, n) ? r.attributes[n] : ''
        if (v !== '') return toUInt16OrZero(v)
      }
      return 0
    }
  }
  const get = getter(column, opts)
  return (r) => Number(get(r))
}

/** mapsCondition of compile-field.ts: a String value found in one or more places. */
function valuesPredicate(node: FieldNode, values: Get[], present: Pred[], caseInsensitive = true): Pred {
  const m = node.match
  switch (m.op) {
    case 'exists': return (r) => { for (const p of present) if (p(r)) return true; return false }
    case 'is': {
      if (m.value.type === 'pattern' || m.value.type === 'regex') {
        const re = m.value.type === 'pattern' ? likeRegex(m.value.parts, caseInsensitive) : compileRegex(anchored(m.value.pattern))
        return (r) => { for (const v of values) if (re.test(v(r))) return true; return false }
      }
      const text = m.value.text
      return (r) => { for (const v of values) if (v(r) === text) return true; return false }
    }
    default: {
      const bs = bounds(m)
      // compileQuery has checked the bounds are all numbers or all text.
      if (parseNumber(bs[0].text) !== null) {
        const ns = bs.map((b) => ({ op: b.op, n: parseNumber(b.text)! }))
        const within = (x: number): boolean => { for (const b of ns) if (!compareNumbers(x, b.op, b.n)) return false; return true }
        return (r) => {
          for (const v of values) {
            const x = toFloat64OrNull(v(r))
            if (x !== null && within(x)) return true
          }
          return false
        }
      }
      const within = (x: string): boolean => { for (const b of bs) if (!compareText(x, b)) return false; return true }
      return (r) => {
        for (const v of values) {
          const x = v(r)
          if (x !== '' && within(x)) return true
        }
        return false
      }
    }
  }
}

function compareText(x: string, b: Bound): boolean {
  const c = compareBytes(x, b.text)
  return compareNumbers(c, b.op, 0)
}

/** Trace and span ids are stored lowercase; the compiler lower-cases typed values (lowerValues). */
function lowerValues(node: FieldNode): FieldNode {
  const m = node.match
  if (m.op !== 'is' || m.value.type === 'regex') return node
  const value = m.value.type === 'pattern'
    ? { type: 'pattern' as const, parts: m.value.parts.map((p) => p.toLowerCase()) }
    : { ...m.value, text: m.value.text.toLowerCase() }
  return { ...node, match: { op: 'is', value } }
}

function textField(node: FieldNode, c: FieldColumn): Pred {
  const gets = c.columns.map((col) => COLUMNS[col])
  const m = node.match as Extract<Match, { op: 'is' | 'exists' }>
  if (m.op === 'exists') return (r) => gets.some((g) => g(r) !== '')
  const test = textPredicate(m.value)
  return (r) => gets.some((g) => test(g(r)))
}

function numberField(node: FieldNode, get: Get, num: (r: AnyRecord) => number): Pred {
  const m = node.match
  switch (m.op) {
    case 'exists': return (r) => num(r) !== 0
    case 'is': {
      if (m.value.type === 'pattern') {
        const re = likeRegex(m.value.parts, false)
        return (r) => re.test(get(r))
      }
      if (m.value.type === 'regex') {
        const re = compileRegex(anchored(m.value.pattern))
        return (r) => re.test(get(r))
      }
      const n = parseNumber(m.value.text)
      return (r) => num(r) === n
    }
    default: {
      const bs = bounds(m).map((b) => ({ op: b.op, n: parseNumber(b.text)! }))
      return (r) => { for (const b of bs) if (!compareNumbers(num(r), b.op, b.n)) return false; return true }
    }
  }
}

function durationField(node: FieldNode): Pred {
  const m = node.match
  const dur = (r: AnyRecord): bigint => BigInt(r.durationNano || '0')
  switch (m.op) {
    case 'exists': return () => true
    case 'is': {
      const ns = BigInt(parseDurationNs((m.value as { text: string }).text)!)
      return (r) => dur(r) === ns
    }
    default: {
      const bs = bounds(m).map((b) => ({ op: b.op, ns: BigInt(parseDurationNs(b.text)!) }))
      return (r) => {
        const d = dur(r)
        return bs.every((b) => compareNumbers(d < b.ns ? -1 : d > b.ns ? 1 : 0, b.op, 0))
      }
    }
  }
}

function levelField(node: FieldNode): Pred {
  const m = node.match
  switch (m.op) {
    case 'exists': return (r) => r.severityText !== ''
    case 'is': {
      if (m.value.type === 'pattern') {
        const re = likeRegex(m.value.parts, true)
        return (r) => re.test(r.severityText)
      }
      if (m.value.type === 'regex') {
        const re = compileRegex(anchored(m.value.pattern))
        return (r) => re.test(r.severityText)
      }
      const l = level(node, m.value.text)
      if (l.name) {
        const name = l.name
        return (r) => r.severityText === name
      }
      return (r) => (r.severityNumber & 0xff) === l.min
    }
    default: {
      const bs = bounds(m).map((b) => ({ op: b.op, n: levelBoundNumber(b.op, level(node, b.text)) }))
      return (r) => { for (const b of bs) if (!compareNumbers(r.severityNumber & 0xff, b.op, b.n)) return false; return true }
    }
  }
}
