/** The MES's tables (schema `mes`). */
export const MES_SCHEMA = [
  'CREATE SCHEMA IF NOT EXISTS mes',
  `CREATE TABLE IF NOT EXISTS mes.production_orders (
    order_id     text PRIMARY KEY,
    status       text NOT NULL,
    items        jsonb NOT NULL DEFAULT '[]',
    cost         numeric(12,2),
    equipment_id text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS mes.status_history (
    id           bigserial PRIMARY KEY,
    order_id     text NOT NULL REFERENCES mes.production_orders(order_id),
    from_status  text,
    to_status    text NOT NULL,
    reason       text,
    at           timestamptz NOT NULL DEFAULT now()
  )`,
  'CREATE INDEX IF NOT EXISTS status_history_order ON mes.status_history (order_id, id)',
  `CREATE TABLE IF NOT EXISTS mes.equipment_events (
    id           bigserial PRIMARY KEY,
    equipment_id text NOT NULL,
    kind         text NOT NULL,
    order_id     text,
    detail       jsonb,
    at           timestamptz NOT NULL DEFAULT now()
  )`,
]

/** Production statuses and the moves allowed between them. */
export const TRANSITIONS: Record<string, string[]> = {
  accepted: ['scheduled', 'failed'],
  scheduled: ['in_production', 'failed'],
  in_production: ['quality_check', 'failed'],
  quality_check: ['done', 'in_production', 'failed'],
  done: [],
  failed: [],
}
