import { IDEMPOTENCY_TTL_MS, PROTOCOL_VERSION, isTerminalHandoff, uuidv7 } from '@baton-chat/protocol';
import type {
  CreateConversationResponse,
  HandoffResponse,
  HandoffSnapshot,
  HistoryResponse,
  Message,
  Problem,
  SendMessageResponse,
  SessionInfo,
  UserIdentity,
} from '@baton-chat/protocol';
import {
  applyConnection,
  applyConversationState,
  applyEvent,
  applyHandoff,
  applyHistory,
  applyLeaderSnapshot,
  applyMarkRead,
  applyOptimisticSend,
  applySendAccepted,
  applySendStatus,
  initialSnapshot,
} from './chat-state.js';
import type { ChatMessage, ChatSnapshot } from './chat-state.js';
import { BatonError, rethrow } from './errors.js';
import { createMemoryPersister } from './persister.js';
import type { OutboxEntry, Persister, StoredConversation } from './persister.js';
import { createSseTransport, systemClock } from './sse-transport.js';
import type { Clock, SseTransport } from './sse-transport.js';
import { browserTabs } from './tabs.js';
import type { TabChannel, Tabs } from './tabs.js';

/** Options of {@link createChat}. */
export interface CreateChatOptions {
  /** Base URL of the Baton server, the part before `/v1` (`https://support.example.com`). */
  server: string;
  /** A conversation to resume, such as one your backend created. Default: the stored one, else a new one on first send. */
  conversation?: { id: string; token: string };
  /** The signed-in user: `id` plus `hash` (HMAC-SHA256 of the id, computed by your backend). */
  user?: UserIdentity;
  /**
   * Called when the server refuses the identity or the conversation token (401): return a fresh
   * identity (or `undefined` to keep the current one). The request is retried once.
   */
  onUnauthorized?(): UserIdentity | undefined | Promise<UserIdentity | undefined>;
  /** BCP 47 language of the customer, such as `es`. */
  locale?: string;
  /** Free-form context passed to bots and agents when the conversation is created. */
  metadata?: Record<string, unknown>;
  /** Page details for agents; defaults to what `location`/`navigator` say when they exist. */
  session?: SessionInfo;
  /** Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Where conversations, cursor and outbox are kept. Default: in memory. */
  persister?: Persister;
  /** Names this chat in the persister. Default: `server` plus the user id. */
  storageKey?: string;
  /** Default: the system clock. */
  clock?: Clock;
  /** Random source for backoff jitter, in [0, 1). Default `Math.random`. */
  random?: () => number;
  /**
   * Multi-tab coordination: the chats of one `storageKey` in all tabs of a browser elect a leader (Web
   * Locks) that alone holds the event stream and shares every event over BroadcastChannel; when it
   * goes, another tab takes over from its cursor. Default {@link browserTabs}`()` (none in Node and
   * where either API is missing); `null` makes this instance stream on its own.
   */
  tabs?: Tabs | null;
  /**
   * Called with errors no caller can receive: a listener that threw, a failed storage write, a failed
   * history refetch. Default: reported asynchronously as uncaught, like an event listener's exception.
   */
  onError?(error: unknown): void;
}

/** What `send` accepts besides the text. */
export interface SendExtras {
  /** Passed to bots and agents with this message; not echoed. */
  metadata?: Record<string, unknown>;
}

