/**
 * The one list of secret field names, shared by the SDK (redaction at source) and the server's
 * ingest redaction (`@beacon/sdk/secret-names`). No dependencies, so the SDK stays light and the
 * server imports it without pulling in OpenTelemetry.
 *
 * Only the last dotted segment names the field (`request.body.user.password` → `password`; trailing
 * array indexes such as `.0` are skipped). A segment is split into words at `_`, `-`, spaces and
 * camelCase humps and lower-cased, so `DB_PASSWORD`, `dbPassword` and `db-password` are the same.
 * Letters of any script count (`пароль`, `contraseña`).
 *
 * @example
 * isSecretName('dbPassword') // true
 * isSecretName('api.key')    // true
 * isSecretName('token_count') // false
 *
 * A name added here must also be found by the SDK's pair prefilter (`mayHaveSecretPair` in
 * redact.ts: `SECRET_FOLDED`, or `SECRET_WORD` for short words): redact-pairs-prefilter.test.ts
 * generates keys from these lists and fails on one it misses.
 */

/** A segment whose squashed form contains one of these is a secret. */
export const SECRET_PARTS: readonly string[] = [
  'password', 'passwd', 'passphrase', 'passcode', 'passwort', 'kennwort', 'contraseña', 'contrasena', 'motdepasse', 'senha',
  'wachtwoord', 'lösenord', 'losenord', 'salasana', 'hasło', 'haslo', 'пароль', 'парол', 'секрет', 'токен',
  'secret', 'token', 'apikey', 'privatekey', 'accesskey',
  'signingkey', 'encryptionkey', 'masterkey', 'licensekey', 'licencekey', 'sharedkey', 'consumerkey',
  'authkey', 'sessionkey', 'authorization', 'cookie', 'credential', 'sessionid', 'sessid', 'cvv', 'cvc',
  'securitycode', 'mfacode', 'jwt', 'bearer', 'signature',
  'verificationcode', 'smscode', 'confirmationcode', 'authcode', 'authenticationcode', 'resetcode', 'logincode', 'onetimecode',
  'recoverycode', 'backupcode', 'twofactorcode', '2facode', 'cardcode', 'cardverification',
]
/** A segment with one of these as a whole word is a secret (`db_pass`, `card_pin`, `x-auth`, `pw`). */
export const SECRET_WORDS: ReadonlySet<string> = new Set([
  'pass', 'pwd', 'pw', 'pin', 'otp', 'totp', 'hotp', 'auth', 'oauth', 'csc', 'cvn', 'cid', 'ccv', 'cvd', 'cav2', 'cvv2', 'cvc2', 'sig',
])
/** A whole segment that is a secret on its own (`session`, `sid`), not as part of a longer name (`session.id` is an id). */
export const SECRET_SEGMENTS: ReadonlySet<string> = new Set(['session', 'sid', 'code2fa', 'mfa', '2fa'])
/** The last two segments squashed together (`api.key`, `private.key`, `card.cvv2`). */
export const SECRET_COMPOUNDS: ReadonlySet<string> = new Set([
  'apikey', 'privatekey', 'accesskey', 'secretkey', 'authtoken', 'accesstoken', 'refreshtoken', 'idtoken', 'securitycode',
  'verificationcode', 'smscode', 'cardcode',
])
/**
 * Counts and kinds of tokens (LLM usage, token types) — not secrets. Their values are still scanned
 * as text, so a real token inside one is still removed.
 */
const HARMLESS = /^(?:(?:max|min|prompt|completion|total|input|output|cached|reasoning|remaining|used|num)tokens?|tokens?(?:count|counts|type|usage|limit|length|len|ttl|expiry|expiresin|expiresat|used|remaining|total|estimate)|tokeni[sz](?:er|ed|ation))$/

/** Words of one key segment: camelCase humps split, lower-cased, any script. */
export function nameWords(segment: string): string[] {
  return segment.replace(/(\p{Ll}|\p{N})(\p{Lu})/gu, '$1 $2').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean)
}

/** Last meaningful segments of a dotted key: array indexes (`headers.0`) are skipped. */
export function lastSegments(key: string): [string, string] {
  const segs = key.split('.')
  let i = segs.length - 1
  while (i > 0 && /^\d*$/.test(segs[i])) i--
  return [segs[i], i > 0 ? segs[i - 1] : '']
}

/** True when the built-in lists call this key a secret (any case, any nesting, any word separator). */
export function isSecretName(key: string): boolean {
  const [last, prev] = lastSegments(key)
  const w = nameWords(last)
  const squashed = w.join('')
  if (squashed === '' || HARMLESS.test(squashed)) return false
  if (SECRET_SEGMENTS.has(squashed)) return true
  for (const x of w) if (SECRET_WORDS.has(x)) return true
  for (const p of SECRET_PARTS) if (squashed.includes(p)) return true
  return prev !== '' && SECRET_COMPOUNDS.has(nameWords(prev).join('') + squashed)
}
