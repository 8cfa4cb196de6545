import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { context, trace } from '@opentelemetry/api'
import { createLogger, infoWriterOf } from '../src/logging/logger.ts'
import { withBusinessKeys } from '../src/telemetry/business-keys.ts'
import { REDACTED } from '../src/redact/redact.ts'
import { LeanTracerProvider } from '../src/telemetry/tracer.ts'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { captureStream, memoryTelemetry } from './test-utils.ts'

let mem: ReturnType<typeof memoryTelemetry>
before(() => { mem = memoryTelemetry() })

test('every line carries service, level, and the trace and span ids of the active span', () => {
  const out = captureStream()
  mem.logs.reset()
  const log = createLogger({ service: 'shop-api', destination: out })
  const span = mem.tracer.startSpan('work')
  context.with(trace.setSpan(context.active(), span), () => log.info({ n: 1 }, 'inside'))
  span.end()
  log.info('outside')
  const [inside, outside] = out.lines
  assert.equal(inside.service, 'shop-api')
  assert.equal(inside.level, 'info')
  assert.equal(inside.trace_id, span.spanContext().traceId)
  assert.equal(inside.span_id, span.spanContext().spanId)
  assert.equal(outside.trace_id, undefined)
  const [rec, rec2] = mem.logs.getFinishedLogRecords()
  assert.equal(rec.traceId, span.spanContext().traceId)
  assert.equal(rec.spanId, span.spanContext().spanId)
  assert.equal(rec.body, 'inside')
  assert.equal(rec.attributes.n, 1)
  assert.equal(rec2.traceId, undefined)
})

test('levels TRACE…FATAL map to OpenTelemetry severities', () => {
  const out = captureStream()
  mem.logs.reset()
  const log = createLogger({ destination: out, level: 'trace' })
  log.trace('t'); log.debug('d'); log.info('i'); log.warn('w'); log.error('e'); log.fatal('f')
  assert.deepEqual(mem.logs.getFinishedLogRecords().map((r) => [r.severityText, r.severityNumber]), [
    ['TRACE', 1], ['DEBUG', 5], ['INFO', 9], ['WARN', 13], ['ERROR', 17], ['FATAL', 21],
  ])
  assert.deepEqual(out.lines.map((l) => l.level), ['trace', 'debug', 'info', 'warn', 'error', 'fatal'])
})

test('secrets are removed before either sink sees the line', () => {
  const out = captureStream()
  mem.logs.reset()
  const log = createLogger({ destination: out })
  const input = { user: 'ann', password: 'hunter2', payment: { cardNumber: '4111111111111111' } }
  log.info(input, 'paying with 5555 5555 5555 4444')
  const line = out.lines[0]
  assert.equal(line.password, REDACTED)
  assert.equal(line.payment.cardNumber, '**** 1111')
  assert.equal(line.msg, 'paying with **** 4444')
  const rec = mem.logs.getFinishedLogRecords()[0]
  assert.equal(rec.attributes.password, REDACTED)
  assert.equal(rec.attributes['payment.cardNumber'], '**** 1111')
  assert.equal(rec.body, 'paying with **** 4444')
  assert.equal(input.password, 'hunter2', 'the caller\'s object is untouched')
  assert.ok(!JSON.stringify(out.lines).includes('hunter2'))
})

test('business keys in context land on every record, and child bindings are exported', () => {
  const out = captureStream()
  mem.logs.reset()
  const log = createLogger({ destination: out }).child({ component: 'billing' })
  const span = mem.tracer.startSpan('order')
  context.with(trace.setSpan(context.active(), span), () => withBusinessKeys({ orderId: 'o-42', userId: 'u-7' }, () => log.info('charged')))
  span.end()
  assert.equal(out.lines[0]['order.id'], 'o-42')
  assert.equal(out.lines[0].component, 'billing')
  const rec = mem.logs.getFinishedLogRecords()[0]
  assert.equal(rec.attributes['order.id'], 'o-42')
  assert.equal(rec.attributes['user.id'], 'u-7')
  assert.equal(rec.attributes.component, 'billing')
  assert.equal(rec.attributes.service, undefined, 'service is a resource attribute, not repeated')
})

test('errors become exception attributes with the stack', () => {
  const out = captureStream()
  mem.logs.reset()
  const log = createLogger({ destination: out })
  log.error({ err: new TypeError('boom') }, 'failed')
  log.error(new Error('bare'))
  const [a, b] = mem.logs.getFinishedLogRecords()
  assert.equal(a.attributes['exception.type'], 'TypeError')
  assert.equal(a.attributes['exception.message'], 'boom')
  assert.match(String(a.attributes['exception.stacktrace']), /TypeError: boom/)
  assert.equal(b.body, 'bare')
  assert.equal(out.lines[0].err.message, 'boom')
})

