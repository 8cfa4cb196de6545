/**
 * Alerting: rules (instant, threshold, absence, new value, anomaly, lost messages) evaluated from
 * the live feed and per-interval rollups, states and incidents in ClickHouse, notifications to
 * Slack, Telegram and webhooks. See docs/alerting.md.
 */
export { ALERT_MIGRATIONS } from './tables.ts'
export { startAlerts, applyAlertsAsCode } from './service.ts'
export { AlertEngine } from './engine.ts'
export { registerAlertRoutes } from './routes.ts'
export { DETECTORS } from './detectors.ts'
export { validateRule, type Rule, type RuleInput } from './rule.ts'
