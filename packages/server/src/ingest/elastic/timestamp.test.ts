import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseTimestamp } from './timestamp.ts'

const MS = Date.UTC(2026, 10, 22, 10, 0, 0) // 2026-11-22T10:00:00Z

test('ISO 8601 with nanoseconds keeps every digit', () => {
  assert.equal(parseTimestamp('2026-11-22T10:00:00.123456789Z'), `${MS + 123}456789`)
})

test('fractions longer than nanoseconds are cut, not rounded; odd offsets apply', () => {
  assert.equal(parseTimestamp('2026-11-22T10:00:00.1234567899Z'), `${MS + 123}456789`)
  assert.equal(parseTimestamp('2026-11-22T15:30:00.01+05:30'), `${MS + 10}000000`)
  assert.equal(parseTimestamp('2026-11-22T10:00:00.Z'), undefined)
})

test('ISO 8601 with milliseconds, microseconds, no fraction', () => {
  assert.equal(parseTimestamp('2026-11-22T10:00:00.5Z'), `${MS + 500}000000`)
  assert.equal(parseTimestamp('2026-11-22T10:00:00.123456Z'), `${MS + 123}456000`)
  assert.equal(parseTimestamp('2026-11-22T10:00:00Z'), `${MS}000000`)
})

test('offsets are applied; no zone means UTC (as in Elasticsearch)', () => {
  assert.equal(parseTimestamp('2026-11-22T11:00:00+01:00'), `${MS}000000`)
  assert.equal(parseTimestamp('2026-11-22T05:30:00-0430'), `${MS}000000`)
  assert.equal(parseTimestamp('2026-11-22 10:00:00'), `${MS}000000`)
  assert.equal(parseTimestamp('2026-11-22T10:00:00.000+00:00'), `${MS}000000`)
})

test('a date alone is midnight UTC', () => {
  assert.equal(parseTimestamp('2026-11-22'), `${Date.UTC(2026, 10, 22)}000000`)
})

test('epoch numbers: unit by magnitude', () => {
  assert.equal(parseTimestamp(String(MS)), `${MS}000000`) // millis (Beats, epoch_millis)
  assert.equal(parseTimestamp(String(MS / 1000)), `${MS}000000`) // seconds
  assert.equal(parseTimestamp(`${MS / 1000}.25`), `${MS + 250}000000`) // seconds with fraction (Fluent Bit)
  assert.equal(parseTimestamp(`${MS}123`), `${MS}123000`) // micros
  assert.equal(parseTimestamp(`${MS}123456`), `${MS}123456`) // nanos
})

test('small numbers are not times (durations in `time`)', () => {
  assert.equal(parseTimestamp('12.5'), undefined)
  assert.equal(parseTimestamp('200'), undefined)
})

test('RFC 2822 via Date.parse; garbage and pre-1970 rejected', () => {
  assert.equal(parseTimestamp('Sun, 22 Nov 2026 10:00:00 GMT'), `${MS}000000`)
  assert.equal(parseTimestamp('yesterday-ish'), undefined)
  assert.equal(parseTimestamp('1960-01-01T00:00:00Z'), undefined)
  assert.equal(parseTimestamp('2026-13-40T10:00:00Z'), undefined)
})
