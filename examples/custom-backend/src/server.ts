import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_RETRY_MS,
  FEATURES,
  HANDOFF_REASONS,
  HEADERS,
  PROBLEM_STATUS,
  PROBLEM_TYPE_BASE,
  PROTOCOL_MAJOR,
  PROTOCOL_VERSION,
  controlForHandoff,
  encodeEvent,
  encodeSseComment,
  hmacSha256Hex,
  isTerminalHandoff,
  transitionHandoff,
  uuidv7,
} from '@baton-chat/protocol';
import type {
  BatonEvent,
  CapabilitiesResponse,
  CreateConversationResponse,
  Feature,
  FeedbackRecordedData,
  HandoffAction,
  HandoffReason,
  HandoffSnapshot,
  HistoryResponse,
  Problem,
  ProblemCode,
  QueueInfo,
  SendMessageResponse,
} from '@baton-chat/protocol';
import { finishTurn, startTurn, streamingTurn } from './bot.js';
import { append, eventsAfter, historyPage, lastSeq, newToken, tokenMatches } from './store.js';
import type { Conversation } from './store.js';

/** Settings of the example backend. Every field has a default suitable for local development. */
export interface BackendOptions {
  /**
   * Origins allowed to call the API from a browser, compared exactly (`https://shop.example`).
   * Default: any `http://localhost:<port>` or `http://127.0.0.1:<port>`.
   */
  allowedOrigins?: readonly string[];
  /** Secret for verified identity: `user.hash` must be the hex HMAC-SHA256 of `user.id`. Default: off. */
  identitySecret?: string;
  /** Heartbeat comment interval of the event stream. Default 15000. */
  heartbeatMs?: number;
  /** Largest accepted request body. Default 16384. */
  maxBodyBytes?: number;
  /** Longest accepted message text. Default 4000. */
  maxMessageChars?: number;
  /** Pause between the streamed words of a bot answer. Default 40. */
  wordDelayMs?: number;
  /** A queued handoff fails with `timeout` (fallback `offline_form`) after this long; 0 = never. Default 0. */
  handoffTimeoutMs?: number;
  /** New messages accepted per conversation per minute before 429; 0 = unlimited. Default 60. */
  sendsPerMinute?: number;
}

/** A protocol handler plus its in-memory state. */
export interface Backend {
  /** The `node:http` request listener serving `/v1`. */
  handler(req: IncomingMessage, res: ServerResponse): void;
  /** Ends every open event stream and stops bot turns and timers. */
  close(): void;
  /** The stored conversations, by id (read it, don't write it). */
  readonly conversations: ReadonlyMap<string, Conversation>;
}

/** Options of `startBackend`. */
export interface StartOptions extends BackendOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Gets every request first; returns true if it answered it (used by main.ts for the demo page). */
  serveExtra?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

/** A running backend. */
export interface RunningBackend {
  /** Base URL, such as `http://127.0.0.1:8787`. */
  url: string;
  backend: Backend;
  /** Ends open streams, then stops the HTTP server. */
  close(): Promise<void>;
  /**
   * Test hook: drops every connection and stops listening, then listens again on the same port after
   * `downMs` (default 0). State and running bot turns are kept, as with a backend whose state lives in a
   * database: to clients it is a server restart.
   */
  restart(downMs?: number): Promise<void>;
}

/** A request failure, sent as `application/problem+json`. */
class HttpProblem extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extra: Partial<Problem> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

/** Made-up estimate for the queue: nobody will ever answer here, but a client should show something. */
const SECONDS_PER_QUEUE_POSITION = 120;
const LOCAL_ORIGIN = /^http:\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?$/;

/**
 * Creates the Baton protocol v1 handler: every endpoint under `/v1`, state in memory.
 *
 * @example
 * const backend = createBackend({ wordDelayMs: 10 });
 * http.createServer(backend.handler).listen(8787);
 */
