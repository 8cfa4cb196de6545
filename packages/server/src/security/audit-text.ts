/**
 * The access audit records what was searched, so search text is stored data too and gets the same
 * protection as records (docs/security.md §4):
 *
 *   audit target (JSON of the path and query parameters)
 *     ├─ `q`: values of encrypted fields → their blind index   (blind-search.ts maskQuery)
 *     └─ whole text: the redaction policy's text rules          (secrets, card numbers, e-mail, phones)
 *     ▼
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
  return (target) => {
    let out = target
    if (maskQuery && out.includes('"q"')) {
      try {
        const parsed = JSON.parse(out) as unknown
        if (parsed !== null && typeof parsed === 'object' && typeof (parsed as { q?: unknown }).q === 'string') {
          const o = parsed as { q: string }
          o.q = maskQuery(o.q)
          out = JSON.stringify(o)
        }
      } catch { /* not a JSON target: only the text rules apply */ }
    }
    return redactText ? redactText(out) : out
  }
}
