import { z } from 'zod'
import { isIP } from 'node:net'
import { securityDataConfigSchema } from '../security/stages.ts'
import { archiveSchema, retentionSchema } from '../retention/config.ts'
import { alertsConfigSchema, DEFAULT_ALERTS_CONFIG } from '../alerts/config.ts'

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

/** Permissions a role may grant (DESIGN §5); routes declare which one they need. */
export const PERMISSIONS = [
  'logs:read', 'traces:read', 'aggregates:read', 'sensitive:decrypt', 'alerts:read', 'alerts:manage',
  'users:manage', 'keys:manage', 'retention:manage', 'audit:read',
] as const

/** Default roles; a user with several roles gets the union of their permissions. */
export const DEFAULT_ROLES: Record<string, (typeof PERMISSIONS)[number][]> = {
  support: ['logs:read', 'traces:read', 'sensitive:decrypt', 'alerts:read'],
  developer: ['logs:read', 'traces:read', 'alerts:read'],
  analyst: ['aggregates:read', 'alerts:read'],
  admin: ['users:manage', 'keys:manage', 'alerts:read', 'alerts:manage', 'retention:manage'],
  auditor: ['audit:read'],
}

/** `10.0.0.0/8`, `192.168.1.7`, `fd00::/8`: an address or a network in CIDR notation. */
const cidr = z.string().refine((s) => {
  const [addr, bits, extra] = s.split('/')
  const v = isIP(addr ?? '')
  if (v === 0 || extra !== undefined) return false
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (v === 4 ? 32 : 128))
}, 'expected an IP address or a CIDR network such as 10.0.0.0/8')

/** Receivers beyond OTLP/HTTP and Elasticsearch bulk (docs/ingest.md). */
export const receiversSchema = z.object({
  syslog: z.object({
    /** Syslog has no credentials: senders in these networks are accepted; others need a TLS client certificate. */
    allowNetworks: z.array(cidr).default(['127.0.0.0/8', '::1/128']),
    /** PEM CA file: TLS clients presenting a certificate it signed are accepted from any address. */
    clientCa: z.string().default(''),
    /**
     * How RFC 5424 structured data becomes attributes: `name` (`[order@32473 id="A-1"]` → `order.id`),
     * `id` (→ `order@32473.id`) or `param` (→ `id`).
     */
    structuredDataKeys: z.enum(['name', 'id', 'param']).default('name'),
    /** Attribute renames applied after that mapping, e.g. `{ "origin.ip": "client.ip" }`. */
    renameAttributes: z.record(z.string(), z.string().min(1)).default({}),
    /** Longest syslog message, bytes (longer: the TCP connection is closed, the UDP datagram dropped). */
    maxMessageBytes: positive.default(64 * 1024),
  }).default({ allowNetworks: ['127.0.0.0/8', '::1/128'], clientCa: '', structuredDataKeys: 'name', renameAttributes: {}, maxMessageBytes: 64 * 1024 }),
  forward: z.object({
    /** Shared key of the Forward handshake (HELO/PING/PONG). Set: every sender must know it. */
    sharedKey: z.string().default(''),
    /** Without a shared key, senders are accepted only from these networks. */
    allowNetworks: z.array(cidr).default(['127.0.0.0/8', '::1/128']),
    /**
     * Handshake users (Fluentd's `<user>`; needs the shared key): user name → password and the one
     * service it may write (like an ingest key bound to a service). Set: every sender must log in.
     */
    users: z.record(z.string().min(1), z.object({ password: z.string().min(8), service: z.string().default('') })).default({}),
    /** Service name from the tag: the whole tag, its first or its last dot-separated part (`app.shop-api` → `shop-api` with `last`). */
    serviceFromTag: z.enum(['tag', 'first', 'last']).default('tag'),
  }).refine((f) => Object.keys(f.users).length === 0 || f.sharedKey !== '', 'receivers.forward.users needs receivers.forward.sharedKey (the handshake carries the login)')
    .default({ sharedKey: '', allowNetworks: ['127.0.0.0/8', '::1/128'], users: {}, serviceFromTag: 'tag' }),
})

