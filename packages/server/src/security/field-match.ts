/**
 * Attribute-key patterns shared by the redaction and encryption stages, so that both agree on which
 * keys are "encrypted fields" (a field the redactor leaves unmasked must be one the encryptor
 * encrypts).
 *
 * A pattern is a dotted key, case-insensitive; `*` matches any run of characters, dots included:
 * `payment.*` matches `payment.iban` and `payment.card.holder`, `*.email` matches `customer.email`.
 */

export type KeyMatcher = (key: string) => boolean

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
}

/** Regular-expression source (no anchors) for one pattern. */
export function patternSource(pattern: string): string {
  return pattern.split('*').map(escapeRegExp).join('.*')
}

/** Largest number of keys a matcher remembers; keys come from clients, so the cache is bounded. */
const CACHE_LIMIT = 50_000

/**
 * Compiles patterns to one predicate with a bounded decision cache.
 * @example compileKeyMatcher(['customer.email', 'payment.*'])('Payment.IBAN') // true
 */
export function compileKeyMatcher(patterns: readonly string[]): KeyMatcher {
  if (patterns.length === 0) return () => false
  const re = new RegExp(`^(?:${patterns.map(patternSource).join('|')})$`, 'i')
  const cache = new Map<string, boolean>()
  return (key) => {
    let hit = cache.get(key)
    if (hit === undefined) {
      hit = re.test(key)
      if (cache.size >= CACHE_LIMIT) cache.clear()
      cache.set(key, hit)
    }
    return hit
  }
}

/** Suffix attribute that holds a field's blind index (`customer.email` → `customer.email.bidx`). */
export const BLIND_INDEX_SUFFIX = '.bidx'
