import { DURABLE_EVENT_TYPES, EPHEMERAL_EVENT_TYPES } from '@baton-chat/protocol';
import type {
  Author,
  BatonEvent,
  Citation,
  Control,
  ConversationStatus,
  Feature,
  FinishReason,
  HandoffSnapshot,
  HistoryResponse,
  Message,
  ProgressData,
  Suggestion,
} from '@baton-chat/protocol';

/**
 * Where a message is in its life.
 *
 * Own user messages: `sending` (POST in flight), `queued` (waiting for the network; kept in the outbox),
 * `failed` (the server refused it; `retry()` sends it again), `sent` (the server has it). Bot answers:
 * `streaming` until `message.completed`, then `complete`. Every other message arrives `complete`.
 */
export type MessageStatus = 'sending' | 'queued' | 'sent' | 'failed' | 'streaming' | 'complete';

/** The state of the event stream, for a connection indicator. */
export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed';

/** One message as a UI renders it. Never mutated: a change produces a new object. */
export interface ChatMessage {
  /** Stable key for rendering: the `clientMessageId` for own messages, else the server id. */
  key: string;
  /** Server id; `null` until the server has accepted an own message. */
  id: string | null;
  /** The client's id (UUIDv7) of a user message, equal to its idempotency key. */
  clientMessageId?: string;
  /** Seq of the event that created the message; absent until the server has it. */
  seq?: number;
  role: Message['role'];
  author: Author;
  text: string;
  status: MessageStatus;
  /** The bot turn of a streamed answer (`stop()` cancels it). */
  turnId?: string;
  /** For bot answers: the user message being answered. */
  replyTo?: string;
  finishReason?: FinishReason;
  citations?: readonly Citation[];
  suggestions?: readonly Suggestion[];
  /** The index the next `message.delta` must carry while `streaming`. */
  nextDeltaIndex?: number;
  /** True when a delta index was skipped (a server bug): appending stopped until `message.completed`. */
  gap?: boolean;
  /** True after `message.retracted`: the text is gone and later edits are ignored. */
  retracted?: boolean;
  /** The user's own thumb on a bot answer, from `feedback.recorded`. */
  feedback?: 'up' | 'down';
  createdAt: string;
}

/** The immutable state of one chat; every change produces a new object, unchanged parts are shared. */
export interface ChatSnapshot {
  /** `null` until a conversation was created or resumed. */
  conversationId: string | null;
  /** `open`, or `closed` once the conversation ended (history stays readable). */
  status: ConversationStatus;
  messages: readonly ChatMessage[];
  /** The newest handoff snapshot, terminal or not; `null` if none was ever requested. */
  handoff: HandoffSnapshot | null;
  /** Who may answer now: `bot`, `human` or `none` (waiting for a human). */
  control: Control;
  controlVersion: number;
  connection: ConnectionStatus;
  /** Bot, agent and system messages newer than the last `markRead()`. */
  unread: number;
  /** Agents (or bots) currently typing, from `typing` events. */
  typing: readonly Author[];
  /** What the bot is doing before its first token (`progress`), or `null`. */
  progress: ProgressData | null;
  /** Features the server advertised. */
  features: readonly Feature[];
  /** The highest durable `seq` applied; the stream resumes after it. */
  cursor: number;
  /** The seq up to which the user has read (`markRead()` and `receipt` events). */
  readUpToSeq: number;
}

/** An empty snapshot: no conversation, no messages, `connecting`. */
export function initialSnapshot(): ChatSnapshot {
  return {
    conversationId: null,
    status: 'open',
    messages: [],
    handoff: null,
    control: 'bot',
    controlVersion: 0,
    connection: 'connecting',
    unread: 0,
    typing: [],
    progress: null,
    features: [],
    cursor: 0,
    readUpToSeq: 0,
  };
}

const findIndex = (messages: readonly ChatMessage[], test: (m: ChatMessage) => boolean): number => {
  // Most events touch the newest messages, so search from the end.
  for (let i = messages.length - 1; i >= 0; i--) if (test(messages[i]!)) return i;
  return -1;
};

const replaceAt = (
  messages: readonly ChatMessage[],
  index: number,
  message: ChatMessage,
): readonly ChatMessage[] => {
  const next = messages.slice();
  next[index] = message;
  return next;
};

