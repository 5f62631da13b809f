import { createHash, createHmac } from 'node:crypto';
import { request } from 'node:http';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readSseStream, validateStream } from '@baton-chat/protocol';
import type { BatonEvent, CreateConversationResponse, SseMessage } from '@baton-chat/protocol';
import { startBackend } from '../src/server.js';
import type { RunningBackend, StartOptions } from '../src/server.js';

const running: RunningBackend[] = [];

async function start(options: StartOptions = {}): Promise<RunningBackend> {
  const backend = await startBackend({ wordDelayMs: 5, ...options });
  running.push(backend);
  return backend;
}

after(async () => {
  await Promise.all(running.map((backend) => backend.close()));
});

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

async function create(base: string, body: unknown = {}): Promise<CreateConversationResponse> {
  const response = await post(`${base}/v1/conversations`, body);
  assert.equal(response.status, 201);
  return (await response.json()) as CreateConversationResponse;
}

const auth = (c: CreateConversationResponse) => ({ authorization: `Bearer ${c.token}` });
const conversationUrl = (base: string, c: CreateConversationResponse, path: string) =>
  `${base}/v1/conversations/${c.conversationId}/${path}`;

/** An open event stream: the real bytes, decoded by the protocol package's decoder. */
interface Stream {
  messages: SseMessage[];
  events: BatonEvent[];
  /** Reads until `done(events)` is true or the stream ends; fails after `ms`. */
  until(done: (events: BatonEvent[]) => boolean, ms?: number): Promise<BatonEvent[]>;
  /** Resolves true when the server ends the stream. */
  ended(ms?: number): Promise<boolean>;
  close(): void;
}

