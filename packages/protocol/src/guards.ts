import { DURABLE_EVENT_TYPES, EPHEMERAL_EVENT_TYPES, HANDOFF_REASONS, PROBLEM_STATUS } from './constants.js';
import type {
  BatonEvent,
  CreateConversationResponse,
  DurableEventType,
  EphemeralEventType,
  EventType,
  HandoffSnapshot,
  HistoryResponse,
  Message,
  Problem,
  SendMessageResponse,
} from './types.js';

/**
 * A check returns `null` when the value is valid, else a short description of the first problem,
 * such as `data.index: expected an integer >= 0`. Guards are `check(value) === null`.
 */
type Check = (value: unknown, path: string) => string | null;

type Shape = Record<string, Check>;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const fail = (path: string, expected: string): string => `${path}: expected ${expected}`;

const str: Check = (v, p) => (typeof v === 'string' ? null : fail(p, 'a string'));
const nonEmpty: Check = (v, p) =>
  typeof v === 'string' && v.length > 0 ? null : fail(p, 'a non-empty string');
const bool: Check = (v, p) => (typeof v === 'boolean' ? null : fail(p, 'a boolean'));
const num: Check = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? null : fail(p, 'a number'));
const count: Check = (v, p) =>
  Number.isSafeInteger(v) && (v as number) >= 0 ? null : fail(p, 'an integer >= 0');
const positive: Check = (v, p) =>
  Number.isSafeInteger(v) && (v as number) >= 1 ? null : fail(p, 'an integer >= 1');
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const timestamp: Check = (v, p) =>
  typeof v === 'string' && RFC3339.test(v) && !Number.isNaN(Date.parse(v))
    ? null
    : fail(p, 'an RFC 3339 timestamp');

const oneOf =
  (...values: readonly (string | number)[]): Check =>
  (v, p) =>
    values.includes(v as string) ? null : fail(p, `one of ${values.join(', ')}`);
const optional =
  (check: Check): Check =>
  (v, p) =>
    v === undefined ? null : check(v, p);
const nullable =
  (check: Check): Check =>
  (v, p) =>
    v === null ? null : check(v, p);
const arrayOf =
  (check: Check): Check =>
  (v, p) => {
    if (!Array.isArray(v)) return fail(p, 'an array');
    for (let i = 0; i < v.length; i++) {
      const problem = check(v[i], `${p}[${i}]`);
      if (problem) return problem;
    }
    return null;
  };
const object =
  (shape: Shape): Check =>
  (v, p) => {
    if (!isRecord(v)) return fail(p, 'an object');
    for (const key in shape) {
      const problem = shape[key]!(v[key], `${p}.${key}`);
      if (problem) return problem;
    }
    return null;
  };
const anyRecord: Check = (v, p) => (isRecord(v) ? null : fail(p, 'an object'));

const role = oneOf('user', 'bot', 'agent', 'system');
const control = oneOf('bot', 'human', 'none');
const finishReason = oneOf('stop', 'length', 'cancelled', 'error', 'handoff');
const feedbackValue = oneOf('up', 'down', 1, 2, 3, 4, 5);

const author = object({ id: optional(str), role, name: optional(str), avatarUrl: optional(str) });
const attachment = object({ id: nonEmpty, name: str, contentType: str, size: count, url: str });
const citation = object({ title: str, url: str, snippet: optional(str) });
const suggestion = object({ label: nonEmpty, text: optional(str), action: optional(str) });
const agentRef = object({ id: nonEmpty, name: str, avatarUrl: optional(str) });
const queueInfo = object({
  position: positive,
  estimatedWaitSeconds: optional(count),
  skill: optional(str),
  language: optional(str),
  priority: optional(num),
});

const handoffSnapshot = object({
  id: nonEmpty,
  state: oneOf('requested', 'queued', 'assigned', 'active', 'ended', 'failed', 'cancelled'),
  version: positive,
  reason: oneOf(...HANDOFF_REASONS),
  requestedBy: oneOf('user', 'bot', 'system', 'agent'),
  note: optional(str),
  queue: optional(queueInfo),
  agent: optional(agentRef),
  outcome: optional(oneOf('resolved', 'returned_to_bot', 'abandoned', 'agent_disconnected', 'timeout')),
  failureReason: optional(oneOf('no_agents', 'out_of_hours', 'timeout', 'rejected', 'error')),
  fallback: optional(oneOf('bot', 'offline_form')),
  createdAt: timestamp,
  updatedAt: timestamp,
});