test('serialized errors are redacted on the line itself: message, stack and the error\'s own properties', () => {
  const out = captureStream()
  mem.logs.reset()
  const log = createLogger({ destination: out })
  const err = Object.assign(new Error('login failed for ann, password=hunter2, card 4111 1111 1111 1111'), { token: 'tok-secret-value', status: 401 })
  log.error({ err }, 'failed')
  log.error({ error: err }, 'failed again')
  log.error(err)
  const [a, b, c] = out.lines
  assert.equal(a.err.message, 'login failed for ann, password=[REDACTED], card **** 1111')
  assert.match(a.err.stack, /^Error: login failed for ann, password=\[REDACTED\], card \*\*\*\* 1111\n {4}at /)
  assert.equal(a.err.token, REDACTED)
  assert.equal(a.err.status, 401)
  assert.equal(b.error.message, a.err.message)
  assert.equal(c.msg, a.err.message, 'the message pino takes from a bare error')
  assert.equal(c.err.message, a.err.message)
  for (const line of out.lines) assert.ok(!JSON.stringify(line).includes('hunter2') && !JSON.stringify(line).includes('tok-secret'), JSON.stringify(line))
  const rec = mem.logs.getFinishedLogRecords()[2]
  assert.equal(rec.body, a.err.message)
  assert.equal(rec.attributes['exception.message'], a.err.message)
  assert.equal(err.message, 'login failed for ann, password=hunter2, card 4111 1111 1111 1111', 'the caller\'s error is untouched')
})

test('a custom err serializer is kept, and its output redacted', () => {
  const out = captureStream()
  const log = createLogger({ destination: out, pino: { serializers: { err: (e: Error) => ({ kind: 'custom', message: e.message }) } } })
  log.error({ err: new Error('refused token=abcdef123456') }, 'x')
  assert.deepEqual(out.lines[0].err, { kind: 'custom', message: 'refused token=[REDACTED]' })
})

test('the direct INFO writer (request records) writes the very line pino writes: trace context, business keys, redaction, order', () => {
  const raw: string[] = []
  const log = createLogger({ service: 'shop-api', destination: { write(s: string) { raw.push(s) } }, bindings: { zone: 'eu' } })
  const write = infoWriterOf(log)
  assert.ok(write !== undefined)
  assert.equal(infoWriterOf(log.child({ component: 'x' })), undefined, 'a child has its own bindings: pino writes its lines')
  assert.equal(infoWriterOf(createLogger({ destination: captureStream(), pino: { messageKey: 'm' } as object })), undefined)
  const fields = () => ({
    'http.request.method': 'POST', 'http.route': '/orders/:id', 'url.query': undefined, 'http.response.status_code': 201,
    'http.server.request.duration_ms': 1.234, 'nan': Number.NaN, 'user.id': undefined, 'order.id': 'o-9',
    'http.request.body.content': '{"password":"hunter2","note":"quote \\" and \\\\ and \\n, card 4111 1111 1111 1111"}', 'flag': true,
  })
  const msg = 'POST /orders/:id 201 1.2ms Bearer abcdefghijkl'
  const timeless = (s: string) => s.replace(/,"time":\d+,/, ',"time":0,')
  const same = (what: string, f: Record<string, unknown>) => {
    raw.length = 0
    log.info(f, msg)
    write!(f, msg)
    assert.equal(raw.length, 2, what)
    assert.equal(timeless(raw[1]), timeless(raw[0]), what)
    assert.ok(!raw[1].includes('hunter2') && !raw[1].includes('abcdefghijkl'), what)
    return raw[1]
  }
  const lean = new LeanTracerProvider({ resource: resourceFromAttributes({}), sampleRatio: 1, onEnd: () => {} }).getTracer('t')
  for (const [name, tracer] of [['OpenTelemetry span', mem.tracer], ['lean span', lean]] as const) {
    const span = tracer.startSpan('req')
    const inSpan = (fn: () => void) => context.with(trace.setSpan(context.active(), span), fn)
    inSpan(() => same(`${name}, no business keys`, fields()))
    inSpan(() => same(`${name}, a field named as the mixin's`, { ...fields(), span_id: 'mine' }))
    inSpan(() => withBusinessKeys({ orderId: 'o-1', userId: 'u-7' }, () => {
      const line = same(`${name}, business keys`, fields())
      assert.match(line, /"trace_flags":1,"order\.id":"o-9","http/, "the mixin's keys first, a field's value in place of the mixin's")
    }))
    span.end()
  }
  same('outside any span', fields())
  same('no fields', {})
  log.level = 'warn'
  raw.length = 0
  write!(fields(), msg)
  assert.equal(raw.length, 0, 'a level above info writes nothing')
})
