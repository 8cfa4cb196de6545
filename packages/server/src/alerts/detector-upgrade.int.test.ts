import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestBeacon } from '../testing.ts'
import { PREVIOUS_DEFAULTS } from './detectors.ts'
import { ruleInputSchema } from './rule.ts'

/**
 * Built-in detectors across restarts: one nobody edited follows the shipped default (a data
 * directory from before identical_requests grouped by url.path is upgraded; a new
 * BEACON_ALERT_BODY_HASH_ATTRIBUTE is applied), an edited one keeps its edits.
 */
test('unedited detectors follow the shipped default and the body-hash attribute; edited ones keep their edits', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'beacon-detectors-'))
  try {
    let tb = await startTestBeacon({ dataDir })
    const defs = tb.beacon.alerts!.defs
    // As an older Beacon stored it: the previous default, without the marker of the default it came from.
    const old = defs.rules.get('builtin:identical_requests')!
    const { defaultSpec: _d, ...rest } = old
    await defs.putRule({ ...rest, ...ruleInputSchema.parse(PREVIOUS_DEFAULTS.identical_requests[0]) }, 'system')
    // An edit through the API.
    const put = await tb.api('/api/alerts/rules/builtin:http_5xx', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ threshold: 12 }) })
    assert.equal(put.status, 200, JSON.stringify(put.body))
    await tb.stop({ keepData: true })

    tb = await startTestBeacon({ dataDir })
    let rules = tb.beacon.alerts!.defs.rules
    assert.deepEqual(rules.get('builtin:identical_requests')!.groupBy, ['service', 'url.path', 'http.request.body.hash'])
    assert.equal(rules.get('builtin:http_5xx')!.threshold, 12)
    await tb.stop({ keepData: true })

    tb = await startTestBeacon({ dataDir, env: { BEACON_ALERT_BODY_HASH_ATTRIBUTE: 'request.sha256' } })
    rules = tb.beacon.alerts!.defs.rules
    const ident = rules.get('builtin:identical_requests')!
    assert.equal(ident.query, 'request.sha256:*')
    assert.deepEqual(ident.groupBy, ['service', 'url.path', 'request.sha256'])
    assert.equal(rules.get('builtin:http_5xx')!.threshold, 12)
    await tb.stop()
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
})
