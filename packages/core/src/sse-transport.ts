import {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_RETRY_MS,
  PROTOCOL_VERSION,
  createSseDecoder,
} from '@baton-chat/protocol';
import type { SseMessage } from '@baton-chat/protocol';
import { BatonError, rethrow } from './errors.js';

// The event stream is read here and nowhere else. ADR 0013 records why this file implements the fetch
// loop itself on top of the protocol package's spec-exact decoder instead of wrapping
// @microsoft/fetch-event-source: that library throws ReferenceErrors in Node and web workers, and every
// part of it (retry loop, Last-Event-ID, visibility handling, parser) had to be overridden anyway.

/** Time source and timers, injectable so tests can run the reconnect loop on a fake clock. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock (`Date.now`, `setTimeout`). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Where the stream stands: `connecting` (first attempt), `open` (after `hello`), `reconnecting`, `offline`, `closed`. */
export type TransportStatus = 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed';

/** The smallest event-target shape the transport listens on for `online`, `pageshow` and `visibilitychange`. */
export interface EventSourceLike {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/** Options of {@link createSseTransport}. */
export interface SseTransportOptions {
  /** The event stream URL (`.../v1/conversations/{id}/events`); `after=<cursor>` is added per attempt. */
  url: string;
  /** The cursor to resume from: the highest seq the caller has applied (and persisted). Read per attempt. */
  getCursor(): number;
  /** Called with every dispatched SSE message, in order. Exceptions are reported, never break the stream. */
  onMessage(message: SseMessage): void;
  /** Called when the status changes. */
  onStatus?(status: TransportStatus): void;
  /** Called once when the transport stops for good: `undefined` after `stop()`, else why (204/404/410/4xx). */
  onStop?(error: BatonError | undefined): void;
  /**
   * Called on 401: refresh identity or token, then resolve `true` to retry at once (once per 401 in a
   * row) or `false` to stop. Without it, a 401 stops the stream.
   */
  onUnauthorized?(): boolean | Promise<boolean>;
  /** Extra request headers per attempt, such as `authorization`. */
  headers?(): Record<string, string>;
  /** Default: `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Default: {@link systemClock}. */
  clock?: Clock;
  /** Random source in [0, 1) for full-jitter backoff; default `Math.random`. */
  random?: () => number;
  /** Heartbeat interval assumed before `hello` says otherwise; the watchdog fires after twice this. Default 15000. */
  heartbeatMs?: number;
  /** Backoff cap in milliseconds. Default 30000. */
  maxDelayMs?: number;
  /** Window-like target for `online` and `pageshow`; default `globalThis` when it has `addEventListener`. */
  window?: EventSourceLike | null;
  /** Document-like target for `visibilitychange`; default `globalThis.document` when present. */
  document?: (EventSourceLike & { visibilityState?: string }) | null;
}

/** A running event stream; see {@link createSseTransport}. */
export interface SseTransport {
  /** Starts the connect loop (no-op when running). */
  start(): void;
  /** Stops for good: aborts the request, clears timers and listeners, reports `closed`. */
  stop(): void;
  /**
   * Drops the current connection or backoff wait and connects again at once with the current cursor.
   * With `serverBack` (another request just reached the server), only a wait after the server was
   * unreachable is cut short, and the backoff keeps growing if it fails again; an open stream, and one
   * the server refused with an HTTP error (a 5xx storm), are left alone.
   */
  reconnect(serverBack?: boolean): void;
  /** The current status. */
  readonly status: TransportStatus;
}

const parseRetryAfter = (value: string | null, now: number): number => {
  if (!value) return 0;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? 0 : Math.max(0, date - now);
};

/** Reads a problem body's `code`, if the response has one. */
export async function problemCode(response: Response): Promise<string | undefined> {
  try {
    const body: unknown = await response.json();
    const code = (body as { code?: unknown } | null)?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

const report = rethrow;

/**
 * Opens the conversation's event stream and keeps it open: the one place Baton reads SSE.
 *
 * Each attempt sends the caller's applied cursor (`getCursor()`) as `Last-Event-ID` and `?after=`, so a
 * block cut mid-way is never counted. The body goes through the protocol's WHATWG-exact decoder (BOM,
 * CR/LF/CRLF, bare `data`, comments). Reconnects use full-jitter backoff `random * min(cap, base * 2^n)`,
 * `base` from the last `retry:` (3000 ms by default), reset by `hello`; 429, 408 and 5xx wait `Retry-After` first;
 * 204, 404, 410 and other 4xx stop; 401 asks `onUnauthorized`. A watchdog reconnects when nothing
 * (event or comment) arrived for 2 x `heartbeatMs` (from `hello`). `online`, `pageshow` and a visible
 * `visibilitychange` reconnect at once when waiting, or when the stream has been silent longer than one
 * heartbeat (mobile browsers drop streams in the background silently). Hidden tabs keep their stream.
 *
 * @example
 * const transport = createSseTransport({
 *   url: `${server}/v1/conversations/${id}/events`,
 *   headers: () => ({ authorization: `Bearer ${token}` }),
 *   getCursor: () => state.cursor,
 *   onMessage: (message) => apply(JSON.parse(message.data)),
 * });
 * transport.start();
 */
export function createSseTransport(options: SseTransportOptions): SseTransport {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const maxDelay = options.maxDelayMs ?? 30_000;
  const g = globalThis as unknown as {
    addEventListener?: unknown;
    document?: EventSourceLike & { visibilityState?: string };
    navigator?: { onLine?: boolean };
  };
  const win =
    options.window === undefined
      ? typeof g.addEventListener === 'function'
        ? (globalThis as unknown as EventSourceLike)
        : null
      : options.window;
  const doc = options.document === undefined ? (g.document ?? null) : options.document;

  let status: TransportStatus = 'closed';
  let running = false;
  let heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  let baseMs = DEFAULT_RETRY_MS;
  let attempt = 0;
  let lastActivity = 0;
  let connected = false;
  let controller: AbortController | undefined;
  let watchdog: unknown;
  let wake: (() => void) | undefined;
  let immediate = false;
  // The last attempt broke without an HTTP answer: the server was unreachable.
  let unreachable = false;

  const setStatus = (next: TransportStatus): void => {
    if (next === status) return;
    status = next;
    try {
      options.onStatus?.(next);
    } catch (error) {
      report(error);
    }
  };

  const armWatchdog = (): void => {
    clock.clearTimeout(watchdog);
    const idle = clock.now() - lastActivity;
    const limit = 2 * heartbeatMs;
    watchdog = clock.setTimeout(
      () => {
        if (clock.now() - lastActivity >= limit)
          controller?.abort(new BatonError('watchdog', 'The event stream went silent; reconnecting.'));
        else armWatchdog();
      },
      Math.max(0, limit - idle),
    );
  };

  // reconnect() does nothing once stopped.
  const catchUp = (): void => {
    if (doc?.visibilityState === 'hidden') return;
    if (!connected || clock.now() - lastActivity > heartbeatMs) reconnect();
  };
  const onOnline = (): void => reconnect();

  function reconnect(serverBack?: boolean): void {
    if (!running || (serverBack && !(wake && unreachable))) return;
    if (!serverBack) attempt = 0;
    immediate = true;
    controller?.abort(new BatonError('reconnect', 'Reconnecting.'));
    wake?.();
  }

  async function connectOnce(): Promise<{ stop?: BatonError; waitMs?: number }> {
    const ctrl = new AbortController();
    controller = ctrl;
    const cursor = options.getCursor();
    // A string, not a URL object: `server` may be relative to the page (`/`, `''`).
    const url = `${options.url}?after=${cursor}`;
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      'baton-protocol': PROTOCOL_VERSION,
      ...options.headers?.(),
    };
    if (cursor > 0) headers['last-event-id'] = String(cursor);
    lastActivity = clock.now();
    armWatchdog();
    const fetchFn = options.fetch ?? globalThis.fetch;
    const response = await fetchFn(url, {
      headers,
      signal: ctrl.signal,
      credentials: 'omit',
      cache: 'no-store',
    });
    lastActivity = clock.now();
    const type = response.headers.get('content-type') ?? '';
    if (response.status === 200 && type.startsWith('text/event-stream') && response.body) {
      await read(response.body, ctrl);
      return {};
    }
    const retryAfter = parseRetryAfter(response.headers.get('retry-after'), clock.now());
    const code = (await problemCode(response)) ?? 'http';
    const s = response.status;
    if (s === 401) {
      return {
        stop: new BatonError(
          code,
          'The conversation token was refused (401): refresh the identity and start a new conversation.',
          { status: s },
        ),
      };
    }
    // Retried (a stream that ended with 200, too); a Retry-After on 429, 408 or any 5xx sets the wait's floor.
    if (s >= 500 || s === 429 || s === 408 || s === 200) return { waitMs: retryAfter };
    return {
      stop: new BatonError(
        s === 204 ? 'stopped' : code,
        s === 410
          ? 'The conversation is closed: its history stays readable; start a new conversation to write.'
          : s === 404
            ? 'The conversation no longer exists on the server: start a new conversation.'
            : `The event stream was refused with HTTP ${s}: the server asked the client to stop.`,
        { status: s },
      ),
    };
  }

  async function read(body: ReadableStream<Uint8Array>, ctrl: AbortController): Promise<void> {
    const touch = (): void => {
      lastActivity = clock.now();
    };
    const decoder = createSseDecoder({
      onComment: touch,
      onRetry: (ms) => {
        baseMs = ms;
      },
    });
    const reader = body.getReader();
    const onAbort = (): void => {
      reader.cancel().catch(() => {});
    };
    ctrl.signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (ctrl.signal.aborted) throw ctrl.signal.reason;
        if (done) return;
        touch();
        for (const message of decoder.push(value)) {
          if (ctrl.signal.aborted || !running) return;
          if (message.event === 'hello') {
            try {
              const hb = (JSON.parse(message.data) as { data?: { heartbeatMs?: unknown } }).data?.heartbeatMs;
              if (typeof hb === 'number' && hb > 0) heartbeatMs = hb;
            } catch {
              // A malformed hello still counts as the stream being open; the client drops the event.
            }
            attempt = 0;
            connected = true;
            setStatus('open');
            armWatchdog();
          }
          try {
            options.onMessage(message);
          } catch (error) {
            report(error);
          }
        }
      }
    } finally {
      ctrl.signal.removeEventListener('abort', onAbort);
      // Whatever the decoder still holds is an unfinished block: dropped, as the spec requires.
      decoder.end();
      reader.releaseLock();
    }
  }

