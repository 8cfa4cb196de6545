/**
 * Process lifecycle through Beacon: a crash gives a FATAL record, with its stack, that reached
 * Beacon before the process exited; SIGTERM flushes what was still buffered.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createCompany, http, poll, startBeacon, type Beacon, type Company } from './test-utils.ts'

let beacon: Beacon
let company: Company

before(async () => {
  beacon = await startBeacon()
  company = await createCompany(beacon.otlpUrl, beacon.ingestKey)
})

after(async () => {
  await company?.close()
  await beacon?.test.stop()
})

test('a crash gives a FATAL record with the stack, flushed to Beacon before the process exits', async () => {
  const svc = await company.start('mes-api')
  const r = await http(company.urls.mes, 'POST', '/debug/crash')
  assert.equal(r.status, 200)
  const code = await svc.exited
  const exitedAt = Date.now()
  assert.equal(code, 1, 'the process exits with a failure code')
  // Nothing can be sent after exit: whatever Beacon has now arrived before it.
  const fatal = await poll('the FATAL record', async () => (await beacon.api.search('service:mes-api level:fatal event.action:process.crash')).events[0], 15_000)
  assert.equal(fatal.severityNumber, 21)
  assert.equal(fatal.attributes['process.crash.kind'], 'uncaughtException')
  assert.match(fatal.attributes['exception.stacktrace'], /simulated crash: null reference in order sync loop\n\s+at /)
  assert.ok(Date.parse(fatal.time) <= exitedAt)
})

test('SIGTERM flushes telemetry still in the buffer before the process exits', async () => {
  // Batches would only leave after 10 minutes: only the shutdown flush can deliver this record.
  await company.start('mes-api', { BEACON_EXPORT_INTERVAL_MS: '600000' })
  const path = `/production-orders/SIGTERM-${company.run}`
  assert.equal((await http(company.urls.mes, 'GET', path)).status, 404)
  const code = await company.stop('mes-api', 'SIGTERM')
  assert.equal(code, 0)
  const rec = await poll('the request record', async () => (await beacon.api.search(`service:mes-api url.path:"${path}"`)).events[0], 15_000)
  assert.equal(rec.httpStatus, 404)
  assert.equal(rec.orderId, `SIGTERM-${company.run}`)
})
