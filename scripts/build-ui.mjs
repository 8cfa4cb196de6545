#!/usr/bin/env node
// Builds the web UI (packages/ui → packages/ui/dist) when it is missing or older than its sources,
// so `npm ci && npm start` serves the UI with no extra step. Prints the first page's gzipped size.
//   node scripts/build-ui.mjs          build when stale
//   node scripts/build-ui.mjs --force  always build
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const ui = new URL('../packages/ui/', import.meta.url).pathname
const dist = join(ui, 'dist')
const stamp = join(dist, '.built')

function newest(p) {
  const s = statSync(p)
  if (!s.isDirectory()) return s.mtimeMs
  return readdirSync(p).reduce((m, n) => Math.max(m, newest(join(p, n))), s.mtimeMs)
}

/** Gzipped bytes of what the browser loads for the first page: the entry script, its static imports and CSS. */
export function firstPageBytes(dir = dist) {
  const html = readFileSync(join(dir, 'index.html'), 'utf8')
  const refs = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1])
  let js = 0; let css = 0
  for (const r of refs) {
    const n = gzipSync(readFileSync(join(dir, r))).length
    if (r.endsWith('.js')) js += n; else css += n
  }
  return { js, css, files: refs }
}

export async function buildUi({ force = false, quiet = false } = {}) {
  const sources = Math.max(newest(join(ui, 'src')), newest(join(ui, 'index.html')), newest(join(ui, 'vite.config.ts')), newest(join(ui, 'public')),
    // The query bar's highlighting uses the query package's lexer.
    newest(join(ui, '../query/src/lexer.ts')), newest(join(ui, '../query/src/errors.ts')))
  if (!force && existsSync(stamp) && statSync(stamp).mtimeMs >= sources && existsSync(join(dist, 'index.html'))) return false
  const t0 = Date.now()
  if (!quiet) process.stdout.write('Building the web UI… ')
  const { build } = await import('vite')
  await build({ root: ui, configFile: join(ui, 'vite.config.ts'), logLevel: 'error' })
  writeFileSync(stamp, new Date().toISOString() + '\n')
  if (!quiet) {
    const size = firstPageBytes()
    process.stdout.write(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s (first page: ${(size.js / 1024).toFixed(1)} KB JS + ${(size.css / 1024).toFixed(1)} KB CSS gzipped)\n`)
  }
  return true
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildUi({ force: process.argv.includes('--force') }).catch((err) => {
    console.error(`The web UI could not be built: ${err.message}`)
    process.exit(1)
  })
}
