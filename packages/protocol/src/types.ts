import type {
  DURABLE_EVENT_TYPES,
  EPHEMERAL_EVENT_TYPES,
  FEATURES,
  HANDOFF_REASONS,
  PROBLEM_STATUS,
} from './constants.js';

/** A durable event type name. */
export type DurableEventType = (typeof DURABLE_EVENT_TYPES)[number];
/** An ephemeral event type name. */
export type EphemeralEventType = (typeof EPHEMERAL_EVENT_TYPES)[number];
/** Any event type name defined by v1. */
export type EventType = DurableEventType | EphemeralEventType;
/** A feature a server may advertise. */
export type Feature = (typeof FEATURES)[number];
/** A problem code carried in `application/problem+json` bodies. */
export type ProblemCode = keyof typeof PROBLEM_STATUS;

/** An RFC 3339 timestamp in UTC, such as `2026-11-24T09:30:00.000Z`. */
export type Timestamp = string;

// ---------------------------------------------------------------------------------------------
// Participants and messages
// ---------------------------------------------------------------------------------------------

/** Who wrote a message. */
export type Role = 'user' | 'bot' | 'agent' | 'system';

/** Who may answer the customer now. */
export type Control = 'bot' | 'human' | 'none';

/** The author of a message or the subject of a participant event. */
export interface Author {
  /** Stable id of the author (user id, agent id, bot id); absent for anonymous users and system. */
  id?: string;
  /** What kind of participant this is. */
  role: Role;
  /** Display name, such as "Ana (Support)" or "Baton Assistant". */
  name?: string;
  /** Absolute https URL of an avatar image. */
  avatarUrl?: string;
}

/** A file attached to a message. v1 servers may accept none; they advertise limits in capabilities. */
export interface Attachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
  url: string;
}

/** A source the bot used for an answer. */
export interface Citation {
  /** Title of the source article. */
  title: string;
  /** Absolute or site-relative URL of the source. */
  url: string;
  /** The passage the answer relied on. */
  snippet?: string;
}

/** A quick reply the customer can tap. */
export interface Suggestion {
  /** Short label shown on the chip. */
  label: string;
  /** Text sent as a normal message when tapped (action `send`); defaults to `label`. */
  text?: string;
  /**
   * What tapping does: `send` (the default) sends `text` as a message; `handoff` asks for a human, as
   * the client's own "Talk to a person" action would. Clients treat unknown actions as `send`.
   */
  action?: 'send' | 'handoff';
}

/** Why a streamed message stopped. */
export type FinishReason = 'stop' | 'length' | 'cancelled' | 'error' | 'handoff';

/** Data of `message.created`: a complete message (user, agent, system or a non-streamed bot message). */
export interface MessageCreatedData {
  id: string;
  /** Set on user messages: the client's id, equal to the `Idempotency-Key` of the send. */
  clientMessageId?: string;
  role: Role;
  author: Author;
  text: string;
  attachments?: Attachment[];
  createdAt: Timestamp;
}

/** Data of `message.started`: a bot message begins streaming. */
export interface MessageStartedData {
  id: string;
  role: 'bot';
  author: Author;
  /** The turn this message answers; cancel it with `POST .../turns/{turnId}/cancel`. */
  turnId: string;
  /** Id of the user message being answered. */
  replyTo?: string;
  createdAt: Timestamp;
}

/** Data of `message.delta`: the next piece of a streaming message's text. */
export interface MessageDeltaData {
  id: string;
  /** 0 for the first delta of the message, then 1, 2, ... without gaps. */
  index: number;
  text: string;
}

/** Data of `message.completed`: the final, authoritative state of a streamed message. */
export interface MessageCompletedData {
  id: string;
  /** The full final text; replaces whatever the client accumulated from deltas. */
  text: string;
  finishReason: FinishReason;
  citations?: Citation[];
  suggestions?: Suggestion[];
  /** The bot's confidence in this answer, 0..1, when it has one. */
  confidence?: number;
  completedAt: Timestamp;
}

