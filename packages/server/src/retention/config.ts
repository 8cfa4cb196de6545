import { z } from 'zod'

/**
 * Retention, size caps, disk guard and archive settings (docs/retention.md). Lives here so the
 * feature's settings read in one place; `config/schema.ts` mounts it under `retention` and `archive`.
 */

const days = z.number().int().min(1).max(3650)
const bytes = z.number().int().min(0)

/** Per-service overrides: hot days per signal, cap on bytes on disk. */
export const serviceRetentionSchema = z.object({
  logsDays: days.optional(),
  spansDays: days.optional(),
  capBytes: bytes.optional(),
}).strict()

export const retentionSchema = z.object({
  /** Hot retention for logs and spans, days (DESIGN §1: 14–30). */
  days: days.default(30),
  /** Per-signal hot retention, days (default: `days`). */
  logsDays: days.optional(),
  spansDays: days.optional(),
  /** Cap on bytes on disk per service, logs and spans together (default 100 GB); 0 = no cap. */
  capBytes: bytes.default(100 * 1024 ** 3),
  /** Cap usage (percent) at which a warning is logged and shown on the Storage page. */
  capWarnPercent: z.number().int().min(1).max(100).default(80),
  /** Service name → overrides. The admin API may override these at run time. */
  services: z.record(z.string().min(1), serviceRetentionSchema).default({}),
  /** How often expired and over-cap partitions are archived and dropped, seconds. */
  checkIntervalSeconds: z.number().int().min(1).max(3600).default(60),
  /** A restored day stays hot this many days, whatever the hot retention says. */
  restoreDays: days.default(7),
  /** Ingest is refused (503) while the data volume has less free space than this, bytes. */
  minFreeBytes: bytes.default(1024 ** 3),
  /** …or less than this share of the volume free, percent. */
  minFreePercent: z.number().min(0).max(50).default(2),
}).strict()

export const archiveSchema = z.object({
  /** `s3://bucket/prefix` or `file:///path`; empty = no archive (expired data is dropped). */
  url: z.string().default('').refine((u) => u === '' || /^s3:\/\/[^/]+(\/.*)?$/.test(u) || /^file:\/\/\/.+/.test(u),
    'expected s3://bucket/prefix or file:///absolute/path'),
  s3: z.object({
    /** http(s) endpoint of an S3-compatible store (empty: AWS for the region). Path-style addressing. */
    endpoint: z.string().default(''),
    accessKey: z.string().default(''),
    secretKey: z.string().default(''),
    region: z.string().default('us-east-1'),
    /** Server-side encryption passed through to PutObject (e.g. AES256 or aws:kms), empty = none. */
    sse: z.string().default(''),
    sseKmsKeyId: z.string().default(''),
  }).strict().default({ endpoint: '', accessKey: '', secretKey: '', region: 'us-east-1', sse: '', sseKmsKeyId: '' }),
  /** Archived objects are deleted after this many days (audited). */
  keepDays: days.default(365),
}).strict()

export type RetentionConfig = z.infer<typeof retentionSchema>
export type ArchiveConfig = z.infer<typeof archiveSchema>
export type Signal = 'logs' | 'spans'
export const SIGNALS: readonly Signal[] = ['logs', 'spans']
