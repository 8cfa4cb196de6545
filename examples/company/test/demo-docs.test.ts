/** The demo's README and `--help` name every environment variable the demo reads. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'

const demo = readFileSync(new URL('../src/demo.ts', import.meta.url), 'utf8')
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

test('every variable demo.ts reads is in the README and in --help', () => {
  const used = [...new Set([...demo.matchAll(/process\.env\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]))].filter((v) => v !== 'PATH' && v !== 'HOME')
  assert.ok(used.includes('DEMO_BEACON_API_PORT'))
  const help = demo.slice(demo.indexOf("say(`npm run demo"), demo.indexOf('process.exit(0)'))
  for (const v of used) {
    assert.ok(readme.includes(`\`${v}\``), `README.md does not mention ${v}`)
    if (v.startsWith('DEMO_')) assert.ok(help.includes(v), `--help does not mention ${v}`)
  }
})
