import { slackChannel } from './slack.ts'
import { telegramChannel } from './telegram.ts'
import { webhookChannel } from './webhook.ts'
import { emailChannel } from './email.ts'
import type { Channel, ChannelKind } from './types.ts'

/** Every channel kind, by name. */
export const CHANNELS: Record<ChannelKind, Channel> = {
  slack: slackChannel,
  telegram: telegramChannel,
  webhook: webhookChannel,
  email: emailChannel,
}

export type { Channel, ChannelConfig, ChannelKind, Notification, AlertItem, SendOutcome } from './types.ts'
export { networkPolicy, type NetworkPolicy } from './http-post.ts'
