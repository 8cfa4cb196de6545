import { test } from 'node:test'
import assert from 'node:assert/strict'
import Fastify from 'fastify'
import pino from 'pino'
import { parseQuery } from '@beacon/query'
import { installErrorHandler } from '../src/api/http-errors.ts'
import { BeaconError, ERRORS } from '../src/errors.ts'

/** Every HTTP error body comes from the catalogue: `{error: <catalogue code>, message, …}`. */
test('the API error handler answers every kind of failure with a catalogue body', async () => {
  const lines: string[] = []
  const app = Fastify()
  installErrorHandler(app, pino({ level: 'error' }, { write: (l: string) => lines.push(l) }))
  app.get('/beacon', async () => { throw new BeaconError('invalid_time', 'from is after to') })
  app.get('/query', async () => parseQuery('level:(error'))
  app.get('/crash', async () => { throw new Error('secret internals at /srv/db') })
  app.post('/json', async () => 'ok')
  const cases: [string, string, number, string][] = [
    ['GET', '/beacon', 400, 'invalid_time'],
    ['GET', '/query', 400, 'invalid_query'],
    ['GET', '/crash', 500, 'internal'],
    ['POST', '/json', 400, 'bad_request'],
    ['GET', '/nowhere', 404, 'not_found'],
  ]
  for (const [method, url, status, code] of cases) {
    const res = await app.inject({ method: method as 'GET', url, ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, payload: '{bad' } : {}) })
    assert.equal(res.statusCode, status, url)
    const body = res.json() as Record<string, unknown>
    assert.equal(body.error, code, url)
    assert.ok(code in ERRORS, `${code} is in the catalogue`)
    assert.equal(typeof body.message, 'string')
    if (code === 'invalid_query') assert.equal(typeof body.position, 'number')
    if (code === 'internal') assert.doesNotMatch(res.body, /secret internals/)
  }
  assert.ok(lines.some((l) => l.includes('secret internals')), 'the internal error is logged, not answered')
  await app.close()
})