// Server messages are kept in seq order, so every tab (and every reload) shows the server's order; own
// messages the server does not have yet (no seq) stay after them, in the order they were typed.
const insertBySeq = (messages: readonly ChatMessage[], message: ChatMessage): readonly ChatMessage[] => {
  let at = messages.length;
  while (at > 0 && (messages[at - 1]!.seq ?? Infinity) > message.seq!) at--;
  const next = messages.slice();
  next.splice(at, 0, message);
  return next;
};

const countUnread = (messages: readonly ChatMessage[], readUpToSeq: number): number => {
  let unread = 0;
  for (const m of messages) if (m.role !== 'user' && (m.seq ?? 0) > readUpToSeq) unread++;
  return unread;
};

const withMessages = (state: ChatSnapshot, messages: readonly ChatMessage[]): ChatSnapshot => ({
  ...state,
  messages,
  unread: countUnread(messages, state.readUpToSeq),
});

const updateById = (
  state: ChatSnapshot,
  id: string,
  update: (m: ChatMessage) => ChatMessage | undefined,
): ChatSnapshot => {
  const index = findIndex(state.messages, (m) => m.id === id);
  if (index < 0) return state;
  const next = update(state.messages[index]!);
  return next ? { ...state, messages: replaceAt(state.messages, index, next) } : state;
};

/** Converts a history message (protocol `Message`) to a `ChatMessage`. */
export function fromHistoryMessage(m: Message): ChatMessage {
  const streaming = m.status === 'streaming';
  return {
    key: m.clientMessageId ?? m.id,
    id: m.id,
    ...(m.clientMessageId !== undefined && { clientMessageId: m.clientMessageId }),
    seq: m.seq,
    role: m.role,
    author: m.author,
    text: m.status === 'retracted' ? '' : m.text,
    status: streaming ? 'streaming' : m.role === 'user' ? 'sent' : 'complete',
    ...(m.turnId !== undefined && { turnId: m.turnId }),
    ...(m.replyTo !== undefined && { replyTo: m.replyTo }),
    ...(m.finishReason !== undefined && { finishReason: m.finishReason }),
    ...(m.citations !== undefined && m.status !== 'retracted' && { citations: m.citations }),
    ...(m.suggestions !== undefined && m.status !== 'retracted' && { suggestions: m.suggestions }),
    ...(streaming && { nextDeltaIndex: m.nextDeltaIndex ?? 0 }),
    ...(m.status === 'retracted' && { retracted: true }),
    createdAt: m.createdAt,
  };
}

/** Applies a server message (send response or `message.created` echo), replacing its optimistic bubble. */
function upsertCreated(state: ChatSnapshot, m: Message): ChatSnapshot {
  const incoming = fromHistoryMessage(m);
  const index = findIndex(
    state.messages,
    (x) => x.id === m.id || (m.clientMessageId !== undefined && x.clientMessageId === m.clientMessageId),
  );
  if (index < 0) return withMessages(state, insertBySeq(state.messages, incoming));
  const existing = state.messages[index]!;
  // Same key as the bubble; an already-known server message keeps what it has (only bubbles, which have
  // no id, are ever sending, queued or failed).
  if (existing.id !== null) return state;
  const rest = state.messages.slice();
  rest.splice(index, 1);
  return withMessages(state, insertBySeq(rest, { ...incoming, key: existing.key }));
}

// Local sets rather than the protocol's guards module, whose top-level tables do not tree-shake.
const DURABLE: ReadonlySet<string> = new Set(DURABLE_EVENT_TYPES);
const EPHEMERAL: ReadonlySet<string> = new Set(EPHEMERAL_EVENT_TYPES);

// The fields each event type must have, with their `typeof` (`a` = array), for the parts the state uses.
// Deliberately smaller than the protocol's full guards (which cost ~2 KB gzip in the browser bundle):
// enough that a malformed event is dropped instead of corrupting the transcript.
const SHAPES: Record<string, string> = {
  'message.created': 'id string role string author object text string',
  'message.started': 'id string role string author object turnId string',
  'message.delta': 'id string index number text string',
  'message.completed': 'id string text string finishReason string',
  'message.updated': 'id string text string',
  'message.retracted': 'id string',
  'handoff.updated': 'id string state string version number createdAt string',
  'conversation.updated': 'status string control string controlVersion number',
  receipt: 'by string kind string upToSeq number',
  'feedback.recorded': 'id string kind string',
  hello: 'features a heartbeatMs number',
  typing: 'participant object isTyping boolean',
  progress: 'turnId string label string',
};

