import type {
  BatonEvent,
  DurableEvent,
  DurableEventType,
  EphemeralEvent,
  EventDataMap,
  HandoffSnapshot,
  Message,
} from '@baton-chat/protocol';
import type { ConversationInfo } from '@baton-chat/protocol/agent';
import type { ConversationBodyInput, ConversationBodyName, ConversationBodyOutput } from './procedures.js';

/** The stored state of one conversation (the projection of its log plus what create recorded). */
export interface ConversationRecord extends ConversationInfo {
  /** SHA-256 hex of the bearer token; the token itself is never stored. */
  tokenHash: string;
}

/** What `createConversation` needs. */
export type NewConversation = Pick<
  ConversationRecord,
  'id' | 'tokenHash' | 'user' | 'locale' | 'session' | 'metadata' | 'createdAt'
>;

/** A durable event to append; the store assigns `seq`, `conversationId` and (unless given) `ts`. */
export type NewEvent = {
  [K in DurableEventType]: { type: K; data: EventDataMap[K]; ts?: string };
}[DurableEventType];

/** A bot turn as stored: which message it streams and whether it still runs. */
export interface TurnRecord {
  id: string;
  conversationId: string;
  messageId: string;
  replyTo?: string;
  /** `pending` before `message.started`, `streaming` until `message.completed`, then `finished`. */
  status: 'pending' | 'streaming' | 'finished';
  /** The control version the turn started under; its writes are refused once it changes. */
  controlVersion: number;
  updatedAtMs: number;
}

/** The events one bot turn appends in a {@link Store.appendTurns} batch. */
export interface TurnAppend {
  conversationId: string;
  turnId: string;
  /** The control version the turn started under; the write is refused once it changed. */
  controlVersion: number;
  /** `message.started`, `message.delta` and `message.completed` events of the turn's message, in order. */
  events: readonly NewEvent[];
  /**
   * The message's whole text once this write's deltas are added. A streaming message's stored body
   * is refreshed from it about once a second, not on every write; readers add the deltas logged since
   * (ADR 0019).
   */
  streamed: string;
  /** Ephemeral events sent after the commit, when the write was accepted (an `error`, say). */
  ephemeral?: readonly (Omit<EphemeralEvent, 'conversationId' | 'ts'> & { ts?: string })[];
  /**
   * The turn as this writer left it with its previous write, which started the message. A started
   * turn's row changes only together with an event of its conversation (a completion, a control
   * change), so while the conversation's last seq is still `lastSeq` the turn is known to stream and
   * is not read again; `touch` then asks for its `updated_at_ms` to be refreshed.
   */
  previous?: { lastSeq: number; messageId: string; touch: boolean };
}

/** A handoff waiting for a human, as the queue sees it. */
export interface WaitingHandoff {
  conversationId: string;
  snapshot: HandoffSnapshot;
  skill?: string;
  language?: string;
  priority: number;
  waitingSinceMs: number;
}

/** The outcome of claiming an idempotency key. */
export type IdempotencyClaim =
  | { state: 'claimed' }
  | { state: 'in-flight' }
  | { state: 'reused' }
  | { state: 'replay'; status: number; response: unknown };

/** A page of history (section 6.3), built in one consistent snapshot. */
export interface HistoryPage {
  conversation: ConversationRecord;
  handoff: HandoffSnapshot | null;
  messages: Message[];
  hasMore: boolean;
}

/** What {@link ConversationTx.openTurn} also does in its statement. */
export interface OpenTurnAlso {
  /** Read the bot's context: at most `limit` messages before `beforeSeq`. */
  context?: { beforeSeq: number; limit: number };
  /** Store this successful response under the claimed idempotency key, kept for `ttlMs`. */
  idempotency?: { key: string; status: number; response: unknown; ttlMs: number };
}

/** Receives live events of one conversation: durable (in seq order, each once) and ephemeral. */
export type EventListener = (event: BatonEvent) => void;

/**
 * One transaction on one conversation, holding its row lock: appends and projections inside commit
 * together, and live listeners hear about the appended events only after the commit.
 */
