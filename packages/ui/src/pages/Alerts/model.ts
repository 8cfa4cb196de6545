/** Shapes of /api/alerts answers the Alerts pages read. */
export interface AlertRow { ruleId: string; rule: string; severity?: string; state: 'pending' | 'firing'; labels: Record<string, string>; value: number; since: string; firedAt: string | null; flapping: boolean; incidentId: string | null; acknowledged: boolean; links: { search?: string; trace?: string; order?: string } }
export interface Incident { id: string; ruleId: string; ruleName: string; service: string; severity: string; labels: Record<string, string>; summary: string; openedAt: string; lastFiredAt: string; resolvedAt: string | null; ackedAt: string | null; ackedBy: string; notes: string; status: 'open' | 'acknowledged' | 'resolved'; links: { search?: string } }
export interface ServiceMttr { service: string; incidents: number; open: number; mttaSeconds: number | null; mttrSeconds: number | null }
export interface Rule {
  id: string; name: string; kind: string; target: string; query: string; aggregate: string; op: string; threshold: number; windowSeconds: number; groupBy: string[]
  severity: string; channels: string[]; enabled: boolean; source: string; builtin: string; status: { warmingUpGroups: number }
  ratioOf?: string; field?: string; percentile?: number; minCount?: number; for?: number; newValueDays?: number
  anomaly?: { direction: string; sensitivity: number; warmupIntervals: number }; description?: string
}
export interface Preview { firings: number; windowsOver: number; bucketSeconds: number; threshold: number | null; series: { time: string; value: number; over: boolean }[]; note?: string }
export interface Channel { id: string; name: string; type: string; default: boolean; settings: Record<string, string>; secrets: Record<string, string> }
export interface Silence { id: string; matchers: Record<string, string>; startsAt?: string; endsAt?: string; recurring?: { days: number[]; start: string; minutes: number }; comment: string; createdBy: string }

/** `service=shop-api, route=/orders` */
export const labelText = (l: Record<string, string>): string => Object.entries(l).map(([k, v]) => `${k}=${v}`).join(', ')

/** Seconds as `4 min`, `1.5 h`, `–` when unknown. */
export function seconds(s: number | null): string {
  if (s === null) return '–'
  if (s < 120) return `${Math.round(s)} s`
  if (s < 7200) return `${Math.round(s / 60)} min`
  return `${(s / 3600).toFixed(1)} h`
}

/** Parses `service=crm-api severity=critical` into matchers; null when a part has no `=`. */
export function parseMatchers(text: string): Record<string, string> | null {
  const out: Record<string, string> = {}
  for (const part of text.trim().split(/\s+/).filter(Boolean)) {
    const eq = part.indexOf('=')
    if (eq <= 0) return null
    out[part.slice(0, eq)] = part.slice(eq + 1)
  }
  return out
}
