/** CRM API entry: `node --import tsx examples/company/src/crm-api/main.ts`. */
import { runService } from '../shared/service.ts'

await runService('crm-api', async () => (await import('./server.ts')).start)
