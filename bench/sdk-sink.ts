/** An OTLP/HTTP sink for the SDK benchmark: accepts every export, counts bytes, keeps nothing. */
import { createServer } from 'node:http'

let bytes = 0
let requests = 0
const server = createServer((req, res) => {
  req.on('data', (c: Buffer) => { bytes += c.length })
  req.on('end', () => {
    requests++
    res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': '0' })
    res.end()
  })
})
server.listen(Number(process.env.SINK_PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`READY ${(server.address() as { port: number }).port}\n`)
})
process.on('SIGTERM', () => {
  process.stdout.write(`SINK ${requests} ${bytes}\n`)
  process.exit(0)
})