function wellFormed(event: { type: string; data?: unknown }): event is BatonEvent {
  const data = event.data as Record<string, unknown> | null | undefined;
  if (typeof data !== 'object' || data === null) return false;
  const shape = (SHAPES[event.type] ?? '').split(' ');
  for (let i = 0; i + 1 < shape.length; i += 2) {
    const value = data[shape[i]!];
    const type = shape[i + 1];
    if (type === 'a' ? !Array.isArray(value) : typeof value !== type || value === null) return false;
  }
  for (const list of ['citations', 'suggestions'])
    if (data[list] !== undefined && !Array.isArray(data[list])) return false;
  return true;
}

/**
 * Applies one event envelope, following the exactly-once rules of protocol section 10.
 *
 * A durable event is applied only if its `seq` is greater than `cursor`, and then moves `cursor` to it;
 * an older or equal seq returns `state` unchanged (a replay). Deltas append only at the message's next
 * index; `message.completed` overwrites the text; the `message.created` echo of an own message replaces
 * its optimistic bubble in place. Unknown event types are ignored (an unknown durable one still moves the
 * cursor); malformed events of known types are dropped. Returns `state` itself when nothing changed.
 *
 * @example
 * let state = initialSnapshot();
 * state = applyEvent(state, JSON.parse(message.data));
 */
export function applyEvent(state: ChatSnapshot, event: unknown): ChatSnapshot {
  if (typeof event !== 'object' || event === null) return state;
  const { type, seq } = event as { type?: unknown; seq?: unknown };
  if (typeof type !== 'string' || !(DURABLE.has(type) || EPHEMERAL.has(type))) {
    return typeof seq === 'number' && Number.isSafeInteger(seq) && seq > state.cursor
      ? { ...state, cursor: seq }
      : state;
  }
  if (DURABLE.has(type)) {
    if (typeof seq !== 'number' || seq <= state.cursor) return state;
    if (!wellFormed(event as { type: string })) return state;
    return { ...applyDurable(state, event as BatonEvent), cursor: seq };
  }
  if (!wellFormed(event as { type: string })) return state;
  return applyEphemeral(state, event as BatonEvent);
}

function applyDurable(state: ChatSnapshot, event: BatonEvent): ChatSnapshot {
  const seq = (event as { seq: number }).seq;
  switch (event.type) {
    case 'message.created':
      return upsertCreated(state, { ...event.data, seq, status: 'complete' });
    case 'message.started': {
      const d = event.data;
      if (findIndex(state.messages, (m) => m.id === d.id) >= 0) return state;
      const message: ChatMessage = {
        key: d.id,
        id: d.id,
        seq,
        role: d.role,
        author: d.author,
        text: '',
        status: 'streaming',
        turnId: d.turnId,
        ...(d.replyTo !== undefined && { replyTo: d.replyTo }),
        nextDeltaIndex: 0,
        createdAt: d.createdAt,
      };
      const progress = state.progress?.turnId === d.turnId ? null : state.progress;
      return withMessages({ ...state, progress }, insertBySeq(state.messages, message));
    }
    case 'message.delta': {
      const d = event.data;
      return updateById(state, d.id, (m) => {
        if (m.status !== 'streaming' || m.gap || d.index !== m.nextDeltaIndex) {
          return d.index > (m.nextDeltaIndex ?? 0) && m.status === 'streaming' && !m.gap
            ? { ...m, gap: true }
            : undefined;
        }
        return { ...m, text: m.text + d.text, nextDeltaIndex: d.index + 1 };
      });
    }
    case 'message.completed': {
      const d = event.data;
      const index = findIndex(state.messages, (m) => m.id === d.id);
      const base: ChatMessage =
        index >= 0
          ? state.messages[index]!
          : // The start was never seen (a history page cut it off): keep the answer rather than lose it.
            {
              key: d.id,
              id: d.id,
              seq,
              role: 'bot',
              author: { role: 'bot' },
              text: '',
              status: 'streaming',
              createdAt: d.completedAt,
            };
      if (base.status !== 'streaming') return state;
      const { nextDeltaIndex: _n, gap: _g, ...rest } = base;
      const message: ChatMessage = {
        ...rest,
        text: d.text,
        status: 'complete',
        finishReason: d.finishReason,
        ...(d.citations !== undefined && { citations: d.citations }),
        ...(d.suggestions !== undefined && { suggestions: d.suggestions }),
      };
      const progress =
        base.turnId !== undefined && state.progress?.turnId === base.turnId ? null : state.progress;
      const messages =
        index >= 0 ? replaceAt(state.messages, index, message) : insertBySeq(state.messages, message);
      return withMessages({ ...state, progress }, messages);
    }
    case 'message.updated': {
      const d = event.data;
      return updateById(state, d.id, (m) =>
        m.retracted || m.status === 'streaming' ? undefined : { ...m, text: d.text },
      );
    }
    case 'message.retracted':
      return updateById(state, event.data.id, (m) => {
        const { citations: _c, suggestions: _s, nextDeltaIndex: _n, ...rest } = m;
        return { ...rest, text: '', retracted: true, status: m.role === 'user' ? 'sent' : 'complete' };
      });
    case 'handoff.updated':
      return applyHandoff(state, event.data);
    case 'conversation.updated': {
      const d = event.data;
      if (d.controlVersion < state.controlVersion) return state;
      return { ...state, status: d.status, control: d.control, controlVersion: d.controlVersion };
    }
    case 'receipt': {
      const d = event.data;
      if (d.by !== 'user' || d.kind !== 'read' || d.upToSeq <= state.readUpToSeq) return state;
      return { ...state, readUpToSeq: d.upToSeq, unread: countUnread(state.messages, d.upToSeq) };
    }
    case 'feedback.recorded': {
      const d = event.data;
      if (d.kind !== 'thumbs' || d.messageId === undefined || (d.value !== 'up' && d.value !== 'down')) {
        return state;
      }
      const value = d.value;
      return updateById(state, d.messageId, (m) => ({ ...m, feedback: value }));
    }
    default:
      // participant.joined / participant.left: the handoff snapshot already names the agent.
      return state;
  }
}

