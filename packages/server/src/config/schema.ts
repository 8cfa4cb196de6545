import { z } from 'zod'

/**
 * The one configuration schema. Sources, lowest to highest precedence: defaults here,
 * `beacon.config.yaml` (or the file named by `BEACON_CONFIG`), `BEACON_*` environment variables
 * (see `ENV_OVERRIDES` in load.ts). Validated once at start; every problem is listed.
 */

const port = z.number().int().min(0).max(65535)
const positive = z.number().int().positive()

export const businessKeysSchema = z.object({
  orderId: z.array(z.string().min(1)).min(1).default(['order.id', 'order_id', 'orderId', 'order.number']),
  userId: z.array(z.string().min(1)).min(1).default(['user.id', 'userId', 'enduser.id', 'user_id']),
  httpStatus: z.array(z.string().min(1)).min(1).default(['http.response.status_code', 'http.status_code', 'status']),
  httpRoute: z.array(z.string().min(1)).min(1).default(['http.route', 'url.template', 'route']),
  eventAction: z.array(z.string().min(1)).min(1).default(['event.action']),
  clientIp: z.array(z.string().min(1)).min(1).default(['client.address', 'client.ip', 'source.ip', 'http.client_ip', 'net.peer.ip']),
})

export const limitsSchema = z.object({
  /** Largest request body accepted on the wire (compressed), bytes. */
  maxBodyBytes: positive.default(16 * 1024 * 1024),
  /** Largest body after gzip decompression, bytes (gzip-bomb guard). */
  maxDecompressedBytes: positive.default(64 * 1024 * 1024),
  /** Attributes kept per record; the rest are dropped and `beacon.truncated` is set. */
  maxAttributes: positive.default(256),
  /** Nesting depth flattened from JSON/ECS objects; deeper values are kept as JSON text. */
  maxDepth: positive.default(8),
  /** Longest attribute value, bytes; longer values are cut and end with '…[truncated]'. */
  maxAttributeValueBytes: positive.default(16 * 1024),
  /** Longest log body, bytes. */
  maxBodyFieldBytes: positive.default(256 * 1024),
})

export const configSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  dataDir: z.string().min(1).default('./data'),
  ports: z.object({
    api: port.default(5080),
    otlp: port.default(4318),
    elastic: port.default(9200),
  }).default({ api: 5080, otlp: 4318, elastic: 9200 }),
  clickhouse: z.object({
    /** Empty: embedded chDB in `<dataDir>/clickhouse`. Otherwise an http(s) URL of a ClickHouse server. */
    url: z.string().default(''),
    username: z.string().default('default'),
    password: z.string().default(''),
    database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and _ only').default('default'),
  }).default({ url: '', username: 'default', password: '', database: 'default' }),
  retention: z.object({
    /** Hot retention for logs and spans, days (DESIGN §1: 14–30). */
    days: z.number().int().min(1).max(3650).default(30),
  }).default({ days: 30 }),
  businessKeys: businessKeysSchema.default(businessKeysSchema.parse({})),
  limits: limitsSchema.default(limitsSchema.parse({})),
  ingest: z.object({
    /** Most bytes acknowledged but not yet in the store; above it receivers answer 429/503. */
    maxPendingBytes: positive.default(256 * 1024 * 1024),
    /** How long the store writer waits to gather more rows into one insert, ms. */
    flushIntervalMs: positive.default(500),
    /** Rows that trigger an insert without waiting for the interval. */
    flushRows: positive.default(100_000),
    /** fsync the write-ahead log before acknowledging (turn off only for throw-away test data). */
    fsync: z.boolean().default(true),
  }).default({ maxPendingBytes: 256 * 1024 * 1024, flushIntervalMs: 500, flushRows: 100_000, fsync: true }),
  log: z.object({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  }).default({ level: 'info' }),
})

export type Config = z.infer<typeof configSchema>
export type BusinessKeys = z.infer<typeof businessKeysSchema>
