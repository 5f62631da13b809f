import { readSseStream, uuidv7 } from '@baton-chat/protocol';
import type {
  BatonEvent,
  CreateConversationResponse,
  DurableEvent,
  HistoryResponse,
  SendMessageResponse,
} from '@baton-chat/protocol';

/** A conversation as the tests hold it. */
export interface TestConversation {
  id: string;
  token: string;
}

/** A JSON request against a server; returns status, headers and the parsed body. */
export async function call(
  url: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read many JSON shapes
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url + path, {
    method,
    headers,
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

export async function createConversation(url: string): Promise<TestConversation> {
  const res = await call(url, 'POST', '/v1/conversations', { body: {} });
  if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
  const body = res.body as CreateConversationResponse;
  return { id: body.conversationId, token: body.token };
}

export async function send(url: string, c: TestConversation, text: string): Promise<SendMessageResponse> {
  const key = uuidv7();
  const res = await call(url, 'POST', `/v1/conversations/${c.id}/messages`, {
    token: c.token,
    body: { clientMessageId: key, text },
    headers: { 'idempotency-key': key },
  });
  if (res.status !== 201) throw new Error(`send: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as SendMessageResponse;
}

export async function history(url: string, c: TestConversation, query = ''): Promise<HistoryResponse> {
  const res = await call(url, 'GET', `/v1/conversations/${c.id}/messages${query}`, { token: c.token });
  if (res.status !== 200) throw new Error(`history: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as HistoryResponse;
}

/** An open event stream that records every event it receives. */
export interface TestStream {
  events: BatonEvent[];
  /** Durable events only, in arrival order. */
  durable(): DurableEvent[];
  /** Resolves with the first recorded event matching `match`, waiting up to `timeoutMs`. */
  waitFor(match: (e: BatonEvent) => boolean, timeoutMs?: number): Promise<BatonEvent>;
  /** Resolves when the server ends the stream (or the connection breaks). */
  ended: Promise<void>;
  close(): void;
}

export async function openStream(
  url: string,
  c: TestConversation,
  options: { lastEventId?: number; after?: number } = {},
): Promise<TestStream> {
  const abort = new AbortController();
  const headers: Record<string, string> = { authorization: `Bearer ${c.token}`, accept: 'text/event-stream' };
  if (options.lastEventId !== undefined) headers['last-event-id'] = String(options.lastEventId);
  const query = options.after !== undefined ? `?after=${options.after}` : '';
  const res = await fetch(`${url}/v1/conversations/${c.id}/events${query}`, {
    headers,
    signal: abort.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`events: ${res.status} ${await res.text()}`);
  const events: BatonEvent[] = [];
  const waiters = new Set<() => void>();
  const ended = (async () => {
    try {
      for await (const message of readSseStream(res.body!, { signal: abort.signal })) {
        events.push(JSON.parse(message.data) as BatonEvent);
        for (const w of [...waiters]) w();
      }
    } catch {
      // Closed by the test or the server.
    }
    for (const w of [...waiters]) w();
  })();
  let done = false;
  void ended.then(() => (done = true));
  return {
    events,
    durable: () => events.filter((e): e is DurableEvent => 'seq' in e),
    ended,
    close: () => abort.abort(),
    waitFor(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          } else if (done) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(
              new Error(
                `stream ended without the awaited event; got ${events.map((e) => e.type).join(', ')}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out; got ${events.map((e) => e.type).join(', ')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/** Sleeps `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
