import { memoryTelemetry, captureStream } from '/work/main/packages/sdk/test/test-utils.ts'
import { createLogger } from '/work/main/packages/sdk/src/logging/logger.ts'
import { toLogRecord } from '/work/main/packages/sdk/src/logging/otel-bridge.ts'
import { logs } from '@opentelemetry/api-logs'
const mem = memoryTelemetry()
const out = captureStream()
const l = createLogger({ destination: out })
l.info({ a: 1 }, 'hi')
console.log(toLogRecord(l as any, [{a:1}, 'hi'], 30))
logs.getLogger('x').emit({ body: 'direct' })
await new Promise((r) => setTimeout(r, 50))
console.log(mem.logs.getFinishedLogRecords().length, out.lines)
