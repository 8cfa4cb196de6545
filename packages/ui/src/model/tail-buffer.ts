/**
 * The live tail's memory: the newest `max` records (older ones fall off), arrival times for the
 * rate shown on screen, and the count the server dropped.
 */
export class TailBuffer<T> {
  private items: T[] = []
  private arrivals: number[] = []
  dropped = 0
  constructor(private readonly max: number) {}

  push(item: T, nowMs: number): void {
    this.items.push(item)
    if (this.items.length > this.max * 2) this.items = this.items.slice(-this.max)
    this.arrivals.push(nowMs)
    if (this.arrivals.length > 10_000) this.arrivals = this.arrivals.slice(-5_000)
  }

  newestFirst(): T[] {
    return this.items.slice(-this.max).reverse()
  }

  /** Records per second over the last 5 seconds. */
  ratePerSecond(nowMs: number, windowMs = 5000): number {
    let n = 0
    for (let i = this.arrivals.length - 1; i >= 0 && this.arrivals[i] > nowMs - windowMs; i--) n++
    return n / (windowMs / 1000)
  }

  clear(): void { this.items = []; this.arrivals = []; this.dropped = 0 }
}
