import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { registerInstrumentations } from '@opentelemetry/instrumentation'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { FastifyOtelInstrumentation } from '@fastify/otel'
const v = process.env.VARIANT ?? ''
if (v !== 'none') {
  const p = new NodeTracerProvider({ spanProcessors: v.includes('noexport') ? [] : [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${process.env.BEACON_ENDPOINT}/v1/traces` }))] })
  p.register()
  const inst: any[] = []
  if (v.includes('http')) inst.push(new HttpInstrumentation())
  if (v.includes('fastify')) inst.push(new FastifyOtelInstrumentation({ registerOnInitialization: true, instrumentHooks: false }))
  registerInstrumentations({ instrumentations: inst })
}
const { default: Fastify } = await import('fastify')
const app: any = Fastify({ logger: false })
app.get('/hello', async () => ({ hello: 'world' }))
await app.listen({ port: 0, host: '127.0.0.1' })
process.stdout.write(`READY ${(app.server.address() as { port: number }).port}\n`)
process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)) })
