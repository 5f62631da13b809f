import type { Context } from 'hono';
import type { Feature, Limits } from '@baton-chat/protocol';
import type { BotRunner } from './bot-runner.js';
import type { ConversationKeys } from './conversation-keys.js';
import type { QueueOptions } from './handoffs.js';
import type { RateLimiter } from './http/rate-limit.js';
import type { AgentStore } from './agents/agent-store.js';
import type { EscalationPolicy } from './analysis/index.js';
import type { Store } from './store/store.js';

/** What every route handler shares. Internal. */
export interface ServerContext {
  store: Store;
  /** Tokens' hashes and locales of recently served conversations (they never change). */
  conversationKeys: ConversationKeys;
  /** Agent accounts and the hub's read models; undefined when the agent API is off. */
  agents: AgentStore | undefined;
  /** The escalation policy applied to every customer message; undefined when switched off. */
  escalation: Readonly<EscalationPolicy> | undefined;
  runner: BotRunner;
  features: readonly Feature[];
  limits: Limits;
  heartbeatMs: number;
  identityVerification: 'required' | 'optional' | 'off';
  identitySecret: string | undefined;
  idempotencyTtlMs: number;
  rateLimits: { conversationsPerIp: RateLimiter; commandsPerConversation: RateLimiter };
  clientIp(c: Context): string;
  queue: QueueOptions;
  refreshQueue(): Promise<void>;
  /** Ends every open event stream (shutdown). */
  streams: Set<() => void>;
  log(message: string, error?: unknown): void;
}