/** A headless chat client; see {@link createChat}. */
export interface Chat {
  /**
   * Sends a user message: shown at once (`sending`, or `queued` while offline), written to the outbox
   * before the first attempt, retried with the same `Idempotency-Key` on network errors, 429 and 5xx.
   * Resolves with the message's `clientMessageId` once the server has it; rejects with a `BatonError`
   * when the server refuses it (the message is then `failed`).
   */
  send(text: string, extras?: SendExtras): Promise<string>;
  /** Stops the bot answer being streamed (its message completes with `finishReason: 'cancelled'`). */
  stop(): Promise<void>;
  /** Sends a `failed` own message again, with its original id. `messageId` is its key, id or clientMessageId. */
  retry(messageId: string): Promise<string>;
  /** Asks for a human. Resolves with the handoff snapshot (also in `getSnapshot().handoff`). */
  requestHuman(note?: string): Promise<HandoffSnapshot>;
  /** Leaves the queue, or hands an active human conversation back to the bot. No-op without an open handoff. */
  cancelHandoff(): Promise<void>;
  /** Thumbs (`up`/`down`) on a bot message, or a 1-5 satisfaction score for the conversation. */
  sendFeedback(
    messageId: string | null,
    value: 'up' | 'down' | 1 | 2 | 3 | 4 | 5,
    comment?: string,
  ): Promise<void>;
  /** Marks everything received as read (`unread` becomes 0) and tells the server when it supports receipts. */
  markRead(): void;
  /** Tells agents the user is typing; `true` is sent at most once every 3 s. */
  setTyping(isTyping: boolean): void;
  /** Registers a listener called after every change; returns the function that removes it. */
  subscribe(listener: () => void): () => void;
  /** The current immutable snapshot (the same object until something changes). */
  getSnapshot(): ChatSnapshot;
  /** Ends the conversation on the server. History stays readable. */
  close(): Promise<void>;
  /** Stops the client (stream, timers, listeners) and flushes storage. The stored conversation is kept for the next `createChat`. */
  destroy(): Promise<void>;
  /** Resolves when stored history is in the snapshot and the conversation (if any) was resumed. */
  readonly ready: Promise<void>;
}

const TYPING_INTERVAL_MS = 3000;
const TYPING_EXPIRY_MS = 10_000;
const SEND_BASE_MS = 1000;
const SEND_MAX_MS = 30_000;

const destroyedError = (): BatonError =>
  new BatonError('closed', 'This chat was destroyed: create a new one with createChat().');

const unreachable = (cause?: unknown): BatonError =>
  new BatonError(
    'network',
    'The server could not be reached: check the connection; Baton retries sends on its own.',
    { cause },
  );

const defaultSession = (): SessionInfo | undefined => {
  const g = globalThis as { location?: { href?: string }; document?: { title?: string; referrer?: string } };
  if (!g.location?.href) return undefined;
  return {
    pageUrl: g.location.href,
    ...(g.document?.title && { pageTitle: g.document.title }),
    ...(g.document?.referrer && { referrer: g.document.referrer }),
    ...(typeof navigator !== 'undefined' && { userAgent: navigator.userAgent }),
  };
};

/**
 * Creates a headless chat client: streams answers exactly once, keeps an offline outbox, tracks
 * handoff state, and exposes it all as one immutable snapshot. No rendering, no DOM access at import.
 *
 * A stored conversation (or `options.conversation`) is resumed at once and its stored transcript is in
 * the snapshot before the network answers; otherwise a conversation is created on the first `send` or
 * `requestHuman`.
 *
 * @example
 * ```ts
 * import { createChat, createIdbPersister } from '@baton-chat/core';
 *
 * const chat = createChat({ server: 'https://support.example.com', persister: createIdbPersister() });
 * chat.subscribe(() => render(chat.getSnapshot()));
 * await chat.send('Where is my parcel?');
 *
 * // React: const snapshot = useSyncExternalStore(chat.subscribe, chat.getSnapshot);
 * ```
 */