export const securitySchema = z.object({
  /** Authentication on every listener. `false` (BEACON_AUTH=off) is refused unless `host` is loopback. */
  auth: z.boolean().default(true),
  /** Password of the `admin` user created at the first start (empty: a random one is printed once). */
  adminPassword: z.string().default(''),
  /** An ingest key to create at start if no key with this value exists yet (automation). */
  ingestKey: z.string().default(''),
  /** Role name → permissions. Deny by default: a permission no role lists is granted to no one. */
  roles: z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'role names: lower-case letters, digits, _ and -'), z.array(z.enum(PERMISSIONS)))
    .default(DEFAULT_ROLES),
  /** What an API key with scope `read` may do. */
  readKeyPermissions: z.array(z.enum(PERMISSIONS)).default(['logs:read', 'traces:read']),
  /** Lifetime of a login session (cookie and bearer token), hours. */
  sessionHours: z.number().positive().max(24 * 30).default(12),
  passwordMinLength: z.number().int().min(8).max(256).default(12),
  login: z.object({
    /** Failed logins for one user name within `windowMinutes` before it is locked. */
    maxFailuresPerUser: positive.default(5),
    /** Failed logins from one client address within `windowMinutes` before it is locked. */
    maxFailuresPerIp: positive.default(20),
    windowMinutes: positive.default(15),
    lockoutMinutes: positive.default(15),
    /** Login attempts (successful or not) per client address per minute. */
    attemptsPerMinutePerIp: positive.default(30),
  }).default({ maxFailuresPerUser: 5, maxFailuresPerIp: 20, windowMinutes: 15, lockoutMinutes: 15, attemptsPerMinutePerIp: 30 }),
  /** PEM files; when both are set every listener speaks HTTPS (TLS 1.2 or newer). */
  tls: z.object({ cert: z.string().default(''), key: z.string().default('') })
    .refine((t) => (t.cert === '') === (t.key === ''), 'set both tls.cert and tls.key, or neither')
    .default({ cert: '', key: '' }),
  /** Client networks allowed to reach the API (empty: any). */
  allowedNetworks: z.array(cidr).default([]),
  /** Behind a TLS-terminating proxy: trust its X-Forwarded-* headers (true, or the proxy addresses/CIDRs). */
  trustProxy: z.union([z.boolean(), z.array(cidr)]).default(false),
  /** Mark the session cookie Secure even without TLS here (TLS terminated by a proxy). Always on with tls. */
  secureCookies: z.boolean().default(false),
  /** Granting a role with a permission the granting admin lacks waits for a second admin (auth/duties.ts). */
  dualControl: z.boolean().default(true),
  /** Fields whose values analysts (aggregates:read only) see in facets; other facets give counts only. */
  dimensions: z.array(z.string().min(1)).default([
    'service', 'level', 'severity', 'kind', 'status', 'span.kind', 'http.route', 'http.request.method', 'http.method',
    'http.response.status_code', 'http.status_code', 'event.action', 'deployment.environment', 'service.version', 'rpc.method', 'messaging.operation',
  ]),
  /** Bounds of every API read (api/read-limits.ts). */
  reads: z.object({
    maxExecutionSeconds: z.number().positive().max(3600).default(20),
    maxMemoryBytes: z.number().int().positive().default(2 * 2 ** 30),
    maxResultBytes: z.number().int().positive().default(128 * 2 ** 20),
    concurrentQueries: z.number().int().positive().max(64).default(2),
    queuedQueries: z.number().int().nonnegative().default(32),
    perUserRequests: z.number().int().positive().default(4),
  }).default({ maxExecutionSeconds: 20, maxMemoryBytes: 2 * 2 ** 30, maxResultBytes: 128 * 2 ** 20, concurrentQueries: 2, queuedQueries: 32, perUserRequests: 4 }),
  /** Slow clients (slowloris): headers must arrive within `headersMs`, the whole request within `requestMs`. */
  timeouts: z.object({
    headersMs: z.number().int().positive().default(10_000),
    requestMs: z.number().int().positive().default(60_000),
  }).default({ headersMs: 10_000, requestMs: 60_000 }),
  /** `redaction` and `encryption` (packages/server/src/security/stages.ts). */
  ...securityDataConfigSchema.shape,
})

export type SecurityConfig = z.infer<typeof securitySchema>

