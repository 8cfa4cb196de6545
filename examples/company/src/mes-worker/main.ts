/** MES worker entry: `node --import tsx examples/company/src/mes-worker/main.ts`. */
import { runService } from '../shared/service.ts'

await runService('mes-worker', async () => (await import('./worker.ts')).start)
