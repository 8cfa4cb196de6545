import { createWriteStream } from 'node:fs'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { StringDecoder } from 'node:string_decoder'
import { createClient, type ApiOptions } from './client.ts'
import { safeLines } from './terminal.ts'

interface ExportOptions extends ApiOptions { from?: string; to?: string; target?: string; format?: string; fields?: string; limit?: string; output?: string }

/**
 * `beacon export '<query>'`: streams GET /api/export to a file (`--output`) or stdout. `--json` is
 * NDJSON (the default), `--format csv` CSV. On a terminal, control characters in the data are shown
 * escaped (line breaks kept); into a file or a pipe the bytes are exactly what the server sent.
 */
export async function exportCommand(q: string, opts: ExportOptions): Promise<void> {
  const client = createClient(opts)
  const format = opts.json ? 'ndjson' : opts.format ?? 'ndjson'
  const res = await client.raw('/api/export', {
    q, from: opts.from ?? 'now-15m', to: opts.to ?? 'now', target: opts.target ?? 'logs', format, fields: opts.fields, limit: opts.limit,
  })
  const total = Number(res.headers.get('x-beacon-total') ?? 0)
  const truncated = res.headers.get('x-beacon-truncated') === 'true'
  const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>)
  const toTerminal = !opts.output && process.stdout.isTTY
  let bytes = 0
  const decoder = new StringDecoder('utf8') // a character may be split between chunks
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length
      done(null, toTerminal ? safeLines(decoder.write(chunk)) : chunk)
    },
    flush(done) { done(null, toTerminal ? safeLines(decoder.end()) : undefined) },
  })
  await pipeline(body, count, opts.output ? createWriteStream(opts.output) : process.stdout)
  const note = `${total} matching record${total === 1 ? '' : 's'}${truncated ? ' — more than the export cap (BEACON_EXPORT_MAX_RECORDS) or --limit: narrow the query or the time range' : ''}`
  process.stderr.write(opts.output ? `wrote ${bytes} bytes to ${opts.output}; ${note}\n` : `— ${note}\n`)
}
