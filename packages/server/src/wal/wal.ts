import { open, readdir, readFile, rename, unlink, writeFile, mkdir, type FileHandle } from 'node:fs/promises'
import { crc32 } from 'node:zlib'
import { join } from 'node:path'

/**
 * Write-ahead log with group commit.
 *
 *   append(entry) ─┐
 *   append(entry) ─┼─▶ pending ─▶ one writev + one fdatasync ─▶ every caller's promise resolves
 *   append(entry) ─┘
 *
 * A resolved append means the bytes are on disk (when fsync is on): that is what lets a receiver
 * answer 2xx. Frames are `[u32 length][u32 crc32][payload]`; a torn frame at the tail (kill -9 in
 * the middle of a write) fails its length/CRC check and is ignored on recovery together with
 * everything after it in that segment — it was never acknowledged.
 *
 * Positions are `{ segment, offset }`; `segment` numbers grow, so positions order naturally.
 */

export interface WalPosition { segment: number; offset: number }
export interface WalEntry { position: WalPosition; end: WalPosition; payload: Buffer }

const HEADER = 8
const SEGMENT_BYTES = 64 * 1024 * 1024
const segName = (n: number): string => `${String(n).padStart(12, '0')}.wal`

export function comparePositions(a: WalPosition, b: WalPosition): number {
  return a.segment - b.segment || a.offset - b.offset
}

export function formatPosition(p: WalPosition): string {
  return `${p.segment}:${p.offset}`
}

export interface WalOptions { dir: string; fsync: boolean; segmentBytes?: number }

export class WriteAheadLog {
  readonly dir: string
  private readonly fsync: boolean
  private readonly segmentBytes: number
  private fh: FileHandle | null = null
  private segment = 0
  private offset = 0
  private pending: { buf: Buffer; resolve: (e: WalEntry) => void; reject: (err: Error) => void }[] = []
  private writing = false
  private closed = false

  private constructor(opts: WalOptions) {
    this.dir = opts.dir
    this.fsync = opts.fsync
    this.segmentBytes = opts.segmentBytes ?? SEGMENT_BYTES
  }

  /** Opens the log in `dir`; new writes go to a fresh segment after the existing ones. */
  static async open(opts: WalOptions): Promise<WriteAheadLog> {
    await mkdir(opts.dir, { recursive: true })
    const wal = new WriteAheadLog(opts)
    const segments = await wal.segments()
    wal.segment = (segments.at(-1) ?? 0) + 1
    await wal.openSegment()
    return wal
  }

  /** Segment numbers present on disk, ascending. */
  async segments(): Promise<number[]> {
    const names = await readdir(this.dir)
    return names.filter((n) => /^\d{12}\.wal$/.test(n)).map((n) => Number(n.slice(0, 12))).sort((a, b) => a - b)
  }

  /** Appends one entry; resolves once it is durable. */
  append(payload: Buffer): Promise<WalEntry> {
    if (this.closed) return Promise.reject(new Error('write-ahead log is closed'))
    return new Promise((resolve, reject) => {
      this.pending.push({ buf: payload, resolve, reject })
      if (!this.writing) void this.drain()
    })
  }

  private async drain(): Promise<void> {
    this.writing = true
    try {
      while (this.pending.length > 0) {
        if (this.offset >= this.segmentBytes) await this.rotate()
        const group = this.pending
        this.pending = []
        const bufs: Buffer[] = []
        const entries: WalEntry[] = []
        let offset = this.offset
        for (const p of group) {
          const header = Buffer.allocUnsafe(HEADER)
          header.writeUInt32LE(p.buf.length, 0)
          header.writeUInt32LE(crc32(p.buf), 4)
          bufs.push(header, p.buf)
          const position = { segment: this.segment, offset }
          offset += HEADER + p.buf.length
          entries.push({ position, end: { segment: this.segment, offset }, payload: p.buf })
        }
        try {
          await writeAll(this.fh!, bufs)
          if (this.fsync) await this.fh!.datasync()
          this.offset = offset
          for (let i = 0; i < group.length; i++) group[i].resolve(entries[i])
        } catch (err) {
          for (const p of group) p.reject(err as Error)
          // The segment may now hold a torn frame; continue in a new one so later frames stay readable.
          await this.rotate().catch(() => undefined)
        }
      }
    } finally {
      this.writing = false
    }
  }

  private async openSegment(): Promise<void> {
    this.fh = await open(join(this.dir, segName(this.segment)), 'a')
    this.offset = 0
  }

  private async rotate(): Promise<void> {
    await this.fh?.close()
    this.segment++
    await this.openSegment()
  }

  /** Position of the next append (everything before it is written). */
  head(): WalPosition {
    return { segment: this.segment, offset: this.offset }
  }