/** Data of `message.updated`: an edit by its author or a moderator. */
export interface MessageUpdatedData {
  id: string;
  text: string;
  updatedAt: Timestamp;
}

/** Data of `message.retracted`: the message must no longer be shown. */
export interface MessageRetractedData {
  id: string;
  reason?: 'moderation' | 'author' | 'policy';
}

/** A message as returned by the history endpoint: the result of applying its events. */
export interface Message {
  id: string;
  /** Seq of the event that created the message (`message.created` or `message.started`). */
  seq: number;
  clientMessageId?: string;
  role: Role;
  author: Author;
  text: string;
  /** `streaming` until `message.completed`, `retracted` after `message.retracted`. */
  status: 'streaming' | 'complete' | 'retracted';
  /** For a streaming message: the index the next delta will have. */
  nextDeltaIndex?: number;
  turnId?: string;
  replyTo?: string;
  finishReason?: FinishReason;
  citations?: Citation[];
  suggestions?: Suggestion[];
  confidence?: number;
  attachments?: Attachment[];
  createdAt: Timestamp;
  completedAt?: Timestamp;
  updatedAt?: Timestamp;
}

// ---------------------------------------------------------------------------------------------
// Handoff
// ---------------------------------------------------------------------------------------------

/** States of a handoff. `ended`, `failed` and `cancelled` are terminal. */
export type HandoffState = 'requested' | 'queued' | 'assigned' | 'active' | 'ended' | 'failed' | 'cancelled';

/** Why a handoff was requested. */
export type HandoffReason = (typeof HANDOFF_REASONS)[number];

/** How an active handoff ended. */
export type HandoffOutcome = 'resolved' | 'returned_to_bot' | 'abandoned' | 'agent_disconnected' | 'timeout';

/** Why a handoff failed before a human took it. */
export type HandoffFailureReason = 'no_agents' | 'out_of_hours' | 'timeout' | 'rejected' | 'error';

/** What the customer is offered after a failed handoff. */
export type HandoffFallback = 'bot' | 'offline_form';

/** Who asked for the handoff. */
export type HandoffRequester = 'user' | 'bot' | 'system' | 'agent';

/** The public view of the agent handling a handoff. */
export interface AgentRef {
  id: string;
  name: string;
  avatarUrl?: string;
}

/** Queue details while a handoff waits for a human. */
export interface QueueInfo {
  /** 1 = next in line. */
  position: number;
  /** Estimated seconds until an agent takes the conversation; absent when unknown. */
  estimatedWaitSeconds?: number;
  skill?: string;
  language?: string;
  priority?: number;
}

