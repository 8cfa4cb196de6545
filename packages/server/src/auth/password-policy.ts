import { BeaconError } from '../errors.ts'

/**
 * Minimum password policy: a length (configured, `security.passwordMinLength`) and a check against
 * passwords attackers try first. A small bundled list of common bases is enough: a password made of
 * one of them plus digits or symbols (`Password2024!`), a run of one character, or a keyboard or
 * digit sequence is refused whatever its length.
 */
const COMMON_BASES = new Set([
  'password', 'passw0rd', 'p@ssword', 'p@ssw0rd', 'qwerty', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm', 'letmein', 'welcome', 'iloveyou',
  'admin', 'administrator', 'root', 'changeme', 'secret', 'monkey', 'dragon', 'football', 'baseball', 'sunshine', 'princess',
  'trustno1', 'master', 'superman', 'batman', 'shadow', 'michael', 'jennifer', 'hello', 'freedom', 'whatever', 'starwars',
  'beacon', 'default', 'test', 'testing', 'login', 'guest', 'abc', 'abcd', 'abcdef', 'qwe', 'qazwsx', '1q2w3e4r', '1qaz2wsx',
  'zaq12wsx', 'mustang', 'access', 'pokemon', 'computer', 'internet', 'summer', 'winter', 'spring', 'autumn', 'company',
  'passwordpassword', 'correcthorsebatterystaple', 'aaaaaa', 'пароль', 'qwertz', 'azerty',
])
const SEQUENCES = ['0123456789012345678901234567890', 'abcdefghijklmnopqrstuvwxyz', 'qwertyuiopasdfghjklzxcvbnm', '9876543210987654321']

/** Why a password is refused, or undefined when it passes. */
export function passwordProblem(password: string, minLength: number, username = ''): string | undefined {
  if (typeof password !== 'string' || [...password].length < minLength) return `passwords must have at least ${minLength} characters`
  if (password.length > 1024) return 'passwords may have at most 1024 characters'
  const lower = password.toLowerCase()
  const base = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '')
  if (COMMON_BASES.has(base) || COMMON_BASES.has(lower) || /^\d+$/.test(lower)) return 'this password is too common: choose one that is not a well-known word or number with digits added'
  if (new Set(lower).size <= 3) return 'this password repeats too few characters'
  if (SEQUENCES.some((s) => s.includes(lower) || s.includes(base) && base.length >= 6)) return 'this password is a keyboard or alphabet sequence'
  if (username.length >= 3 && lower.includes(username.toLowerCase())) return 'the password must not contain the user name'
  return undefined
}

/** Throws a 400 naming the problem. */
export function checkPassword(password: string, minLength: number, username = ''): void {
  const problem = passwordProblem(password, minLength, username)
  if (problem !== undefined) throw new BeaconError('bad_request', problem)
}
