/**
 * Preload entry: `node --import @beacon/sdk/register app.js` starts the SDK from the
 * environment (BEACON_SERVICE, BEACON_ENDPOINT, BEACON_API_KEY, … see the README) before the
 * application's modules load, so every instrumented library is patched.
 */
import { init } from './init.ts'

init()
