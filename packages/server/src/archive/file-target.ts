import { copyFile, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import type { ArchiveTarget } from './target.ts'

/**
 * The archive in a local folder (`file:///path`). Writes go to a temporary name and are renamed,
 * so a crash never leaves a half-written object under its real name.
 */
export function createFileTarget(root: string): ArchiveTarget {
  const abs = (key: string): string => {
    const p = join(root, key)
    if (relative(root, p).startsWith('..')) throw new Error(`archive key outside the archive folder: ${key}`)
    return p
  }
  async function atomic(key: string, write: (tmp: string) => Promise<void>): Promise<void> {
    const dest = abs(key)
    await mkdir(dirname(dest), { recursive: true })
    const tmp = `${dest}.tmp-${process.pid}`
    await write(tmp)
    await rename(tmp, dest)
  }
  return {
    description: root,
    putFile: (key, path) => atomic(key, (tmp) => copyFile(path, tmp)),
    putText: (key, text) => atomic(key, (tmp) => writeFile(tmp, text)),
    async getText(key) {
      try { return await readFile(abs(key), 'utf8') } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
        throw err
      }
    },
    async getFile(key, path) { await copyFile(abs(key), path) },
    async list(prefix) {
      let names: string[]
      try { names = await readdir(abs(prefix), { recursive: true }) } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw err
      }
      const base = prefix ? `${prefix.replace(/\/$/, '')}/` : ''
      return names.map((n) => base + n.split(sep).join('/')).filter((k) => !/\.tmp-\d+$/.test(k) && /\.(parquet|json)$/.test(k))
    },
    async delete(keys) { for (const k of keys) await rm(abs(k), { force: true }) },
    tableFunction(glob, prefix = 'arch') {
      return { sql: `file({${prefix}_path:String}, 'Parquet')`, params: { [`${prefix}_path`]: join(root, glob) } }
    },
  }
}
