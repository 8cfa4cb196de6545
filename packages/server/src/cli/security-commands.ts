import type { Command } from 'commander'

/** `beacon user …`, `beacon key …`, `beacon audit …` (security feature). */
export function registerSecurityCommands(_program: Command): void {}
