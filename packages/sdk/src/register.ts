/**
 * Preload entry: `node --import @beacon/sdk/register app.js` starts the SDK from the
 * environment (BEACON_SERVICE, BEACON_ENDPOINT, BEACON_API_KEY, … see the README) before the
 * application's modules load, so every instrumented library is patched.
 */
import { isMainThread } from 'node:worker_threads'
import { init } from './init.ts'

// Worker threads inherit the preload (the SDK's own log export worker among them): one SDK per process.
if (isMainThread) init()
