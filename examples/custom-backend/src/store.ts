import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { projectMessage } from '@baton-chat/protocol';
import type {
  FeedbackRecordedData,
  BatonEvent,
  Control,
  ConversationStatus,
  DurableEvent,
  DurableEventType,
  EphemeralEvent,
  EphemeralEventType,
  EventDataMap,
  HandoffSnapshot,
  Message,
} from '@baton-chat/protocol';

/** A bot turn: one answer being streamed, cancellable until it completes. */
export interface Turn {
  id: string;
  /** Id of the bot message this turn streams. */
  messageId: string;
  status: 'streaming' | 'finished';
  /** Aborted when the turn is cancelled, so the bot stops waiting between words. */
  abort: AbortController;
}

/** What the idempotency store remembers about one key. */
export type IdempotencyEntry =
  | { state: 'in-flight' }
  | { state: 'done'; fingerprint: string; status: number; body: unknown; storedAt: number };

/** Receives every event of a conversation as it happens (durable and ephemeral). */
export type Listener = (event: BatonEvent) => void;

/** One conversation, entirely in memory. A real backend keeps the same fields in its database. */
export interface Conversation {
  id: string;
  /** SHA-256 of the bearer token. The token itself is never stored. */
  tokenHash: Buffer;
  status: ConversationStatus;
  control: Control;
  controlVersion: number;
  user: { id: string | null; verified: boolean; name?: string };
  createdAt: string;
  /** The durable event log: `log[i].seq === oldestSeq + i`. This example never drops a prefix. */
  log: DurableEvent[];
  oldestSeq: number;
  /** Messages projected from the log, in seq order, for the history endpoint. */
  messages: Map<string, Message>;
  /** Every handoff ever requested here, by id; the latest is `handoff`. */
  handoffs: Map<string, HandoffSnapshot>;
  handoff: HandoffSnapshot | null;
  turns: Map<string, Turn>;
  /** Idempotency-Key -> result, scoped to this conversation, kept as long as the conversation. */
  idempotency: Map<string, IdempotencyEntry>;
  /** Feedback sent after the conversation was closed (stored, not appended to the closed log). */
  lateFeedback: FeedbackRecordedData[];
  /** Highest seq acknowledged by the user, per receipt kind. */
  receipts: { read: number; delivered: number };
  /** Open event streams and other observers. */
  listeners: Set<Listener>;
  /** Start of the current rate-limit window and the number of sends in it. */
  sendWindow: { startedAt: number; count: number };
}

/** Creates a random bearer token (32 bytes, base64url) and the hash to store. */
export function newToken(): { token: string; hash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

/** SHA-256 of a token, as stored. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Whether `token` is the one whose hash is stored, compared in constant time. */
export function tokenMatches(conversation: Conversation, token: string): boolean {
  return timingSafeEqual(hashToken(token), conversation.tokenHash);
}

/** Newest durable seq, 0 when the log is empty. */
export function lastSeq(conversation: Conversation): number {
  return conversation.oldestSeq + conversation.log.length - 1;
}

/**
 * Appends a durable event with the next seq, updates the message projection and tells every
 * listener. This is the only way anything enters the log.
 */
export function append<T extends DurableEventType>(
  conversation: Conversation,
  type: T,
  data: EventDataMap[T],
): DurableEvent<T> {
  const event = {
    type,
    seq: lastSeq(conversation) + 1,
    conversationId: conversation.id,
    ts: new Date().toISOString(),
    data,
  } as DurableEvent;
  conversation.log.push(event);
  project(conversation.messages, event);
  for (const listener of conversation.listeners) listener(event);
  return event as DurableEvent<T>;
}

/** Sends an ephemeral event (typing, progress) to the listeners; it is not stored. */
export function broadcast<T extends EphemeralEventType>(
  conversation: Conversation,
  type: T,
  data: EventDataMap[T],
): void {
  const event = {
    type,
    conversationId: conversation.id,
    ts: new Date().toISOString(),
    data,
  } as EphemeralEvent;
  for (const listener of conversation.listeners) listener(event);
}

/** Durable events with seq > `after`, oldest first. */
export function eventsAfter(conversation: Conversation, after: number): DurableEvent[] {
  return conversation.log.slice(Math.max(0, after - conversation.oldestSeq + 1));
}

/** Applies one durable event to the message projection the history endpoint serves. */
function project(messages: Map<string, Message>, event: DurableEvent): void {
  if (!('id' in event.data) || !event.type.startsWith('message.')) return;
  const message = projectMessage(messages.get(event.data.id), event);
  if (message) messages.set(message.id, message);
}

/**
 * One page of history. `after`: the first `limit` messages with seq > after. `before`: the last
 * `limit` messages with seq < before. Neither: the newest `limit`. Always in ascending seq order.
 */
export function historyPage(
  conversation: Conversation,
  query: { after?: number; before?: number; limit: number },
): { messages: Message[]; hasMore: boolean } {
  const { after, before, limit } = query;
  const matching = [...conversation.messages.values()].filter(
    (m) => (after === undefined || m.seq > after) && (before === undefined || m.seq < before),
  );
  const page = after !== undefined ? matching.slice(0, limit) : matching.slice(-limit);
  // Copies, so a message still streaming does not change under a response being serialized.
  return { messages: structuredClone(page), hasMore: matching.length > limit };
}
