import { slackChannel } from './slack.ts'
import { telegramChannel } from './telegram.ts'
import { webhookChannel } from './webhook.ts'
import type { Channel, ChannelKind } from './types.ts'

/** Every channel kind, by name. E-mail (SMTP) is not built yet (see docs/alerting.md). */
export const CHANNELS: Record<ChannelKind, Channel> = {
  slack: slackChannel,
  telegram: telegramChannel,
  webhook: webhookChannel,
}

export type { Channel, ChannelConfig, ChannelKind, Notification, AlertItem, SendOutcome } from './types.ts'
export { networkPolicy, type NetworkPolicy } from './http-post.ts'