  async function loop(): Promise<void> {
    let unauthorizedRetried = false;
    while (running) {
      let outcome: { stop?: BatonError; waitMs?: number } = {};
      immediate = false;
      unreachable = true;
      try {
        outcome = await connectOnce();
        unreachable = false;
      } catch {
        // Network error, cut body, watchdog or reconnect(): retry below.
      }
      clock.clearTimeout(watchdog);
      connected = false;
      controller = undefined;
      if (!running) break;
      if (outcome.stop) {
        if (outcome.stop.status === 401 && options.onUnauthorized && !unauthorizedRetried) {
          unauthorizedRetried = true;
          let retry = false;
          try {
            retry = await options.onUnauthorized();
          } catch (error) {
            report(error);
          }
          if (retry && running) continue;
        }
        finish(outcome.stop);
        break;
      }
      unauthorizedRetried = false;
      if (immediate) {
        immediate = false;
        continue;
      }
      const offline = g.navigator?.onLine === false;
      setStatus(offline ? 'offline' : 'reconnecting');
      const ceiling = offline ? maxDelay : Math.min(maxDelay, baseMs * 2 ** attempt);
      attempt++;
      const delay = Math.max(outcome.waitMs ?? 0, offline ? ceiling : random() * ceiling);
      await new Promise<void>((resolve) => {
        const timer = clock.setTimeout(() => resolve(), delay);
        wake = () => {
          clock.clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  function finish(error: BatonError | undefined): void {
    if (!running) return;
    running = false;
    controller?.abort(new BatonError('closed', 'The stream was stopped.'));
    clock.clearTimeout(watchdog);
    wake?.();
    win?.removeEventListener('online', onOnline);
    win?.removeEventListener('pageshow', catchUp);
    doc?.removeEventListener('visibilitychange', catchUp);
    setStatus('closed');
    try {
      options.onStop?.(error);
    } catch (e) {
      report(e);
    }
  }

  return {
    get status() {
      return status;
    },
    start() {
      if (running) return;
      running = true;
      attempt = 0;
      win?.addEventListener('online', onOnline);
      win?.addEventListener('pageshow', catchUp);
      doc?.addEventListener('visibilitychange', catchUp);
      setStatus('connecting');
      void loop();
    },
    stop() {
      finish(undefined);
    },
    reconnect,
  };
}
