/**
 * The official `pg` instrumentation (query spans, as before), without the metrics it records per
 * query and per pool checkout when no MeterProvider is registered.
 *
 * `@opentelemetry/instrumentation-pg` records `db.client.operation.duration` after every query
 * (six attribute keys copied, a clock read) and three connection counters on every pool `acquire`
 * and `release`, whether or not anything collects them. The SDK exports traces and logs only: with
 * the API's no-op MeterProvider those records go nowhere, and they cost ≈ 1 % of the company
 * order endpoint's main thread. With a MeterProvider registered (globally, or given to the
 * instrumentation), they are recorded as upstream does.
 */
import { metrics, type MeterProvider } from '@opentelemetry/api'
import { PgInstrumentation, type PgInstrumentationConfig } from '@opentelemetry/instrumentation-pg'

/** The provider the API hands out before anyone registers one (its no-op). */
const NOOP_METER_PROVIDER = metrics.getMeterProvider()

// The upstream methods replaced below (private in its types, stable across 0.5x–0.7x releases).
interface PgMetricsInternals {
  recordOperationDuration(attributes: Record<string, unknown>, startTime: [number, number]): void
  _setPoolConnectEventListeners(pool: unknown): void
}

export class LeanPgInstrumentation extends PgInstrumentation {
  /** Set when a real MeterProvider is given to this instrumentation. */
  private meterProviderSet = false

  constructor(config: PgInstrumentationConfig = {}) {
    super(config)
    const upstream = PgInstrumentation.prototype as unknown as PgMetricsInternals
    const self = this as unknown as PgMetricsInternals
    self.recordOperationDuration = (attributes, startTime) => {
      if (this.metricsWanted()) upstream.recordOperationDuration.call(this, attributes, startTime)
    }
    self._setPoolConnectEventListeners = (pool) => {
      if (this.metricsWanted()) upstream._setPoolConnectEventListeners.call(this, pool)
    }
  }

  override setMeterProvider(meterProvider: MeterProvider): void {
    // registerInstrumentations() hands every instrumentation the global provider: the no-op one unless someone registered theirs.
    this.meterProviderSet = meterProvider !== NOOP_METER_PROVIDER
    super.setMeterProvider(meterProvider)
  }

  /** False while only the API's no-op MeterProvider exists (nothing would collect the records). */
  private metricsWanted(): boolean {
    return this.meterProviderSet || metrics.getMeterProvider() !== NOOP_METER_PROVIDER
  }
}
