/**
 * The company's settings, read once from the environment (defaults = the local demo).
 *
 *   COMPANY_DATABASE_URL   postgres://postgres@127.0.0.1:5432/beacon_demo
 *   COMPANY_AMQP_URL       amqp://guest:guest@127.0.0.1:5672
 *   COMPANY_MQ_PREFIX      prefix of exchange/queue names ('' → production, production.orders, …)
 *   SHOP_PORT / CRM_PORT / MES_PORT     3001 / 3002 / 3003
 *   CRM_URL / MES_URL      where the shop finds the CRM, and the CRM and worker find the MES API
 *   MES_STEP_MS            time the worker spends in each production step (default 300)
 *   MES_EQUIPMENT_FAILURE_RATE  chance per order of a random equipment failure (default 0)
 *   COMPANY_ALLOW_CRASH    1 → POST /debug/crash makes the service crash (the demo's "service crash")
 */
export interface CompanyConfig {
  databaseUrl: string
  amqpUrl: string
  mqPrefix: string
  host: string
  ports: { shop: number; crm: number; mes: number }
  urls: { crm: string; mes: string }
  stepMs: number
  equipmentFailureRate: number
  allowCrash: boolean
}

function int(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const v = env[name]
  if (v === undefined || v === '') return dflt
  const n = Number(v)
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number (got ${v})`)
  return n
}

export function loadCompanyConfig(env: NodeJS.ProcessEnv = process.env): CompanyConfig {
  const host = env.COMPANY_HOST ?? '127.0.0.1'
  const ports = { shop: int(env, 'SHOP_PORT', 3001), crm: int(env, 'CRM_PORT', 3002), mes: int(env, 'MES_PORT', 3003) }
  return {
    databaseUrl: env.COMPANY_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/beacon_demo',
    amqpUrl: env.COMPANY_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    mqPrefix: env.COMPANY_MQ_PREFIX ?? '',
    host,
    ports,
    urls: { crm: env.CRM_URL ?? `http://${host}:${ports.crm}`, mes: env.MES_URL ?? `http://${host}:${ports.mes}` },
    stepMs: int(env, 'MES_STEP_MS', 300),
    equipmentFailureRate: int(env, 'MES_EQUIPMENT_FAILURE_RATE', 0),
    allowCrash: env.COMPANY_ALLOW_CRASH === '1' || env.COMPANY_ALLOW_CRASH === 'true',
  }
}