function applyEphemeral(state: ChatSnapshot, event: BatonEvent): ChatSnapshot {
  switch (event.type) {
    case 'hello':
      return { ...state, features: event.data.features };
    case 'typing': {
      const { participant, isTyping } = event.data;
      const others = state.typing.filter((a) => a.id !== participant.id || a.role !== participant.role);
      if (!isTyping && others.length === state.typing.length) return state;
      return { ...state, typing: isTyping ? [...others, participant] : others };
    }
    case 'progress':
      return { ...state, progress: event.data };
    default:
      // sync.reset is handled by the client (refetch history); error events change no state.
      return state;
  }
}

/**
 * Applies a handoff snapshot from an event or a command response: the highest `version` of a handoff
 * wins, and a snapshot of another handoff replaces a terminal one. `control` follows the handoff only
 * through `conversation.updated` and conversation responses, which carry the control version.
 */
export function applyHandoff(state: ChatSnapshot, snapshot: HandoffSnapshot): ChatSnapshot {
  const current = state.handoff;
  if (current) {
    if (
      current.id === snapshot.id
        ? snapshot.version <= current.version
        : snapshot.createdAt < current.createdAt
    ) {
      return state;
    }
  }
  return { ...state, handoff: snapshot };
}

/** Fields of a conversation response (create/resume or history) that describe its state. */
export interface ConversationState {
  conversationId?: string;
  status: ConversationStatus;
  control: Control;
  controlVersion: number;
  handoff: HandoffSnapshot | null;
  features?: readonly Feature[];
}

/** Applies the state from a create/resume response; control only moves forward (by `controlVersion`). */
export function applyConversationState(state: ChatSnapshot, c: ConversationState): ChatSnapshot {
  let next = state;
  if (c.conversationId !== undefined && c.conversationId !== state.conversationId) {
    next = { ...next, conversationId: c.conversationId };
  }
  if (c.features !== undefined) next = { ...next, features: c.features };
  if (c.controlVersion >= next.controlVersion) {
    next = { ...next, status: c.status, control: c.control, controlVersion: c.controlVersion };
  }
  return c.handoff ? applyHandoff(next, c.handoff) : next;
}

/** What an optimistic send needs to show a bubble. */
export interface OptimisticMessage {
  clientMessageId: string;
  text: string;
  /** The local user as author; defaults to `{ role: 'user' }`. */
  author?: Author;
  /** When the user sent it (RFC 3339). */
  createdAt: string;
  /** `queued` when the network is known to be down, else `sending` (the default). */
  status?: 'sending' | 'queued';
}

