/** Shop API entry: `node --import tsx examples/company/src/shop-api/main.ts`. */
import { runService } from '../shared/service.ts'

await runService('shop-api', async () => (await import('./server.ts')).start)
