/** The CRM's tables (schema `crm`). */
export const CRM_SCHEMA = [
  'CREATE SCHEMA IF NOT EXISTS crm',
  `CREATE TABLE IF NOT EXISTS crm.customers (
    id           bigserial PRIMARY KEY,
    email        text NOT NULL UNIQUE,
    name         text NOT NULL,
    password_hash text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS crm.orders (
    id           text PRIMARY KEY,
    customer_id  bigint NOT NULL REFERENCES crm.customers(id),
    items        jsonb NOT NULL,
    total        numeric(12,2) NOT NULL,
    card_last4   text,
    status       text NOT NULL DEFAULT 'new',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
  )`,
  'CREATE INDEX IF NOT EXISTS orders_customer ON crm.orders (customer_id)',
]
