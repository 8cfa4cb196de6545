/**
 * MES worker: consumes production orders from RabbitMQ and runs them through production,
 * reporting each status change to the MES API:
 *
 *   message ─▶ accepted ─▶ cost ─▶ scheduled ─▶ in_production ─▶ quality_check ─▶ done
 *                           │ fails                 │ equipment failure (FATAL)
 *                           ▼                       ▼
 *                cost.calculation_failed (ERROR)   failed
 *                           ▼
 *                         failed
 *
 * A message that is not a production order (poison) fails in the consumer wrapper (ERROR) and is
 * dead-lettered; the dead-letter watcher logs it again (WARN) with the x-death data.
 */
import amqp from 'amqplib'
import { consumeWithLogging, watchDeadLetters, type Beacon } from '@beacon/sdk'
import { loadCompanyConfig } from '../shared/config.ts'
import { createJsonClient, UpstreamError } from '../shared/http-client.ts'
import { assertTopology, topologyNames } from '../shared/topology.ts'
import type { Running } from '../shared/service.ts'
import { calculateCost } from './cost.ts'

interface ProductionOrder {
  orderId: string
  customerId?: number
  items: { sku: string; qty: number }[]
}

const EQUIPMENT = ['press-1', 'press-2', 'lathe-1', 'mill-1']

function validate(body: unknown): ProductionOrder {
  const o = body as Partial<ProductionOrder> | null
  if (o === null || typeof o !== 'object') throw new TypeError('production order must be a JSON object')
  if (typeof o.orderId !== 'string' || o.orderId === '') throw new TypeError('production order has no orderId')
  if (!Array.isArray(o.items) || o.items.length === 0) throw new TypeError(`production order ${o.orderId} has no items`)
  for (const i of o.items) if (typeof i?.sku !== 'string' || !Number.isInteger(i?.qty)) throw new TypeError(`production order ${o.orderId} has a malformed item`)
  return o as ProductionOrder
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function start(beacon: Beacon): Promise<Running> {
  const cfg = loadCompanyConfig()
  const { logger, events } = beacon
  const mes = createJsonClient('mes-api', cfg.urls.mes)
  const topo = topologyNames(cfg.mqPrefix)
  const conn = await amqp.connect(cfg.amqpUrl)
  conn.on('error', (err) => logger.error({ err }, 'RabbitMQ connection error'))
  const ch = await conn.createChannel()
  await assertTopology(ch, topo)
  const watchCh = await conn.createChannel()

  async function setStatus(orderId: string, status: string, reason?: string): Promise<void> {
    await mes.request('PATCH', `/production-orders/${encodeURIComponent(orderId)}/status`, { status, reason })
  }

  async function produce(order: ProductionOrder): Promise<void> {
    const { orderId } = order
    await mes.request('POST', '/production-orders', { orderId, items: order.items })
    const equipmentId = EQUIPMENT[Math.abs(hash(orderId)) % EQUIPMENT.length]

    let cost: number
    try {
      cost = calculateCost(order.items)
    } catch (error) {
      events.costCalculationFailed({ orderId, error: error as Error, 'equipment.id': equipmentId })
      await setStatus(orderId, 'failed', 'cost calculation failed')
      return
    }
    await mes.request('PATCH', `/production-orders/${encodeURIComponent(orderId)}`, { cost, equipmentId })
    logger.info({ 'order.id': orderId, cost, 'equipment.id': equipmentId }, `order ${orderId} costed at ${cost}`)

    await sleep(cfg.stepMs)
    await setStatus(orderId, 'scheduled')
    await sleep(cfg.stepMs)
    await setStatus(orderId, 'in_production')
    await mes.request('POST', `/equipment/${equipmentId}/events`, { kind: 'job_started', orderId })

    const jams = order.items.some((i) => i.sku === 'JAM-PRESS') || Math.random() < cfg.equipmentFailureRate
    await sleep(cfg.stepMs)
    if (jams) {
      const error = new Error(`${equipmentId}: hydraulic pressure dropped to 12 bar during stroke`)
      events.equipmentFailure({ equipmentId, orderId, error })
      await mes.request('POST', `/equipment/${equipmentId}/events`, { kind: 'failure', orderId, detail: { pressureBar: 12 } })
      await setStatus(orderId, 'failed', `equipment failure on ${equipmentId}`)
      return
    }
    await setStatus(orderId, 'quality_check')
    await sleep(cfg.stepMs)
    await setStatus(orderId, 'done')
    logger.info({ 'order.id': orderId }, `order ${orderId} produced`)
  }

  await consumeWithLogging(ch, topo.queue, async (body) => produce(validate(body)), {
    logger,
    prefetch: 8,
    // The MES API being briefly away is worth one more try; anything else goes to the dead letters.
    requeue: (err, msg) => !msg.fields.redelivered && err instanceof UpstreamError && err.status >= 500,
  })
  const watcher = await watchDeadLetters(watchCh, { logger, exchange: topo.deadLetterExchange })
  logger.info({ queue: topo.queue, deadLetters: watcher.queue }, 'mes-worker consuming')

  return {
    async close() {
      await watcher.stop()
      await conn.close().catch(() => {})
    },
  }
}

function hash(s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0
  return h
}
