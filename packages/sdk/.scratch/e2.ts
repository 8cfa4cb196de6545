import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { SimpleSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base'
import { registerInstrumentations } from '@opentelemetry/instrumentation'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { FastifyOtelInstrumentation } from '@fastify/otel'
const exp = new InMemorySpanExporter()
const p = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exp)] })
p.register()
registerInstrumentations({ instrumentations: [new HttpInstrumentation(), new FastifyOtelInstrumentation({ registerOnInitialization: true, instrumentHooks: false })] })
const { trace } = await import('@opentelemetry/api')
const { default: Fastify } = await import('fastify')
const app = Fastify()
app.addHook('onRequest', (req, _r, next) => { const s: any = trace.getActiveSpan(); console.log('onRequest active', s?.name, 'fastify', (req as any).opentelemetry?.().span?.name); (req as any).s = s; next() })
app.addHook('onSend', (req, _r, payload, next) => { console.log('onSend ended?', (req as any).s?.ended, (req as any).s?.isRecording()); (req as any).s?.setAttribute('order.id', 'X'); next(null, payload) })
app.get('/x', async () => ({ ok: 1 }))
await app.listen({ port: 0 })
await fetch(`http://127.0.0.1:${(app.server.address() as any).port}/x`)
await new Promise((r) => setTimeout(r, 100))
console.log(exp.getFinishedSpans().map((s) => `${s.name} ${JSON.stringify(s.attributes['order.id'])}`))
process.exit(0)
