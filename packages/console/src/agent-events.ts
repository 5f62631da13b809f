import { readSseStream } from '@baton-chat/protocol';
import { AgentApiError, type AgentApi } from './agent-api.js';
import type { AgentStreamEvent } from '@baton-chat/protocol/agent';

/** State of the console's live connection. */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

/** Settings of {@link connectAgentEvents}. */
export interface AgentEventsOptions {
  api: AgentApi;
  /** Called for every event, `hello` first after each (re)connect. */
  onEvent: (event: AgentStreamEvent) => void;
  /** Called when the connection state changes. */
  onStatus?: (status: LiveStatus) => void;
  /** Called once when the server says the session is gone (401); the stream then stops. */
  onUnauthorized?: () => void;
  /** Silence (no event, no heartbeat) after which the stream is reopened, in ms. Default 45 000. */
  watchdogMs?: number;
  /** Longest wait between reconnection attempts, in ms. Default 30 000. */
  maxBackoffMs?: number;
  /** Stops the stream for good. */
  signal?: AbortSignal;
}

const EVENT_TYPES = new Set(['hello', 'work', 'agents', 'conversation']);

/**
 * Keeps the agent event stream open: reads it with fetch and the protocol's SSE reader, reopens it
 * with full-jitter exponential backoff (0.5 s doubling up to `maxBackoffMs`) when it drops or goes
 * silent, and stops on 401 or when `signal` aborts. The stream has no cursor: every `hello` carries
 * the whole state, so a consumer re-reads open transcripts after a reconnect.
 *
 * @example
 * ```ts
 * const stop = new AbortController();
 * connectAgentEvents({ api, signal: stop.signal, onEvent: (e) => console.log(e.type) });
 * ```
 */
export function connectAgentEvents(options: AgentEventsOptions): void {
  const { api, onEvent, signal } = options;
  const watchdogMs = options.watchdogMs ?? 45_000;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  let attempt = 0;
  let status: LiveStatus | undefined;
  const setStatus = (next: LiveStatus) => {
    if (next === status) return;
    status = next;
    options.onStatus?.(next);
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });

  async function once(): Promise<void> {
    const abort = new AbortController();
    const stop = () => abort.abort();
    signal?.addEventListener('abort', stop, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const feed = () => {
      clearTimeout(timer);
      timer = setTimeout(stop, watchdogMs);
    };
    try {
      feed();
      const res = await api.events(abort.signal);
      for await (const message of readSseStream(res.body!, { signal: abort.signal, onComment: feed })) {
        feed();
        if (!EVENT_TYPES.has(message.event)) continue;
        let data: unknown;
        try {
          data = JSON.parse(message.data);
        } catch {
          continue;
        }
        if (message.event === 'hello') {
          attempt = 0;
          setStatus('live');
        }
        try {
          onEvent({ type: message.event, data } as AgentStreamEvent);
        } catch (error) {
          // A consumer's bug must not tear the stream down.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
    }
  }

  void (async () => {
    setStatus('connecting');
    while (!signal?.aborted) {
      try {
        await once();
      } catch (error) {
        if (error instanceof AgentApiError && error.status === 401) {
          setStatus('closed');
          options.onUnauthorized?.();
          return;
        }
      }
      if (signal?.aborted) break;
      setStatus('reconnecting');
      const ceiling = Math.min(maxBackoffMs, 500 * 2 ** attempt);
      attempt = Math.min(attempt + 1, 16);
      await sleep(Math.random() * ceiling);
    }
    setStatus('closed');
  })();
}
