import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serve } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { readSseStream, uuidv7 } from '@baton-chat/protocol';
import type {
  ErrorEventData,
  HandoffSnapshot,
  HistoryResponse,
  MessageCompletedData,
} from '@baton-chat/protocol';
import {
  createBatonServer,
  createEchoBot,
  openStorage,
  openStore,
  startServer,
  type BatonServer,
  type Bot,
  type RunningServer,
  type StartServerOptions,
} from '@baton-chat/server';
import { call, createConversation, history, openStream, send, sleep } from './helpers.js';

const ORIGIN = 'https://shop.example';
const base: StartServerOptions = {
  port: 0,
  dataDir: 'memory://',
  bot: createEchoBot({ wordDelayMs: 5 }),
  allowedOrigins: [ORIGIN],
  rateLimits: { conversationsPerIp: { perMinute: 0 }, commandsPerConversation: { perMinute: 0 } },
  queueUpdateIntervalMs: 0,
};

async function withServer(
  options: Partial<StartServerOptions>,
  fn: (s: RunningServer) => Promise<void>,
): Promise<void> {
  const running = await startServer({ ...base, ...options });
  try {
    await fn(running);
  } finally {
    await running.close();
  }
}

describe('HTTP rules of the reference server', () => {
  let s: RunningServer;
  before(async () => {
    s = await startServer(base);
  });
  after(async () => {
    await s.close();
  });

  it('answers an allowed origin with CORS headers and a disallowed one with none (403 on preflight)', async () => {
    const ok = await fetch(`${s.url}/v1/capabilities`, { headers: { origin: ORIGIN } });
    assert.equal(ok.headers.get('access-control-allow-origin'), ORIGIN);
    assert.equal(
      ok.headers.get('access-control-expose-headers'),
      'Baton-Protocol, Retry-After, Idempotent-Replayed',
    );
    assert.match(ok.headers.get('vary') ?? '', /Origin/);
    assert.equal(ok.headers.get('baton-protocol'), '1.0');
    assert.equal(ok.headers.get('access-control-allow-credentials'), null);
    const pre = await fetch(`${s.url}/v1/conversations`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-methods'), 'GET, POST, OPTIONS');
    assert.equal(
      pre.headers.get('access-control-allow-headers'),
      'Authorization, Content-Type, Idempotency-Key, Last-Event-ID, Baton-Protocol',
    );
    assert.equal(pre.headers.get('access-control-max-age'), '600');
    assert.equal(pre.headers.get('baton-protocol'), '1.0');
    const evil = await fetch(`${s.url}/v1/conversations`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    assert.equal((await evil.json()).code, 'forbidden');
    const plain = await fetch(`${s.url}/v1/capabilities`, { headers: { origin: 'https://evil.example' } });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get('access-control-allow-origin'), null);
  });

  it('answers routing and version errors with problem+json in the order of section 5.4', async () => {
    const unknown = await fetch(`${s.url}/v2/nothing`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('content-type'), 'application/problem+json');
    assert.deepEqual(await unknown.json(), {
      type: 'https://baton-chat.dev/problems/not-found',
      title: 'Not found',
      status: 404,
      code: 'not-found',
      detail: 'No such endpoint; Baton endpoints live under /v1.',
    });
    const wrongMethod = await call(s.url, 'DELETE', '/v1/capabilities');
    assert.deepEqual(
      [wrongMethod.status, wrongMethod.body.code, wrongMethod.headers.get('allow')],
      [405, 'method-not-allowed', 'GET'],
    );
    const v2 = await call(s.url, 'GET', '/v1/capabilities', { headers: { 'baton-protocol': '2.0' } });
    assert.deepEqual([v2.status, v2.body.code], [400, 'bad-request']);
    const garbage = await call(s.url, 'GET', '/v1/capabilities', { headers: { 'baton-protocol': 'one' } });
    assert.equal(garbage.status, 400);
    const newerMinor = await call(s.url, 'GET', '/v1/capabilities', { headers: { 'baton-protocol': '1.7' } });
    assert.deepEqual([newerMinor.status, newerMinor.headers.get('baton-protocol')], [200, '1.0']);
    // Unknown conversation is 404 before the token is looked at; a wrong token on a known one is 401.
    const missing = await call(s.url, 'GET', '/v1/conversations/cv_nope/messages');
    assert.equal(missing.status, 404);
    const c = await createConversation(s.url);
    const noToken = await call(s.url, 'GET', `/v1/conversations/${c.id}/messages`);
    assert.deepEqual(
      [noToken.status, noToken.body.code, noToken.headers.get('www-authenticate')],
      [401, 'unauthorized', 'Bearer'],
    );
    const query = await call(s.url, 'GET', `/v1/conversations/${c.id}/messages?token=${c.token}`);
    assert.equal(query.status, 401);
    // The same once this instance knows the conversation (a send checks the token it remembers).
    await send(s.url, c, 'first');
    const other = await createConversation(s.url);
    for (const token of [undefined, other.token, `${c.token}x`]) {
      const key = uuidv7();
      const res = await call(s.url, 'POST', `/v1/conversations/${c.id}/messages`, {
        ...(token !== undefined && { token }),
        body: { clientMessageId: key, text: 'not yours' },
        headers: { 'idempotency-key': key },
      });
      assert.deepEqual([res.status, res.body.code], [401, 'unauthorized']);
    }
    const texts = (await history(s.url, c)).messages.filter((m) => m.role === 'user').map((m) => m.text);
    assert.deepEqual(texts, ['first']);
  });

  it('validates history cursors and limits', async () => {
    const c = await createConversation(s.url);
    for (const q of ['?after=-1', '?before=x', '?limit=0', '?after=1&before=3', '?limit=1.5']) {
      const res = await call(s.url, 'GET', `/v1/conversations/${c.id}/messages${q}`, { token: c.token });
      assert.deepEqual([q, res.status, res.body.code], [q, 400, 'bad-request']);
    }
    const clamped = await call(s.url, 'GET', `/v1/conversations/${c.id}/messages?limit=5000`, {
      token: c.token,
    });
    assert.equal(clamped.status, 200);
  });

  it('sends idempotently: replay with the header, 422 for a changed text, key rules', async () => {
    const c = await createConversation(s.url);
    const key = uuidv7();
    const path = `/v1/conversations/${c.id}/messages`;
    const first = await call(s.url, 'POST', path, {
      token: c.token,
      body: { clientMessageId: key, text: 'hello' },
      headers: { 'idempotency-key': key },
    });
    assert.equal(first.status, 201);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const again = await call(s.url, 'POST', path, {
      token: c.token,
      body: { clientMessageId: key, text: 'hello', metadata: { x: 1 } },
    });
    assert.deepEqual([again.status, again.headers.get('idempotent-replayed')], [201, 'true']);
    assert.deepEqual(again.body, first.body);
    const changed = await call(s.url, 'POST', path, {
      token: c.token,
      body: { clientMessageId: key, text: 'hello!' },
    });
    assert.deepEqual([changed.status, changed.body.code], [422, 'idempotency-key-reused']);
    const none = await call(s.url, 'POST', path, { token: c.token, body: { text: 'x' } });
    assert.deepEqual([none.status, none.body.code], [400, 'idempotency-key-required']);
    const differ = await call(s.url, 'POST', path, {
      token: c.token,
      body: { clientMessageId: uuidv7(), text: 'x' },
      headers: { 'idempotency-key': uuidv7() },
    });
    assert.deepEqual([differ.status, differ.body.code], [400, 'validation-failed']);
    const notUuid = await call(s.url, 'POST', path, {
      token: c.token,
      body: { clientMessageId: 'abc', text: 'x' },
    });
    assert.deepEqual([notUuid.status, notUuid.body.code], [400, 'validation-failed']);
    const attachments = await call(s.url, 'POST', path, {
      token: c.token,
      body: { clientMessageId: uuidv7(), text: 'x', attachments: [{ id: 'a' }] },
    });
    assert.deepEqual([attachments.status, attachments.body.code], [400, 'validation-failed']);
    const h = await history(s.url, c);
    assert.equal(h.messages.filter((m) => m.role === 'user').length, 1);
  });

  it('caps bodies streamed without Content-Length (413) and refuses other media types (415)', async () => {
    const c = await createConversation(s.url);
    const chunk = new TextEncoder().encode('x'.repeat(16_384));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(`${s.url}/v1/conversations/${c.id}/typing`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 413);
    assert.equal((await res.json()).code, 'payload-too-large');
    const text = await fetch(`${s.url}/v1/conversations/${c.id}/typing`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.token}`, 'content-type': 'text/plain' },
      body: '{"isTyping":true}',
    });
    assert.equal(text.status, 415);
    const array = await call(s.url, 'POST', `/v1/conversations/${c.id}/typing`, {
      token: c.token,
      body: [1],
    });
    assert.deepEqual([array.status, array.body.code], [400, 'invalid-json']);
  });

  it('queues handoffs across conversations with positions and estimates, and moves the queue up', async () => {
    const one = await createConversation(s.url);
    const two = await createConversation(s.url);
    const ask = (c: typeof one) =>
      call(s.url, 'POST', `/v1/conversations/${c.id}/handoff`, {
        token: c.token,
        body: { skill: 'billing-test' },
      });
    const h1 = (await ask(one)).body.handoff as HandoffSnapshot;
    const streamTwo = await openStream(s.url, two);
    const res2 = await ask(two);
    assert.equal(res2.status, 201);
    const h2 = res2.body.handoff as HandoffSnapshot;
    assert.deepEqual(
      [h1.state, h1.version, h1.queue],
      ['queued', 2, { position: 1, estimatedWaitSeconds: 120, skill: 'billing-test' }],
    );
    assert.deepEqual([h2.state, h2.queue?.position, h2.queue?.estimatedWaitSeconds], ['queued', 2, 240]);
    const cancel = await call(s.url, 'POST', `/v1/conversations/${one.id}/handoff/${h1.id}/cancel`, {
      token: one.token,
      body: {},
    });
    assert.deepEqual(
      [cancel.status, cancel.body.handoff.state, cancel.body.handoff.version],
      [200, 'cancelled', 3],
    );
    const moved = await streamTwo.waitFor((e) => e.type === 'handoff.updated' && e.data.version === 3);
    streamTwo.close();
    assert.deepEqual((moved.data as HandoffSnapshot).queue, {
      position: 1,
      estimatedWaitSeconds: 120,
      skill: 'billing-test',
    });
    const resumed = await call(s.url, 'POST', '/v1/conversations', {
      token: two.token,
      body: { conversationId: two.id },
    });
    assert.deepEqual(
      [resumed.body.control, resumed.body.controlVersion, resumed.body.handoff.version],
      ['none', 4, 3],
    );
  });

  it('after close: writes are 410, feedback is stored without an event, a caught-up stream is 410', async () => {
    const c = await createConversation(s.url);
    const stream = await openStream(s.url, c);
    await send(s.url, c, 'hi');
    const done = await stream.waitFor((e) => e.type === 'message.completed');
    const closed = await call(s.url, 'POST', `/v1/conversations/${c.id}/close`, { token: c.token, body: {} });
    await stream.ended;
    const last = stream.durable().at(-1)!;
    assert.deepEqual(
      [last.type, (last.data as { status: string }).status, closed.body],
      ['conversation.updated', 'closed', { status: 'closed', lastSeq: last.seq }],
    );
    const again = await call(s.url, 'POST', `/v1/conversations/${c.id}/close`, { token: c.token, body: {} });
    assert.deepEqual(again.body, { status: 'closed', lastSeq: last.seq });
    const key = uuidv7();
    const write = await call(s.url, 'POST', `/v1/conversations/${c.id}/messages`, {
      token: c.token,
      body: { clientMessageId: key, text: 'more' },
    });
    assert.deepEqual([write.status, write.body.code], [410, 'conversation-closed']);
    const fb = await call(s.url, 'POST', `/v1/conversations/${c.id}/feedback`, {
      token: c.token,
      body: { kind: 'thumbs', messageId: (done.data as MessageCompletedData).id, value: 'up' },
    });
    assert.equal(fb.status, 201);
    assert.equal((await history(s.url, c)).lastSeq, last.seq);
    const late = await fetch(`${s.url}/v1/conversations/${c.id}/events`, {
      headers: { authorization: `Bearer ${c.token}`, 'last-event-id': String(last.seq) },
    });
    assert.deepEqual([late.status, (await late.json()).code], [410, 'conversation-closed']);
  });
});

describe('limits, identity, retention and failing bots', () => {
  it('rate-limits commands per conversation and creation per IP with 429 and Retry-After', async () => {
    await withServer(
      {
        rateLimits: {
          conversationsPerIp: { perMinute: 60, burst: 2 },
          commandsPerConversation: { perMinute: 30, burst: 2 },
        },
      },
      async (s) => {
        const c = await createConversation(s.url);
        await createConversation(s.url);
        const third = await call(s.url, 'POST', '/v1/conversations', { body: {} });
        assert.deepEqual(
          [third.status, third.body.code, third.headers.get('retry-after')],
          [429, 'rate-limited', '1'],
        );
        const typing = () =>
          call(s.url, 'POST', `/v1/conversations/${c.id}/typing`, {
            token: c.token,
            body: { isTyping: true },
          });
        assert.equal((await typing()).status, 204);
        assert.equal((await typing()).status, 204);
        const limited = await typing();
        assert.deepEqual([limited.status, limited.headers.get('retry-after')], [429, '2']);
      },
    );
  });

  it('spaces queue-position updates of one handoff by queueUpdateIntervalMs', async () => {
    await withServer({ queueUpdateIntervalMs: 1000 }, async (s) => {
      const one = await createConversation(s.url);
      const two = await createConversation(s.url);
      const ask = (c: typeof one) =>
        call(s.url, 'POST', `/v1/conversations/${c.id}/handoff`, {
          token: c.token,
          body: { skill: 'spaced' },
        });
      const h1 = (await ask(one)).body.handoff as HandoffSnapshot;
      const h2 = (await ask(two)).body.handoff as HandoffSnapshot;
      assert.equal(h2.queue?.position, 2);
      const stream = await openStream(s.url, two);
      await call(s.url, 'POST', `/v1/conversations/${one.id}/handoff/${h1.id}/cancel`, {
        token: one.token,
        body: {},
      });
      await sleep(300);
      assert.deepEqual(
        stream.events.filter((e) => e.type === 'handoff.updated' && e.data.version === 3),
        [],
      );
      const moved = await stream.waitFor((e) => e.type === 'handoff.updated' && e.data.version === 3, 3000);
      stream.close();
      assert.equal((moved.data as HandoffSnapshot).queue?.position, 1);
      assert.ok(Date.parse((moved.data as HandoffSnapshot).updatedAt) - Date.parse(h2.updatedAt) >= 1000);
    });
  });

  it('verifies identities with the HMAC of the user id (spec test vector)', async () => {
    await withServer({ identitySecret: 'site-secret-example' }, async (s) => {
      const caps = await call(s.url, 'GET', '/v1/capabilities');
      assert.equal(caps.body.identityVerification, 'optional');
      assert.ok(caps.body.features.includes('verified-identity'));
      const hash = '5abae1bf6d191ac14a9b5626f9eee467a361cb93ed3eeb7b789fe8cc13ee06d5';
      const ok = await call(s.url, 'POST', '/v1/conversations', {
        body: { user: { id: 'user-42', hash: hash.toUpperCase() } },
      });
      assert.deepEqual([ok.status, ok.body.user], [201, { id: 'user-42', verified: true }]);
      const bad = await call(s.url, 'POST', '/v1/conversations', { body: { user: { id: 'user-43', hash } } });
      assert.deepEqual([bad.status, bad.body.code], [401, 'invalid-identity']);
      const other = await call(s.url, 'POST', '/v1/conversations', {
        token: ok.body.token,
        body: { conversationId: ok.body.conversationId, user: { id: 'user-7' } },
      });
      assert.deepEqual([other.status, other.body.code], [403, 'forbidden']);
      const anon = await call(s.url, 'POST', '/v1/conversations', { body: {} });
      const attach = await call(s.url, 'POST', '/v1/conversations', {
        token: anon.body.token,
        body: { conversationId: anon.body.conversationId, user: { id: 'user-42', hash } },
      });
      assert.deepEqual(
        [attach.status, attach.body.user, attach.body.token],
        [200, { id: 'user-42', verified: true }, anon.body.token],
      );
      const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]));
      const attrs = await call(s.url, 'POST', '/v1/conversations', {
        body: { user: { id: 'u', attributes: tooMany } },
      });
      assert.deepEqual([attrs.status, attrs.body.code], [400, 'validation-failed']);
    });
    await withServer(
      { identitySecret: 'site-secret-example', identityVerification: 'required' },
      async (s) => {
        const anon = await call(s.url, 'POST', '/v1/conversations', { body: {} });
        assert.deepEqual([anon.status, anon.body.code], [401, 'invalid-identity']);
      },
    );
  });

  it('answers a cursor older than the retained log with sync.reset retention', async () => {
    await withServer({ retentionEvents: 4 }, async (s) => {
      const c = await createConversation(s.url);
      const live = await openStream(s.url, c);
      await send(s.url, c, 'one two three four five');
      await live.waitFor((e) => e.type === 'message.completed');
      live.close();
      const h = await history(s.url, c);
      assert.equal(h.oldestSeq, h.lastSeq - 3);
      const stale = await openStream(s.url, c, { after: 0 });
      await stale.ended;
      assert.deepEqual(
        stale.events.map((e) => e.type),
        ['hello', 'sync.reset'],
      );
      assert.deepEqual(stale.events[1]!.data, {
        reason: 'retention',
        oldestSeq: h.oldestSeq,
        lastSeq: h.lastSeq,
      });
      const edge = await openStream(s.url, c, { after: h.oldestSeq - 1 });
      await edge.waitFor((e) => 'seq' in e && e.seq === h.lastSeq);
      edge.close();
      assert.equal(edge.durable().length, 4);
    });
  });

  it('gives a bot turn the earlier messages, oldest first, without the question', async () => {
    const recalling: Bot = {
      id: 'recalling',
      name: 'Recalling',
      async *answer(turn) {
        yield { type: 'delta', text: turn.history.map((m) => `${m.role}:${m.text}`).join(' | ') || '(none)' };
      },
    };
    await withServer({ bot: recalling }, async (s) => {
      const c = await createConversation(s.url);
      const stream = await openStream(s.url, c);
      const answers = async (count: number) => {
        await stream.waitFor(
          () => stream.events.filter((e) => e.type === 'message.completed').length >= count,
        );
        return stream.events
          .filter((e) => e.type === 'message.completed')
          .map((e) => (e.data as MessageCompletedData).text);
      };
      await send(s.url, c, 'Where is my parcel?');
      await answers(1);
      await send(s.url, c, 'It was order 1042.');
      assert.deepEqual(await answers(2), ['(none)', 'user:Where is my parcel? | bot:(none)']);
      stream.close();
    });
  });

  it('turns a failing bot into finishReason error plus an error event; never a hung stream', async () => {
    const failing: Bot = {
      id: 'failing',
      name: 'Failing',
      async *answer() {
        yield { type: 'delta', text: 'Partial ' };
        await sleep(50);
        throw new Error('model exploded: secret-internal-detail');
      },
    };
    const logged: string[] = [];
    await withServer({ bot: failing, log: (m, e) => logged.push(`${m} ${String(e)}`) }, async (s) => {
      const c = await createConversation(s.url);
      const stream = await openStream(s.url, c);
      await send(s.url, c, 'hi');
      const completed = await stream.waitFor((e) => e.type === 'message.completed');
      const error = await stream.waitFor((e) => e.type === 'error');
      stream.close();
      assert.deepEqual(
        [
          (completed.data as MessageCompletedData).finishReason,
          (completed.data as MessageCompletedData).text,
        ],
        ['error', 'Partial '],
      );
      const data = error.data as ErrorEventData;
      assert.deepEqual([data.code, data.retryable], ['bot_failed', true]);
      assert.ok(!JSON.stringify(stream.events).includes('secret-internal-detail'));
      assert.ok(logged.some((l) => l.includes('secret-internal-detail')));
    });
  });

  it('cancels a bot that ignores its signal, and shuts down without waiting for it', async () => {
    const stubborn: Bot = {
      id: 'stubborn',
      name: 'Stubborn',
      async *answer() {
        yield { type: 'delta', text: 'Thinking hard' };
        await new Promise(() => undefined);
      },
    };
    await withServer({ bot: stubborn }, async (s) => {
      const c = await createConversation(s.url);
      const stream = await openStream(s.url, c);
      const sent = await send(s.url, c, 'hi');
      await stream.waitFor((e) => e.type === 'message.delta');
      const res = await call(s.url, 'POST', `/v1/conversations/${c.id}/turns/${sent.turnId}/cancel`, {
        token: c.token,
        body: {},
      });
      assert.deepEqual(res.body, { turnId: sent.turnId, result: 'cancelled' });
      const completed = await stream.waitFor((e) => e.type === 'message.completed');
      assert.deepEqual(
        [
          (completed.data as MessageCompletedData).finishReason,
          (completed.data as MessageCompletedData).text,
        ],
        ['cancelled', 'Thinking hard'],
      );
      await send(s.url, c, 'again');
      await stream.waitFor(
        (e) =>
          e.type === 'message.delta' &&
          e.data.text === 'Thinking hard' &&
          e.data.id !== (completed.data as MessageCompletedData).id,
      );
      stream.close();
    });
  });

  it('closes after a hub sweep that was running, not under it', async () => {
    const { store, agents } = await openStorage({ dataDir: 'memory://' });
    let entered!: () => void;
    const sweeping = new Promise<void>((resolve) => (entered = resolve));
    const slowAgents = Object.assign(Object.create(agents) as typeof agents, {
      listAgents: async () => {
        entered();
        await sleep(300);
        return agents.listAgents();
      },
    });
    const logged: string[] = [];
    const server = await createBatonServer({
      ...base,
      store,
      agents: slowAgents,
      agentApi: { timeouts: { acceptMs: 1_000 } },
      log: (message) => logged.push(message),
    });
    // The sweeper's timer does not hold the process open; this one does, until the sweep has begun.
    const keepAlive = setTimeout(() => undefined, 10_000);
    await sweeping;
    clearTimeout(keepAlive);
    await server.close();
    await sleep(500);
    assert.deepEqual(logged, []);
  });

  it('logs an unexpected error and answers 500 internal without details', async () => {
    const store = await openStore({ dataDir: 'memory://' });
    const broken = Object.assign(Object.create(store) as typeof store, {
      history: async () => {
        throw new Error('relation "messages" is broken: SELECT secret');
      },
    });
    const logged: unknown[] = [];
    await withServer({ store: broken, log: (_m, e) => logged.push(e) }, async (s) => {
      const c = await createConversation(s.url);
      const res = await call(s.url, 'GET', `/v1/conversations/${c.id}/messages`, { token: c.token });
      assert.deepEqual(res.body, {
        type: 'https://baton-chat.dev/problems/internal',
        title: 'Internal server error',
        status: 500,
        code: 'internal',
        detail: 'Something went wrong on the server; retry later.',
      });
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
      assert.match(String(logged[0]), /SELECT secret/);
    });
  });
});

/** Requests straight to `server.fetch` (no HTTP server, as on runtimes other than Node). */
function fetchOnly(server: BatonServer) {
  const at = (path: string, init: RequestInit = {}) =>
    server.fetch(new Request(`http://baton.test${path}`, init));
  return {
    at,
    /** A new conversation: its path and the authorization header. */
    async create() {
      const res = await at('/v1/conversations', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      const created = (await res.json()) as { conversationId: string; token: string };
      return {
        path: `/v1/conversations/${created.conversationId}`,
        auth: { authorization: `Bearer ${created.token}` },
      };
    },
    send(conversation: { path: string; auth: Record<string, string> }, text: string) {
      const key = uuidv7();
      return at(`${conversation.path}/messages`, {
        method: 'POST',
        headers: { ...conversation.auth, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ clientMessageId: key, text }),
      });
    },
  };
}

describe('event streams on Node and elsewhere', () => {
  it('on Node, writes a stream straight to the response, with every header the app adds', async () => {
    const server = await createBatonServer({ ...base });
    const taken: string[] = [];
    const http = serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: async (request, env) => {
        const response = await server.fetch(request, env);
        if (response === RESPONSE_ALREADY_SENT) taken.push(new URL(request.url).pathname);
        return response;
      },
    });
    try {
      await new Promise((resolve) => http.once('listening', resolve));
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
      const c = await createConversation(url);
      const abort = new AbortController();
      const res = await fetch(`${url}/v1/conversations/${c.id}/events`, {
        headers: { authorization: `Bearer ${c.token}`, origin: ORIGIN },
        signal: abort.signal,
      });
      assert.deepEqual(taken, [`/v1/conversations/${c.id}/events`]);
      assert.deepEqual(
        [
          'content-type',
          'cache-control',
          'x-accel-buffering',
          'baton-protocol',
          'access-control-allow-origin',
        ].map((name) => res.headers.get(name)),
        ['text/event-stream; charset=utf-8', 'no-cache, no-transform', 'no', '1.0', ORIGIN],
      );
      assert.match(res.headers.get('vary') ?? '', /Origin/);
      const events = readSseStream(res.body!, { signal: abort.signal })[Symbol.asyncIterator]();
      assert.equal(JSON.parse((await events.next()).value!.data).type, 'hello');
      await send(url, c, 'live please');
      assert.equal(JSON.parse((await events.next()).value!.data).type, 'message.created');
      abort.abort();
    } finally {
      await server.close();
      const closed = new Promise((resolve) => http.close(resolve));
      (http as Server).closeAllConnections();
      await closed;
    }
  });

  it('drops a client that leaves a megabyte unread for 10 s; a large burst alone drops nobody', async () => {
    // 12 MiB in 64 KiB deltas, more than the kernel's socket buffers hold.
    const chunk = 'x'.repeat(64 * 1024);
    const flood: Bot = {
      id: 'flood',
      name: 'Flood',
      async *answer() {
        for (let i = 0; i < 192; i++) yield { type: 'delta', text: chunk };
      },
    };
    await withServer({ bot: flood }, async (s) => {
      const c = await createConversation(s.url);
      const { port } = new URL(s.url);
      const stalled = connect(Number(port), '127.0.0.1');
      stalled.write(
        `GET /v1/conversations/${c.id}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          `Authorization: Bearer ${c.token}\r\nAccept: text/event-stream\r\n\r\n`,
      );
      let received = '';
      const closed = new Promise<void>((resolve) => stalled.once('close', () => resolve()));
      stalled.on('error', () => undefined);
      let paused = false;
      stalled.setEncoding('latin1').on('data', (data: string) => {
        received += data;
        if (!paused && /"type":"hello"/.test(received)) {
          paused = true;
          stalled.pause();
        }
      });
      const reader = await openStream(s.url, c);
      await send(s.url, c, 'flood me');
      // The reader takes the whole answer, megabytes at a time, and is not dropped.
      const done = await reader.waitFor((e) => e.type === 'message.completed', 60_000);
      assert.equal((done.data as MessageCompletedData).text.length, 192 * chunk.length);
      await sleep(11_000);
      stalled.resume();
      await closed;
      assert.ok(received.length < 12 * 1024 * 1024, `the stalled client got ${received.length} bytes`);
      assert.doesNotMatch(received, /"type":"message.completed"/);
      // A new connection from the cursor it had is served as usual.
      const resumed = await openStream(s.url, c, { lastEventId: 2 });
      await resumed.waitFor((e) => e.type === 'message.completed', 30_000);
      resumed.close();
      reader.close();
    });
  });

  it('replays megabytes to a client that reads them slowly, without dropping it', async () => {
    const chunk = 'y'.repeat(32 * 1024);
    const chatty: Bot = {
      id: 'chatty',
      name: 'Chatty',
      async *answer() {
        for (let i = 0; i < 8; i++) {
          yield { type: 'delta', text: chunk };
          await sleep(30);
        }
      },
    };
    // Through the response body (no kernel buffers in between), so the queue really grows past 1 MiB.
    // The escalation policy would hand these repeated questions to a person.
    const server = await createBatonServer({ ...base, bot: chatty, escalation: false });
    const { at, create, send: sendTo } = fetchOnly(server);
    try {
      const conversation = await create();
      const { path, auth } = conversation;
      let lastSeq = 0;
      for (let i = 0; i < 6; i++) {
        await sendTo(conversation, `question ${i}`);
        for (;;) {
          const page: HistoryResponse = await (await at(`${path}/messages`, { headers: auth })).json();
          lastSeq = page.lastSeq;
          if (page.messages.length === 2 * (i + 1) && page.messages.at(-1)!.status === 'complete') break;
          await sleep(50);
        }
      }
      const res = await at(`${path}/events`, { headers: { ...auth, 'last-event-id': '0' } });
      const seqs: number[] = [];
      let bytes = 0;
      for await (const message of readSseStream(res.body!)) {
        bytes += message.data.length;
        const event = JSON.parse(message.data);
        if (typeof event.seq === 'number') seqs.push(event.seq);
        if (event.seq === lastSeq) break;
        await sleep(2);
      }
      assert.deepEqual(
        seqs,
        Array.from({ length: lastSeq }, (_, i) => i + 1),
      );
      assert.ok(bytes > 2 * 1024 * 1024, `replayed ${bytes} bytes`);
    } finally {
      await server.close();
    }
  });

  it('elsewhere, streams through the response body, and a reader that cancels ends the stream', async () => {
    const server = await createBatonServer({ ...base });
    const { at, create, send: sendTo } = fetchOnly(server);
    try {
      const conversation = await create();
      const res = await at(`${conversation.path}/events`, { headers: conversation.auth });
      assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const until = async (pattern: RegExp) => {
        while (!pattern.test(text)) text += decoder.decode((await reader.read()).value, { stream: true });
      };
      await until(/"type":"hello"/);
      assert.match(text, /^retry: \d+\n\n/);
      const sent = await sendTo(conversation, 'over the body');
      assert.equal(sent.status, 201);
      await until(/"type":"message.completed"/);
      assert.match(text, /"text":"You said: over the body"/);
      await reader.cancel();
    } finally {
      // A stream left open would keep this waiting for its heartbeat timer: close() ends them all.
      await server.close();
    }
  });
});