export function createChat(options: CreateChatOptions): Chat {
  const server = options.server.replace(/\/+$/, '');
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const persister = options.persister ?? createMemoryPersister();
  const storageKey = options.storageKey ?? `${server}|${options.user?.id ?? ''}`;
  const fetchFn: typeof fetch = (input, init) => (options.fetch ?? globalThis.fetch)(input, init);
  let user = options.user;
  const report = (error: unknown): void => {
    if (!options.onError) return rethrow(error);
    try {
      options.onError(error);
    } catch (e) {
      rethrow(e);
    }
  };

  let state = initialSnapshot();
  const listeners = new Set<() => void>();
  let conversation: { id: string; token: string } | undefined;
  let creating: Promise<{ id: string; token: string }> | undefined;
  let transport: SseTransport | undefined;
  let destroyed = false;
  let outbox: OutboxEntry[] = [];
  let sendChain: Promise<unknown> = Promise.resolve();
  /** Pending waits: how to end each early, and whether it waits out a network failure. */
  const wakers = new Map<() => void, boolean | undefined>();
  let lastTyping = { value: false, at: -Infinity };
  const typingTimers = new Map<string, unknown>();
  let saving: Promise<void> | undefined;
  let saveAgain = false;
  let resetting: Promise<void> | undefined;
  // The turn started by the last send, so stop() works before the answer's first event arrives.
  let lastTurnId: string | null = null;
  // Multi-tab: without a platform every instance leads (streams itself); with one, the lock holder does.
  const tabs = options.tabs === undefined ? browserTabs() : (options.tabs ?? undefined);
  let leader = !tabs;
  let channel: TabChannel | undefined;
  const quit = new AbortController();
  // A follower waiting for the leader to create the conversation.
  let adopt:
    ((c: { id: string; token: string } | Promise<{ id: string; token: string }>) => void) | undefined;

  const emit = (next: ChatSnapshot): void => {
    if (next === state || destroyed) return;
    const durableChanged =
      next.cursor !== state.cursor || next.messages !== state.messages || next.handoff !== state.handoff;
    state = next;
    if (durableChanged) persist();
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch (error) {
        report(error);
      }
    }
  };

  // Saves coalesce: at most one write in flight, the newest snapshot wins. Messages and cursor are one
  // record, so a crash between saves replays events the cursor makes harmless.
  const persist = (): void => {
    // Followers leave the shared record to the leader, whose state they mirror.
    if (!conversation || !leader) return;
    if (saving) {
      saveAgain = true;
      return;
    }
    const { id, token } = conversation;
    const { conversationId: _i, connection: _c, unread: _u, typing: _t, progress: _p, ...snapshot } = state;
    const record: StoredConversation = { conversationId: id, token, snapshot };
    saving = persister
      .saveConversation(storageKey, record)
      .catch(report)
      .finally(() => {
        saving = undefined;
        if (saveAgain) {
          saveAgain = false;
          persist();
        }
      });
  };

  const flush = async (): Promise<void> => {
    while (saving) await saving;
  };

  /**
   * Waits `ms`, or less: `destroy()` ends every wait, and {@link retryNow} ends the waits of work that
   * failed on the network (`network`), never a wait the server asked for with Retry-After.
   */
  const sleep = (ms: number, network?: boolean): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clock.clearTimeout(timer);
        wakers.delete(done);
        resolve();
      };
      const timer = clock.setTimeout(done, ms);
      wakers.set(done, network);
    });

  /** True when the browser knows it has no network (`navigator.onLine === false`). */
  const browserOffline = (): boolean =>
    (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine === false;

  /**
   * The network is back (the browser came online, or the stream reached the server): sends waiting to
   * retry after a network failure retry now, instead of at the end of their backoff (up to 30 s after an
   * outage). Each wake deletes only its own entry, which Map.forEach allows.
   */
  const retryNow = (): void => wakers.forEach((network, wake) => network && wake());
  const g = globalThis as {
    addEventListener?: (t: string, l: () => void) => void;
    removeEventListener?: (t: string, l: () => void) => void;
  };
  g.addEventListener?.('online', retryNow);

  async function request<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
    auth = conversation,
  ): Promise<T> {
    const headers: Record<string, string> = { 'baton-protocol': PROTOCOL_VERSION, ...extraHeaders };
    if (auth) headers.authorization = `Bearer ${auth.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetchFn(`${server}/v1${path}`, {
        method,
        headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
        credentials: 'omit',
      });
    } catch (cause) {
      throw unreachable(cause);
    }
    // The server answered: a stream waiting out an outage reconnects now (the transport's own rule).
    if (response.ok) transport?.reconnect(true);
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const problem = parsed as Partial<Problem> | undefined;
      throw new BatonError(
        typeof problem?.code === 'string' ? problem.code : 'http',
        `${method} ${path} failed with HTTP ${response.status}${problem?.detail ? `: ${problem.detail}` : ''}.`,
        { status: response.status, cause: { problem, retryAfter: response.headers.get('retry-after') } },
      );
    }
    return parsed as T;
  }

  const path = (suffix = ''): string => `/conversations/${encodeURIComponent(conversation!.id)}${suffix}`;

  /** Leader only: posts to the other tabs. */
  const tell = (message: unknown): void => {
    if (leader) channel?.post(message);
  };

  /** Leader only: sends its conversation and durable state; followers adopt it when it is newer. */
  const announce = (): void => {
    tell({
      t: 's',
      c: conversation ?? null,
      s: { ...state, messages: state.messages.filter((m) => m.id !== null) },
    });
  };

  /** Follower: takes the leader's conversation and, when at least as new, its state. */
  function adoptSync(c: { id: string; token: string } | null, s: ChatSnapshot): void {
    // A leader without a conversation (a new one, after a hand-over) is asked again.
    if (!c) return void (adopt && channel?.post({ t: 'h', n: 1 }));
    if (!conversation) {
      conversation = c;
      adopt?.(c);
      adopt = undefined;
    }
    if (c.id === conversation.id) emit(applyLeaderSnapshot(state, s));
  }

  function onTab(data: unknown): void {
    // Same-origin tabs running this same version of core (the channel name carries it) send these.
    const m = data as {
      t?: string;
      d?: { seq?: number };
      c: { id: string; token: string } | null;
      s: ChatSnapshot;
      n?: 1;
    } | null;
    if (!m) return;
    if (leader) {
      // h: a tab started or missed events (n: it needs a conversation); b: a tab left, maybe with unsent messages.
      // A failed creation is not reported here: the asking tab retries like after a network error.
      if (m.t === 'h' && m.n && !conversation) ensureConversation().catch(() => {});
      else if (m.t === 'h') announce();
      if (m.t === 'b') adoptOutbox().catch(report);
      return;
    }
    if (m.t === 'e') {
      // Seqs are contiguous: a jump means this tab missed events, and the leader's state fills them in.
      if ((m.d?.seq ?? 0) > state.cursor + 1) channel?.post({ t: 'h' });
      onEvent(m.d);
    }
    if (m.t === 's') adoptSync(m.c, m.s);
  }

  /** This tab got the lock: it streams, persists, answers the other tabs and delivers orphaned messages. */
  async function lead(): Promise<void> {
    await ready;
    if (destroyed) return;
    leader = true;
    adopt?.(createConversation());
    adopt = undefined;
    // The state is already stored as far as the last leader got; the next change saves it again.
    announce();
    connect();
    await adoptOutbox();
  }

  /** Leader only (so the stored outbox is loaded): delivers entries written by tabs that went away. */
  async function adoptOutbox(): Promise<void> {
    for (const entry of await persister.loadOutbox(storageKey)) {
      if (outbox.some((e) => e.clientMessageId === entry.clientMessageId)) continue;
      outbox = [...outbox, entry];
      showBubble(entry, true);
      enqueueDelivery(entry).catch(() => {});
    }
  }

  async function forgetConversation(): Promise<void> {
    transport?.stop();
    transport = undefined;
    conversation = undefined;
    await flush();
    await persister.clear(storageKey).catch(report);
    const kept = state.messages.filter((m) => m.id === null);
    emit({ ...initialSnapshot(), connection: 'closed', messages: kept });
    for (const entry of outbox) await writeOutbox(entry.clientMessageId, entry);
  }

  async function loadHistory(): Promise<void> {
    const history = await request<HistoryResponse>('GET', path('/messages?limit=200'));
    const messages: Message[] = [...history.messages];
    let more = history.hasMore;
    for (let page = 0; more && messages[0] && page < 20; page++) {
      const older = await request<HistoryResponse>(
        'GET',
        path(`/messages?limit=200&before=${messages[0].seq}`),
      );
      messages.unshift(...older.messages);
      more = older.hasMore;
    }
    emit(applyHistory(state, { ...history, messages }));
  }

  function connect(): void {
    if (!leader || destroyed || !conversation || transport || state.status === 'closed') return;
    const auth = conversation;
    const t = createSseTransport({
      url: `${server}/v1${path('/events')}`,
      headers: () => ({ authorization: `Bearer ${auth.token}` }),
      getCursor: () => state.cursor,
      fetch: fetchFn,
      clock,
      random,
      onStatus: (status) => {
        // The stream reached the server again: queued sends go now, not at the end of their backoff.
        if (status === 'open') retryNow();
        emit(applyConnection(state, status));
        announce();
      },
      onMessage: (message) => {
        let event: unknown;
        try {
          event = JSON.parse(message.data);
        } catch {
          return;
        }
        tell({ t: 'e', d: event });
        onEvent(event);
      },
      // With a refresh hook the stream is retried once, as the option promises; refused again, the token
      // is no longer valid (protocol 5.3): the conversation is dropped and the next send starts a new one.
      onUnauthorized: refreshIdentity,
      onStop: (error) => {
        if (transport === t) transport = undefined;
        if (error?.status === 410) emit({ ...state, status: 'closed' });
        if (error?.status === 401 || error?.status === 404) void forgetConversation();
      },
    });
    transport = t;
    t.start();
  }

  /** Applies one event from the stream (leader) or from the leader (followers). */
  function onEvent(event: unknown): void {
    if ((event as { type?: unknown } | null)?.type === 'sync.reset') {
      resetting ??= loadHistory()
        .then(() => transport?.reconnect())
        .catch(report)
        .finally(() => {
          resetting = undefined;
        });
      return;
    }
    const before = state;
    emit(applyEvent(state, event));
    const typing = event as {
      type?: unknown;
      data?: { participant?: { id?: string; role?: string }; isTyping?: boolean };
    };
    if (typing.type === 'typing' && typing.data?.isTyping && typing.data.participant)
      expireTyping(typing.data.participant);
    if (state.status === 'closed' && before.status !== 'closed') transport?.stop();
  }

  function expireTyping(participant: { id?: string; role?: string }): void {
    const key = `${participant.role}:${participant.id}`;
    clock.clearTimeout(typingTimers.get(key));
    typingTimers.set(
      key,
      clock.setTimeout(() => {
        typingTimers.delete(key);
        emit({ ...state, typing: state.typing.filter((a) => `${a.role}:${a.id}` !== key) });
      }, TYPING_EXPIRY_MS),
    );
  }

  async function refreshIdentity(): Promise<boolean> {
    if (!options.onUnauthorized) return false;
    try {
      const fresh = await options.onUnauthorized();
      if (fresh) user = fresh;
      return true;
    } catch (error) {
      report(error);
      return false;
    }
  }

  function conversationBody(): Record<string, unknown> {
    const session = options.session ?? defaultSession();
    return {
      ...(user && { user }),
      ...(options.locale && { locale: options.locale }),
      ...(session && { session }),
      ...(options.metadata && { metadata: options.metadata }),
    };
  }

  /** POST /v1/conversations, retrying once with a fresh identity on 401 invalid-identity. */
  async function postConversation(body: Record<string, unknown>, auth?: { id: string; token: string }) {
    try {
      return await request<CreateConversationResponse>('POST', '/conversations', body, {}, auth);
    } catch (error) {
      if (BatonError.is(error) && error.code === 'invalid-identity' && (await refreshIdentity())) {
        return request<CreateConversationResponse>(
          'POST',
          '/conversations',
          { ...body, ...conversationBody() },
          {},
          auth,
        );
      }
      throw error;
    }
  }

  function ensureConversation(): Promise<{ id: string; token: string }> {
    if (conversation) return Promise.resolve(conversation);
    if (destroyed) return Promise.reject(destroyedError());
    creating ??= (leader ? createConversation() : fromLeader()).finally(() => {
      creating = undefined;
    });
    return creating;
  }

  async function createConversation(): Promise<{ id: string; token: string }> {
    const body = await postConversation(conversationBody());
    conversation = { id: body.conversationId, token: body.token };
    emit(applyConversationState({ ...state, cursor: body.lastSeq }, body));
    persist();
    connect();
    announce();
    return conversation;
  }

  /** Follower: the leader creates the conversation, so two tabs never start two; retried like a network error. */
  function fromLeader(): Promise<{ id: string; token: string }> {
    return new Promise((resolve, reject) => {
      adopt = resolve;
      channel?.post({ t: 'h', n: 1 });
      // The leader may be gone or offline: fail like the network, so sends retry (and ask again).
      void sleep(5000).then(() => reject(unreachable()));
    });
  }

  async function resume(stored: { id: string; token: string }, hasLocalCopy: boolean): Promise<void> {
    conversation = stored;
    try {
      const body = await postConversation({ conversationId: stored.id, ...conversationBody() }, stored);
      emit(applyConversationState(state, body));
      if (!hasLocalCopy && body.lastSeq > 0) await loadHistory();
      else if (!hasLocalCopy) emit({ ...state, cursor: body.lastSeq });
      persist();
      connect();
      announce();
    } catch (error) {
      if (BatonError.is(error) && (error.status === 404 || error.status === 401 || error.status === 403)) {
        await forgetConversation();
        return;
      }
      if (BatonError.is(error) && error.code === 'network') {
        // Offline at start: the stream's own loop keeps trying and catches up when the network returns.
        connect();
        return;
      }
      throw error;
    }
  }

  async function start(): Promise<void> {
    const [stored, pending] = await Promise.all([
      persister.loadConversation(storageKey).catch((error: unknown) => {
        report(error);
        return undefined;
      }),
      persister.loadOutbox(storageKey).catch((error: unknown) => {
        report(error);
        return [] as OutboxEntry[];
      }),
    ]);
    if (destroyed) return;
    const wanted = options.conversation;
    const usable = stored && (!wanted || wanted.id === stored.conversationId) ? stored : undefined;
    // Unless another tab's leader already gave this one a newer state while storage was loading.
    if (usable && usable.snapshot.cursor >= state.cursor) {
      const s = usable.snapshot;
      const restored = new Set(s.messages.map((m) => m.clientMessageId));
      emit({
        ...state,
        ...s,
        conversationId: usable.conversationId,
        messages: [
          // A message that was in flight when the page went away is queued until the outbox resends it.
          ...s.messages.map((m): ChatMessage => (m.status === 'sending' ? { ...m, status: 'queued' } : m)),
          // Bubbles of messages sent while storage was loading.
          ...state.messages.filter((m) => !restored.has(m.clientMessageId)),
        ],
      });
    }
    outbox = pending;
    for (const entry of outbox) showBubble(entry, true);
    markLoaded();
    const target = usable ? { id: usable.conversationId, token: usable.token } : wanted;
    if (target) await resume(target, usable !== undefined);
    else emit(applyConnection(state, 'closed'));
    // A refused message shows as `failed` in the snapshot; nobody awaits these promises.
    for (const entry of pending) enqueueDelivery(entry).catch(() => {});
  }

  // `loaded`: stored transcript and outbox are in memory (new sends may write the outbox from then on).
  // `ready`: additionally, the stored conversation was resumed.
  let markLoaded!: () => void;
  const loaded = new Promise<void>((resolve) => {
    markLoaded = resolve;
  });
  const ready = start()
    .catch((error: unknown) => {
      report(error);
    })
    .finally(() => markLoaded());

  // One atomic read-modify-write per change, so tabs writing at the same time lose nothing.
  const writeOutbox = (id: string, entry?: OutboxEntry): Promise<void> =>
    persister
      .updateOutbox(storageKey, (entries) => {
        const rest = entries.filter((e) => e.clientMessageId !== id);
        return entry ? [...rest, entry] : rest;
      })
      .then(() => {}, report);

  function enqueueDelivery(entry: OutboxEntry): Promise<string> {
    const delivery = sendChain.then(() => deliver(entry));
    sendChain = delivery.catch(() => {});
    return delivery;
  }

  async function deliver(entry: OutboxEntry): Promise<string> {
    const id = entry.clientMessageId;
    for (let attempt = 0; ; attempt++) {
      if (destroyed)
        throw new BatonError(
          'closed',
          'This chat was destroyed before the message was sent; it stays in the outbox.',
        );
      if (clock.now() - entry.createdAt > IDEMPOTENCY_TTL_MS) {
        await dropFromOutbox(id, 'failed');
        throw new BatonError(
          'expired',
          'The message waited more than 24 hours; send it again as a new message.',
        );
      }
      let waitMs = 0;
      try {
        await ensureConversation();
        // While the browser says it is offline the bubble stays "queued" through the attempts, instead of
        // flickering to "sending" at each one; they are still made, as `navigator.onLine` can be wrong.
        emit(applySendStatus(state, id, browserOffline() ? 'queued' : 'sending'));
        const body = await request<SendMessageResponse>(
          'POST',
          path('/messages'),
          { clientMessageId: id, text: entry.text, ...(entry.metadata && { metadata: entry.metadata }) },
          { 'idempotency-key': id },
        );
        lastTurnId = body.turnId;
        emit(applySendAccepted(state, body.message));
        await dropFromOutbox(id);
        return id;
      } catch (error) {
        const e = BatonError.is(error) ? error : new BatonError('network', String(error), { cause: error });
        const status = e.status ?? 0;
        const retryable =
          e.code === 'network' ||
          status >= 500 ||
          status === 429 ||
          status === 408 ||
          e.code === 'idempotency-in-flight';
        if (!retryable) {
          await dropFromOutbox(id, 'failed');
          if (status === 410) emit({ ...state, status: 'closed' });
          throw e;
        }
        const retryAfter = Number((e.cause as { retryAfter?: string | null } | undefined)?.retryAfter);
        if (Number.isFinite(retryAfter)) waitMs = retryAfter * 1000;
        emit(applySendStatus(state, id, e.code === 'network' ? 'queued' : 'sending'));
      }
      await sleep(Math.max(waitMs, random() * Math.min(SEND_MAX_MS, SEND_BASE_MS * 2 ** attempt)), !waitMs);
    }
  }

  async function dropFromOutbox(clientMessageId: string, status?: 'failed'): Promise<void> {
    outbox = outbox.filter((e) => e.clientMessageId !== clientMessageId);
    if (status) emit(applySendStatus(state, clientMessageId, status));
    await writeOutbox(clientMessageId);
  }

  function showBubble(entry: OutboxEntry, queued = browserOffline()): void {
    emit(
      applyOptimisticSend(state, {
        clientMessageId: entry.clientMessageId,
        text: entry.text,
        createdAt: new Date(entry.createdAt).toISOString(),
        ...(user && { author: { role: 'user', id: user.id, ...(user.name && { name: user.name }) } }),
        status: queued ? 'queued' : 'sending',
      }),
    );
  }

  async function queue(entry: OutboxEntry): Promise<string> {
    showBubble(entry);
    await loaded;
    outbox = [...outbox.filter((e) => e.clientMessageId !== entry.clientMessageId), entry];
    // The outbox is written before the first attempt, so a reload or a crash cannot lose the message.
    await writeOutbox(entry.clientMessageId, entry);
    return enqueueDelivery(entry);
  }

  const findMessage = (id: string): ChatMessage | undefined =>
    state.messages.find((m) => m.key === id || m.id === id || m.clientMessageId === id);

  const requireConversation = (): void => {
    if (!conversation)
      throw new BatonError('no-conversation', 'There is no conversation yet: send a message first.');
  };

  const bye = (): void => channel?.post({ t: 'b' });
  if (tabs) {
    // One lock and one channel per storage key (one stored conversation), so tabs also agree on who
    // creates the conversation. The version keeps tabs running another release of core apart.
    const name = `baton:1:${storageKey}`;
    channel = tabs.channel(name, onTab);
    tabs.lock(name, () => void lead().catch(report), quit.signal);
    channel.post({ t: 'h' });
    g.addEventListener?.('pagehide', bye);
  }

  const chat: Chat = {
    ready,
    send(text, extras) {
      if (typeof text !== 'string' || text.trim() === '') {
        return Promise.reject(
          new BatonError(
            'validation-failed',
            'A message needs some text: pass a non-empty string to send().',
          ),
        );
      }
      if (destroyed) return Promise.reject(destroyedError());
      const entry: OutboxEntry = {
        clientMessageId: uuidv7(clock.now()),
        text,
        ...(extras?.metadata && { metadata: extras.metadata }),
        createdAt: clock.now(),
      };
      // queue() shows the bubble synchronously, before storage or the network answer.
      return queue(entry);
    },
    async stop() {
      const streaming = state.messages.findLast((m) => m.status === 'streaming' && m.turnId);
      const answered =
        lastTurnId !== null && state.messages.some((m) => m.turnId === lastTurnId && m.status === 'complete');
      const turnId = streaming?.turnId ?? state.progress?.turnId ?? (answered ? undefined : lastTurnId);
      if (!turnId || !conversation) return;
      await request('POST', path(`/turns/${encodeURIComponent(turnId)}/cancel`), {});
    },
    async retry(messageId) {
      const message = findMessage(messageId);
      if (!message?.clientMessageId || message.status !== 'failed') {
        throw new BatonError(
          'not-found',
          `No failed message ${messageId}: only failed own messages can be retried.`,
        );
      }
      return queue({ clientMessageId: message.clientMessageId, text: message.text, createdAt: clock.now() });
    },
    async requestHuman(note) {
      await ready;
      await ensureConversation();
      const body = await request<HandoffResponse>('POST', path('/handoff'), note ? { note } : {});
      emit(applyHandoff(state, body.handoff));
      return body.handoff;
    },
    async cancelHandoff() {
      const handoff = state.handoff;
      if (!handoff || isTerminalHandoff(handoff.state) || !conversation) return;
      try {
        const body = await request<HandoffResponse>(
          'POST',
          path(`/handoff/${encodeURIComponent(handoff.id)}/cancel`),
          {},
        );
        emit(applyHandoff(state, body.handoff));
      } catch (error) {
        const problem = BatonError.is(error)
          ? (error.cause as { problem?: Partial<Problem> } | undefined)?.problem
          : undefined;
        if (problem?.code === 'handoff-terminal' && problem.handoff) {
          emit(applyHandoff(state, problem.handoff));
          return;
        }
        throw error;
      }
    },
    async sendFeedback(messageId, value, comment) {
      requireConversation();
      await request('POST', path('/feedback'), {
        ...(typeof value === 'string' ? { kind: 'thumbs', messageId } : { kind: 'csat' }),
        value,
        ...(comment && { comment }),
      });
    },
    markRead() {
      emit(applyMarkRead(state));
      if (conversation && state.cursor > 0 && state.features.includes('receipts')) {
        request('POST', path('/receipts'), { kind: 'read', upToSeq: state.cursor }).catch(() => {});
      }
    },
    setTyping(isTyping) {
      if (!conversation || !state.features.includes('typing')) return;
      const now = clock.now();
      if (isTyping ? lastTyping.value && now - lastTyping.at < TYPING_INTERVAL_MS : !lastTyping.value) return;
      lastTyping = { value: isTyping, at: now };
      request('POST', path('/typing'), { isTyping }).catch(() => {});
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    getSnapshot: () => state,
    async close() {
      requireConversation();
      await request('POST', path('/close'), {});
      emit({ ...state, status: 'closed' });
    },
    async destroy() {
      if (destroyed) return;
      // Hand over quietly (without a channel nothing more is posted): the next leader reports the
      // connection and adopts what is left in the outbox.
      quit.abort();
      bye();
      channel?.close();
      channel = undefined;
      g.removeEventListener?.('pagehide', bye);
      transport?.stop();
      transport = undefined;
      emit(applyConnection(state, 'closed'));
      destroyed = true;
      listeners.clear();
      typingTimers.forEach((timer) => clock.clearTimeout(timer));
      typingTimers.clear();
      g.removeEventListener?.('online', retryNow);
      wakers.forEach((_, wake) => wake());
      await flush();
    },
  };
  return chat;
}
