export { createChat } from './create-chat.js';
export type { Chat, CreateChatOptions, SendExtras } from './create-chat.js';
export { BatonError } from './errors.js';
export type { BatonErrorCode } from './errors.js';
export { createIdbPersister, createMemoryPersister } from './persister.js';
export type {
  IdbPersisterOptions,
  OutboxEntry,
  Persister,
  PersisterStatus,
  StoredConversation,
  StoredSnapshot,
} from './persister.js';
export { browserTabs } from './tabs.js';
export type { TabChannel, Tabs } from './tabs.js';
export { createSseTransport, systemClock } from './sse-transport.js';
export type {
  Clock,
  EventSourceLike,
  SseTransport,
  SseTransportOptions,
  TransportStatus,
} from './sse-transport.js';
export {
  applyConnection,
  applyConversationState,
  applyEvent,
  applyHandoff,
  applyHistory,
  applyLeaderSnapshot,
  applyMarkRead,
  applyOptimisticSend,
  applySendAccepted,
  applySendFailed,
  applySendStatus,
  fromHistoryMessage,
  initialSnapshot,
} from './chat-state.js';
export type {
  ChatMessage,
  ChatSnapshot,
  ConnectionStatus,
  ConversationState,
  MessageStatus,
  OptimisticMessage,
} from './chat-state.js';