export const configSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  dataDir: z.string().min(1).default('./data'),
  ports: z.object({
    api: port.default(5080),
    otlp: port.default(4318),
    elastic: port.default(9200),
    otlpGrpc: port.default(4317),
    syslog: port.default(5514),
    syslogTls: port.default(6514),
    forward: port.default(24224),
  }).default({ api: 5080, otlp: 4318, elastic: 9200, otlpGrpc: 4317, syslog: 5514, syslogTls: 6514, forward: 24224 }),
  clickhouse: z.object({
    /** Empty: embedded chDB in `<dataDir>/clickhouse`. Otherwise an http(s) URL of a ClickHouse server. */
    url: z.string().default(''),
    username: z.string().default('default'),
    password: z.string().default(''),
    database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and _ only').default('default'),
    /**
     * A cluster name from the server's `remote_servers` (needs `url`): tables become
     * Replicated*MergeTree `<name>_local` tables on every node with Distributed tables in front,
     * DDL runs ON CLUSTER (docs/scale-out.md). Empty: one server or embedded.
     */
    cluster: z.string().regex(/^([A-Za-z_][A-Za-z0-9_-]*)?$/, 'letters, digits, _ and - only').default(''),
    /**
     * Embedded store only: engine arguments given to chDB when it starts (`--name=value`, server
     * settings such as `--mark_cache_size=…`). They replace Beacon's own defaults of the same name
     * (store/connection.ts, EMBEDDED_ARGS); docs/ingest.md, "Memory of the embedded store".
     */
    embeddedArgs: z.array(z.string().regex(/^--(?!path=)[A-Za-z0-9_.-]+=[^\0]*$/, 'engine arguments are --name=value (not --path: that is BEACON_DATA_DIR)')).default([]),
  }).default({ url: '', username: 'default', password: '', database: 'default', cluster: '', embeddedArgs: [] }),
  /** Hot retention, size caps, disk guard (retention/config.ts). */
  retention: retentionSchema.default(retentionSchema.parse({})),
  /** The archive: S3 or a folder (retention/config.ts). */
  archive: archiveSchema.default(archiveSchema.parse({})),
  businessKeys: businessKeysSchema.default(businessKeysSchema.parse({})),
  limits: limitsSchema.default(limitsSchema.parse({})),
  ingest: z.object({
    /** Most bytes acknowledged but not yet in the store; above it receivers answer 429/503. */
    maxPendingBytes: positive.default(256 * 1024 * 1024),
    /**
     * How long the store writer waits to gather more rows into one insert, ms. Data is durable
     * (WAL) at once and searchable after at most this long; bigger inserts mean fewer parts to
     * merge, which on 2 cores raised sustained ingest from ~17k to ~25k records/s (1 s → 3 s).
     */
    flushIntervalMs: positive.default(3000),
    /** Rows that trigger an insert without waiting for the interval. */
    flushRows: positive.default(100_000),
    /** fsync the write-ahead log before acknowledging (turn off only for throw-away test data). */
    fsync: z.boolean().default(true),
  }).default({ maxPendingBytes: 256 * 1024 * 1024, flushIntervalMs: 3000, flushRows: 100_000, fsync: true }),
  log: z.object({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  }).default({ level: 'info' }),
  security: securitySchema.default(securitySchema.parse({})),
  /** Public URL of the API listener, for links in notifications (empty: the listener's own address). */
  publicUrl: z.string().default(''),
  /** Alerting: channels, rules, detectors (packages/server/src/alerts/config.ts). */
  alerts: alertsConfigSchema.default(DEFAULT_ALERTS_CONFIG),
  receivers: receiversSchema.default(receiversSchema.parse({})),
  // Export (GET /api/export, beacon export): issue 7.
  export: z.object({
    /** Most records one export streams; a request's `limit` may ask for fewer, never more. */
    maxRecords: z.number().int().min(1).max(10_000_000).default(100_000),
  }).default({ maxRecords: 100_000 }),
  // Process memory (issue 13: peak RSS; docs/ingest.md, "Memory of the embedded store").
  memory: z.object({
    /**
     * How far Node's heap may grow past what the last full collection kept before the next one,
     * % (V8's `--heap-growing-percent`, set at start). V8's own factor on a machine with several GB
     * is up to 4×: during a fill the heap reached 430–690 MB. 100 (2×): peak RSS −69 to −114 MB
     * for +1–4 % CPU per record; 50: −143 to −178 MB for +9–12 % (BENCHMARKS.md). 0 leaves it to V8.
     */
    heapGrowingPercent: z.number().int().min(0).max(300).default(0),
    /**
     * glibc's mmap threshold, bytes: the launcher (packages/server/bin/beacon: `npm start`, the
     * `beacon` command) exports it as MALLOC_MMAP_THRESHOLD_ before Node starts, since glibc reads it
     * only then; here it is validated, and `beacon start` says when it runs without it. 0 leaves
     * glibc's dynamic threshold. Read from the environment (BEACON_MALLOC_MMAP_THRESHOLD) only: the
     * launcher cannot read the config file.
     */
    mallocMmapThreshold: z.number().int().min(0).max(33_554_432).default(131_072),
  }).default({ heapGrowingPercent: 0, mallocMmapThreshold: 131_072 }),
  // UI feature: the order desk.
  orders: z.object({
    /** An order whose status has not changed for this long (and is not finished) counts as stuck. */
    stuckAfterMinutes: positive.default(30),
  }).default({ stuckAfterMinutes: 30 }),
})

export type Config = z.infer<typeof configSchema>
export type BusinessKeys = z.infer<typeof businessKeysSchema>
