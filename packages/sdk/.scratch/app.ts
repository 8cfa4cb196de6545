import Fastify from 'fastify'
import pg from 'pg'
import amqp from 'amqplib'
const app = Fastify()
const pool = new pg.Pool({ host: '127.0.0.1', user: 'postgres', database: 'postgres' })
app.get('/hello/:id', async () => { const r = await pool.query('select 1 as x'); return { x: r.rows[0].x } })
await app.listen({ port: 0 })
const port = (app.server.address() as any).port
const res = await fetch(`http://127.0.0.1:${port}/hello/1`)
console.log(await res.text())
const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672')
const ch = await conn.createChannel()
const q = await ch.assertQueue('', { exclusive: true })
await new Promise<void>((resolve) => { ch.consume(q.queue, (m) => { console.log('got', m?.content.toString()); ch.ack(m!); resolve() }); ch.sendToQueue(q.queue, Buffer.from('hi')) })
await conn.close(); await app.close(); await pool.end()
