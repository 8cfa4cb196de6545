#!/usr/bin/env node
// One test command for every package: finds *.test.ts files and hands them to node's test runner (tsx for TS).
//   node scripts/test.mjs            every test
//   node scripts/test.mjs --unit     skip *.int.test.ts (integration: servers, brokers, browsers)
//   node scripts/test.mjs PATTERN    only files whose path contains PATTERN
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { spawnSync } from 'node:child_process'
import { buildUi } from './build-ui.mjs'

const root = new URL('..', import.meta.url).pathname
const args = process.argv.slice(2)
const unitOnly = args.includes('--unit')
const filters = args.filter((a) => !a.startsWith('--'))
const skipDirs = new Set(['node_modules', 'dist', 'data', '.git', '.tmp'])

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (skipDirs.has(name)) continue
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p, out)
    else if (/\.test\.tsx?$/.test(name)) out.push(relative(root, p))
  }
  return out
}

const files = ['packages', 'examples', 'bench']
  .flatMap((d) => { try { return walk(join(root, d), []) } catch { return [] } })
  .filter((f) => !unitOnly || !f.includes('.int.test.'))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort()

if (files.length === 0) { console.error('no test files matched'); process.exit(1) }
// Integration tests serve or drive the built web UI. Built once here, before files run side by side:
// two test files building it at once emptied each other's dist/ (a missing asset failed one of them).
if (files.some((f) => f.includes('.int.test.'))) await buildUi()
const concurrency = process.env.BEACON_TEST_CONCURRENCY ?? '2'
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=240000', ...files], {
  cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' },
})
process.exit(r.status ?? 1)