export function createBackend(options: BackendOptions = {}): Backend {
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const maxBodyBytes = options.maxBodyBytes ?? 16_384;
  const maxMessageChars = options.maxMessageChars ?? 4000;
  const wordDelayMs = options.wordDelayMs ?? 40;
  const handoffTimeoutMs = options.handoffTimeoutMs ?? 0;
  const sendsPerMinute = options.sendsPerMinute ?? 60;
  const secret = options.identitySecret || undefined;
  const allowedOrigins = options.allowedOrigins;
  const features: Feature[] = FEATURES.filter(
    (f) => f !== 'citations' && f !== 'webhooks' && (f !== 'verified-identity' || secret !== undefined),
  );

  const conversations = new Map<string, Conversation>();
  /** Conversations waiting for a human, first in line first. */
  const queue: Conversation[] = [];
  const handoffTimers = new Map<string, NodeJS.Timeout>();
  const openStreams = new Set<() => void>();

  // ---------------------------------------------------------------------------------------------
  // HTTP plumbing: CORS, version header, body reading, JSON and problem responses
  // ---------------------------------------------------------------------------------------------

  function isAllowedOrigin(origin: string): boolean {
    return allowedOrigins ? allowedOrigins.includes(origin) : LOCAL_ORIGIN.test(origin);
  }

  function handler(req: IncomingMessage, res: ServerResponse): void {
    handle(req, res).catch((error: unknown) => {
      if (!(error instanceof HttpProblem)) console.error('baton example backend:', error);
      if (res.headersSent) return void res.destroy();
      const problem =
        error instanceof HttpProblem
          ? error
          : new HttpProblem('internal', 'Something went wrong; retry later.');
      sendProblem(res, problem);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('Baton-Protocol', PROTOCOL_VERSION);
    res.setHeader('Vary', 'Origin');
    const origin = req.headers.origin;
    const corsAllowed = origin !== undefined && isAllowedOrigin(origin);
    if (corsAllowed) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', 'Baton-Protocol, Retry-After, Idempotent-Replayed');
    }
    if (req.method === 'OPTIONS') {
      if (origin !== undefined && !corsAllowed)
        throw new HttpProblem('forbidden', `Origin ${origin} is not allowed.`);
      if (corsAllowed) {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
        res.setHeader(
          'Access-Control-Allow-Headers',
          'Authorization, Content-Type, Idempotency-Key, Last-Event-ID, Baton-Protocol',
        );
        res.setHeader('Access-Control-Max-Age', '600');
      }
      res.writeHead(204).end();
      return;
    }

    const requested = req.headers[HEADERS.protocol];
    if (
      typeof requested === 'string' &&
      Number(/^(\d+)(\.\d+)?$/.exec(requested.trim())?.[1]) !== PROTOCOL_MAJOR
    ) {
      throw new HttpProblem(
        'bad-request',
        `This server speaks Baton protocol ${PROTOCOL_VERSION}, not ${requested}.`,
      );
    }
    await route(req, res, new URL(req.url ?? '/', 'http://localhost'));
  }

  function sendJson(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  }

  function sendProblem(res: ServerResponse, problem: HttpProblem): void {
    const status = PROBLEM_STATUS[problem.code];
    const title = problem.code.charAt(0).toUpperCase() + problem.code.slice(1).replaceAll('-', ' ');
    const body: Problem = {
      type: PROBLEM_TYPE_BASE + problem.code,
      title,
      status,
      code: problem.code,
      detail: problem.detail,
      ...problem.extra,
    };
    res.writeHead(status, { 'Content-Type': 'application/problem+json', ...problem.headers });
    res.end(JSON.stringify(body));
  }

  function tooLarge(): HttpProblem {
    // Connection: close, because the rest of the oversized body is not worth reading.
    return new HttpProblem(
      'payload-too-large',
      `Request bodies are limited to ${maxBodyBytes} bytes.`,
      {},
      {
        Connection: 'close',
      },
    );
  }

  /** Reads a JSON object body. An empty body is `{}`; anything else must be `application/json`. */
  async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    if (Number(req.headers['content-length'] ?? 0) > maxBodyBytes) {
      req.resume();
      throw tooLarge();
    }
    const raw = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBodyBytes) reject(tooLarge());
        else chunks.push(chunk);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
    if (raw.length === 0) return {};
    if (!/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      throw new HttpProblem('unsupported-media-type', 'Send the body as Content-Type: application/json.');
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new HttpProblem('invalid-json', 'The request body is not valid JSON.');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new HttpProblem('invalid-json', 'The request body must be a JSON object.');
    }
    return body as Record<string, unknown>;
  }

  function findConversation(id: string): Conversation {
    const conversation = conversations.get(id);
    if (!conversation) throw new HttpProblem('not-found', `No conversation ${id}.`);
    return conversation;
  }

  /** Checks `Authorization: Bearer <token>` against the stored hash and returns the token. */
  function authorize(req: IncomingMessage, conversation: Conversation): string {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (token === undefined || !tokenMatches(conversation, token)) {
      throw new HttpProblem('unauthorized', 'Send the conversation token as Authorization: Bearer <token>.');
    }
    return token;
  }

  function rejectIfClosed(conversation: Conversation): void {
    if (conversation.status === 'closed') {
      throw new HttpProblem('conversation-closed', 'This conversation is closed; start a new one.');
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Routing
  // ---------------------------------------------------------------------------------------------

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const [v1, collection, id, ...rest] = url.pathname.split('/').slice(1);
    const method = req.method ?? 'GET';
    const allow = (...methods: string[]) => {
      if (!methods.includes(method)) {
        throw new HttpProblem(
          'method-not-allowed',
          `Use ${methods.join(' or ')}.`,
          {},
          { Allow: methods.join(', ') },
        );
      }
    };
    if (v1 !== 'v1') throw new HttpProblem('not-found', 'Baton endpoints live under /v1.');
    if (collection === 'capabilities' && id === undefined) {
      allow('GET');
      return sendJson(res, 200, capabilities());
    }
    if (collection !== 'conversations') throw new HttpProblem('not-found', `No endpoint ${url.pathname}.`);
    if (id === undefined || id === '') {
      allow('POST');
      return createOrResume(req, res);
    }

    // Unknown conversation before bad token: a well-formed request for a missing id is a 404.
    const conversation = findConversation(id);
    const path = rest.join('/');
    const action = /^(turns|handoff)\/([^/]+)\/cancel$/.exec(path);
    const known = ['messages', 'events', 'typing', 'receipts', 'feedback', 'handoff', 'close'];
    if (!action && !known.includes(path)) throw new HttpProblem('not-found', `No endpoint ${url.pathname}.`);
    allow(...(path === 'messages' ? ['GET', 'POST'] : path === 'events' ? ['GET'] : ['POST']));
    authorize(req, conversation);

    if (action?.[1] === 'turns') return cancelTurn(res, conversation, action[2] ?? '');
    if (action?.[1] === 'handoff') return cancelHandoff(res, conversation, action[2] ?? '');
    switch (path) {
      case 'messages':
        return method === 'GET' ? history(res, conversation, url) : send(req, res, conversation);
      case 'events':
        return openStream(req, res, conversation, url);
      case 'typing':
        return typing(req, res, conversation);
      case 'receipts':
        return receipts(req, res, conversation);
      case 'feedback':
        return feedback(req, res, conversation);
      case 'handoff':
        return requestHandoff(req, res, conversation);
      case 'close':
        return close(res, conversation);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Endpoints
  // ---------------------------------------------------------------------------------------------

  function capabilities(): CapabilitiesResponse {
    return {
      protocol: 'baton',
      versions: [PROTOCOL_VERSION],
      features,
      limits: { maxBodyBytes, maxMessageChars, retentionEvents: 0 },
      heartbeatMs,
      identityVerification: secret ? 'optional' : 'off',
    };
  }

  /** `POST /v1/conversations`: a new conversation (201), or the same one again with its token (200). */
  async function createOrResume(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    const user = await verifyUser(body.user);
    if (body.conversationId !== undefined) {
      if (typeof body.conversationId !== 'string') {
        throw new HttpProblem('validation-failed', 'conversationId must be a string.');
      }
      const conversation = findConversation(body.conversationId);
      const token = authorize(req, conversation);
      return sendJson(res, 200, describe(conversation, token));
    }
    const { token, hash } = newToken();
    const conversation: Conversation = {
      id: uuidv7(),
      tokenHash: hash,
      status: 'open',
      control: 'bot',
      controlVersion: 1,
      user,
      createdAt: new Date().toISOString(),
      log: [],
      oldestSeq: 1,
      messages: new Map(),
      handoffs: new Map(),
      handoff: null,
      turns: new Map(),
      idempotency: new Map(),
      receipts: { read: 0, delivered: 0 },
      lateFeedback: [],
      listeners: new Set(),
      sendWindow: { startedAt: 0, count: 0 },
    };
    conversations.set(conversation.id, conversation);
    sendJson(res, 201, describe(conversation, token));
  }

  /** Verified identity: the site's backend signs the user id; a wrong signature is refused. */
  async function verifyUser(user: unknown): Promise<Conversation['user']> {
    if (user === undefined || user === null) return { id: null, verified: false };
    const { id, hash, name } = user as Record<string, unknown>;
    if (
      typeof user !== 'object' ||
      typeof id !== 'string' ||
      id === '' ||
      (hash !== undefined && typeof hash !== 'string')
    ) {
      throw new HttpProblem('validation-failed', 'user must be an object with a non-empty string id.');
    }
    const named = typeof name === 'string' ? { name } : {};
    if (hash === undefined || secret === undefined) return { id, verified: false, ...named };
    const expected = Buffer.from(await hmacSha256Hex(secret, id));
    const given = Buffer.from(hash.toLowerCase());
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new HttpProblem(
        'invalid-identity',
        'user.hash is not the HMAC-SHA256 of user.id; sign it on your server.',
      );
    }
    return { id, verified: true, ...named };
  }

  function describe(conversation: Conversation, token: string): CreateConversationResponse {
    return {
      conversationId: conversation.id,
      token,
      status: conversation.status,
      control: conversation.control,
      controlVersion: conversation.controlVersion,
      lastSeq: lastSeq(conversation),
      oldestSeq: conversation.oldestSeq,
      handoff: conversation.handoff,
      user: { id: conversation.user.id, verified: conversation.user.verified },
      features,
      createdAt: conversation.createdAt,
    };
  }

  /** `GET .../messages?after=&before=&limit=`. */
  function history(res: ServerResponse, conversation: Conversation, url: URL): void {
    const after = intParam(url, 'after');
    const before = intParam(url, 'before');
    const limit = Math.min(intParam(url, 'limit') ?? 50, 200);
    if (limit < 1) throw new HttpProblem('bad-request', 'limit must be at least 1.');
    const page = historyPage(conversation, { after, before, limit });
    const body: HistoryResponse = {
      ...page,
      lastSeq: lastSeq(conversation),
      oldestSeq: conversation.oldestSeq,
      handoff: conversation.handoff,
      status: conversation.status,
      control: conversation.control,
      controlVersion: conversation.controlVersion,
    };
    sendJson(res, 200, body);
  }

  /** `POST .../messages`: idempotent by `Idempotency-Key` (= clientMessageId). */
  async function send(req: IncomingMessage, res: ServerResponse, conversation: Conversation): Promise<void> {
    const headerKey = req.headers[HEADERS.idempotencyKey];
    if (Array.isArray(headerKey)) throw new HttpProblem('validation-failed', 'Send one Idempotency-Key.');
    if (headerKey !== undefined && conversation.idempotency.get(headerKey)?.state === 'in-flight') {
      throw new HttpProblem(
        'idempotency-in-flight',
        'This message is still being processed; retry in a moment.',
      );
    }
    // Reserve the key before reading the body: a retry that overtakes a slow first attempt gets 409.
    const reserved = headerKey !== undefined && !conversation.idempotency.has(headerKey);
    if (reserved) conversation.idempotency.set(headerKey, { state: 'in-flight' });
    try {
      const body = await readJson(req);
      const bodyKey = body.clientMessageId;
      if (bodyKey !== undefined && (typeof bodyKey !== 'string' || bodyKey === '')) {
        throw new HttpProblem('validation-failed', 'clientMessageId must be a non-empty string.');
      }
      const key = headerKey ?? bodyKey;
      if (key === undefined) {
        throw new HttpProblem('idempotency-key-required', 'Send Idempotency-Key (the clientMessageId).');
      }
      if (bodyKey !== undefined && bodyKey !== key) {
        throw new HttpProblem('validation-failed', 'Idempotency-Key and clientMessageId must be equal.');
      }

      const fingerprint = JSON.stringify([body.text, body.attachments ?? []]);
      const previous = conversation.idempotency.get(key);
      if (previous?.state === 'done') {
        if (previous.fingerprint !== fingerprint) {
          throw new HttpProblem(
            'idempotency-key-reused',
            `Key ${key} was already used for a different message.`,
          );
        }
        return sendJson(res, previous.status, previous.body, { 'Idempotent-Replayed': 'true' });
      }
      if (previous?.state === 'in-flight' && !reserved) {
        throw new HttpProblem(
          'idempotency-in-flight',
          'This message is still being processed; retry in a moment.',
        );
      }

      rejectIfClosed(conversation);
      const text = body.text;
      if (typeof text !== 'string' || text.trim() === '') {
        throw new HttpProblem('validation-failed', 'text must be a non-empty string.');
      }
      if (text.length > maxMessageChars) {
        throw new HttpProblem('payload-too-large', `Messages are limited to ${maxMessageChars} characters.`);
      }
      if (
        body.attachments !== undefined &&
        !(Array.isArray(body.attachments) && body.attachments.length === 0)
      ) {
        throw new HttpProblem('validation-failed', 'This backend accepts no attachments.');
      }
      checkRateLimit(conversation);

      // One turn at a time: the answer being streamed stops before the next question is stored.
      const current = streamingTurn(conversation);
      if (current) finishTurn(conversation, current, 'cancelled');
      const created = append(conversation, 'message.created', {
        id: uuidv7(),
        clientMessageId: key,
        role: 'user',
        author: {
          role: 'user',
          ...(conversation.user.id !== null && { id: conversation.user.id }),
          ...(conversation.user.name !== undefined && { name: conversation.user.name }),
        },
        text,
        createdAt: new Date().toISOString(),
      });
      const message = structuredClone(conversation.messages.get(created.data.id)!);
      // The bot answers only while it has control; during a handoff the message just waits for a human.
      const turnId = conversation.control === 'bot' ? startTurn(conversation, message, wordDelayMs).id : null;
      const result: SendMessageResponse = { message, turnId };
      conversation.idempotency.set(key, {
        state: 'done',
        fingerprint,
        status: 201,
        body: result,
        storedAt: Date.now(),
      });
      sendJson(res, 201, result);
    } finally {
      if (reserved && conversation.idempotency.get(headerKey)?.state === 'in-flight') {
        conversation.idempotency.delete(headerKey); // Failed before storing: let a corrected retry through.
      }
    }
  }

  function checkRateLimit(conversation: Conversation): void {
    if (sendsPerMinute <= 0) return;
    const now = Date.now();
    const window = conversation.sendWindow;
    if (now - window.startedAt >= 60_000) Object.assign(window, { startedAt: now, count: 0 });
    if (window.count >= sendsPerMinute) {
      const retryAfter = String(Math.ceil((window.startedAt + 60_000 - now) / 1000));
      throw new HttpProblem(
        'rate-limited',
        'Too many messages; wait a little.',
        {},
        { 'Retry-After': retryAfter },
      );
    }
    window.count += 1;
  }

  /**
   * `GET .../events`: `retry`, `hello`, the durable events after the cursor, then live events, with a
   * heartbeat comment whenever the stream has been quiet for `heartbeatMs`.
   */
  function openStream(req: IncomingMessage, res: ServerResponse, conversation: Conversation, url: URL): void {
    const lastEventId = req.headers[HEADERS.lastEventId];
    const rawCursor =
      typeof lastEventId === 'string' ? lastEventId.trim() : (url.searchParams.get('after') ?? '0');
    if (!/^\d+$/.test(rawCursor))
      throw new HttpProblem('bad-request', 'The cursor must be a non-negative integer.');
    const cursor = Number(rawCursor);
    const newest = lastSeq(conversation);
    if (conversation.status === 'closed' && cursor === newest) {
      throw new HttpProblem('conversation-closed', 'This conversation is closed and you have every event.');
    }

    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    req.socket.setNoDelay(true);
    let ended = false;
    // Re-armed on every write, so the comment only goes out when the stream was otherwise quiet.
    const heartbeat = setInterval(() => write(encodeSseComment('hb')), heartbeatMs);
    const write = (frame: string) => {
      res.write(frame);
      heartbeat.refresh();
    };
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      conversation.listeners.delete(listener);
      openStreams.delete(end);
      res.end();
    };
    // The client going away is not a cancel: the bot keeps writing to the log, a reconnect catches up.
    res.on('close', end);
    openStreams.add(end);

    const now = new Date().toISOString();
    write(`retry: ${DEFAULT_RETRY_MS}\n\n`);
    write(
      encodeEvent({
        type: 'hello',
        conversationId: conversation.id,
        ts: now,
        data: {
          protocol: PROTOCOL_VERSION,
          conversationId: conversation.id,
          resumeFrom: cursor,
          lastSeq: newest,
          oldestSeq: conversation.oldestSeq,
          heartbeatMs,
          features,
          serverTime: now,
        },
      }),
    );
    if (cursor > newest || cursor < conversation.oldestSeq - 1) {
      const reason = cursor > newest ? 'cursor_ahead' : 'retention';
      const data = { reason, oldestSeq: conversation.oldestSeq, lastSeq: newest } as const;
      write(encodeEvent({ type: 'sync.reset', conversationId: conversation.id, ts: now, data }));
      return end();
    }

    // Subscribe BEFORE reading the replay, and drop live events the replay already sent: nothing falls
    // in the gap and nothing is doubled. (Here the replay is synchronous; with a database it is not.)
    let sentUpTo = cursor;
    let buffered: BatonEvent[] | null = [];
    const deliver = (event: BatonEvent) => {
      if (ended) return;
      if ('seq' in event) {
        if (event.seq <= sentUpTo) return;
        sentUpTo = event.seq;
      }
      write(encodeEvent(event));
      if (event.type === 'conversation.updated' && event.data.status === 'closed') end();
    };
    function listener(event: BatonEvent) {
      if (buffered) buffered.push(event);
      else deliver(event);
    }
    conversation.listeners.add(listener);
    for (const event of eventsAfter(conversation, cursor)) deliver(event);
    const live = buffered;
    buffered = null;
    for (const event of live) deliver(event);
  }

  /** `POST .../turns/{turnId}/cancel`: stops the answer; the message keeps the text streamed so far. */
  function cancelTurn(res: ServerResponse, conversation: Conversation, turnId: string): void {
    const turn = conversation.turns.get(turnId);
    if (!turn) throw new HttpProblem('not-found', `No turn ${turnId} in this conversation.`);
    const result = turn.status === 'streaming' ? 'cancelled' : 'finished';
    finishTurn(conversation, turn, 'cancelled');
    sendJson(res, 200, { turnId, result });
  }

  /** `POST .../typing`: would be forwarded to a human agent; this example has none, so it only validates. */
  async function typing(
    req: IncomingMessage,
    res: ServerResponse,
    conversation: Conversation,
  ): Promise<void> {
    const body = await readJson(req);
    rejectIfClosed(conversation);
    if (typeof body.isTyping !== 'boolean')
      throw new HttpProblem('validation-failed', 'isTyping must be a boolean.');
    res.writeHead(204).end();
  }

  /** `POST .../receipts`: records the read (or delivered) watermark when it moves forward. */
  async function receipts(
    req: IncomingMessage,
    res: ServerResponse,
    conversation: Conversation,
  ): Promise<void> {
    const body = await readJson(req);
    rejectIfClosed(conversation);
    const kind = body.kind ?? 'read';
    const upToSeq = body.upToSeq;
    if (kind !== 'read' && kind !== 'delivered')
      throw new HttpProblem('validation-failed', 'kind is read or delivered.');
    if (typeof upToSeq !== 'number' || !Number.isInteger(upToSeq) || upToSeq < 0) {
      throw new HttpProblem('validation-failed', 'upToSeq must be a non-negative integer.');
    }
    if (upToSeq > lastSeq(conversation)) {
      throw new HttpProblem(
        'validation-failed',
        `upToSeq is past the newest event (${lastSeq(conversation)}).`,
      );
    }
    if (upToSeq > conversation.receipts[kind]) {
      conversation.receipts[kind] = upToSeq;
      append(conversation, 'receipt', { by: 'user', kind, upToSeq });
    }
    res.writeHead(204).end();
  }

  /** `POST .../feedback`: a thumb on a bot answer or a 1..5 satisfaction score. */
  async function feedback(
    req: IncomingMessage,
    res: ServerResponse,
    conversation: Conversation,
  ): Promise<void> {
    const body = await readJson(req);
    const { kind, messageId, value, comment } = body;
    const data: FeedbackRecordedData = { id: uuidv7(), kind: 'thumbs', value: 'up' };
    if (kind === 'thumbs') {
      const rated = typeof messageId === 'string' ? conversation.messages.get(messageId) : undefined;
      if (rated?.role !== 'bot')
        throw new HttpProblem('not-found', 'messageId must name a bot message here.');
      if (value !== 'up' && value !== 'down')
        throw new HttpProblem('validation-failed', 'value is up or down.');
      Object.assign(data, { kind, messageId, value });
    } else if (kind === 'csat') {
      if (value !== 1 && value !== 2 && value !== 3 && value !== 4 && value !== 5) {
        throw new HttpProblem('validation-failed', 'value is an integer from 1 to 5.');
      }
      Object.assign(data, { kind, value });
    } else {
      throw new HttpProblem('validation-failed', 'kind is thumbs or csat.');
    }
    if (comment !== undefined) {
      if (typeof comment !== 'string' || comment.length > maxMessageChars) {
        throw new HttpProblem(
          'validation-failed',
          `comment is a string of at most ${maxMessageChars} characters.`,
        );
      }
      data.comment = comment;
    }
    // CSAT often comes after the chat ended: it is kept, but a closed log gets no more events.
    if (conversation.status === 'closed') conversation.lateFeedback.push(data);
    else append(conversation, 'feedback.recorded', data);
    sendJson(res, 201, { feedback: data });
  }

  /**
   * Applies a handoff action: appends the new snapshot, then the control it implies. The bot's turn,
   * if any, must already be finished: the bot never writes once control has left it.
   */
  function applyHandoff(conversation: Conversation, action: HandoffAction): HandoffSnapshot {
    const result = transitionHandoff(conversation.handoff, action);
    if (!result.ok) throw new Error(`handoff bug: ${result.message}`);
    const snapshot = result.snapshot;
    conversation.handoff = snapshot;
    conversation.handoffs.set(snapshot.id, snapshot);
    append(conversation, 'handoff.updated', snapshot);
    conversation.control = controlForHandoff(snapshot);
    conversation.controlVersion += 1;
    append(conversation, 'conversation.updated', {
      status: conversation.status,
      control: conversation.control,
      controlVersion: conversation.controlVersion,
    });
    return snapshot;
  }

  function queueInfo(position: number, previous?: QueueInfo): QueueInfo {
    const { skill, language } = previous ?? {};
    return {
      position,
      estimatedWaitSeconds: position * SECONDS_PER_QUEUE_POSITION,
      ...(skill !== undefined && { skill }),
      ...(language !== undefined && { language }),
    };
  }

  /** Takes a conversation out of the queue; everyone behind it moves up (queued -> queued). */
  function leaveQueue(conversation: Conversation): void {
    const timer = conversation.handoff && handoffTimers.get(conversation.handoff.id);
    if (timer) clearTimeout(timer);
    const index = queue.indexOf(conversation);
    if (index === -1) return;
    queue.splice(index, 1);
    for (const [i, waiting] of queue.entries()) {
      if (i < index) continue;
      applyHandoff(waiting, {
        type: 'enqueue',
        queue: queueInfo(i + 1, waiting.handoff?.queue),
        at: new Date().toISOString(),
      });
    }
  }

  /** `POST .../handoff`: request a human. With no agents here it queues and waits (or times out). */
  async function requestHandoff(
    req: IncomingMessage,
    res: ServerResponse,
    conversation: Conversation,
  ): Promise<void> {
    const body = await readJson(req);
    rejectIfClosed(conversation);
    if (conversation.handoff && !isTerminalHandoff(conversation.handoff.state)) {
      return sendJson(res, 200, { handoff: conversation.handoff }); // A double tap is harmless.
    }
    const { reason = 'user_requested', note, skill, language } = body;
    if (!HANDOFF_REASONS.includes(reason as HandoffReason))
      throw new HttpProblem('validation-failed', 'Unknown reason.');
    for (const [name, value] of Object.entries({ note, skill, language })) {
      if (value !== undefined && (typeof value !== 'string' || value.length > maxMessageChars)) {
        throw new HttpProblem(
          'validation-failed',
          `${name} must be a string of at most ${maxMessageChars} characters.`,
        );
      }
    }

    const current = streamingTurn(conversation);
    if (current) finishTurn(conversation, current, 'handoff');
    applyHandoff(conversation, {
      type: 'request',
      id: uuidv7(),
      reason: reason as HandoffReason,
      requestedBy: 'user',
      ...(note !== undefined && { note: note as string }),
      at: new Date().toISOString(),
    });
    queue.push(conversation);
    const routing = {
      ...(skill !== undefined && { skill: skill as string }),
      ...(language !== undefined && { language: language as string }),
    };
    const snapshot = applyHandoff(conversation, {
      type: 'enqueue',
      queue: queueInfo(queue.length, { position: 0, ...routing }),
      at: new Date().toISOString(),
    });
    if (handoffTimeoutMs > 0) {
      const timer = setTimeout(() => {
        handoffTimers.delete(snapshot.id);
        if (conversation.handoff?.id !== snapshot.id || isTerminalHandoff(conversation.handoff.state)) return;
        leaveQueue(conversation);
        applyHandoff(conversation, {
          type: 'fail',
          failureReason: 'timeout',
          fallback: 'offline_form',
          at: new Date().toISOString(),
        });
      }, handoffTimeoutMs);
      handoffTimers.set(snapshot.id, timer);
    }
    sendJson(res, 201, { handoff: snapshot });
  }

  /** `POST .../handoff/{handoffId}/cancel`: the customer leaves the queue; the bot takes over again. */
  function cancelHandoff(res: ServerResponse, conversation: Conversation, handoffId: string): void {
    const handoff = conversation.handoffs.get(handoffId);
    if (!handoff) throw new HttpProblem('not-found', `No handoff ${handoffId} in this conversation.`);
    if (isTerminalHandoff(handoff.state)) {
      throw new HttpProblem('handoff-terminal', `The handoff is already ${handoff.state}.`, { handoff });
    }
    leaveQueue(conversation);
    sendJson(res, 200, {
      handoff: applyHandoff(conversation, { type: 'cancel', at: new Date().toISOString() }),
    });
  }

  /** `POST .../close`: ends the conversation; a second close changes nothing. */
  function close(res: ServerResponse, conversation: Conversation): void {
    if (conversation.status !== 'closed') {
      const turn = streamingTurn(conversation);
      if (turn) finishTurn(conversation, turn, 'cancelled');
      const handoff = conversation.handoff;
      if (handoff && !isTerminalHandoff(handoff.state)) {
        leaveQueue(conversation);
        const at = new Date().toISOString();
        applyHandoff(
          conversation,
          handoff.state === 'active' ? { type: 'end', outcome: 'abandoned', at } : { type: 'cancel', at },
        );
      }
      conversation.status = 'closed';
      append(conversation, 'conversation.updated', {
        status: 'closed',
        control: conversation.control,
        controlVersion: conversation.controlVersion,
      });
    }
    sendJson(res, 200, { status: 'closed', lastSeq: lastSeq(conversation) });
  }

  return {
    handler,
    conversations,
    close() {
      for (const end of [...openStreams]) end();
      for (const timer of handoffTimers.values()) clearTimeout(timer);
      handoffTimers.clear();
      for (const conversation of conversations.values()) {
        for (const turn of conversation.turns.values()) turn.abort.abort();
      }
    },
  };
}

/** Parses an optional non-negative integer query parameter; anything else is a 400. */
function intParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw)) throw new HttpProblem('bad-request', `${name} must be a non-negative integer.`);
  return Number(raw);
}

/**
 * Starts the backend on `node:http` and resolves once it listens. Port 0 picks a free port.
 *
 * @example
 * const { url, close } = await startBackend({ port: 8787 });
 */
export async function startBackend(options: StartOptions = {}): Promise<RunningBackend> {
  const backend = createBackend(options);
  const { serveExtra } = options;
  const server = createServer((req, res) => {
    if (!serveExtra?.(req, res)) backend.handler(req, res);
  });
  const host = options.host ?? '127.0.0.1';
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(options.port ?? 0);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    backend,
    async close() {
      backend.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Requests still in flight get a moment to finish; keep-alive sockets Node still counts as busy go then.
      const force = setTimeout(() => server.closeAllConnections(), 500);
      await closed;
      clearTimeout(force);
    },
    async restart(downMs = 0) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await listen(port);
    },
  };
}