/** Data of `handoff.updated`: the full snapshot of one handoff. Last `version` wins. */
export interface HandoffSnapshot {
  id: string;
  state: HandoffState;
  /** 1 when requested, +1 on every transition. */
  version: number;
  reason: HandoffReason;
  requestedBy: HandoffRequester;
  /** Free text from the customer ("I was charged twice"). */
  note?: string;
  /** Present while `queued`. */
  queue?: QueueInfo;
  /** Present while `assigned` or `active`, and kept on `ended`. */
  agent?: AgentRef;
  /** Present when `ended`. */
  outcome?: HandoffOutcome;
  /** Present when `failed`. */
  failureReason?: HandoffFailureReason;
  /** Present when `failed`. */
  fallback?: HandoffFallback;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** An action that moves a handoff; see `transitionHandoff`. */
export type HandoffAction =
  | {
      type: 'request';
      id: string;
      reason: HandoffReason;
      requestedBy: HandoffRequester;
      note?: string;
      at: Timestamp;
    }
  | { type: 'enqueue'; queue: QueueInfo; at: Timestamp }
  | { type: 'assign'; agent: AgentRef; at: Timestamp }
  | { type: 'accept'; at: Timestamp }
  | { type: 'requeue'; queue: QueueInfo; at: Timestamp }
  | { type: 'transfer'; to: { queue: QueueInfo } | { agent: AgentRef }; at: Timestamp }
  | { type: 'end'; outcome: HandoffOutcome; at: Timestamp }
  | { type: 'fail'; failureReason: HandoffFailureReason; fallback: HandoffFallback; at: Timestamp }
  | { type: 'cancel'; at: Timestamp };

// ---------------------------------------------------------------------------------------------
// Other durable event data
// ---------------------------------------------------------------------------------------------

/** Data of `participant.joined` and `participant.left`. */
export interface ParticipantData {
  participant: Author & { id: string; role: 'bot' | 'agent' };
  /** For `participant.left`: why, such as `transferred` or `resolved`. */
  reason?: string;
}

/** Lifecycle of a conversation. */
export type ConversationStatus = 'open' | 'closed';

/** Data of `conversation.updated`: the full conversation state. */
export interface ConversationUpdatedData {
  status: ConversationStatus;
  control: Control;
  /** Bumped on every change of control and every handoff transition. */
  controlVersion: number;
}

/** Data of `receipt`: everything up to `upToSeq` was delivered to or read by `by`. */
export interface ReceiptData {
  by: 'user' | 'agent';
  kind: 'delivered' | 'read';
  upToSeq: number;
}

/** Feedback kinds: a thumb on one bot answer, or a satisfaction score for the conversation. */
export type FeedbackKind = 'thumbs' | 'csat';

/** Data of `feedback.recorded`. */
export interface FeedbackRecordedData {
  id: string;
  kind: FeedbackKind;
  /** For `thumbs`: the rated bot message. */
  messageId?: string;
  /** `up`/`down` for thumbs; 1..5 for csat. */
  value: 'up' | 'down' | 1 | 2 | 3 | 4 | 5;
  comment?: string;
}

// ---------------------------------------------------------------------------------------------
// Ephemeral event data
// ---------------------------------------------------------------------------------------------

/** Data of `hello`, the first event of every stream. */
export interface HelloData {
  /** `major.minor` the server speaks. */
  protocol: string;
  conversationId: string;
  /** The cursor the server resumed from (events with seq > resumeFrom follow). */
  resumeFrom: number;
  /** Seq of the newest durable event when the stream opened. */
  lastSeq: number;
  /** Seq of the oldest durable event still kept (1 when nothing was dropped). */
  oldestSeq: number;
  heartbeatMs: number;
  features: Feature[];
  serverTime: Timestamp;
}

/** Data of `typing`. */
export interface TypingData {
  participant: Author;
  isTyping: boolean;
}

/** Data of `progress`: what the bot is doing before its first token. */
export interface ProgressData {
  turnId: string;
  /** Machine-readable stage such as `searching` or `thinking`. */
  stage: string;
  /** Human-readable label such as "Searching the help center...". */
  label: string;
}

/** Data of `sync.reset`: the cursor cannot be served; refetch history and reconnect. */
export interface SyncResetData {
  reason: 'retention' | 'cursor_ahead';
  oldestSeq: number;
  lastSeq: number;
}

/** Data of an `error` event: something failed that the client may show. */
export interface ErrorEventData {
  code: string;
  message: string;
  turnId?: string;
  retryable: boolean;
}

// ---------------------------------------------------------------------------------------------
// The envelope
// ---------------------------------------------------------------------------------------------

/** Event data by event type. */
export interface EventDataMap {
  'message.created': MessageCreatedData;
  'message.started': MessageStartedData;
  'message.delta': MessageDeltaData;
  'message.completed': MessageCompletedData;
  'message.updated': MessageUpdatedData;
  'message.retracted': MessageRetractedData;
  'handoff.updated': HandoffSnapshot;
  'participant.joined': ParticipantData;
  'participant.left': ParticipantData;
  'conversation.updated': ConversationUpdatedData;
  receipt: ReceiptData;
  'feedback.recorded': FeedbackRecordedData;
  hello: HelloData;
  typing: TypingData;
  progress: ProgressData;
  'sync.reset': SyncResetData;
  error: ErrorEventData;
}

/** A durable event: stored in the conversation's log, sent with SSE `id:` equal to `seq`. */
export type DurableEvent<T extends DurableEventType = DurableEventType> = {
  [K in T]: { type: K; seq: number; conversationId: string; ts: Timestamp; data: EventDataMap[K] };
}[T];

/** An ephemeral event: never stored, sent without an SSE `id:`. */
export type EphemeralEvent<T extends EphemeralEventType = EphemeralEventType> = {
  [K in T]: { type: K; conversationId: string; ts: Timestamp; data: EventDataMap[K] };
}[T];

/** Any v1 event envelope. */
export type BatonEvent = DurableEvent | EphemeralEvent;

// ---------------------------------------------------------------------------------------------
// Requests and responses
// ---------------------------------------------------------------------------------------------

/** Server limits advertised in capabilities. */
export interface Limits {
  /** Largest accepted request body in bytes; bigger bodies get 413. */
  maxBodyBytes: number;
  /** Longest accepted message text in characters (UTF-16 code units); longer gets 413. */
  maxMessageChars: number;
  /** Oldest history kept, in events per conversation; 0 = unlimited. */
  retentionEvents: number;
}

/** Response of `GET /v1/capabilities`. */
export interface CapabilitiesResponse {
  protocol: 'baton';
  /** Every `major.minor` the server speaks, newest last. */
  versions: string[];
  features: Feature[];
  limits: Limits;
  heartbeatMs: number;
  /** `required`: anonymous users are refused; `optional`: verified if a hash is sent; `off`. */
  identityVerification: 'required' | 'optional' | 'off';
}

/** The end user, as sent by the client when creating a conversation. */
export interface UserIdentity {
  /** The site's own id for the user. */
  id: string;
  /** Lower-case hex HMAC-SHA256 of `id` keyed with the site secret, computed by the site's backend. */
  hash?: string;
  name?: string;
  email?: string;
  /** Up to 50 short attributes (plan, order count...), shown to agents. */
  attributes?: Record<string, string | number | boolean>;
}

/** Where the conversation was started. */
export interface SessionInfo {
  pageUrl?: string;
  pageTitle?: string;
  referrer?: string;
  userAgent?: string;
  locale?: string;
  timezone?: string;
}

/** Body of `POST /v1/conversations`. */
export interface CreateConversationRequest {
  /** To resume: the id of a conversation whose token is sent as `Authorization: Bearer`. */
  conversationId?: string;
  user?: UserIdentity;
  /** BCP 47 language tag of the customer, such as `es` or `zh-CN`. */
  locale?: string;
  session?: SessionInfo;
  /** Free-form context the site passes through to bots and agents. */
  metadata?: Record<string, unknown>;
}

/** Response of `POST /v1/conversations` (201 created, 200 resumed). */
export interface CreateConversationResponse {
  conversationId: string;
  /** Secret bearer token for this conversation; store it with the conversation id. */
  token: string;
  status: ConversationStatus;
  control: Control;
  controlVersion: number;
  lastSeq: number;
  oldestSeq: number;
  handoff: HandoffSnapshot | null;
  user: { id: string | null; verified: boolean };
  features: Feature[];
  createdAt: Timestamp;
}

/** Response of `GET /v1/conversations/{id}/messages`. */
export interface HistoryResponse {
  messages: Message[];
  /** Seq of the newest durable event: resume the stream with `?after=lastSeq`. */
  lastSeq: number;
  oldestSeq: number;
  /** True when more messages exist in the requested direction beyond `limit`. */
  hasMore: boolean;
  handoff: HandoffSnapshot | null;
  status: ConversationStatus;
  control: Control;
  controlVersion: number;
}

/** Body of `POST /v1/conversations/{id}/messages`. */
export interface SendMessageRequest {
  /** UUIDv7 generated by the client; must equal the `Idempotency-Key` header when both are sent. */
  clientMessageId: string;
  text: string;
  attachments?: Attachment[];
  metadata?: Record<string, unknown>;
}

/** Response of `POST /v1/conversations/{id}/messages` (201). */
export interface SendMessageResponse {
  message: Message;
  /** Id of the bot turn started by this message, or null when the bot is not answering. */
  turnId: string | null;
}

/** Response of `POST /v1/conversations/{id}/turns/{turnId}/cancel`. */
export interface CancelTurnResponse {
  turnId: string;
  /** `cancelled`: stopped now; `finished`: the turn had already ended, nothing to stop. */
  result: 'cancelled' | 'finished';
}

/** Body of `POST /v1/conversations/{id}/typing`. */
export interface TypingRequest {
  isTyping: boolean;
}

/** Body of `POST /v1/conversations/{id}/receipts`. */
export interface ReceiptRequest {
  kind?: 'read' | 'delivered';
  upToSeq: number;
}

/** Body of `POST /v1/conversations/{id}/feedback`. */
export interface FeedbackRequest {
  kind: FeedbackKind;
  messageId?: string;
  value: 'up' | 'down' | 1 | 2 | 3 | 4 | 5;
  comment?: string;
}

/** Response of `POST /v1/conversations/{id}/feedback` (201). */
export interface FeedbackResponse {
  feedback: FeedbackRecordedData;
}

/** Body of `POST /v1/conversations/{id}/handoff`. */
export interface HandoffRequest {
  /** Defaults to `user_requested`. */
  reason?: HandoffReason;
  note?: string;
  skill?: string;
  language?: string;
}

/** Response of the handoff endpoints (201 new, 200 existing or cancelled). */
export interface HandoffResponse {
  handoff: HandoffSnapshot;
}

/** Response of `POST /v1/conversations/{id}/close`. */
export interface CloseResponse {
  status: 'closed';
  lastSeq: number;
}

/** An `application/problem+json` error body (RFC 9457) with Baton's `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail?: string;
  /** For 409 `stale-control`: the current control version. */
  controlVersion?: number;
  /** For 409 `handoff-terminal`: the current snapshot. */
  handoff?: HandoffSnapshot;
}

