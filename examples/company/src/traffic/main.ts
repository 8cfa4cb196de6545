/**
 * Traffic generator: plays the shop's customers and the scenarios of DESIGN §1.
 *
 *   node --import tsx examples/company/src/traffic/main.ts [--all] [--steady] [--invalid] [--repeat]
 *     [--spike] [--cost-errors] [--poison] [--slow-queries] [--crash] [--equipment-failure]
 *     [--http-500] [--ddos] [--lost-message]
 *     [--duration=SECONDS (0: until Ctrl-C; default 120)] [--every=SECONDS (repeat the incidents; default 70)]
 *
 * No scenario flag = all of them. Steady orders run the whole time; the others fire one after the
 * other, a few seconds apart, and again every --every seconds.
 */
import { init } from '@beacon/sdk'

// The SDK starts before anything it instruments (fetch, amqplib) is loaded.
init({ service: 'traffic-generator', stdout: false, handleSignals: false })
await import('./run.ts')
