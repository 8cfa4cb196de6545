/**
 * The access audit records what was searched, so search text is stored data too and gets the same
 * protection as records (docs/security.md §4):
 *
 *   audit target (JSON of the path and query parameters) ─► parsed
 *     ├─ `q`: values of encrypted fields → their blind index   (blind-search.ts maskQuery)
 *     └─ every string value: the redaction policy's text rules (secrets, card numbers, e-mail, phones)
 *     ▼ serialized again (always valid JSON)
 *   beacon_audit.target
 */
export interface AuditTextMaskOptions {
  /** From `createBlindSearch(…).maskQuery`; absent when no field is encrypted. */
  maskQuery?: (query: string) => string
  /** From the redact stage (`redactText`); absent when redaction is off. */
  redactText?: (text: string) => string
}

/**
 * @example
 * const mask = createAuditTextMask({ maskQuery: blind?.maskQuery, redactText: (t) => redact.redactText(t) })
 * mask('{"q":"customer.email:jane@example.com card 4111 1111 1111 1111"}')
 * // '{"q":"customer.email:bidx:5f0c… card ****-****-****-1111"}'
 */
export function createAuditTextMask(opts: AuditTextMaskOptions): ((target: string) => string) | undefined {
  const { maskQuery, redactText } = opts
  if (!maskQuery && !redactText) return undefined
  // redact the values, then serialize: the entry stays valid JSON whatever a rule replaces
  const value = (key: string, v: unknown): unknown => {
    if (typeof v === 'string') {
      const t = key === 'q' && maskQuery ? maskQuery(v) : v
      return redactText ? redactText(t) : t
    }
    if (Array.isArray(v)) return v.map((x) => value('', x))
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, value(k, x)]))
    return v
  }
  return (target) => {
    let parsed: unknown
    try {
      parsed = JSON.parse(target)
    } catch {
      return redactText ? redactText(target) : target // not JSON: only the text rules apply
    }
    return JSON.stringify(value('', parsed))
  }
}
