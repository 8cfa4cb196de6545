import { test } from 'node:test'
import assert from 'node:assert/strict'
import { duration, safe, safeLines } from './terminal.ts'

test('ANSI escapes, CR and other C0/C1 controls from log data are shown escaped', () => {
  assert.equal(safe('\x1b[31mred\x1b[0m done'), '\\x1b[31mred\\x1b[0m done')
  assert.equal(safe('progress 10%\rFAKE OK'), 'progress 10%\\rFAKE OK')
  assert.equal(safe('a\nb\tc\x00d\x07e\x08f\x7fg'), 'a\\nb\\tc\\0d\\x07e\\bf\\x7fg')
  assert.equal(safe('\x9b31m C1 CSI, \x85 NEL'), '\\x9b31m C1 CSI, \\x85 NEL')
  assert.equal(safe('\x1b]0;owned\x07title'), '\\x1b]0;owned\\x07title')
  assert.equal(safe('user\u202egnp.exe'), 'user\\u202egnp.exe')
  assert.equal(safe('line\u2028sep'), 'line\\u2028sep')
})

test('printable text, including non-Latin scripts, emoji and backslashes, passes unchanged', () => {
  for (const s of ['заказ ORD-7 отменён', '注文 ✔ 🚀', 'C:\\path\\to', 'tab-free text: ok', '']) assert.equal(safe(s), s)
  assert.equal(safe(null), '')
  assert.equal(safe(42), '42')
})

test('no control character survives safe(), whatever the input', () => {
  let all = ''
  for (let c = 0; c < 0x300; c++) all += String.fromCharCode(c)
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  assert.doesNotMatch(safe(all), /[\u0000-\u001f\u007f-\u009f]/)
})

test('safeLines keeps line breaks and escapes the rest', () => {
  assert.equal(safeLines('a,b\r\n"x\x1b[2J",y\n'), 'a,b\r\n"x\\x1b[2J",y\n')
})

test('durations read naturally', () => {
  assert.equal(duration(0.5), '0.50 ms')
  assert.equal(duration(12.34), '12.3 ms')
  assert.equal(duration(4560), '4.56 s')
  assert.equal(duration(200_000), '3 min 20 s')
  assert.equal(duration(null), '—')
})
