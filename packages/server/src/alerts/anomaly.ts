/**
 * Anomaly baseline for a count per window:
 * - seasonal: the same window at the same time of day and weekday over past weeks (median, MAD);
 * - short-term: an EWMA of recent windows with an EWM variance.
 * The expected band is center ± sensitivity × spread, where spread is the robust standard deviation
 * (1.4826 × MAD, or √EWM variance) but at least √center (Poisson noise) and 1.
 * Until there are ≥ 2 seasonal points or `warmupIntervals` EWMA windows, the rule is warming up
 * and never fires (reported by the API).
 */

export interface Band { low: number; high: number; center: number; source: 'seasonal' | 'ewma' }

export interface EwmaState { mean: number; variance: number; n: number; lastBucket: number }

const ALPHA = 0.2

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** Folds one completed window's count into the EWMA. */
export function ewmaUpdate(e: EwmaState, value: number, bucket: number): void {
  if (e.n === 0) { e.mean = value; e.variance = 0 } else {
    const diff = value - e.mean
    const incr = ALPHA * diff
    e.mean += incr
    e.variance = (1 - ALPHA) * (e.variance + diff * incr)
  }
  e.n++
  e.lastBucket = bucket
}

/** The expected band, or null while warming up. */
export function expectedBand(seasonal: number[], ewma: EwmaState | undefined, sensitivity: number, warmupIntervals: number): Band | null {
  if (seasonal.length >= 2) {
    const center = median(seasonal)
    const mad = median(seasonal.map((x) => Math.abs(x - center)))
    const spread = Math.max(1.4826 * mad, Math.sqrt(center), 1)
    return { center, low: Math.max(0, center - sensitivity * spread), high: center + sensitivity * spread, source: 'seasonal' }
  }
  if (ewma && ewma.n >= warmupIntervals) {
    const spread = Math.max(Math.sqrt(ewma.variance), Math.sqrt(ewma.mean), 1)
    return { center: ewma.mean, low: Math.max(0, ewma.mean - sensitivity * spread), high: ewma.mean + sensitivity * spread, source: 'ewma' }
  }
  return null
}

/** Whether `value` is outside the band in the rule's direction, with enough volume to matter. */
export function isAnomalous(value: number, band: Band, direction: 'up' | 'down' | 'both', minCount: number): boolean {
  const up = value > band.high && value >= minCount
  const down = value < band.low && band.center >= minCount
  return direction === 'up' ? up : direction === 'down' ? down : up || down
}
