import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createKeyRing, decryptValue, encryptValue, generateKey, type KeyRing } from '../security/crypto.ts'

/**
 * Channel secrets (webhook URLs, bot tokens, signing secrets) at rest: AES-256-GCM tokens under the
 * configured key ring (security.encryption); without one, under a key generated once into
 * `<dataDir>/alerts-channel.key` (mode 600), so secrets are never stored in clear either way.
 */
export interface SecretBox {
  seal(secrets: Record<string, string>): string
  open(token: string): Record<string, string>
}

export function createSecretBox(keyRing: KeyRing | undefined, dataDir: string): SecretBox {
  const ring = keyRing ?? localRing(dataDir)
  return {
    seal: (secrets) => encryptValue(ring, JSON.stringify(secrets)),
    open: (token) => (token === '' ? {} : JSON.parse(decryptValue(ring, token)) as Record<string, string>),
  }
}

function localRing(dataDir: string): KeyRing {
  const file = resolve(join(dataDir, 'alerts-channel.key'))
  let key: string
  if (existsSync(file)) key = readFileSync(file, 'utf8').trim()
  else {
    key = generateKey()
    writeFileSync(file, `${key}\n`, { mode: 0o600 })
    chmodSync(file, 0o600)
  }
  return createKeyRing({ keys: [{ id: 'alerts', key }] }, file)
}
