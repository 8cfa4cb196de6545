import type { z } from 'zod'

/**
 * Strict configuration: zod strips unknown keys silently, so a typo such as `retension:` would be
 * ignored and the default used. This walks the raw settings against the schema and names every
 * key the schema does not know, with the nearest known key at that place.
 */
export function unknownKeys(schema: z.ZodType, value: unknown, path: string[] = []): string[] {
  const inner = unwrap(schema)
  if (value === null || typeof value !== 'object') return []
  const def = (inner as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def
  if (def.type === 'object' && !Array.isArray(value)) {
    const shape = (inner as unknown as { shape: Record<string, z.ZodType> }).shape
    const known = Object.keys(shape)
    const problems: string[] = []
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const child = shape[key]
      if (child === undefined || !Object.hasOwn(shape, key)) {
        const near = nearest(key, known)
        problems.push(`${[...path, key].join('.')}: unknown setting${near ? ` (did you mean ${[...path, near].join('.')}?)` : ''}; known here: ${known.join(', ')}`)
      } else {
        problems.push(...unknownKeys(child, v, [...path, key]))
      }
    }
    return problems
  }
  if (def.type === 'record' && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => unknownKeys(def.valueType as z.ZodType, v, [...path, k]))
  }
  if (def.type === 'array' && Array.isArray(value)) {
    return value.flatMap((v, i) => unknownKeys(def.element as z.ZodType, v, [...path, String(i)]))
  }
  return []
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema
  for (let i = 0; i < 10; i++) {
    const def = (s as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def
    if (def.type === 'default' || def.type === 'optional' || def.type === 'nullable' || def.type === 'prefault' || def.type === 'readonly') s = def.innerType as z.ZodType
    else if (def.type === 'pipe') s = def.in as z.ZodType
    else break
  }
  return s
}

/** The known key closest to `key` (edit distance at most a third of its length, at least 2). */
export function nearest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestD = Math.max(2, Math.floor(key.length / 3)) + 1
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase())
    if (d < bestD) { best = k; bestD = d }
  }
  return best
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = cur
  }
  return prev[b.length]
}

/** Freezes the validated configuration, all the way down (fastify's `initialConfig`). */
export function deepFreeze<T>(value: T): Readonly<T> {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
