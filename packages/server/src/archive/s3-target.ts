import { createReadStream, createWriteStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import type { Readable } from 'node:stream'
import {
  DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type ServerSideEncryption,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import type { ArchiveConfig } from '../retention/config.ts'
import type { ArchiveTarget } from './target.ts'

/** Objects above this size are uploaded in parts of this size (S3's minimum part is 5 MiB). */
const PART_BYTES = 8 * 1024 * 1024

/**
 * The archive in an S3-compatible bucket (`s3://bucket/prefix`), path-style addressing so MinIO,
 * Ceph, s3rver… work as well as AWS. Credentials stay inside the client and the ClickHouse
 * parameters; `description` and errors name only the bucket and prefix.
 */
export function createS3Target(config: ArchiveConfig): ArchiveTarget {
  const url = new URL(config.url)
  const bucket = url.hostname
  const prefix = url.pathname.replace(/^\/+|\/+$/g, '')
  const full = (key: string): string => (prefix ? `${prefix}/${key}` : key)
  const s3 = config.s3
  const client = new S3Client({
    region: s3.region,
    forcePathStyle: true,
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    ...(s3.accessKey ? { credentials: { accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey } } : {}),
    maxAttempts: 3,
  })
  const sse = s3.sse ? { ServerSideEncryption: s3.sse as ServerSideEncryption, ...(s3.sseKmsKeyId ? { SSEKMSKeyId: s3.sseKmsKeyId } : {}) } : {}
  const endpoint = (s3.endpoint || `https://s3.${s3.region}.amazonaws.com`).replace(/\/+$/, '')

  return {
    description: `s3://${bucket}${prefix ? `/${prefix}` : ''}`,
    async putFile(key, path) {
      const upload = new Upload({ client, partSize: PART_BYTES, queueSize: 2, params: { Bucket: bucket, Key: full(key), Body: createReadStream(path), ...sse } })
      await upload.done()
    },
    async putText(key, text) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: full(key), Body: text, ContentType: 'application/json', ...sse }))
    },
    async getText(key) {
      try {
        const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: full(key) }))
        return await r.Body!.transformToString('utf8')
      } catch (err) {
        if ((err as { name?: string }).name === 'NoSuchKey' || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return null
        throw err
      }
    },
    async getFile(key, path) {
      const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: full(key) }))
      await pipeline(r.Body as Readable, createWriteStream(path))
    },
    async list(sub) {
      const keys: string[] = []
      let token: string | undefined
      const base = prefix ? `${prefix}/` : ''
      do {
        const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: base + sub, ContinuationToken: token }))
        for (const o of r.Contents ?? []) if (o.Key) keys.push(o.Key.slice(base.length))
        token = r.IsTruncated ? r.NextContinuationToken : undefined
      } while (token)
      return keys
    },
    async delete(keys) {
      for (let i = 0; i < keys.length; i += 1000) {
        const chunk = keys.slice(i, i + 1000)
        await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: chunk.map((k) => ({ Key: full(k) })), Quiet: true } }))
      }
    },
    tableFunction(glob, p = 'arch') {
      const params: Record<string, string> = { [`${p}_url`]: `${endpoint}/${bucket}/${full(glob)}` }
      if (!s3.accessKey) return { sql: `s3({${p}_url:String}, NOSIGN, 'Parquet')`, params }
      params[`${p}_key`] = s3.accessKey
      params[`${p}_secret`] = s3.secretKey
      return { sql: `s3({${p}_url:String}, {${p}_key:String}, {${p}_secret:String}, 'Parquet')`, params }
    },
  }
}
