import { z } from 'zod'

/**
 * Silences and maintenance windows. A silence mutes notifications of alerts whose labels match
 * every matcher (`rule`, `severity`, `service` and the rule's group fields) while it is active;
 * alerts still change state and incidents are still recorded.
 *
 * A one-off silence has `startsAt`/`endsAt`; a maintenance window repeats on weekdays at a UTC
 * time for a duration (`recurring: { days: [1,2,3,4,5], start: '02:00', minutes: 60 }`).
 */
export const silenceInputSchema = z.object({
  matchers: z.record(z.string().min(1), z.string()).default({}),
  startsAt: z.string().datetime({ offset: true }).optional(),
  endsAt: z.string().datetime({ offset: true }).optional(),
  recurring: z.object({
    /** 0 = Sunday … 6 = Saturday (UTC). */
    days: z.array(z.number().int().min(0).max(6)).min(1),
    start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM (UTC)'),
    minutes: z.number().int().min(1).max(7 * 24 * 60),
  }).optional(),
  comment: z.string().max(1000).default(''),
}).strict().refine((s) => s.recurring !== undefined || s.endsAt !== undefined, 'give endsAt (a one-off silence) or recurring (a maintenance window)')

export type SilenceInput = z.input<typeof silenceInputSchema>

export interface Silence {
  id: string
  matchers: Record<string, string>
  startsAt?: string
  endsAt?: string
  recurring?: { days: number[]; start: string; minutes: number }
  comment: string
  createdBy: string
  createdAt: string
}

/** Whether the silence is in force at `now`. */
export function silenceActive(s: Silence, now: number): boolean {
  if (s.recurring) {
    const [h, m] = s.recurring.start.split(':').map(Number)
    const span = s.recurring.minutes * 60_000
    // A window may have started yesterday (or up to a week ago) and still be running.
    for (let back = 0; back <= 7; back++) {
      const day = new Date(now - back * 86_400_000)
      if (!s.recurring.days.includes(day.getUTCDay())) continue
      const start = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), h, m)
      if (now >= start && now < start + span) return true
    }
    return false
  }
  const from = s.startsAt ? Date.parse(s.startsAt) : 0
  const to = s.endsAt ? Date.parse(s.endsAt) : Infinity
  return now >= from && now < to
}

/** Whether `labels` satisfy every matcher (`*` suffix = prefix match). */
export function silenceMatches(s: Silence, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(s.matchers)) {
    const have = labels[k]
    if (have === undefined) return false
    if (v.endsWith('*') ? !have.startsWith(v.slice(0, -1)) : have !== v) return false
  }
  return true
}

/** The first active silence matching the labels, if any. */
export function findSilence(silences: Iterable<Silence>, labels: Record<string, string>, now: number): Silence | undefined {
  for (const s of silences) if (silenceActive(s, now) && silenceMatches(s, labels)) return s
  return undefined
}
