/**
 * `@baton-chat/server`: the Baton reference server. Protocol v1 on a Hono app over a durable event log
 * (PGlite embedded, or PostgreSQL), bots plugged in through the {@link Bot} interface.
 *
 * @packageDocumentation
 */

/** Creates the server (Hono app + store + bot runner); see {@link BatonServerOptions}. */
export { createBatonServer, openStorage, openStore } from './app.js';
export type { BatonServer, BatonServerOptions } from './app.js';
/** Serves the server on Node's HTTP; see {@link StartServerOptions}. */
export { startServer } from './node.js';
export type { RunningServer, StartServerOptions } from './node.js';
/** The echo bot, for tests, demos and conformance runs. */
export { createEchoBot } from './bots/echo-bot.js';
export type { EchoBotOptions } from './bots/echo-bot.js';
export type { Bot, BotChunk, BotTurn } from './bots/bot.js';
/** The knowledge-base bot (BM25 over a folder of markdown articles); also the LLM bot's retrieval. */
export { createKnowledgeBaseBot } from './bots/kb/index.js';
export type {
  KnowledgeBaseBot,
  KnowledgeBaseBotOptions,
  KnowledgeBaseHit,
  KnowledgeBaseSearchResult,
} from './bots/kb/index.js';
/** The LLM bot: any OpenAI-compatible endpoint, grounded on a knowledge base. */
export { createLlmBot, LlmBotError } from './bots/llm/index.js';
export type {
  LlmBot,
  LlmBotErrorCode,
  LlmBotOptions,
  LlmKnowledgeBase,
  LlmSearchResult,
  LlmSource,
} from './bots/llm/index.js';
/** Agent accounts, console sessions and the hub's read models (the agent API's storage). */
export { createSqlAgentStore } from './agents/agent-store.js';
export type {
  AgentRecord,
  AgentRole,
  AgentStatus,
  AgentStore,
  EarlierConversation,
  NewAgent,
  WorkItem,
} from './agents/agent-store.js';
export type { AgentPresence } from './agents/agent-stream.js';
export type { HubTimeouts, TransferTarget } from './agents/hub.js';
/** The server's error type and its brand check. */
export { BatonError, isBatonError } from './errors.js';
export type { ProblemExtras } from './errors.js';
/** Storage: the store over a SQL client, the clients, the migrations. */
export { createSqlStore } from './store/sql-store.js';
export type { SqlStoreOptions } from './store/sql-store.js';
export { createPgliteClient, createPostgresClient } from './store/sql-client.js';
export type { SqlClient, SqlExecutor } from './store/sql-client.js';
export { MIGRATIONS, migrate } from './store/migrations.js';
export type { Migration } from './store/migrations.js';
export type {
  ConversationRecord,
  ConversationTx,
  EventListener,
  HistoryPage,
  IdempotencyClaim,
  NewConversation,
  NewEvent,
  Store,
  TurnRecord,
  WaitingHandoff,
} from './store/store.js';
export type { RateLimit } from './http/rate-limit.js';