const participant = object({
  participant: object({
    id: nonEmpty,
    role: oneOf('bot', 'agent'),
    name: optional(str),
    avatarUrl: optional(str),
  }),
  reason: optional(str),
});

const DATA: Record<EventType, Check> = {
  'message.created': object({
    id: nonEmpty,
    clientMessageId: optional(nonEmpty),
    role,
    author,
    text: str,
    attachments: optional(arrayOf(attachment)),
    createdAt: timestamp,
  }),
  'message.started': object({
    id: nonEmpty,
    role: oneOf('bot'),
    author,
    turnId: nonEmpty,
    replyTo: optional(nonEmpty),
    createdAt: timestamp,
  }),
  'message.delta': object({ id: nonEmpty, index: count, text: str }),
  'message.completed': object({
    id: nonEmpty,
    text: str,
    finishReason,
    citations: optional(arrayOf(citation)),
    suggestions: optional(arrayOf(suggestion)),
    confidence: optional(num),
    completedAt: timestamp,
  }),
  'message.updated': object({ id: nonEmpty, text: str, updatedAt: timestamp }),
  'message.retracted': object({ id: nonEmpty, reason: optional(oneOf('moderation', 'author', 'policy')) }),
  'handoff.updated': handoffSnapshot,
  'participant.joined': participant,
  'participant.left': participant,
  'conversation.updated': object({ status: oneOf('open', 'closed'), control, controlVersion: positive }),
  receipt: object({ by: oneOf('user', 'agent'), kind: oneOf('delivered', 'read'), upToSeq: count }),
  'feedback.recorded': object({
    id: nonEmpty,
    kind: oneOf('thumbs', 'csat'),
    messageId: optional(nonEmpty),
    value: feedbackValue,
    comment: optional(str),
  }),
  hello: object({
    protocol: nonEmpty,
    conversationId: nonEmpty,
    resumeFrom: count,
    lastSeq: count,
    oldestSeq: positive,
    heartbeatMs: positive,
    features: arrayOf(str),
    serverTime: timestamp,
  }),
  typing: object({ participant: author, isTyping: bool }),
  progress: object({ turnId: nonEmpty, stage: nonEmpty, label: str }),
  'sync.reset': object({ reason: oneOf('retention', 'cursor_ahead'), oldestSeq: positive, lastSeq: count }),
  error: object({ code: nonEmpty, message: str, turnId: optional(nonEmpty), retryable: bool }),
};

const DURABLE: ReadonlySet<string> = new Set(DURABLE_EVENT_TYPES);
const EPHEMERAL: ReadonlySet<string> = new Set(EPHEMERAL_EVENT_TYPES);

/** Whether `type` names a durable event (stored, carries a `seq`). */
export function isDurableEventType(type: unknown): type is DurableEventType {
  return typeof type === 'string' && DURABLE.has(type);
}

/** Whether `type` names an ephemeral event (never stored, no `seq`). */
export function isEphemeralEventType(type: unknown): type is EphemeralEventType {
  return typeof type === 'string' && EPHEMERAL.has(type);
}

/** Whether `type` is an event type defined by protocol v1. Clients ignore events for which this is false. */
export function isKnownEventType(type: unknown): type is EventType {
  return isDurableEventType(type) || isEphemeralEventType(type);
}

/**
 * Describes the first problem with an event envelope, or returns `null` when it is a valid v1 event.
 *
 * Checks the envelope (`type`, `conversationId`, `ts`, and `seq` >= 1 exactly on durable types) and the
 * fields its type requires in `data`. Unknown extra fields are allowed (must-ignore). An unknown `type`
 * is reported, so callers that must ignore unknown types should test `isKnownEventType` first.
 *
 * @example eventProblem({ type: 'message.delta', seq: 4, conversationId: 'c1', ts, data: { id: 'm1' } })
 * // 'data.index: expected an integer >= 0'
 */
