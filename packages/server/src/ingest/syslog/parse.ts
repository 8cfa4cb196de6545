import type { Config } from '../../config/schema.ts'
import { attrs, type Attributes, type LogRecord } from '../../pipeline/record.ts'

/**
 * One syslog message → one LogRecord, for both formats seen on the wire:
 *
 *   RFC 5424  <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ID k="v" …]… MSG
 *   RFC 3164  <PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG
 *
 *   PRI = facility × 8 + severity   → `syslog.facility`, severity → level (0–2 FATAL … 7 DEBUG)
 *   APP-NAME (5424) or TAG (3164)   → service name ('' when absent: the normalize stage names it)
 *   HOSTNAME                        → resource `host.name`
 *   structured data                 → attributes (`[order@32473 id="A-1"]` → `order.id`, configurable)
 *
 * Nothing is rejected: RFC 3164 §4.3.3 says a relay passes on what it cannot parse, so text
 * without a PRI is a user.notice message with the whole text as its body.
 */

export type SyslogOptions = Pick<Config['receivers']['syslog'], 'structuredDataKeys' | 'renameAttributes'>

const FACILITIES = ['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'security', 'console', 'solaris-cron',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7']
/** Syslog severity → [canonical level, OpenTelemetry severity number]. */
const LEVELS: [string, number][] = [['FATAL', 23], ['FATAL', 22], ['FATAL', 21], ['ERROR', 17], ['WARN', 13], ['INFO', 10], ['INFO', 9], ['DEBUG', 5]]
const SEVERITY_NAMES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug']
const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 }

const PRI = /^<(\d{1,3})>/
const RFC5424_HEAD = /^1 (\S+) (\S+) (\S+) (\S+) (\S+) /
const RFC3164_TIME = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) /
const TAG = /^([^\s:[\]]{1,48})(?:\[([^\]]{0,128})\])?:? ?/
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/

/** Parses one message (without framing). `receivedNano`: arrival time, ns since epoch. */
export function parseSyslog(text: string, receivedNano: string, opts: SyslogOptions): LogRecord {
  const attributes = attrs()
  const resource = attrs()
  const record: LogRecord = {
    timeUnixNano: receivedNano, observedTimeUnixNano: receivedNano, severityText: '', severityNumber: 0,
    serviceName: '', body: '', traceId: '', spanId: '', traceFlags: 0, eventName: '', scopeName: 'syslog', scopeVersion: '',
    resource, attributes,
  }
  let rest = text.replace(/[\r\n\0]+$/, '')
  let pri = 13 // RFC 3164 §4.3.3: no PRI → user.notice
  const m = PRI.exec(rest)
  if (m && Number(m[1]) <= 191) {
    pri = Number(m[1])
    rest = rest.slice(m[0].length)
  }
  const facility = pri >> 3
  const severity = pri & 7
  ;[record.severityText, record.severityNumber] = LEVELS[severity]
  attributes['syslog.facility'] = FACILITIES[facility] ?? String(facility)
  attributes['syslog.severity'] = SEVERITY_NAMES[severity]

  const h = m ? RFC5424_HEAD.exec(rest) : null
  if (h) {
    attributes['syslog.format'] = 'rfc5424'
    const [, time, host, app, procid, msgid] = h
    if (time !== '-') record.timeUnixNano = rfc3339Nano(time) ?? receivedNano
    if (host !== '-') resource['host.name'] = host
    if (app !== '-') record.serviceName = app
    if (procid !== '-') setProcId(attributes, procid)
    if (msgid !== '-') attributes['syslog.msgid'] = msgid
    rest = rest.slice(h[0].length)
    rest = readStructuredData(rest, attributes, opts)
    // MSG may start with a UTF-8 byte order mark (RFC 5424 §6.4).
    record.body = rest.startsWith('\uFEFF') ? rest.slice(1) : rest
  } else {
    attributes['syslog.format'] = 'rfc3164'
    const t = RFC3164_TIME.exec(rest)
    if (t) {
      record.timeUnixNano = rfc3164Nano(t, receivedNano)
      rest = rest.slice(t[0].length)
      // HOSTNAME, unless the sender left it out (then the next word is the tag, ending in ':').
      const sp = rest.indexOf(' ')
      const word = sp > 0 ? rest.slice(0, sp) : ''
      if (word !== '' && !word.endsWith(':') && !word.includes('[')) {
        resource['host.name'] = word
        rest = rest.slice(sp + 1)
      }
    }
    const tag = m ? TAG.exec(rest) : null
    if (tag && (tag[0].includes(':') || tag[2] !== undefined)) {
      record.serviceName = tag[1]
      if (tag[2]) setProcId(attributes, tag[2])
      rest = rest.slice(tag[0].length)
    }
    record.body = rest
  }
  for (const [from, to] of Object.entries(opts.renameAttributes)) {
    // a copy without the old key, not `delete`: that would turn the map into a slow dictionary for
    // every later stage and the encoder; the new key comes last, as an assignment after delete puts it
    const value = record.attributes[from]
    if (value !== undefined && from !== to) { record.attributes = without(record.attributes, from); record.attributes[to] = value }
  }
  return record
}

