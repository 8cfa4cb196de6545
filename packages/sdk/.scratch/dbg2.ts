import { logs } from '@opentelemetry/api-logs'
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
const e = new InMemoryLogRecordExporter()
const lp = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: e } as any)] })
lp.getLogger('a').emit({ body: 'x' })
console.log('direct provider', e.getFinishedLogRecords().length)
console.log(logs.setGlobalLoggerProvider(lp) === lp)
logs.getLogger('b').emit({ body: 'y' })
console.log('global', e.getFinishedLogRecords().length)
