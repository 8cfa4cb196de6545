import { createClient, type ApiOptions } from './client.ts'
import { hitLine, type Hit } from './format.ts'

interface TailOptions extends ApiOptions { target?: string }

/** Server-sent events from a byte stream: `{ event, data }` per message; comments (heartbeats) skipped. */
export async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  const decoder = new TextDecoder()
  let buffer = ''
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true })
    let end: number
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '')
      let event = 'message'
      const data: string[] = []
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(':')) continue
        const [field, ...rest] = line.split(':')
        const value = rest.join(':').replace(/^ /, '')
        if (field === 'event') event = value
        else if (field === 'data') data.push(value)
      }
      if (data.length) yield { event, data: data.join('\n') }
    }
  }
}

/**
 * `beacon tail '<query>'`: new records that match, as Beacon acknowledges them (GET /api/tail,
 * server-sent events), one line each (`--json`: one JSON object per line). When the server's
 * per-client rate cap drops records, a line on stderr says how many. Ctrl-C stops.
 */
export async function tailCommand(q: string, opts: TailOptions): Promise<void> {
  const client = createClient(opts)
  const abort = new AbortController()
  let shown = 0
  let dropped = 0
  const stop = () => {
    abort.abort()
    process.stderr.write(`\n— ${shown} record${shown === 1 ? '' : 's'} shown${dropped ? `, ${dropped} dropped by the server's rate cap` : ''}\n`)
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  const res = await client.raw('/api/tail', { q, target: opts.target ?? 'logs' }, { headers: { accept: 'text/event-stream' }, signal: abort.signal })
  if (!opts.json) process.stderr.write(`following ${q || 'everything'} on ${client.base} (${opts.target ?? 'logs'}); Ctrl-C to stop\n`)
  try {
    for await (const m of sseEvents(res.body!)) {
      if (m.event === 'record') {
        shown++
        process.stdout.write(opts.json ? `${JSON.stringify(JSON.parse(m.data))}\n` : `${hitLine(JSON.parse(m.data) as Hit)}\n`)
      } else if (m.event === 'dropped') {
        const n = Number((JSON.parse(m.data) as { count?: number }).count ?? 0)
        dropped += n
        process.stderr.write(`… ${n} record${n === 1 ? '' : 's'} dropped (more than the server sends a client per second)\n`)
      }
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err
  }
  process.stderr.write('the server closed the tail\n')
}