function without(map: Attributes, key: string): Attributes {
  const out = attrs()
  for (const k in map) if (k !== key) out[k] = map[k]
  return out
}

function setProcId(attributes: Record<string, string>, procid: string): void {
  if (/^\d{1,10}$/.test(procid)) attributes['process.pid'] = procid
  else attributes['syslog.procid'] = procid
}

/** `[id k="v" k2="v\"2"][id2 …]` or `-`; returns the rest (MSG). */
function readStructuredData(s: string, out: Record<string, string>, opts: SyslogOptions): string {
  if (s.startsWith('- ')) return s.slice(2)
  if (s === '-') return ''
  let i = 0
  while (s[i] === '[') {
    const idEnd = s.slice(i + 1).search(/[ \]]/)
    if (idEnd < 0) return s.slice(i)
    const sdId = s.slice(i + 1, i + 1 + idEnd)
    i += 1 + idEnd
    while (s[i] === ' ') {
      const eq = s.indexOf('="', i)
      if (eq < 0) return s.slice(i)
      const name = s.slice(i + 1, eq)
      let j = eq + 2
      let value = ''
      while (j < s.length && s[j] !== '"') {
        // PARAM-VALUE escapes: \" \\ \] (RFC 5424 §6.3.3)
        if (s[j] === '\\' && j + 1 < s.length && '"\\]'.includes(s[j + 1])) { value += s[j + 1]; j += 2 } else value += s[j++]
      }
      out[sdKey(sdId, name, opts)] = value
      i = j + 1
    }
    if (s[i] !== ']') return s.slice(i)
    i++
  }
  return s[i] === ' ' ? s.slice(i + 1) : s.slice(i)
}

function sdKey(sdId: string, param: string, opts: SyslogOptions): string {
  switch (opts.structuredDataKeys) {
    case 'param': return param
    case 'id': return `${sdId}.${param}`
    default: {
      const at = sdId.indexOf('@')
      return `${at > 0 ? sdId.slice(0, at) : sdId}.${param}`
    }
  }
}

function rfc3339Nano(s: string): string | undefined {
  const m = RFC3339.exec(s)
  if (!m) return undefined
  const ms = Date.parse(`${m[1]}${m[3]}`)
  if (Number.isNaN(ms)) return undefined
  return (BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0') || '0')).toString()
}

/** RFC 3164 times have no year and no zone: this server's zone, and the year that is not in the future. */
function rfc3164Nano(t: RegExpExecArray, receivedNano: string): string {
  const month = MONTHS[t[1]]
  if (month === undefined) return receivedNano
  const now = new Date()
  let d = new Date(now.getFullYear(), month, Number(t[2]), Number(t[3]), Number(t[4]), Number(t[5]))
  if (d.getTime() > now.getTime() + 86_400_000) d = new Date(now.getFullYear() - 1, month, Number(t[2]), Number(t[3]), Number(t[4]), Number(t[5]))
  return Number.isNaN(d.getTime()) ? receivedNano : (BigInt(d.getTime()) * 1_000_000n).toString()
}
