/**
 * Starting a company service: the SDK first, then the service's modules (so the libraries it
 * instruments are patched when they load), then shutdown on SIGTERM through the SDK.
 */
import { init, type Beacon } from '@beacon/sdk'

export interface Running { close(): Promise<void> }

export async function runService(service: string, load: () => Promise<(beacon: Beacon) => Promise<Running>>): Promise<void> {
  const beacon = init({ service })
  try {
    const start = await load()
    const running = await start(beacon)
    beacon.onShutdown(() => running.close())
  } catch (err) {
    beacon.logger.fatal({ err }, `${service} could not start`)
    await beacon.flush()
    process.exit(1)
  }
}
