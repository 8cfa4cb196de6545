/**
 * Slow and failed PostgreSQL queries, seen through the spans of the official `pg`
 * instrumentation: a query span that ends after the threshold gives a WARN record, one that ends
 * in error gives an ERROR record. The statement is logged as text without parameter values
 * (pg's `$1` placeholders stay; literals written into the SQL are replaced by `?`).
 *
 *   pg.query span ends ─▶ QueryMonitor.onEnd ─▶ duration > slowQueryMs ? WARN : status ERROR ? ERROR : nothing
 */
import { context, SpanStatusCode, trace } from '@opentelemetry/api'
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { Logger } from 'pino'

const STATEMENT_KEYS = ['db.query.text', 'db.statement']

/** SQL text with literal values removed: strings and numbers become `?`; `$n` placeholders stay. */
export function statementWithoutValues(sql: string): string {
  return sql
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/(?<![\w$.])-?\d+(?:\.\d+)?\b/g, '?')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 4096)
}

function durationMs(span: ReadableSpan): number {
  return span.duration[0] * 1e3 + span.duration[1] / 1e6
}

export interface QueryMonitorOptions {
  /** Resolved lazily: the logger may be created after the tracer provider. */
  logger: () => Logger | undefined
  slowQueryMs: number
}

/** A span processor that logs slow (WARN) and failed (ERROR) queries of any `db.*` span. */
export class QueryMonitor implements SpanProcessor {
  constructor(private readonly opts: QueryMonitorOptions) {}

  onStart(_span: Span, _parent: unknown): void {}

  onEnd(span: ReadableSpan): void {
    try {
      // Most spans end fast and fine: decided before any attribute is looked at.
      const failed = span.status.code === SpanStatusCode.ERROR
      const ms = durationMs(span)
      if (!failed && ms < this.opts.slowQueryMs) return
      const a = span.attributes
      const system = a['db.system.name'] ?? a['db.system']
      if (system === undefined) return
      let text: unknown
      for (const k of STATEMENT_KEYS) if (a[k] !== undefined) text = a[k]
      if (text === undefined) return // connects, pool checkouts: not queries
      const logger = this.opts.logger()
      if (logger === undefined) return
      const statement = statementWithoutValues(String(text))
      const record: Record<string, unknown> = {
        'db.system.name': system,
        'db.namespace': a['db.namespace'] ?? a['db.name'],
        'db.operation.name': a['db.operation.name'] ?? statement.split(' ')[0]?.toUpperCase(),
        'db.query.text': statement,
        'db.query.duration_ms': Math.round(ms * 1000) / 1000,
        'server.address': a['server.address'] ?? a['net.peer.name'],
        'order.id': a['order.id'],
        'user.id': a['user.id'],
      }
      // Log in the query span's own context, so the record carries its trace and span ids.
      const ctx = trace.setSpanContext(context.active(), span.spanContext())
      context.with(ctx, () => {
        if (failed) {
          const exception = span.events.find((e) => e.name === 'exception')?.attributes
          record['error.type'] = exception?.['exception.type'] ?? 'db_error'
          record['exception.message'] = exception?.['exception.message'] ?? span.status.message
          logger.error(record, `query failed after ${ms.toFixed(1)}ms: ${span.status.message ?? 'error'} — ${statement.slice(0, 200)}`)
        } else {
          record['db.slow_query_threshold_ms'] = this.opts.slowQueryMs
          logger.warn(record, `slow query: ${ms.toFixed(1)}ms > ${this.opts.slowQueryMs}ms — ${statement.slice(0, 200)}`)
        }
      })
    } catch {
      // never throw into the service
    }
  }

  forceFlush(): Promise<void> { return Promise.resolve() }
  shutdown(): Promise<void> { return Promise.resolve() }
}
