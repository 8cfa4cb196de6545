import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestBeacon, type TestBeacon } from '../../testing.ts'

/**
 * rsyslog's omelasticsearch as a real shipper: rsyslogd runs in the foreground (`-n`) with its own
 * config, pid file and work directory in a temp dir, reads a temp log file with imfile and sends
 * bulk requests to Beacon's Elasticsearch port. Never the system syslog.
 *
 * What omelasticsearch sends: `HEAD /_cat/health` as its health check when resuming after a failure
 * (newer versions before every request; without credentials, and only a transport failure counts),
 * and `POST /_bulk?` with `{"index":{"_index": "…","_type":"events"}}` action lines
 * (Elasticsearch 7 style unless `esVersion.major` is set), `Content-Type: application/json`
 * (older versions: `text/json`) and Basic auth from `uid`/`pwd`. It reads per-item `status` from
 * the reply. Its default template (StdJSONFmt) sends `timereported` and `priority` (ecs.ts).
 */

const INSTALL_HINT = 'rsyslogd with omelasticsearch is not installed: apt-get install -y rsyslog rsyslog-elasticsearch'
const MODULE_DIRS = ['/usr/lib/x86_64-linux-gnu/rsyslog', '/usr/lib/aarch64-linux-gnu/rsyslog', '/usr/lib/rsyslog', '/usr/lib64/rsyslog']
const hasRsyslog = spawnSync('rsyslogd', ['-v']).status === 0 && MODULE_DIRS.some((d) => existsSync(join(d, 'omelasticsearch.so')))

const cleanups: (() => Promise<void> | void)[] = []
after(async () => { for (const c of cleanups.reverse()) await c() })

/** Two actions: an ECS-ish JSON template to `index`, rsyslog's default template (StdJSONFmt) to `${index}-std`. */
function rsyslogConfig(dir: string, esPort: number, index: string, key: string | undefined): string {
  const auth = key ? ` uid="beacon" pwd="${key}"` : ''
  return `
global(workDirectory="${dir}/work")
module(load="imfile" mode="polling" pollingInterval="1")
module(load="omelasticsearch")

template(name="beacon-json" type="list" option.jsonf="on") {
  property(outname="@timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="host" name="hostname" format="jsonf")
  property(outname="severity" name="syslogseverity-text" format="jsonf")
  property(outname="facility" name="syslogfacility-text" format="jsonf")
  property(outname="programname" name="programname" format="jsonf")
  property(outname="message" name="msg" format="jsonf")
}

ruleset(name="to-beacon") {
  action(type="omelasticsearch" server="127.0.0.1" serverport="${esPort}" template="beacon-json"
         searchIndex="${index}" bulkmode="on"${auth}
         errorFile="${dir}/es-errors.json" action.resumeRetryCount="-1" action.resumeInterval="1")
  action(type="omelasticsearch" server="127.0.0.1" serverport="${esPort}"
         searchIndex="${index}-std" bulkmode="on"${auth}
         errorFile="${dir}/es-errors.json" action.resumeRetryCount="-1" action.resumeInterval="1")
}

input(type="imfile" file="${dir}/app.log" tag="billing:" severity="warning" facility="local0"
      ruleset="to-beacon" freshStartTail="off")
`
}

test('rsyslog omelasticsearch delivers log lines into Beacon', { skip: hasRsyslog ? false : INSTALL_HINT, timeout: 120_000 }, async () => {
  const tb: TestBeacon = await startTestBeacon()
  cleanups.push(() => tb.stop())
  const dir = mkdtempSync(join(tmpdir(), 'beacon-rsyslog-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'work'))
  const run = Date.now().toString(36)
  const index = `rsyslog-it-${run}`
  const esPort = Number(new URL(tb.esUrl).port)
  const conf = join(dir, 'rsyslog.conf')
  writeFileSync(conf, rsyslogConfig(dir, esPort, index, tb.ingestKey))
  const logFile = join(dir, 'app.log')
  const lines = Array.from({ length: 5 }, (_, i) => `invoice INV-${run}-${i} issued for order A-${i}`)
  writeFileSync(logFile, lines.slice(0, 3).join('\n') + '\n')

  // rsyslogd checks the config first (-N1) so a config problem fails with its own message.
  const check = spawnSync('rsyslogd', ['-N1', '-f', conf], { encoding: 'utf8' })
  assert.equal(check.status, 0, `rsyslogd rejected the config:\n${check.stdout}${check.stderr}`)

  let output = ''
  const proc: ChildProcess = spawn('rsyslogd', ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'pipe', 'pipe'] })
  proc.stdout!.on('data', (d: Buffer) => { output += d.toString() })
  proc.stderr!.on('data', (d: Buffer) => { output += d.toString() })
  cleanups.push(() => new Promise<void>((resolve) => {
    if (proc.exitCode !== null) return resolve()
    proc.once('exit', () => resolve())
    proc.kill('SIGTERM')
  }))

  // Lines written while rsyslogd runs arrive too.
  await new Promise((r) => setTimeout(r, 1500))
  appendFileSync(logFile, lines.slice(3).join('\n') + '\n')

  type Row = { Body: string; ServiceName: string; SeverityText: string; host: string; facility: string; index: string; ts: string }
  let rows: Row[] = []
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    await tb.flush()
    rows = await tb.store.query<Row>(
      `SELECT Body, ServiceName, SeverityText, ResourceAttributes['host.name'] AS host, LogAttributes['facility'] AS facility,
              LogAttributes['elastic.index'] AS index, toString(Timestamp) AS ts
       FROM otel_logs WHERE LogAttributes['elastic.index'] IN ({index:String}, {std:String}) ORDER BY index, Body`,
      { index, std: `${index}-std` })
    if (rows.length >= 2 * lines.length || proc.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 500))
  }
  const errorsFile = join(dir, 'es-errors.json')
  const diagnostics = `rsyslogd output:\n${output}\nomelasticsearch error file:\n${existsSync(errorsFile) ? readFileSync(errorsFile, 'utf8') : '(none)'}`
  assert.equal(proc.exitCode, null, `rsyslogd exited early (${proc.exitCode}).\n${diagnostics}`)
  const sorted = [...lines].sort()
  assert.deepEqual(rows.map((r) => `${r.index} ${r.Body}`), [...sorted.map((l) => `${index} ${l}`), ...sorted.map((l) => `${index}-std ${l}`)], diagnostics)
  const started = Date.now() - 120_000
  for (const r of rows) {
    assert.equal(r.SeverityText, 'WARN', r.index)
    assert.equal(r.facility, 'local0', r.index)
    assert.ok(Date.parse(r.ts.replace(' ', 'T') + 'Z') > started, `event time from the document: ${r.ts}`)
  }
  for (const r of rows.filter((x) => x.index === index)) {
    assert.equal(r.ServiceName, 'billing') // programname
    assert.ok(r.host.length > 0, 'host → host.name')
  }
  // The default template carries no program name: the service comes from the index name.
  for (const r of rows.filter((x) => x.index !== index)) assert.equal(r.ServiceName, `rsyslog-it-${run}-std`)
  assert.equal(existsSync(errorsFile), false, `omelasticsearch reported item errors:\n${diagnostics}`)
})