export function eventProblem(value: unknown): string | null {
  if (!isRecord(value)) return fail('event', 'an object');
  const { type } = value;
  if (!isKnownEventType(type)) return fail('type', 'a v1 event type');
  const envelope =
    nonEmpty(value.conversationId, 'conversationId') ??
    timestamp(value.ts, 'ts') ??
    (isDurableEventType(type)
      ? positive(value.seq, 'seq')
      : value.seq === undefined
        ? null
        : `seq: ${type} is ephemeral and must not have a seq`);
  return envelope ?? DATA[type](value.data, 'data');
}

/** Whether `value` is a valid v1 event envelope of a known type. */
export function isBatonEvent(value: unknown): value is BatonEvent {
  return eventProblem(value) === null;
}

/** Whether `value` is a valid handoff snapshot. */
export function isHandoffSnapshot(value: unknown): value is HandoffSnapshot {
  return handoffSnapshot(value, 'handoff') === null;
}

const message = object({
  id: nonEmpty,
  seq: positive,
  clientMessageId: optional(nonEmpty),
  role,
  author,
  text: str,
  status: oneOf('streaming', 'complete', 'retracted'),
  nextDeltaIndex: optional(count),
  turnId: optional(nonEmpty),
  replyTo: optional(nonEmpty),
  finishReason: optional(finishReason),
  citations: optional(arrayOf(citation)),
  suggestions: optional(arrayOf(suggestion)),
  confidence: optional(num),
  attachments: optional(arrayOf(attachment)),
  createdAt: timestamp,
  completedAt: optional(timestamp),
  updatedAt: optional(timestamp),
});

/** Whether `value` is a valid history message. */
export function isMessage(value: unknown): value is Message {
  return message(value, 'message') === null;
}

const conversationState = {
  status: oneOf('open', 'closed'),
  control,
  controlVersion: positive,
  lastSeq: count,
  oldestSeq: positive,
  handoff: nullable(handoffSnapshot),
};

const RESPONSES = {
  createConversation: object({
    conversationId: nonEmpty,
    token: nonEmpty,
    ...conversationState,
    user: object({ id: nullable(str), verified: bool }),
    features: arrayOf(str),
    createdAt: timestamp,
  }),
  history: object({ messages: arrayOf(message), hasMore: bool, ...conversationState }),
  sendMessage: object({ message, turnId: nullable(nonEmpty) }),
  problem: object({
    type: str,
    title: str,
    status: (v, p) =>
      Number.isInteger(v) && (v as number) >= 400 && (v as number) < 600
        ? null
        : fail(p, 'an HTTP error status'),
    code: oneOf(...Object.keys(PROBLEM_STATUS)),
    detail: optional(str),
  }),
  capabilities: object({
    protocol: oneOf('baton'),
    versions: arrayOf(nonEmpty),
    features: arrayOf(str),
    limits: object({ maxBodyBytes: positive, maxMessageChars: positive, retentionEvents: count }),
    heartbeatMs: positive,
    identityVerification: oneOf('required', 'optional', 'off'),
  }),
  cancelTurn: object({ turnId: nonEmpty, result: oneOf('cancelled', 'finished') }),
  handoff: object({ handoff: handoffSnapshot }),
  feedback: object({ feedback: DATA['feedback.recorded'] }),
  close: object({ status: oneOf('closed'), lastSeq: count }),
  any: anyRecord,
} satisfies Record<string, Check>;

/** The response bodies `responseProblem` can check. */
export type ResponseKind = keyof typeof RESPONSES;

/**
 * Describes the first problem with a response body of the given kind, or `null` when it is valid.
 *
 * @example responseProblem('history', await res.json())
 */
export function responseProblem(kind: ResponseKind, value: unknown): string | null {
  return RESPONSES[kind](value, kind);
}

/** Whether `value` is a valid `POST /v1/conversations` response. */
export function isCreateConversationResponse(value: unknown): value is CreateConversationResponse {
  return responseProblem('createConversation', value) === null;
}

/** Whether `value` is a valid history response. */
export function isHistoryResponse(value: unknown): value is HistoryResponse {
  return responseProblem('history', value) === null;
}

/** Whether `value` is a valid send-message response. */
export function isSendMessageResponse(value: unknown): value is SendMessageResponse {
  return responseProblem('sendMessage', value) === null;
}

/** Whether `value` is an `application/problem+json` body with a v1 problem code. */
export function isProblem(value: unknown): value is Problem {
  return responseProblem('problem', value) === null;
}
