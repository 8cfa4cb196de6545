import { createHash, createHmac, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

/**
 * Password hashes (scrypt) and the random secrets Beacon hands out (session tokens, API keys).
 * Passwords are stored as `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>`; tokens and keys, which carry
 * 256 random bits, only as their SHA-256 (a slow hash adds nothing to a secret that cannot be guessed).
 */

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 }

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, keylen, { ...opts, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))))
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const hash = await scryptAsync(password.normalize('NFC'), salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p })
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`
}

/** A hash of a password nobody has, so that checking an unknown user costs the same as a real one. */
let decoy: Promise<string> | undefined

/**
 * Checks `password` against a stored hash; with `stored` undefined (unknown or disabled user) it
 * still spends the same time on a decoy hash and answers false.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const target = stored ?? (await (decoy ??= hashPassword(randomBytes(16).toString('hex'))))
  const parts = target.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])]
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 2 ** 20) return false
  const expected = Buffer.from(parts[5], 'base64')
  const actual = await scryptAsync(password.normalize('NFC'), Buffer.from(parts[4], 'base64'), expected.length, { N, r, p })
  return timingSafeEqual(actual, expected) && stored !== undefined
}

/** 256 random bits, base64url (43 characters). */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

/** A password people can type: 20 characters from an alphabet without look-alikes (~115 bits). */
export function randomPassword(length = 20): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'
  const out: string[] = []
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 256 - (256 % alphabet.length) && out.length < length) out.push(alphabet[b % alphabet.length])
    }
  }
  return out.join('')
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/** The CSRF token of a cookie session: derived from the session token, so nothing more is stored. */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('beacon-csrf-v1').digest('base64url')
}

/** Constant-time string equality (different lengths answer false). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8')
  const bb = Buffer.from(b, 'utf8')
  return ab.length === bb.length && timingSafeEqual(ab, bb)
}