/**
 * Shows an own message at once, keyed by its `clientMessageId`. Calling it again for the same id (a
 * retry) only moves the bubble back to `sending`/`queued`; a message the server already has is left alone.
 */
export function applyOptimisticSend(state: ChatSnapshot, message: OptimisticMessage): ChatSnapshot {
  const status = message.status ?? 'sending';
  const index = findIndex(state.messages, (m) => m.clientMessageId === message.clientMessageId);
  if (index >= 0) {
    const existing = state.messages[index]!;
    if (existing.id !== null || existing.status === status) return state;
    return { ...state, messages: replaceAt(state.messages, index, { ...existing, status }) };
  }
  const bubble: ChatMessage = {
    key: message.clientMessageId,
    id: null,
    clientMessageId: message.clientMessageId,
    role: 'user',
    author: message.author ?? { role: 'user' },
    text: message.text,
    status,
    createdAt: message.createdAt,
  };
  return { ...state, messages: [...state.messages, bubble] };
}

/** Sets the status of an own message that the server does not have yet (`sending`, `queued`, `failed`). */
export function applySendStatus(
  state: ChatSnapshot,
  clientMessageId: string,
  status: 'sending' | 'queued' | 'failed',
): ChatSnapshot {
  const index = findIndex(state.messages, (m) => m.clientMessageId === clientMessageId);
  const existing = state.messages[index];
  if (!existing || existing.id !== null || existing.status === status) return state;
  return { ...state, messages: replaceAt(state.messages, index, { ...existing, status }) };
}

/** Marks an own message as refused by the server; `retry()` can send it again. */
export function applySendFailed(state: ChatSnapshot, clientMessageId: string): ChatSnapshot {
  return applySendStatus(state, clientMessageId, 'failed');
}

/**
 * Applies the server's answer to a send: the bubble gets its server id and seq (`sent`). The cursor does
 * not move: the `message.created` echo still arrives on the stream and is then a no-op.
 */
export function applySendAccepted(state: ChatSnapshot, message: Message): ChatSnapshot {
  return upsertCreated(state, message);
}

/**
 * Replaces the local copy with a history response (first load, or after `sync.reset`).
 *
 * Messages come from history (streaming ones continue at their `nextDeltaIndex`); own messages the
 * server does not have yet (`sending`, `queued`, `failed`) are kept at the end; the cursor is set to
 * `history.lastSeq`, even when that is lower (protocol 8.5). Conversation state and handoff are taken
 * from the response.
 */
export function applyHistory(state: ChatSnapshot, history: HistoryResponse): ChatSnapshot {
  const messages = history.messages.map(fromHistoryMessage);
  const known = new Set(messages.map((m) => m.clientMessageId));
  for (const m of state.messages) {
    if (m.id === null && m.clientMessageId !== undefined && !known.has(m.clientMessageId)) messages.push(m);
  }
  return withMessages(
    {
      ...state,
      status: history.status,
      control: history.control,
      controlVersion: history.controlVersion,
      handoff: history.handoff,
      cursor: history.lastSeq,
    },
    messages,
  );
}

/**
 * Multi-tab: takes the leader tab's snapshot in a follower, unless it is older than the follower's own
 * (lower cursor). Messages come from the leader, plus the follower's own that the leader does not have
 * yet (unsent, or accepted past the leader's cursor), all in seq order with unsent ones last.
 */
export function applyLeaderSnapshot(state: ChatSnapshot, leader: ChatSnapshot): ChatSnapshot {
  if (leader.cursor < state.cursor) return state;
  const known = new Set(leader.messages.map((m) => m.key));
  const own = state.messages.filter((m) => !known.has(m.key) && (m.id === null || m.seq! > leader.cursor));
  return {
    ...leader,
    // Stable sort: unsent messages (no seq) keep the order they were typed in.
    messages: [...leader.messages, ...own].sort((x, y) => (x.seq ?? Infinity) - (y.seq ?? Infinity)),
  };
}

/** Marks everything up to the cursor as read: `unread` becomes 0. */
export function applyMarkRead(state: ChatSnapshot): ChatSnapshot {
  if (state.unread === 0 && state.readUpToSeq >= state.cursor) return state;
  return { ...state, readUpToSeq: Math.max(state.readUpToSeq, state.cursor), unread: 0 };
}

/** Sets the connection status. */
export function applyConnection(state: ChatSnapshot, connection: ConnectionStatus): ChatSnapshot {
  return state.connection === connection ? state : { ...state, connection };
}
