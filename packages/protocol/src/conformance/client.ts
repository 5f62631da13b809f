import { HEADERS, PROBLEM_CONTENT_TYPE, PROTOCOL_VERSION } from '../constants.js';
import { isDurableEventType, responseProblem, type ResponseKind } from '../guards.js';
import { readSseStream } from '../sse-decoder.js';
import type {
  BatonEvent,
  CapabilitiesResponse,
  CreateConversationResponse,
  DurableEvent,
  ProblemCode,
  SendMessageResponse,
} from '../types.js';
import {
  createStreamValidator,
  type StreamFrame,
  type StreamValidatorOptions,
  type ValidationResult,
} from '../validator.js';

/** Thrown by a scenario when the server does not behave as the protocol requires. */
export class ConformanceFailure extends Error {
  override readonly name = 'ConformanceFailure';
}

/** Fails the scenario with `message` unless `condition` holds. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ConformanceFailure(message);
}

/** Fails unless `actual` deep-equals `expected` (key order ignored). */
export function checkEqual(actual: unknown, expected: unknown, what: string): void {
  if (!deepEqual(actual, expected)) {
    throw new ConformanceFailure(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

/** Structural equality of JSON values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** A response read in full. */
export interface ApiResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or undefined when the body is empty or not JSON. */
  body: unknown;
  text: string;
}

/** A conversation created for a scenario. */
export interface TestConversation extends CreateConversationResponse {
  /** Shortcut for `conversationId`. */
  id: string;
}

/** Options of one request. */
export interface RequestOptions {
  token?: string | null;
  /** JSON-serialized unless `raw` is set. */
  body?: unknown;
  /** Sent as is (for malformed or oversize bodies). */
  raw?: string;
  headers?: Record<string, string>;
}

/** A live event stream being recorded. */
export interface RecordedStream {
  readonly status: number;
  readonly headers: Headers;
  readonly frames: readonly StreamFrame[];
  /** Parsed envelopes of every frame that carried JSON, in order. */
  readonly events: readonly BatonEvent[];
  /** Whether the server ended the response. */
  readonly ended: boolean;
  /** Resolves with the first event (already received or future) that matches, or fails after the timeout. */
  waitFor<E extends BatonEvent>(
    what: string,
    predicate: (event: BatonEvent) => event is E,
    timeoutMs?: number,
  ): Promise<E>;
  waitFor(what: string, predicate: (event: BatonEvent) => boolean, timeoutMs?: number): Promise<BatonEvent>;
  /** Resolves when the server ends the response, or fails after the timeout. */
  waitForEnd(timeoutMs?: number): Promise<void>;
  /** The durable events received so far. */
  durable(): DurableEvent[];
  /** Runs the stream validator over every frame received so far. */
  validate(options?: StreamValidatorOptions): ValidationResult;
  /** Aborts the request (this is not a cancel of anything on the server). */
  close(): void;
}

/** The HTTP side of the conformance kit: a thin client for the v1 endpoints. */
export class ConformanceClient {
  readonly #base: string;
  readonly #timeoutMs: number;
  readonly #streams = new Set<RecordedStream>();
  #counter = 0;

  constructor(baseUrl: string, timeoutMs: number) {
    this.#base = baseUrl.replace(/\/+$/, '');
    this.#timeoutMs = timeoutMs;
  }

  /** Default wait for one expected thing, in milliseconds. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** A fresh id that no server has seen, in UUID form. */
  newId(): string {
    return globalThis.crypto.randomUUID();
  }

  /** Sends one request to `path` (relative to the base URL) and reads the whole body. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { [HEADERS.protocol]: PROTOCOL_VERSION, ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.raw !== undefined || options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = options.raw ?? JSON.stringify(options.body);
    }
    const res = await fetch(this.#base + path, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  /** Requests, then fails unless the status matches and the body has the given shape. */
  async expect<T = unknown>(
    method: string,
    path: string,
    status: number,
    kind: ResponseKind,
    options?: RequestOptions,
  ): Promise<T & {}> {
    const res = await this.request(method, path, options);
    check(
      res.status === status,
      `${method} ${path}: expected ${status}, got ${res.status} ${res.text.slice(0, 200)}`,
    );
    const problem = responseProblem(kind, res.body);
    check(problem === null, `${method} ${path}: body is not a valid ${kind} response (${problem})`);
    return res.body as T & {};
  }

  /** Requests, then fails unless the answer is the given problem+json. */
  async expectProblem(
    method: string,
    path: string,
    status: number,
    code: ProblemCode,
    options?: RequestOptions,
  ): Promise<ApiResponse> {
    const res = await this.request(method, path, options);
    check(
      res.status === status,
      `${method} ${path}: expected ${status} ${code}, got ${res.status} ${res.text.slice(0, 200)}`,
    );
    const type = res.headers.get('content-type') ?? '';
    check(
      type.startsWith(PROBLEM_CONTENT_TYPE),
      `${method} ${path}: content-type ${type}, expected ${PROBLEM_CONTENT_TYPE}`,
    );
    const problem = responseProblem('problem', res.body);
    check(problem === null, `${method} ${path}: not a valid problem body (${problem})`);
    checkEqual((res.body as { code: string }).code, code, `${method} ${path} problem code`);
    checkEqual((res.body as { status: number }).status, status, `${method} ${path} problem status`);
    return res;
  }

  /** `GET /v1/capabilities`. */
  capabilities(): Promise<CapabilitiesResponse> {
    return this.expect('GET', '/v1/capabilities', 200, 'capabilities');
  }

  /** Creates a conversation for a scenario. */
  async createConversation(body: Record<string, unknown> = {}): Promise<TestConversation> {
    const created = await this.expect<CreateConversationResponse>(
      'POST',
      '/v1/conversations',
      201,
      'createConversation',
      {
        body: { locale: 'en', session: { pageUrl: 'https://shop.example/conformance' }, ...body },
      },
    );
    return { ...created, id: created.conversationId };
  }

  /** Sends a user message with a fresh (or the given) idempotency key and expects 201. */
  async send(
    conversation: TestConversation,
    text: string,
    key = this.newId(),
  ): Promise<SendMessageResponse & { key: string }> {
    const sent = await this.expect<SendMessageResponse>(
      'POST',
      `/v1/conversations/${conversation.id}/messages`,
      201,
      'sendMessage',
      {
        token: conversation.token,
        body: { clientMessageId: key, text },
        headers: { [HEADERS.idempotencyKey]: key },
      },
    );
    return { ...sent, key };
  }

  /** A user message long enough that its echo streams for a while. */
  longText(words = 80): string {
    this.#counter++;
    return Array.from({ length: words }, (_, i) => `word${this.#counter}-${i}`).join(' ');
  }

  /** Opens `GET .../events` and records everything it carries until closed. */
  async openStream(
    conversation: Pick<TestConversation, 'id' | 'token'>,
    cursor: { lastEventId?: string | number; after?: string | number } = {},
    token: string | null = conversation.token,
  ): Promise<RecordedStream> {
    const controller = new AbortController();
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      [HEADERS.protocol]: PROTOCOL_VERSION,
    };
    if (token) headers.authorization = `Bearer ${token}`;
    if (cursor.lastEventId !== undefined) headers[HEADERS.lastEventId] = String(cursor.lastEventId);
    const query = cursor.after === undefined ? '' : `?after=${encodeURIComponent(String(cursor.after))}`;
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
    let res: Response;
    try {
      res = await fetch(`${this.#base}/v1/conversations/${conversation.id}/events${query}`, {
        headers,
        signal: controller.signal,
      });
    } finally {
      clearTimeout(timer);
    }
    const stream = recordStream(res, controller, this.#timeoutMs);
    this.#streams.add(stream);
    return stream;
  }

  /** Every durable event of a conversation from seq 1 through `lastSeq`, read from a fresh stream. */
  async transcript(conversation: TestConversation, lastSeq: number): Promise<DurableEvent[]> {
    const stream = await this.openStream(conversation, { after: 0 });
    try {
      if (lastSeq > 0) await stream.waitFor(`event seq ${lastSeq}`, (e) => 'seq' in e && e.seq >= lastSeq);
      return stream.durable().filter((e) => e.seq <= lastSeq);
    } finally {
      stream.close();
    }
  }

  /** Closes every stream this client opened. */
  closeAll(): void {
    for (const stream of this.#streams) stream.close();
    this.#streams.clear();
  }
}

function recordStream(res: Response, controller: AbortController, defaultTimeout: number): RecordedStream {
  const frames: StreamFrame[] = [];
  const events: BatonEvent[] = [];
  const waiters = new Set<() => void>();
  let ended = !res.ok || !res.body;
  let failure: unknown;

  const notify = (): void => {
    for (const waiter of waiters) waiter();
  };

  if (res.ok && res.body) {
    void (async () => {
      try {
        for await (const message of readSseStream(res.body!, { signal: controller.signal })) {
          frames.push({ event: message.event, data: message.data, id: message.id });
          try {
            events.push(JSON.parse(message.data) as BatonEvent);
          } catch {
            // The validator reports unparsable data; the recording keeps going.
          }
          notify();
        }
      } catch (error) {
        if (!controller.signal.aborted) failure = error;
      } finally {
        ended = true;
        notify();
      }
    })();
  } else {
    void res.body?.cancel().catch(() => undefined);
  }

  const waitUntil = <T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const attempt = (): boolean => {
        const found = probe();
        if (found !== undefined) {
          cleanup();
          resolve(found);
          return true;
        }
        if (ended) {
          cleanup();
          const why = failure instanceof Error ? ` (${failure.message})` : '';
          reject(new ConformanceFailure(`stream ended before ${what}${why}; got ${describe(events)}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new ConformanceFailure(
            `timed out after ${timeoutMs} ms waiting for ${what}; got ${describe(events)}`,
          ),
        );
      }, timeoutMs);
      const waiter = (): void => void attempt();
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(waiter);
      };
      if (!attempt()) waiters.add(waiter);
    });

  return {
    status: res.status,
    headers: res.headers,
    frames,
    events,
    get ended() {
      return ended;
    },
    waitFor: ((what: string, predicate: (event: BatonEvent) => boolean, timeoutMs = defaultTimeout) =>
      waitUntil(what, () => events.find(predicate), timeoutMs)) as RecordedStream['waitFor'],
    async waitForEnd(timeoutMs = defaultTimeout) {
      await new Promise<void>((resolve, reject) => {
        if (ended) return resolve();
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new ConformanceFailure(
              `timed out after ${timeoutMs} ms waiting for the server to end the stream`,
            ),
          );
        }, timeoutMs);
        const waiter = (): void => {
          if (!ended) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve();
        };
        waiters.add(waiter);
      });
    },
    durable() {
      return events.filter((e): e is DurableEvent => isDurableEventType(e.type) && 'seq' in e);
    },
    validate(options) {
      const validator = createStreamValidator(options);
      for (const frame of frames) validator.push(frame);
      return validator.end();
    },
    close() {
      controller.abort();
    },
  };
}

/** A short summary of received events for failure messages. */
function describe(events: readonly BatonEvent[]): string {
  if (events.length === 0) return 'no events';
  const tail = events.slice(-8).map((e) => ('seq' in e ? `${e.type}#${e.seq}` : e.type));
  return `${events.length} events (... ${tail.join(', ')})`;
}

/** Formats validator errors for a failure message. */
export function validationSummary(result: ValidationResult): string {
  return result.issues
    .filter((i) => i.severity === 'error')
    .slice(0, 5)
    .map((i) => `${i.rule} at frame ${i.frame}: ${i.message}`)
    .join('; ');
}
