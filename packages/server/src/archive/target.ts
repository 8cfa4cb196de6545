import type { ArchiveConfig, Signal } from '../retention/config.ts'
import { createFileTarget } from './file-target.ts'
import { createS3Target } from './s3-target.ts'

/**
 * Where archived Parquet objects and their manifests go: a folder or an S3-compatible bucket.
 * Keys are relative to the configured prefix:
 *
 *   <signal>/day=<YYYY-MM-DD>/service=<encoded>/b<minBlock>-<maxBlock>.parquet   the rows
 *   …/b<minBlock>-<maxBlock>.manifest.json                                        written last: the commit mark
 */
export interface ArchiveTarget {
  /** For logs and the API: the folder or `s3://bucket/prefix` (never credentials). */
  readonly description: string
  /** Uploads a local file (multipart when large). */
  putFile(key: string, path: string): Promise<void>
  putText(key: string, text: string): Promise<void>
  /** The object's text, or null when it does not exist. */
  getText(key: string): Promise<string | null>
  /** Downloads an object to a local file. */
  getFile(key: string, path: string): Promise<void>
  /** Keys under a prefix ('' = everything). */
  list(prefix: string): Promise<string[]>
  delete(keys: string[]): Promise<void>
  /**
   * A ClickHouse table function reading the Parquet objects matching `glob` (ClickHouse glob
   * syntax, relative to the prefix), with its parameters; credentials only ever travel as parameters.
   */
  tableFunction(glob: string, paramPrefix?: string): { sql: string; params: Record<string, string> }
}

/** The target for the configuration, or null when the archive is off. */
export function createArchiveTarget(config: ArchiveConfig): ArchiveTarget | null {
  if (!config.url) return null
  if (config.url.startsWith('file://')) return createFileTarget(decodeURIComponent(new URL(config.url).pathname))
  return createS3Target(config)
}

/**
 * Service names in keys: letters, digits, `.` and `-` as they are, anything else as `_xx` (hex
 * bytes), so a key is safe in a URL and in a ClickHouse glob whatever the name holds.
 */
export function encodeService(service: string): string {
  return [...Buffer.from(service, 'utf8')].map((b) => {
    const c = String.fromCharCode(b)
    return /[A-Za-z0-9.-]/.test(c) ? c : `_${b.toString(16).padStart(2, '0')}`
  }).join('')
}

export function decodeService(encoded: string): string {
  const bytes: number[] = []
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === '_') { bytes.push(parseInt(encoded.slice(i + 1, i + 3), 16)); i += 2 } else bytes.push(encoded.charCodeAt(i))
  }
  return Buffer.from(bytes).toString('utf8')
}

export function folderKey(signal: Signal, day: string, service: string): string {
  return `${signal}/day=${day}/service=${encodeService(service)}`
}

export function objectKey(signal: Signal, day: string, service: string, minBlock: number, maxBlock: number): string {
  return `${folderKey(signal, day, service)}/b${minBlock}-${maxBlock}.parquet`
}

export const manifestKey = (object: string): string => object.replace(/\.parquet$/, '.manifest.json')

/** signal, day and service of an object or manifest key, or null for a foreign key. */
export function parseKey(key: string): { signal: Signal; day: string; service: string; minBlock: number; maxBlock: number } | null {
  const m = /^(logs|spans)\/day=(\d{4}-\d{2}-\d{2})\/service=([A-Za-z0-9._-]+)\/b(\d+)-(\d+)\.(parquet|manifest\.json)$/.exec(key)
  if (!m) return null
  return { signal: m[1] as Signal, day: m[2], service: decodeService(m[3]), minBlock: Number(m[4]), maxBlock: Number(m[5]) }
}

/** What the manifest beside each object says (format version 1). */
export interface Manifest {
  format: 'beacon-archive/1'
  key: string
  signal: Signal
  service: string
  day: string
  rows: number
  /** Parquet object size. */
  bytes: number
  /** Bytes the partition took on disk when it was archived. */
  hotBytes: number
  minTime: string
  maxTime: string
  /** Highest applied schema migration when written: tells a restore which columns to expect. */
  schemaVersion: number
  columns: { name: string; type: string }[]
  sha256: string
  compression: 'zstd'
  archivedAt: string
}