export interface ConversationTx {
  /** The conversation as of now in this transaction (updated by appended `conversation.updated`). */
  readonly conversation: ConversationRecord;
  /**
   * Appends a batch of durable events with the next seqs, and applies them to the projections
   * (messages, turns, handoffs, conversation state). Returns the stored events.
   */
  append(events: readonly NewEvent[]): Promise<DurableEvent[]>;
  /** Queues an ephemeral event, sent to listeners after commit. */
  emit(event: Omit<EphemeralEvent, 'conversationId' | 'ts'> & { ts?: string }): void;
  getMessage(messageId: string): Promise<Message | null>;
  getHandoff(handoffId: string): Promise<HandoffSnapshot | null>;
  /** The newest handoff, or null. */
  currentHandoff(): Promise<HandoffSnapshot | null>;
  getTurn(turnId: string): Promise<TurnRecord | null>;
  /** The turn not yet finished, if any (at most one per conversation). */
  activeTurn(): Promise<TurnRecord | null>;
  /**
   * Inserts a turn and, in the same statement, completes the send's idempotency key and reads the bot's
   * context (the messages before `context.beforeSeq`, oldest first, at most `context.limit`), returned.
   */
  openTurn(turn: Omit<TurnRecord, 'conversationId' | 'updatedAtMs'>, also?: OpenTurnAlso): Promise<Message[]>;
  /** Marks a turn finished without events (cancelled before `message.started`) or touches it. */
  setTurnStatus(turnId: string, status: TurnRecord['status']): Promise<void>;
  /** Stores the successful response of a claimed idempotency key, kept for `ttlMs`. */
  completeIdempotency(key: string, status: number, response: unknown, ttlMs: number): Promise<void>;
  /** The stored receipt watermark (0 when none). */
  receipt(by: 'user' | 'agent', kind: 'read' | 'delivered'): Promise<number>;
  setReceipt(by: 'user' | 'agent', kind: 'read' | 'delivered', upToSeq: number): Promise<void>;
  /** Records feedback; `afterClose` marks feedback stored without an event. */
  insertFeedback(data: EventDataMap['feedback.recorded'], afterClose: boolean): Promise<void>;
  /** Every handoff in `requested` or `queued`, in queue order, across conversations (as this transaction sees it). */
  waitingHandoffs(): Promise<WaitingHandoff[]>;
  /** Replaces the stored identity of the conversation's user (resume with a verified identity). */
  setUser(user: ConversationRecord['user']): Promise<void>;
  /** Routing details of a handoff for the queue (set after `request`). */
  setHandoffRouting(
    handoffId: string,
    routing: { skill?: string; language?: string; priority?: number },
  ): Promise<void>;
}

/**
 * Durable storage of the reference server: one event log per conversation, the projections the
 * endpoints read, idempotency keys, and live fan-out of appended events.
 *
 * Two implementations share one SQL dialect: PGlite (embedded, the default) and PostgreSQL.
 */
export interface Store {
  readonly dialect: 'pglite' | 'postgres';
  createConversation(input: NewConversation): Promise<ConversationRecord>;
  getConversation(id: string): Promise<ConversationRecord | null>;
  /**
   * Runs `fn` in a transaction that locks the conversation row, so that seq assignment and every
   * check-then-write on one conversation is atomic, across processes too. Resolves with `fn`'s value
   * after commit and after the live fan-out was triggered. Rejects with `not-found` when unknown.
   */
  withConversation<T>(id: string, fn: (tx: ConversationTx) => Promise<T>): Promise<T>;
  /**
   * `withConversation` with a body registered in `CONVERSATION_BODIES` (procedures.ts) and plain-data input: on
   * PGlite its worker thread runs the whole transaction, with no round trip per statement. For hot paths.
   */
  inConversation<N extends ConversationBodyName>(
    name: N,
    id: string,
    input: ConversationBodyInput<N>,
  ): Promise<ConversationBodyOutput<N>>;
  /** Appends a batch of events in its own transaction (convenience over `withConversation`). */
  append(conversationId: string, events: readonly NewEvent[]): Promise<DurableEvent[]>;
  /**
   * Group commit of bot turns: appends the events of many turns, of any conversations, in one
   * transaction that locks their conversations, and applies them to the messages and turns projections.
   * Each write is all or nothing: it is refused (`null`, nothing written) unless its turn exists and is
   * unfinished, and its conversation is open, under bot control and still at the write's control
   * version. Seqs stay contiguous per conversation; listeners hear the events after the commit. Touches
   * a turn's `updatedAtMs` (what {@link Store.staleTurns} reads) at most about once a second.
   * Rejects, writing nothing, when the transaction fails; then every write may be retried on its own.
   */
  appendTurns(writes: readonly TurnAppend[]): Promise<(DurableEvent[] | null)[]>;
  /** Durable events with `seq > afterSeq`, in order, at most `limit` (default all). */
  readEvents(conversationId: string, afterSeq: number, limit?: number): Promise<DurableEvent[]>;
  /** A history page (section 6.3): `after` or `before` or neither, `limit` messages. */
  history(
    conversationId: string,
    query: { after?: number; before?: number; limit: number },
  ): Promise<HistoryPage>;
  getHandoff(conversationId: string, handoffId: string): Promise<HandoffSnapshot | null>;
  /** Every handoff in `requested` or `queued` across conversations, in queue order (priority, then age). */
  waitingHandoffs(): Promise<WaitingHandoff[]>;
  /** Turns not finished whose last write is older than `olderThanMs` before now. */
  staleTurns(olderThanMs: number): Promise<TurnRecord[]>;
  /**
   * Claims an idempotency key for a request whose body hashes to `bodyHash`. `claimed`: go ahead and
   * later complete or release it. An in-flight claim older than `staleAfterMs` (a crashed request) is
   * taken over. Expired keys are forgotten.
   */
  claimIdempotency(
    conversationId: string,
    key: string,
    bodyHash: string,
    staleAfterMs?: number,
  ): Promise<IdempotencyClaim>;
  /** Forgets an in-flight claim (the request failed with an error, which is not stored). */
  releaseIdempotency(conversationId: string, key: string): Promise<void>;
  /** Deletes expired idempotency keys; returns how many. */
  purgeExpiredIdempotency(nowMs?: number): Promise<number>;
  /** Sends an ephemeral event to the listeners of a conversation (all instances). */
  publish(
    conversationId: string,
    event: Omit<EphemeralEvent, 'conversationId' | 'ts'> & { ts?: string },
  ): Promise<void>;
  /** Listens to the live events of a conversation; returns the function that stops listening. */
  subscribe(conversationId: string, listener: EventListener): () => void;
  close(): Promise<void>;
}
