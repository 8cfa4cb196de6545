/** MES API entry: `node --import tsx examples/company/src/mes-api/main.ts`. */
import { runService } from '../shared/service.ts'

await runService('mes-api', async () => (await import('./server.ts')).start)