  /** Reads every intact entry at or after `from`, in order (recovery). */
  async *read(from: WalPosition): AsyncGenerator<WalEntry> {
    for (const seg of await this.segments()) {
      if (seg < from.segment) continue
      const data = await readFile(join(this.dir, segName(seg)))
      let off = seg === from.segment ? from.offset : 0
      while (off + HEADER <= data.length) {
        const len = data.readUInt32LE(off)
        const sum = data.readUInt32LE(off + 4)
        if (off + HEADER + len > data.length) break
        const payload = data.subarray(off + HEADER, off + HEADER + len)
        if (crc32(payload) !== sum) break
        yield { position: { segment: seg, offset: off }, end: { segment: seg, offset: off + HEADER + len }, payload }
        off += HEADER + len
      }
    }
  }

  /**
   * The payloads of entries `append` returned (their positions, in log order), reading only the
   * bytes they span in each segment: the store writer's backlog beyond what it keeps in memory is
   * read back from here (store/writer.ts). Throws if one of them is not intact.
   */
  async readBack(entries: readonly { position: WalPosition; end: WalPosition }[]): Promise<Buffer[]> {
    const payloads: Buffer[] = []
    for (let i = 0; i < entries.length;) {
      const seg = entries[i].position.segment
      let last = i
      while (last + 1 < entries.length && entries[last + 1].position.segment === seg) last++
      const start = entries[i].position.offset
      const data = await readSpan(join(this.dir, segName(seg)), start, entries[last].end.offset)
      for (; i <= last; i++) {
        const { position, end } = entries[i]
        const frame = data.subarray(position.offset - start, end.offset - start)
        const payload = frame.subarray(HEADER)
        if (frame.length < HEADER || frame.readUInt32LE(0) !== payload.length || frame.readUInt32LE(4) !== crc32(payload)) {
          throw new Error(`write-ahead log entry at ${formatPosition(position)} is not intact`)
        }
        payloads.push(payload)
      }
    }
    return payloads
  }

  /** Deletes whole segments that end before `before` and are not the one being written. */
  async removeBefore(before: WalPosition): Promise<number> {
    let removed = 0
    for (const seg of await this.segments()) {
      if (seg >= before.segment || seg >= this.segment) break
      await unlink(join(this.dir, segName(seg))).catch(() => undefined)
      removed++
    }
    return removed
  }

  async close(): Promise<void> {
    this.closed = true
    while (this.writing || this.pending.length > 0) await new Promise((r) => setTimeout(r, 5))
    await this.fh?.close()
    this.fh = null
  }
}

/** Bytes `start` to `end` of a file. */
async function readSpan(path: string, start: number, end: number): Promise<Buffer> {
  const fh = await open(path, 'r')
  try {
    const data = Buffer.allocUnsafe(end - start)
    for (let got = 0; got < data.length;) {
      const { bytesRead } = await fh.read(data, got, data.length - got, start + got)
      if (bytesRead === 0) throw new Error(`${path} ends before byte ${end}`)
      got += bytesRead
    }
    return data
  } finally {
    await fh.close()
  }
}

async function writeAll(fh: FileHandle, bufs: Buffer[]): Promise<void> {
  let total = 0
  for (const b of bufs) total += b.length
  let written = 0
  // writev may write less than asked; loop until all bytes are out.
  while (written < total) {
    const { bytesWritten } = written === 0 ? await fh.writev(bufs) : await fh.write(Buffer.concat(bufs).subarray(written))
    written += bytesWritten
  }
}

/** The writer's checkpoint: everything before `done` is in the store; `inflight` may be partly. */
/**
 * `split`: the range is inserted one day × service at a time (store/partition-split.ts), each part
 * with its own token; absent in checkpoints of earlier versions, whose range went in as one insert.
 */
export interface Checkpoint { done: WalPosition; inflight?: { from: WalPosition; to: WalPosition; split?: boolean } }

export async function readCheckpoint(dir: string): Promise<Checkpoint> {
  try {
    return JSON.parse(await readFile(join(dir, 'checkpoint.json'), 'utf8')) as Checkpoint
  } catch {
    return { done: { segment: 0, offset: 0 } }
  }
}

/** Atomic replace (write temp, fsync, rename): a crash leaves the old or the new checkpoint, never half. */
export async function writeCheckpoint(dir: string, cp: Checkpoint, fsync: boolean): Promise<void> {
  const tmp = join(dir, 'checkpoint.json.tmp')
  await writeFile(tmp, JSON.stringify(cp))
  if (fsync) {
    const fh = await open(tmp, 'r+')
    await fh.datasync()
    await fh.close()
  }
  await rename(tmp, join(dir, 'checkpoint.json'))
}
