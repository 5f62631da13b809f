/**
 * `@baton-chat/console`: the agent console, a Lit web app on the reference server's agent API. The
 * server serves the built app at `/console`; the elements and the API client are exported for hosts that
 * embed the console in their own page.
 *
 * @packageDocumentation
 */

/** The console app element (`<baton-console>`); register it with {@link defineBatonConsole}. */
export { BatonConsole } from './console-app.js';
/** One conversation: transcript, composer, actions and context (`<baton-console-conversation>`). */
export { BatonConsoleConversation } from './conversation-view.js';
export type { ConsoleEndedDetail } from './conversation-view.js';
/** The insights page (`<baton-console-insights>`) and the knowledge-base editor for admins (`<baton-console-kb>`). */
export { BatonConsoleInsights } from './insights-view.js';
export type { ConsoleWriteArticleDetail } from './insights-view.js';
export { BatonConsoleKb, articleTemplate, slugFromTitle, slugInMarkdown } from './kb-editor.js';
export { busiestHour, formatSeconds, heatLevel, percent, utcDay } from './insights-charts.js';
/** The team's canned replies for admins (`<baton-console-canned>`) and the composer's helpers for them. */
export { BatonConsoleCanned } from './canned-editor.js';
export { fillPlaceholders, filterCannedReplies, slashQuery } from './canned-replies.js';
export type { FilledReply, PlaceholderValues } from './canned-replies.js';
export { defineBatonConsole } from './define.js';
/** The typed agent API client and its error. */
export { AgentApiError, createAgentApi } from './agent-api.js';
export type { AgentApi, AgentApiOptions, DayRange } from './agent-api.js';
/** The agent event stream with reconnects. */
export { connectAgentEvents } from './agent-events.js';
export type { AgentEventsOptions, LiveStatus } from './agent-events.js';
/** Pure helpers of the queue and the transcript (tested without a browser). */
export { compareWork, formatWait, newArrivals, queueFor, reasonLabel, titleWithBadge } from './queue.js';
export type { QueueView } from './queue.js';
export { addMessage, addOlder, applyEvent, transcriptFromDetail } from './transcript.js';
export type { TranscriptItem, TranscriptNote, TranscriptState } from './transcript.js';
export { renderContextPanel, sentimentPoints } from './context-panel.js';
/** The agent API's wire types, shared with the server (`@baton-chat/protocol/agent`). */
export type {
  Agent,
  AgentPresence,
  AgentRole,
  AgentStatus,
  AgentStreamEvent,
  CannedReply,
  CannedReplyInput,
  ConversationDetail,
  ConversationInfo,
  DurationStats,
  EarlierConversation,
  InsightsReport,
  KbArticle,
  KbArticleListing,
  KbHit,
  QuestionGroup,
  TransferTarget,
  WorkItem,
} from '@baton-chat/protocol/agent';