async function openStream(base: string, c: CreateConversationResponse, query = ''): Promise<Stream> {
  const controller = new AbortController();
  const response = await fetch(conversationUrl(base, c, `events${query}`), {
    headers: auth(c),
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const iterator = readSseStream(response.body!, { signal: controller.signal })[Symbol.asyncIterator]();
  const messages: SseMessage[] = [];
  const events: BatonEvent[] = [];
  let finished = false;
  async function read(ms: number, done: () => boolean): Promise<void> {
    const timer = setTimeout(() => controller.abort(new Error(`no matching event within ${ms} ms`)), ms);
    try {
      while (!finished && !done()) {
        const next = await iterator.next();
        if (next.done) finished = true;
        else {
          messages.push(next.value);
          events.push(JSON.parse(next.value.data) as BatonEvent);
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }
  return {
    messages,
    events,
    async until(done, ms = 3000) {
      await read(ms, () => done(events));
      return events;
    },
    async ended(ms = 3000) {
      await read(ms, () => false);
      return finished;
    },
    close: () => controller.abort(),
  };
}

const ofType = <T extends BatonEvent['type']>(events: BatonEvent[], type: T) =>
  events.filter((e): e is Extract<BatonEvent, { type: T }> => e.type === type);

describe('conversations and tokens', () => {
  let base: string;
  let backend: RunningBackend;
  before(async () => {
    backend = await start();
    base = backend.url;
  });

  test('the token is stored only as its SHA-256 hash', async () => {
    const c = await create(base);
    assert.match(c.token, /^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    const stored = backend.backend.conversations.get(c.conversationId);
    assert.ok(stored);
    assert.ok(stored.tokenHash.equals(createHash('sha256').update(c.token).digest()));
    assert.notEqual(stored.tokenHash.toString('base64url'), c.token);
    const everything = JSON.stringify(stored, (_key, value: unknown) =>
      value instanceof Map ? [...value] : value instanceof Set ? [...value] : value,
    );
    assert.equal(everything.includes(c.token), false);
  });

  test('a new conversation starts empty with the bot in control', async () => {
    const c = await create(base);
    assert.deepEqual(
      {
        status: c.status,
        control: c.control,
        controlVersion: c.controlVersion,
        lastSeq: c.lastSeq,
        oldestSeq: c.oldestSeq,
        handoff: c.handoff,
        user: c.user,
      },
      {
        status: 'open',
        control: 'bot',
        controlVersion: 1,
        lastSeq: 0,
        oldestSeq: 1,
        handoff: null,
        user: { id: null, verified: false },
      },
    );
  });

  test('resume needs the right token; an unknown id is 404 before the token is checked', async () => {
    const c = await create(base);
    const resumed = await post(`${base}/v1/conversations`, { conversationId: c.conversationId }, auth(c));
    assert.equal(resumed.status, 200);
    const body = (await resumed.json()) as CreateConversationResponse;
    assert.equal(body.conversationId, c.conversationId);
    assert.equal(body.token, c.token);

    const wrong = await post(
      `${base}/v1/conversations`,
      { conversationId: c.conversationId },
      {
        authorization: 'Bearer nope',
      },
    );
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('content-type'), 'application/problem+json');
    assert.equal(((await wrong.json()) as { code: string }).code, 'unauthorized');

    const history = await fetch(conversationUrl(base, c, 'messages'));
    assert.equal(history.status, 401);

    const unknown = await fetch(`${base}/v1/conversations/does-not-exist/messages`, { headers: auth(c) });
    assert.equal(unknown.status, 404);
    assert.deepEqual(await unknown.json(), {
      type: 'https://baton-chat.dev/problems/not-found',
      title: 'Not found',
      status: 404,
      code: 'not-found',
      detail: 'No conversation does-not-exist.',
    });
  });

  test('every response says Baton-Protocol 1.0; a 2.x client gets 400', async () => {
    const ok = await fetch(`${base}/v1/capabilities`, { headers: { 'baton-protocol': '1.3' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('baton-protocol'), '1.0');
    const wrong = await fetch(`${base}/v1/capabilities`, { headers: { 'baton-protocol': '2.0' } });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.headers.get('baton-protocol'), '1.0');
    assert.equal(((await wrong.json()) as { code: string }).code, 'bad-request');
  });

  test('oversized bodies and texts are 413, bad input 400/415', async () => {
    const c = await create(base);
    const send = (body: string, contentType = 'application/json') =>
      fetch(conversationUrl(base, c, 'messages'), {
        method: 'POST',
        headers: { ...auth(c), 'content-type': contentType, 'idempotency-key': crypto.randomUUID() },
        body,
      });
    const codes = async (response: Response) => [
      response.status,
      ((await response.json()) as { code: string }).code,
    ];
    assert.deepEqual(await codes(await send(JSON.stringify({ text: 'x'.repeat(17_000) }))), [
      413,
      'payload-too-large',
    ]);
    assert.deepEqual(await codes(await send(JSON.stringify({ text: 'x'.repeat(4001) }))), [
      413,
      'payload-too-large',
    ]);
    assert.deepEqual(await codes(await send(JSON.stringify({ text: ' \n ' }))), [400, 'validation-failed']);
    assert.deepEqual(await codes(await send('{"text":')), [400, 'invalid-json']);
    assert.deepEqual(await codes(await send('text=hi', 'text/plain')), [415, 'unsupported-media-type']);
  });
});

describe('CORS', () => {
  test('an allow-listed origin gets CORS headers; others get none and a 403 preflight', async () => {
    const { url } = await start({ allowedOrigins: ['https://shop.example'] });
    const allowed = await fetch(`${url}/v1/capabilities`, { headers: { origin: 'https://shop.example' } });
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://shop.example');
    assert.equal(allowed.headers.get('vary'), 'Origin');
    assert.equal(
      allowed.headers.get('access-control-expose-headers'),
      'Baton-Protocol, Retry-After, Idempotent-Replayed',
    );
    assert.equal(allowed.headers.get('access-control-allow-credentials'), null);

    const denied = await fetch(`${url}/v1/capabilities`, { headers: { origin: 'http://localhost:3000' } });
    assert.equal(denied.status, 200); // The server answers; the browser refuses to hand it over.
    assert.equal(denied.headers.get('access-control-allow-origin'), null);
    assert.equal(denied.headers.get('access-control-expose-headers'), null);

    const preflight = await fetch(`${url}/v1/conversations`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://shop.example');
    assert.equal(preflight.headers.get('access-control-allow-methods'), 'GET, POST, OPTIONS');
    assert.equal(
      preflight.headers.get('access-control-allow-headers'),
      'Authorization, Content-Type, Idempotency-Key, Last-Event-ID, Baton-Protocol',
    );
    assert.equal(preflight.headers.get('access-control-max-age'), '600');

    const deniedPreflight = await fetch(`${url}/v1/conversations`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(deniedPreflight.status, 403);
    assert.equal(deniedPreflight.headers.get('access-control-allow-origin'), null);
  });

  test('by default any http://localhost or http://127.0.0.1 port is allowed, nothing else', async () => {
    const { url } = await start();
    const origins = [
      'http://localhost:5173',
      'http://127.0.0.1:8080',
      'https://localhost:5173',
      'http://localhost.evil.example',
    ];
    const results = [];
    for (const origin of origins) {
      const response = await fetch(`${url}/v1/capabilities`, { headers: { origin } });
      results.push(response.headers.get('access-control-allow-origin'));
    }
    assert.deepEqual(results, ['http://localhost:5173', 'http://127.0.0.1:8080', null, null]);
  });
});

describe('verified identity', () => {
  const secret = 'site-secret';
  const sign = (id: string) => createHmac('sha256', secret).update(id).digest('hex');

  test('a right hash verifies, no hash stays anonymous-but-named, a wrong hash is 401', async () => {
    const { url } = await start({ identitySecret: secret });
    const caps = (await (await fetch(`${url}/v1/capabilities`)).json()) as {
      identityVerification: string;
      features: string[];
    };
    assert.equal(caps.identityVerification, 'optional');
    assert.ok(caps.features.includes('verified-identity'));

    const verified = await create(url, { user: { id: 'user-42', hash: sign('user-42') } });
    assert.deepEqual(verified.user, { id: 'user-42', verified: true });

    const unverified = await create(url, { user: { id: 'user-42' } });
    assert.deepEqual(unverified.user, { id: 'user-42', verified: false });

    const wrong = await post(`${url}/v1/conversations`, { user: { id: 'user-42', hash: sign('user-43') } });
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { code: string }).code, 'invalid-identity');
  });

  test('without a secret, hashes cannot be checked and nobody is verified', async () => {
    const { url } = await start();
    const c = await create(url, { user: { id: 'user-42', hash: sign('user-42') } });
    assert.deepEqual(c.user, { id: 'user-42', verified: false });
  });
});

describe('event stream', () => {
  test('the answer streams word by word after a progress event, and the stream is valid', async () => {
    const { url } = await start();
    const c = await create(url);
    const stream = await openStream(url, c);
    const sent = await post(
      conversationUrl(url, c, 'messages'),
      { clientMessageId: 'm-1', text: 'hello there' },
      auth(c),
    );
    assert.equal(sent.status, 201);
    const { turnId } = (await sent.json()) as { turnId: string };
    const events = await stream.until((e) => e.some((x) => x.type === 'message.completed'));
    stream.close();

    assert.deepEqual(
      events.map((e) => e.type),
      [
        'hello',
        'message.created',
        'message.started',
        'progress',
        'message.delta',
        'message.delta',
        'message.delta',
        'message.delta',
        'message.completed',
      ],
    );
    assert.deepEqual(
      ofType(events, 'message.delta').map((e) => [e.data.index, e.data.text]),
      [
        [0, 'You '],
        [1, 'said: '],
        [2, 'hello '],
        [3, 'there'],
      ],
    );
    const [started] = ofType(events, 'message.started');
    assert.equal(started?.data.turnId, turnId);
    const [completed] = ofType(events, 'message.completed');
    assert.deepEqual(
      {
        text: completed?.data.text,
        finishReason: completed?.data.finishReason,
        suggestions: completed?.data.suggestions,
      },
      {
        text: 'You said: hello there',
        finishReason: 'stop',
        suggestions: [{ label: 'Talk to a person', action: 'handoff' }],
      },
    );
    // Durable frames carry id = seq; ephemeral ones none.
    assert.deepEqual(
      stream.messages.map((m) => m.id),
      [undefined, '1', '2', undefined, '3', '4', '5', '6', '7'],
    );
    const result = validateStream(stream.messages);
    assert.deepEqual(result.issues, []);
  });

  test('heartbeat comments arrive when the stream is quiet', async () => {
    const { url } = await start({ heartbeatMs: 60 });
    const c = await create(url);
    const response = await fetch(conversationUrl(url, c, 'events'), { headers: auth(c) });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const startedAt = Date.now();
    let text = '';
    while ((text.match(/: hb\n\n/g) ?? []).length < 2) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const elapsed = Date.now() - startedAt;
    await reader.cancel();
    assert.match(text, /^retry: 3000\n\nevent: hello\ndata: \{[^\n]*\}\n\n: hb\n\n: hb\n\n$/);
    assert.ok(elapsed >= 100, `two heartbeats took only ${elapsed} ms`);
    const hello = JSON.parse(/data: (.*)\n/.exec(text)![1]!) as { data: { heartbeatMs: number } };
    assert.equal(hello.data.heartbeatMs, 60);
  });

  test('resume replays only what the client has not seen; a cursor ahead gets sync.reset', async () => {
    const { url } = await start({ wordDelayMs: 0 });
    const c = await create(url);
    await post(conversationUrl(url, c, 'messages'), { clientMessageId: 'm-1', text: 'one two' }, auth(c));
    const full = await openStream(url, c);
    await full.until((e) => e.some((x) => x.type === 'message.completed'));
    full.close();

    const resumed = await fetch(conversationUrl(url, c, 'events?after=1'), {
      headers: { ...auth(c), 'last-event-id': '4' },
    });
    const reader = resumed.body!.getReader();
    let text = '';
    while (!text.includes('message.completed')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    assert.deepEqual(
      [...text.matchAll(/^id: (\d+)$/gm)].map((m) => m[1]),
      ['5', '6', '7'],
    ); // Last-Event-ID wins

    const ahead = await openStream(url, c, '?after=99');
    assert.equal(await ahead.ended(), true);
    assert.deepEqual(
      ahead.events.map((e) => [e.type, e.type === 'sync.reset' ? e.data : null]),
      [
        ['hello', null],
        ['sync.reset', { reason: 'cursor_ahead', oldestSeq: 1, lastSeq: 7 }],
      ],
    );
  });

  test('closing the backend ends open streams', async () => {
    const backend = await startBackend({ wordDelayMs: 5 });
    const c = await create(backend.url);
    const stream = await openStream(backend.url, c);
    await stream.until((e) => e.length === 1);
    await backend.close();
    assert.equal(await stream.ended(1000), true);
    assert.deepEqual(
      stream.events.map((e) => e.type),
      ['hello'],
    );
  });
});

describe('sending', () => {
  test('idempotent send: replay with the original body, 422 for a different body, no new event', async () => {
    const { url, backend } = await start();
    const c = await create(url);
    const headers = { ...auth(c), 'idempotency-key': 'key-1' };
    const first = await post(conversationUrl(url, c, 'messages'), { text: 'hi' }, headers);
    assert.equal(first.status, 201);
    const firstBody = await first.text();

    const replay = await post(conversationUrl(url, c, 'messages'), { text: 'hi', extra: 'ignored' }, headers);
    assert.equal(replay.status, 201);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(await replay.text(), firstBody);

    const reused = await post(conversationUrl(url, c, 'messages'), { text: 'bye' }, headers);
    assert.equal(reused.status, 422);
    assert.equal(((await reused.json()) as { code: string }).code, 'idempotency-key-reused');
    assert.equal(
      backend.conversations.get(c.conversationId)!.log.filter((e) => e.type === 'message.created').length,
      1,
    );

    const mismatch = await post(
      conversationUrl(url, c, 'messages'),
      { clientMessageId: 'other', text: 'x' },
      {
        ...auth(c),
        'idempotency-key': 'key-2',
      },
    );
    assert.equal(mismatch.status, 400);
    const missing = await post(conversationUrl(url, c, 'messages'), { text: 'x' }, auth(c));
    assert.equal(((await missing.json()) as { code: string }).code, 'idempotency-key-required');
  });

  test('a second request with the key of a slow first one gets 409', async () => {
    const { url } = await start();
    const c = await create(url);
    const target = new URL(conversationUrl(url, c, 'messages'));
    // The first request sends its headers but holds back the body.
    const slow = request(target, {
      method: 'POST',
      headers: {
        ...auth(c),
        'content-type': 'application/json',
        'idempotency-key': 'k',
        'content-length': 13,
      },
    });
    slow.flushHeaders();
    const slowResponse = new Promise<number>((resolve) => slow.on('response', (r) => resolve(r.statusCode!)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await post(target.href, { text: 'hi' }, { ...auth(c), 'idempotency-key': 'k' });
    assert.equal(second.status, 409);
    assert.equal(((await second.json()) as { code: string }).code, 'idempotency-in-flight');
    slow.end('{"text":"hi"}');
    assert.equal(await slowResponse, 201);
  });

  test('stop: cancel keeps the words streamed so far; a new message cancels the running turn', async () => {
    const { url } = await start({ wordDelayMs: 80 });
    const c = await create(url);
    const stream = await openStream(url, c);
    const send = async (id: string, text: string) =>
      (await (
        await post(conversationUrl(url, c, 'messages'), { clientMessageId: id, text }, auth(c))
      ).json()) as {
        turnId: string;
      };

    const { turnId } = await send('m-1', 'a b c d e f g h');
    await stream.until((e) => ofType(e, 'message.delta').length === 2);
    const cancel = await post(conversationUrl(url, c, `turns/${turnId}/cancel`), {}, auth(c));
    assert.deepEqual(await cancel.json(), { turnId, result: 'cancelled' });
    const again = await post(conversationUrl(url, c, `turns/${turnId}/cancel`), {}, auth(c));
    assert.deepEqual(await again.json(), { turnId, result: 'finished' });
    const [completed] = ofType(
      await stream.until((e) => ofType(e, 'message.completed').length === 1),
      'message.completed',
    );
    assert.deepEqual([completed?.data.text, completed?.data.finishReason], ['You said: ', 'cancelled']);

    await send('m-2', 'one two three four five');
    await stream.until((e) => ofType(e, 'message.delta').length === 3);
    const second = await send('m-3', 'six');
    const events = await stream.until((e) => ofType(e, 'message.completed').length === 3);
    const completions = ofType(events, 'message.completed');
    assert.deepEqual(
      completions.slice(1).map((e) => [e.data.text, e.data.finishReason]),
      [
        ['You ', 'cancelled'],
        ['You said: six', 'stop'],
      ],
    );
    const order = events
      .filter((e) => e.type === 'message.completed' || e.type === 'message.created')
      .map((e) => e.type);
    assert.deepEqual(order, [
      'message.created',
      'message.completed',
      'message.created',
      'message.completed',
      'message.created',
      'message.completed',
    ]);
    assert.ok(second.turnId);
    stream.close();
  });

  test('history pages by seq and shows a streaming message with its text so far', async () => {
    const { url } = await start({ wordDelayMs: 40 });
    const c = await create(url);
    const stream = await openStream(url, c);
    await post(
      conversationUrl(url, c, 'messages'),
      { clientMessageId: 'm-1', text: 'alpha beta gamma' },
      auth(c),
    );
    await stream.until((e) => ofType(e, 'message.delta').length === 2);
    const mid = (await (
      await fetch(conversationUrl(url, c, 'messages?after=0'), { headers: auth(c) })
    ).json()) as {
      messages: { seq: number; role: string; status: string; text: string; nextDeltaIndex?: number }[];
      lastSeq: number;
      hasMore: boolean;
    };
    assert.deepEqual(
      mid.messages.map((m) => [m.seq, m.role, m.status, m.text, m.nextDeltaIndex]),
      [
        [1, 'user', 'complete', 'alpha beta gamma', undefined],
        [2, 'bot', 'streaming', 'You said: ', 2],
      ],
    );
    assert.equal(mid.lastSeq, 4);
    await stream.until((e) => e.some((x) => x.type === 'message.completed'));
    stream.close();
    const page = async (query: string) => {
      const body = (await (
        await fetch(conversationUrl(url, c, `messages?${query}`), { headers: auth(c) })
      ).json()) as {
        messages: { seq: number }[];
        hasMore: boolean;
      };
      return [body.messages.map((m) => m.seq), body.hasMore];
    };
    assert.deepEqual(await page('after=0&limit=1'), [[1], true]);
    assert.deepEqual(await page('after=1&limit=1'), [[2], false]);
    assert.deepEqual(await page('before=3&limit=1'), [[2], true]);
    assert.deepEqual(await page('before=2'), [[1], false]);
    assert.deepEqual(await page('limit=5000'), [[1, 2], false]);
  });
});

describe('handoff and close', () => {
  test('a queued handoff times out: failed, reason timeout, fallback offline_form, bot back in control', async () => {
    const { url } = await start({ handoffTimeoutMs: 80 });
    const c = await create(url);
    const stream = await openStream(url, c);
    const response = await post(conversationUrl(url, c, 'handoff'), { note: 'charged twice' }, auth(c));
    assert.equal(response.status, 201);
    const { handoff } = (await response.json()) as {
      handoff: { id: string; state: string; version: number; queue: unknown };
    };
    assert.deepEqual(
      [handoff.state, handoff.version, handoff.queue],
      ['queued', 2, { position: 1, estimatedWaitSeconds: 120 }],
    );

    const events = await stream.until((e) => ofType(e, 'conversation.updated').length === 3);
    stream.close();
    assert.deepEqual(
      ofType(events, 'handoff.updated').map((e) => [
        e.data.state,
        e.data.version,
        e.data.failureReason,
        e.data.fallback,
      ]),
      [
        ['requested', 1, undefined, undefined],
        ['queued', 2, undefined, undefined],
        ['failed', 3, 'timeout', 'offline_form'],
      ],
    );
    assert.deepEqual(
      ofType(events, 'conversation.updated').map((e) => [e.data.control, e.data.controlVersion]),
      [
        ['none', 2],
        ['none', 3],
        ['bot', 4],
      ],
    );
    const cancel = await post(conversationUrl(url, c, `handoff/${handoff.id}/cancel`), {}, auth(c));
    assert.equal(cancel.status, 409);
    const problem = (await cancel.json()) as { code: string; handoff: { state: string } };
    assert.deepEqual([problem.code, problem.handoff.state], ['handoff-terminal', 'failed']);
  });

  test('leaving the queue moves the people behind up; the bot answers again after a cancel', async () => {
    const { url } = await start();
    const [a, b] = [await create(url), await create(url)];
    const handoffA = (await (await post(conversationUrl(url, a, 'handoff'), {}, auth(a))).json()) as {
      handoff: { id: string };
    };
    const handoffB = (await (await post(conversationUrl(url, b, 'handoff'), {}, auth(b))).json()) as {
      handoff: { id: string; queue: { position: number } };
    };
    assert.equal(handoffB.handoff.queue.position, 2);
    const again = await post(conversationUrl(url, b, 'handoff'), {}, auth(b));
    assert.equal(again.status, 200); // a double tap returns the same handoff

    const whileQueued = await post(
      conversationUrl(url, b, 'messages'),
      { clientMessageId: 'q', text: 'hello?' },
      auth(b),
    );
    assert.equal(((await whileQueued.json()) as { turnId: unknown }).turnId, null);

    const cancelled = await post(
      conversationUrl(url, a, `handoff/${handoffA.handoff.id}/cancel`),
      {},
      auth(a),
    );
    assert.equal(((await cancelled.json()) as { handoff: { state: string } }).handoff.state, 'cancelled');
    const history = (await (
      await fetch(conversationUrl(url, b, 'messages'), { headers: auth(b) })
    ).json()) as {
      handoff: { state: string; version: number; queue: { position: number; estimatedWaitSeconds: number } };
    };
    assert.deepEqual(
      [history.handoff.state, history.handoff.version, history.handoff.queue],
      ['queued', 3, { position: 1, estimatedWaitSeconds: 120 }],
    );

    const afterCancel = await post(
      conversationUrl(url, a, 'messages'),
      { clientMessageId: 'x', text: 'back' },
      auth(a),
    );
    assert.equal(typeof ((await afterCancel.json()) as { turnId: unknown }).turnId, 'string');
  });

  test('close cancels the handoff, ends the stream, then 410 for sends and for a caught-up stream', async () => {
    const { url, backend } = await start();
    const c = await create(url);
    await post(conversationUrl(url, c, 'handoff'), {}, auth(c));
    const stream = await openStream(url, c);
    const closed = await post(conversationUrl(url, c, 'close'), {}, auth(c));
    assert.deepEqual(await closed.json(), { status: 'closed', lastSeq: 7 });
    assert.equal(await stream.ended(), true);
    assert.deepEqual(
      stream.events.slice(-3).map((e) => [e.type, 'seq' in e ? e.seq : null]),
      [
        ['handoff.updated', 5],
        ['conversation.updated', 6],
        ['conversation.updated', 7],
      ],
    );
    const second = await post(conversationUrl(url, c, 'close'), {}, auth(c));
    assert.deepEqual([second.status, await second.json()], [200, { status: 'closed', lastSeq: 7 }]);
    const send = await post(
      conversationUrl(url, c, 'messages'),
      { clientMessageId: 'late', text: 'hi' },
      auth(c),
    );
    assert.equal(send.status, 410);
    const caughtUp = await fetch(conversationUrl(url, c, 'events?after=7'), { headers: auth(c) });
    assert.equal(caughtUp.status, 410);
    const behind = await openStream(url, c, '?after=5');
    assert.equal(await behind.ended(), true);
    assert.deepEqual(
      behind.messages.map((m) => m.id),
      [undefined, '6', '7'],
    );
    const ahead = await openStream(url, c, '?after=9');
    assert.equal(await ahead.ended(), true);
    assert.deepEqual(
      ahead.events.map((e) => e.type),
      ['hello', 'sync.reset'],
    );
    const csat = await post(conversationUrl(url, c, 'feedback'), { kind: 'csat', value: 4 }, auth(c));
    assert.equal(csat.status, 201, 'CSAT after close is accepted');
    assert.equal(backend.conversations.get(c.conversationId)?.lateFeedback.length, 1);
    const history = await fetch(conversationUrl(url, c, 'messages'), { headers: auth(c) });
    assert.equal(((await history.json()) as { lastSeq: number }).lastSeq, 7, 'no event after close');
  });

  test('receipts advance a watermark; feedback needs a bot message', async () => {
    const { url, backend } = await start({ wordDelayMs: 0 });
    const c = await create(url);
    const stream = await openStream(url, c);
    await post(conversationUrl(url, c, 'messages'), { clientMessageId: 'm', text: 'hi' }, auth(c));
    const events = await stream.until((e) => e.some((x) => x.type === 'message.completed'));
    stream.close();
    const botId = ofType(events, 'message.started')[0]!.data.id;
    const statuses = [];
    for (const upToSeq of [3, 3, 2, 99]) {
      statuses.push((await post(conversationUrl(url, c, 'receipts'), { upToSeq }, auth(c))).status);
    }
    assert.deepEqual(statuses, [204, 204, 204, 400]);
    const log = backend.conversations.get(c.conversationId)!.log;
    assert.deepEqual(
      log.filter((e) => e.type === 'receipt').map((e) => e.data),
      [{ by: 'user', kind: 'read', upToSeq: 3 }],
    );

    const thumbs = await post(
      conversationUrl(url, c, 'feedback'),
      { kind: 'thumbs', messageId: botId, value: 'up' },
      auth(c),
    );
    assert.equal(thumbs.status, 201);
    const userId = ofType(events, 'message.created')[0]!.data.id;
    const onUser = await post(
      conversationUrl(url, c, 'feedback'),
      { kind: 'thumbs', messageId: userId, value: 'up' },
      auth(c),
    );
    assert.equal(onUser.status, 404);
    const csat = await post(conversationUrl(url, c, 'feedback'), { kind: 'csat', value: 6 }, auth(c));
    assert.equal(csat.status, 400);
  });
});
