import { register } from 'node:module'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { SimpleSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base'
import { registerInstrumentations } from '@opentelemetry/instrumentation'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg'
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib'
import FastifyOtel from '@fastify/otel'
if (process.env.HOOK) register('@opentelemetry/instrumentation/hook.mjs', import.meta.url)
const exp = new InMemorySpanExporter()
const p = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exp)] })
p.register()
registerInstrumentations({ instrumentations: [new HttpInstrumentation(), new PgInstrumentation(), new AmqplibInstrumentation(), new (FastifyOtel as any).FastifyOtelInstrumentation({ registerOnInitialization: true })] })
await import('./app.ts')
await new Promise((r) => setTimeout(r, 300))
console.log(exp.getFinishedSpans().map((s) => `${s.name} ${s.spanContext().traceId.slice(0,6)} ${s.instrumentationScope.name}`).join('\n'))
process.exit(0)
