/** The protocol's major version, as it appears in every path (`/v1/...`). */
export const PROTOCOL_MAJOR = 1;

/** The full protocol version this package implements (`major.minor`). */
export const PROTOCOL_VERSION = '1.0';

/** The path prefix of every v1 endpoint. */
export const PATH_PREFIX = '/v1';

/** HTTP header names used by the protocol, lower-cased as `Headers` stores them. */
export const HEADERS = {
  /** Client and server announce the `major.minor` they speak. */
  protocol: 'baton-protocol',
  /** Makes a command safe to retry; the value is the client-generated id of what it creates. */
  idempotencyKey: 'idempotency-key',
  /** Set to `true` on a response replayed from the idempotency store. */
  idempotentReplayed: 'idempotent-replayed',
  /** The SSE resume cursor, sent by reconnecting clients. */
  lastEventId: 'last-event-id',
  /** Seconds (or an HTTP date) to wait before retrying a 429 or 503. */
  retryAfter: 'retry-after',
  /** `Bearer <conversation token>` on every conversation-scoped request. */
  authorization: 'authorization',
  /** Webhook signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
  webhookSignature: 'baton-signature',
  /** Webhook delivery id, for receivers to deduplicate. */
  webhookId: 'baton-webhook-id',
} as const;

/** The media type of the event stream. */
export const SSE_CONTENT_TYPE = 'text/event-stream';

/** The media type of every error body (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The base URI of problem `type` values; the problem code is appended. */
export const PROBLEM_TYPE_BASE = 'https://baton-chat.dev/problems/';

/** Default heartbeat interval of the event stream, in milliseconds. */
export const DEFAULT_HEARTBEAT_MS = 15_000;

/** Default SSE `retry:` hint sent on connect, in milliseconds. */
export const DEFAULT_RETRY_MS = 3_000;

/** How long servers keep idempotency keys, at least, in milliseconds (24 h). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** Webhook receivers reject signatures older or newer than this, in seconds. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** Durable event types: they carry a `seq`, are stored in the log and move the cursor. */
export const DURABLE_EVENT_TYPES = [
  'message.created',
  'message.started',
  'message.delta',
  'message.completed',
  'message.updated',
  'message.retracted',
  'handoff.updated',
  'participant.joined',
  'participant.left',
  'conversation.updated',
  'receipt',
  'feedback.recorded',
] as const;

/** Ephemeral event types: no `seq`, never stored, never move the cursor. */
export const EPHEMERAL_EVENT_TYPES = ['hello', 'typing', 'progress', 'sync.reset', 'error'] as const;

/** Every event type defined by protocol v1. Clients ignore types not in this list. */
export const EVENT_TYPES = [...DURABLE_EVENT_TYPES, ...EPHEMERAL_EVENT_TYPES] as const;

/** Optional features a server may advertise in `/v1/capabilities` and `hello`. */
export const FEATURES = [
  'handoff',
  'cancel',
  'typing',
  'receipts',
  'feedback',
  'progress',
  'citations',
  'suggestions',
  'verified-identity',
  'webhooks',
] as const;

/** Why a handoff may be requested. */
export const HANDOFF_REASONS = [
  'user_requested',
  'low_confidence',
  'negative_sentiment',
  'repeated_failure',
  'policy',
  'bot_error',
] as const;

/** Problem codes and the HTTP status each one is sent with. */
export const PROBLEM_STATUS = {
  'bad-request': 400,
  'invalid-json': 400,
  'validation-failed': 400,
  'idempotency-key-required': 400,
  unauthorized: 401,
  'invalid-identity': 401,
  forbidden: 403,
  'not-found': 404,
  'method-not-allowed': 405,
  'idempotency-in-flight': 409,
  'stale-control': 409,
  'handoff-terminal': 409,
  'conversation-closed': 410,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'idempotency-key-reused': 422,
  'rate-limited': 429,
  internal: 500,
  unavailable: 503,
} as const;
