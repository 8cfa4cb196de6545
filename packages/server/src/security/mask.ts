/** How redacted values are shown: what is kept of a card, an e-mail, a phone number, any value. */

/** The Luhn checksum every payment card number satisfies (`digits`: only 0–9). */
export function luhnValid(digits: string): boolean {
  let sum = 0
  let double = false
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48
    if (double) { d *= 2; if (d > 9) d -= 9 }
    sum += d
    double = !double
  }
  return sum % 10 === 0
}

/** `4111 1111 1111 1111` → `****-****-****-1111` when it is a plausible card (IIN 2–6, Luhn), else undefined. */
export function maskCard(text: string): string | undefined {
  const digits = text.replace(/\D/g, '')
  if (digits.length < 13 || digits.length > 19) return undefined
  // Issuer prefixes 2–6 cover Visa, Mastercard, Mir, Amex, Diners, JCB, Discover, UnionPay, Maestro;
  // it keeps ns/ms epoch timestamps (which start with 1) from being taken for cards.
  const first = digits.charCodeAt(0) - 48
  if (first < 2 || first > 6 || !luhnValid(digits)) return undefined
  return `****-****-****-${digits.slice(-4)}`
}

/** `john.doe@example.com` → `j***@e***.com`. */
export function maskEmail(local: string, domain: string, tld: string): string {
  return `${local[0]}***@${domain[0]}***.${tld}`
}

/** Every digit but the last two becomes `*`; separators stay (`+7 912 345-67-89` → `+* *** ***-**-89`). */
export function maskDigits(text: string): string {
  let seen = 0
  let total = 0
  for (let i = 0; i < text.length; i++) { const c = text.charCodeAt(i); if (c >= 48 && c <= 57) total++ }
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 48 && c <= 57) { seen++; out += seen <= total - 2 ? '*' : text[i] } else out += text[i]
  }
  return out
}

/** Digits 0–9 in `text`. */
export function countDigits(text: string): number {
  let n = 0
  for (let i = 0; i < text.length; i++) { const c = text.charCodeAt(i); if (c >= 48 && c <= 57) n++ }
  return n
}

/** The `mask` field action: an e-mail keeps its shape, anything else keeps its first character. */
export function maskWhole(value: string): string {
  const m = /^([^@\s]+)@([^@\s.]+)(?:\.[^@\s]+)*\.([A-Za-z]{2,24})$/.exec(value)
  if (m) return maskEmail(m[1], m[2], m[3])
  return value.length <= 1 ? '***' : `${value[0]}***`
}
