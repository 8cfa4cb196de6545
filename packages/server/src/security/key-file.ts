import { readFileSync, statSync } from 'node:fs'
import { BeaconError } from '../errors.ts'
import { createKeyRing, parseKeySpec, type KeyRing } from './crypto.ts'

/**
 * Where the encryption keys come from, read once at start:
 *
 *   BEACON_ENCRYPTION_KEY_FILE / security.encryption.keyFile ─┐
 *                                                              ├─► one KeyRing (exactly one source)
 *   BEACON_ENCRYPTION_KEYS="k2:<b64>,k1:<b64>"               ─┘
 *   BEACON_ENCRYPTION_ACTIVE_KEY=k2   BEACON_BLIND_INDEX_KEY=<b64>   (optional, override the source)
 */

export interface KeySourceOptions {
  /** Key file path (config `security.encryption.keyFile`); `BEACON_ENCRYPTION_KEY_FILE` when empty. */
  file?: string
  /** The environment to read; pass `process.env` from the config loader. */
  env?: Record<string, string | undefined>
}

/** The environment variables this module reads (for `--help` and docs). */
export const KEY_ENV_VARIABLES = ['BEACON_ENCRYPTION_KEYS', 'BEACON_ENCRYPTION_KEY_FILE', 'BEACON_ENCRYPTION_ACTIVE_KEY', 'BEACON_BLIND_INDEX_KEY'] as const

/**
 * Loads the key ring, or returns undefined when no keys are configured. Throws `config_invalid`
 * listing every problem (a file that cannot be read, both sources set, bad keys, a key file other
 * users can read).
 * @example loadKeyRing({ file: config.security.encryption.keyFile, env: process.env })
 */
export function loadKeyRing(opts: KeySourceOptions = {}): KeyRing | undefined {
  const env = opts.env ?? {}
  const file = opts.file || env.BEACON_ENCRYPTION_KEY_FILE || ''
  const inline = env.BEACON_ENCRYPTION_KEYS ?? ''
  if (file !== '' && inline.trim() !== '') {
    throw new BeaconError('config_invalid', 'encryption keys: set either a key file or BEACON_ENCRYPTION_KEYS, not both', { problems: ['both a key file and BEACON_ENCRYPTION_KEYS are set'] })
  }
  let text = inline
  let source = 'BEACON_ENCRYPTION_KEYS'
  if (file !== '') {
    source = `key file ${file}`
    try {
      // group/other access to the key file defeats the encryption; refuse it (POSIX only)
      if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
        throw new BeaconError('config_invalid', `${source}: readable by other users; run chmod 600 ${file}`, { problems: ['key file permissions too open'] })
      }
      text = readFileSync(file, 'utf8')
    } catch (err) {
      if (err instanceof BeaconError) throw err
      throw new BeaconError('config_invalid', `${source}: ${(err as NodeJS.ErrnoException).code ?? 'cannot be read'}`, { problems: ['key file cannot be read'] })
    }
  }
  if (text.trim() === '') return undefined
  const spec = parseKeySpec(text, source)
  if (env.BEACON_ENCRYPTION_ACTIVE_KEY) spec.active = env.BEACON_ENCRYPTION_ACTIVE_KEY
  if (env.BEACON_BLIND_INDEX_KEY) spec.indexKey = env.BEACON_BLIND_INDEX_KEY
  return createKeyRing(spec, source)
}