// ---------------------------------------------------------------------------------------------
// Agent context package and hub webhooks
// ---------------------------------------------------------------------------------------------

/** What a human agent receives on handoff. Never sent to the end user. */
export interface ContextPackage {
  conversationId: string;
  handoffId: string;
  reason: HandoffReason;
  routing: { skill?: string; language?: string; priority: number };
  customer: {
    id: string | null;
    verified: boolean;
    name?: string;
    email?: string;
    attributes?: Record<string, string | number | boolean>;
  };
  session: SessionInfo;
  /** Machine-made analysis; agents must see it labelled as such. */
  ai: {
    machineGenerated: true;
    summary: string;
    intents: { name: string; confidence: number }[];
    sentiment: { current: number; trend: 'improving' | 'steady' | 'worsening'; history: number[] };
    entities: { type: string; value: string }[];
    unansweredQuestion?: string;
    suggestedReply?: string;
  };
  /** The last messages, oldest first. */
  transcript: Message[];
  /** URL of the full transcript in the agent API. */
  transcriptUrl?: string;
}

/** Webhook types the backend sends to a hub. */
export type OutboundWebhookType =
  'handoff.request' | 'message.created' | 'typing' | 'handoff.cancel' | 'conversation.closed';

/** Webhook types a hub sends to the backend. */
export type InboundWebhookType =
  | 'handoff.queued'
  | 'handoff.assigned'
  | 'handoff.accepted'
  | 'handoff.transferred'
  | 'agent.message'
  | 'agent.typing'
  | 'handoff.ended'
  | 'handoff.failed';

/** The body of every webhook delivery, both directions. */
export interface WebhookEnvelope<T extends string = OutboundWebhookType | InboundWebhookType> {
  /** Unique delivery id (also in `Baton-Webhook-Id`); receivers ignore ids they have processed. */
  id: string;
  type: T;
  conversationId: string;
  handoffId?: string;
  /** The handoff version this delivery describes or expects; stale versions are ignored. */
  handoffVersion?: number;
  createdAt: Timestamp;
  data: Record<string, unknown>;
}
