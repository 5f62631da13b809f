import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readSseStream, uuidv7 } from '@baton-chat/protocol';
import type { BatonEvent, HandoffSnapshot } from '@baton-chat/protocol';
import {
  createEchoBot,
  openStorage,
  startServer,
  type AgentRecord,
  type RunningServer,
  type StartServerOptions,
  type WorkItem,
} from '@baton-chat/server';
import { call, createConversation, openStream, send, sleep, type TestConversation } from './helpers.js';

const PASSWORD = 'correct horse battery';
const base: StartServerOptions = {
  port: 0,
  dataDir: 'memory://',
  bot: createEchoBot({ wordDelayMs: 2 }),
  rateLimits: { conversationsPerIp: { perMinute: 0 }, commandsPerConversation: { perMinute: 0 } },
  queueUpdateIntervalMs: 0,
  agentApi: { pollMs: 100 },
};

/** A signed-in console: its cookie, and helpers that call the agent API with it. */
interface Console {
  agent: AgentRecord;
  cookie: string;
  post(path: string, body?: unknown, headers?: Record<string, string>): ReturnType<typeof call>;
  get(path: string): ReturnType<typeof call>;
}

async function signIn(url: string, email: string, password = PASSWORD): Promise<Console> {
  const res = await fetch(`${url}/v1/agent/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url, 'sec-fetch-site': 'same-origin' },
    body: JSON.stringify({ email, password }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const setCookie = res.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0]!;
  const { agent } = (await res.json()) as { agent: AgentRecord };
  const headers = { cookie, origin: url, 'sec-fetch-site': 'same-origin' };
  return {
    agent,
    cookie,
    post: (path, body = {}, extra = {}) =>
      call(url, 'POST', path, { body, headers: { ...headers, ...extra } }),
    get: (path) => call(url, 'GET', path, { headers: { cookie } }),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- frames carry many JSON shapes
type Frame = { event: string; data: any };

interface AgentStream {
  frames: Frame[];
  waitFor(match: (f: Frame) => boolean, ms?: number): Promise<Frame>;
  close(): void;
}

async function openAgentStream(url: string, console: Console): Promise<AgentStream> {
  const abort = new AbortController();
  const res = await fetch(`${url}/v1/agent/events`, {
    headers: { cookie: console.cookie },
    signal: abort.signal,
  });
  assert.equal(res.status, 200);
  const frames: AgentStream['frames'] = [];
  void (async () => {
    try {
      for await (const m of readSseStream(res.body!, { signal: abort.signal })) {
        frames.push({ event: m.event, data: JSON.parse(m.data) });
      }
    } catch {
      // closed
    }
  })();
  return {
    frames,
    close: () => abort.abort(),
    async waitFor(match, ms = 5000) {
      const end = Date.now() + ms;
      for (;;) {
        const found = frames.find(match);
        if (found) return found;
        if (Date.now() > end) throw new Error(`timed out; got ${frames.map((f) => f.event).join(', ')}`);
        await sleep(10);
      }
    },
  };
}

const conversationEvent = (id: string, match: (e: BatonEvent) => boolean) => (f: Frame) =>
  f.event === 'conversation' && f.data.conversationId === id && match(f.data.event as BatonEvent);

async function escalate(url: string): Promise<TestConversation> {
  const c = await createConversation(url);
  await send(url, c, 'where is my parcel');
  const res = await call(url, 'POST', `/v1/conversations/${c.id}/handoff`, {
    token: c.token,
    body: { note: 'charged twice' },
  });
  assert.equal(res.status, 201);
  return c;
}

describe('agent API', () => {
  let s: RunningServer;
  let ana: Console;
  let ben: Console;
  before(async () => {
    s = await startServer(base);
    const agents = s.server.agents!;
    await agents.createAgent({ email: 'ana@example.com', name: 'Ana', password: PASSWORD, role: 'admin' });
    await agents.createAgent({ email: 'Ben@Example.com', name: 'Ben', password: PASSWORD, maxConcurrent: 1 });
    ana = await signIn(s.url, 'ana@example.com');
    ben = await signIn(s.url, 'ben@example.com');
  });
  after(async () => {
    await s.close();
  });

  it('signs in with an HttpOnly SameSite=Strict cookie; wrong passwords and missing cookies get 401', async () => {
    const res = await fetch(`${s.url}/v1/agent/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ana@example.com', password: PASSWORD }),
    });
    const cookie = res.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^baton_agent=[A-Za-z0-9_-]{40,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    assert.doesNotMatch(JSON.stringify(await res.json()), /password|scrypt/);
    const wrong = await call(s.url, 'POST', '/v1/agent/login', {
      body: { email: 'ana@example.com', password: 'not the password' },
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.detail, 'Wrong e-mail or password.');
    const unknown = await call(s.url, 'POST', '/v1/agent/login', {
      body: { email: 'nobody@example.com', password: PASSWORD },
    });
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.detail, wrong.body.detail);
    assert.equal((await call(s.url, 'GET', '/v1/agent/work')).status, 401);
    assert.equal((await ana.get('/v1/agent/me')).body.agent.email, 'ana@example.com');
  });

  it('refuses cross-site commands (CSRF) and gives the agent API no CORS headers', async () => {
    const evil = await call(s.url, 'POST', '/v1/agent/me/status', {
      body: { status: 'away' },
      headers: { cookie: ana.cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    assert.equal(evil.status, 403);
    const sameSite = await call(s.url, 'POST', '/v1/agent/me/status', {
      body: { status: 'away' },
      headers: { cookie: ana.cookie, 'sec-fetch-site': 'same-site' },
    });
    assert.equal(sameSite.status, 403);
    assert.equal((await ana.get('/v1/agent/me')).body.agent.status, 'available');
    const ok = await ana.post('/v1/agent/me/status', { status: 'away' });
    assert.equal(ok.body.agent.status, 'away');
    await ana.post('/v1/agent/me/status', { status: 'available' });
  });

  it('only admins add agents', async () => {
    const denied = await ben.post('/v1/agent/agents', {
      email: 'x@example.com',
      name: 'X',
      password: PASSWORD,
    });
    assert.equal(denied.status, 403);
    const weak = await ana.post('/v1/agent/agents', { email: 'x@example.com', name: 'X', password: 'short' });
    assert.equal(weak.status, 400);
    const made = await ana.post('/v1/agent/agents', {
      email: 'cleo@example.com',
      name: 'Cleo',
      password: PASSWORD,
      skills: ['billing'],
    });
    assert.equal(made.status, 201);
    assert.deepEqual(made.body.agent.skills, ['billing']);
    const again = await ana.post('/v1/agent/agents', {
      email: 'CLEO@example.com',
      name: 'C',
      password: PASSWORD,
    });
    assert.equal(again.status, 400);
  });

  it('keeps team-wide canned replies: every agent reads them, only admins write them, with validation', async () => {
    const write = (who: Console, method: string, path: string, body?: unknown, extra = {}) =>
      call(s.url, method, path, {
        ...(body !== undefined && { body }),
        headers: { cookie: who.cookie, origin: s.url, 'sec-fetch-site': 'same-origin', ...extra },
      });
    const list = async (who: Console) => (await who.get('/v1/agent/canned-replies')).body.replies;
    assert.deepEqual(await list(ben), []);
    const refund = {
      shortcut: 'Refund',
      title: 'Refund on its way',
      body: 'Hi {{customer.name}}, **done**.',
    };

    const denied = await ben.post('/v1/agent/canned-replies', refund);
    assert.equal(denied.status, 403);
    assert.match(denied.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const crossSite = await write(ana, 'POST', '/v1/agent/canned-replies', refund, {
      origin: 'https://evil.example',
      'sec-fetch-site': 'cross-site',
    });
    assert.equal(crossSite.status, 403);
    assert.deepEqual(await list(ana), []);

    const made = await ana.post('/v1/agent/canned-replies', refund);
    assert.equal(made.status, 201);
    assert.equal(made.body.reply.shortcut, '/refund');
    assert.equal(made.body.reply.body, refund.body);
    const hello = await ana.post('/v1/agent/canned-replies', {
      shortcut: '/hello',
      title: 'Hi',
      body: 'Hello!',
    });
    assert.equal(hello.status, 201);
    assert.deepEqual(
      (await list(ben)).map((r: { shortcut: string }) => r.shortcut),
      ['/hello', '/refund'],
    );

    const invalid: [unknown, RegExp][] = [
      [{ ...refund, shortcut: '/REFUND' }, /Another canned reply uses the shortcut \/refund/],
      [{ ...refund, shortcut: '/two words' }, /shortcut must be/],
      [{ ...refund, shortcut: `/${'a'.repeat(33)}` }, /shortcut must be/],
      [{ ...refund, shortcut: '/new', title: 't'.repeat(81) }, /title must be 1 to 80/],
      [{ ...refund, shortcut: '/new', title: ' ' }, /title must be 1 to 80/],
      [{ ...refund, shortcut: '/new', body: 'b'.repeat(4001) }, /body must be 1 to 4,000/],
      [{ shortcut: '/new', title: 'No body' }, /body must be/],
    ];
    for (const [input, detail] of invalid) {
      const res = await ana.post('/v1/agent/canned-replies', input);
      assert.equal(res.status, 400, JSON.stringify(input).slice(0, 80));
      assert.equal(res.body.code, 'validation-failed');
      assert.match(res.body.detail, detail);
    }
    const longest = await ana.post('/v1/agent/canned-replies', {
      shortcut: '/long',
      title: 't'.repeat(80),
      body: 'b'.repeat(4000),
    });
    assert.equal(longest.status, 201);

    const id = made.body.reply.id as string;
    const path = `/v1/agent/canned-replies/${id}`;
    assert.equal((await write(ben, 'PUT', path, { ...refund, title: 'Mine' })).status, 403);
    const taken = await write(ana, 'PUT', path, { ...refund, shortcut: '/hello' });
    assert.equal(taken.status, 400);
    const edited = await write(ana, 'PUT', path, { ...refund, title: 'Refund sent' });
    assert.equal(edited.status, 200);
    assert.equal(edited.body.reply.title, 'Refund sent');
    assert.equal(edited.body.reply.createdAt, made.body.reply.createdAt);
    assert.equal((await write(ana, 'PUT', '/v1/agent/canned-replies/cr_nope', refund)).status, 404);

    assert.equal((await write(ben, 'DELETE', path)).status, 403);
    assert.equal(
      (await write(ana, 'DELETE', path, undefined, { 'sec-fetch-site': 'cross-site' })).status,
      403,
    );
    assert.equal((await write(ana, 'DELETE', path)).status, 204);
    assert.equal((await write(ana, 'DELETE', path)).status, 404);
    assert.deepEqual(
      (await list(ben)).map((r: { shortcut: string }) => r.shortcut),
      ['/hello', '/long'],
    );
    for (const r of await list(ana)) await write(ana, 'DELETE', `/v1/agent/canned-replies/${r.id}`);
  });

  it('runs a handoff end to end: queue, claim, both ways with typing, transfer, accept, resolve, bot again', async () => {
    const stream = await openAgentStream(s.url, ana);
    const c = await escalate(s.url);
    const customer = await openStream(s.url, c);
    try {
      // The waiting conversation shows in the console with its reason, note and the customer's words.
      const work = await stream.waitFor(
        (f) =>
          (f.event === 'hello' || f.event === 'work') &&
          (f.data.work ?? f.data.items).some((w: WorkItem) => w.conversationId === c.id),
      );
      const item = ((work.data.work ?? work.data.items) as WorkItem[]).find(
        (w) => w.conversationId === c.id,
      )!;
      assert.equal(item.handoff.state, 'queued');
      assert.equal(item.handoff.reason, 'user_requested');
      assert.equal(item.handoff.note, 'charged twice');
      assert.equal(item.preview, 'where is my parcel');

      const claimed = await ana.post(`/v1/agent/conversations/${c.id}/claim`);
      assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
      assert.equal(claimed.body.handoff.state, 'active');
      const joined = await customer.waitFor((e) => e.type === 'participant.joined');
      assert.equal(joined.type === 'participant.joined' && joined.data.participant.name, 'Ana');
      // A second claim by someone else loses.
      const late = await ben.post(`/v1/agent/conversations/${c.id}/claim`);
      assert.equal(late.status, 409);
      assert.match(late.body.detail, /Ana took this conversation first/);

      // The bot is silent while a human has control.
      const during = await send(s.url, c, 'are you a person?');
      assert.equal(during.turnId, null);
      await stream.waitFor(
        conversationEvent(c.id, (e) => e.type === 'message.created' && e.data.text === 'are you a person?'),
      );

      // Typing both ways; the customer's own typing never comes back on their stream.
      await call(s.url, 'POST', `/v1/conversations/${c.id}/typing`, {
        token: c.token,
        body: { isTyping: true },
      });
      await stream.waitFor(
        conversationEvent(
          c.id,
          (e) => e.type === 'typing' && e.data.participant.role === 'user' && e.data.isTyping,
        ),
      );
      assert.equal(
        (await ana.post(`/v1/agent/conversations/${c.id}/typing`, { isTyping: true })).status,
        204,
      );
      await customer.waitFor((e) => e.type === 'typing' && e.data.participant.role === 'agent');
      assert.ok(!customer.events.some((e) => e.type === 'typing' && e.data.participant.role === 'user'));

      const conv = (await ana.get(`/v1/agent/conversations/${c.id}`)).body;
      assert.equal(conv.conversation.tokenHash, undefined);
      const key = uuidv7();
      const sent = await ana.post(
        `/v1/agent/conversations/${c.id}/messages`,
        {
          clientMessageId: key,
          text: 'Hi, I am Ana. Let me look.',
          controlVersion: conv.conversation.controlVersion,
        },
        { 'idempotency-key': key },
      );
      assert.equal(sent.status, 201, JSON.stringify(sent.body));
      const agentMsg = await customer.waitFor((e) => e.type === 'message.created' && e.data.role === 'agent');
      assert.equal(agentMsg.type === 'message.created' && agentMsg.data.author.name, 'Ana');
      const replay = await ana.post(
        `/v1/agent/conversations/${c.id}/messages`,
        { clientMessageId: key, text: 'Hi, I am Ana. Let me look.' },
        { 'idempotency-key': key },
      );
      assert.equal(replay.status, 201);
      assert.equal(replay.headers.get('idempotent-replayed'), 'true');
      const stale = uuidv7();
      const staleRes = await ana.post(
        `/v1/agent/conversations/${c.id}/messages`,
        { clientMessageId: stale, text: 'old view', controlVersion: 1 },
        { 'idempotency-key': stale },
      );
      assert.equal(staleRes.status, 409);
      assert.equal(staleRes.body.code, 'stale-control');

      // Transfer to Ben: Ana can no longer write; Ben accepts and resolves with a wrap-up.
      const moved = await ana.post(`/v1/agent/conversations/${c.id}/transfer`, { agentId: ben.agent.id });
      assert.equal(moved.body.handoff.state, 'assigned');
      assert.equal(moved.body.handoff.agent.name, 'Ben');
      const k2 = uuidv7();
      const gone = await ana.post(
        `/v1/agent/conversations/${c.id}/messages`,
        { clientMessageId: k2, text: 'x' },
        { 'idempotency-key': k2 },
      );
      assert.equal(gone.status, 409);
      const accepted = await ben.post(`/v1/agent/conversations/${c.id}/claim`);
      assert.equal(accepted.body.handoff.state, 'active');
      await customer.waitFor((e) => e.type === 'participant.joined' && e.data.participant.name === 'Ben');
      const resolved = await ben.post(`/v1/agent/conversations/${c.id}/resolve`, {
        summary: 'Refunded the double charge.',
      });
      assert.equal(resolved.body.handoff.state, 'ended');
      assert.equal(resolved.body.handoff.outcome, 'resolved');
      await customer.waitFor((e) => e.type === 'participant.left' && e.data.reason === 'resolved');

      // Control is back with the bot, which answers again.
      const back = await send(s.url, c, 'thanks');
      assert.notEqual(back.turnId, null);
      await customer.waitFor((e) => e.type === 'message.completed' && e.data.text === 'You said: thanks');
      const durable = customer.durable();
      const started = durable.filter((e) => e.type === 'message.started');
      const activeFrom = durable.find((e) => e.type === 'participant.joined')!.seq;
      const activeTo = durable.find(
        (e) => e.type === 'participant.left' && e.data.reason === 'resolved',
      )!.seq;
      assert.ok(
        started.every((e) => e.seq < activeFrom || e.seq > activeTo),
        'the bot started no message while a person had control',
      );
    } finally {
      stream.close();
      customer.close();
    }
  });

  it('keeps each agent within capacity and lets them decline an offer', async () => {
    const first = await escalate(s.url);
    const second = await escalate(s.url);
    assert.equal((await ben.post(`/v1/agent/conversations/${first.id}/claim`)).status, 200);
    const full = await ben.post(`/v1/agent/conversations/${second.id}/claim`);
    assert.equal(full.status, 409);
    assert.match(full.body.detail, /1 of your 1 conversations/);
    await ben.post(`/v1/agent/conversations/${first.id}/return-to-bot`);
    const ok = await ana.post(`/v1/agent/conversations/${second.id}/claim`);
    assert.equal(ok.status, 200);
    const offered = await ana.post(`/v1/agent/conversations/${second.id}/transfer`, {
      agentId: ben.agent.id,
    });
    assert.equal(offered.body.handoff.state, 'assigned');
    const declined = await ben.post(`/v1/agent/conversations/${second.id}/decline`);
    assert.equal(declined.body.handoff.state, 'queued');
  });

  it('signing out ends the session', async () => {
    const cleo = await signIn(s.url, 'cleo@example.com');
    assert.equal((await cleo.get('/v1/agent/me')).status, 200);
    assert.equal((await cleo.post('/v1/agent/logout')).status, 204);
    assert.equal((await cleo.get('/v1/agent/me')).status, 401);
  });
});

describe('hub timeouts', () => {
  it('puts an offer nobody accepts back in the queue, and fails a handoff that waited too long', async () => {
    const s = await startServer({
      ...base,
      agentApi: { pollMs: 100, timeouts: { acceptMs: 300, maxQueueWaitMs: 1500 } },
    });
    try {
      await s.server.agents!.createAgent({ email: 'a@example.com', name: 'A', password: PASSWORD });
      await s.server.agents!.createAgent({ email: 'b@example.com', name: 'B', password: PASSWORD });
      const a = await signIn(s.url, 'a@example.com');
      const b = await signIn(s.url, 'b@example.com');
      const c = await escalate(s.url);
      await a.post(`/v1/agent/conversations/${c.id}/claim`);
      await a.post(`/v1/agent/conversations/${c.id}/transfer`, { agentId: b.agent.id });
      const customer = await openStream(s.url, c);
      const requeued = await customer.waitFor(
        (e) => e.type === 'handoff.updated' && e.data.state === 'queued' && e.data.version > 4,
        5000,
      );
      assert.ok(requeued);
      const failed = await customer.waitFor(
        (e) => e.type === 'handoff.updated' && e.data.state === 'failed',
        8000,
      );
      const h = failed.data as HandoffSnapshot;
      assert.equal(h.failureReason, 'timeout');
      assert.equal(h.fallback, 'offline_form');
      customer.close();
    } finally {
      await s.close();
    }
  });

  it('after a handoff failed, anger alone does not send the customer back to the empty queue; asking does', async () => {
    const s = await startServer({
      ...base,
      agentApi: { pollMs: 100, timeouts: { maxQueueWaitMs: 600 } },
    });
    try {
      await s.server.agents!.createAgent({ email: 'a@example.com', name: 'A', password: PASSWORD });
      const c = await createConversation(s.url);
      const customer = await openStream(s.url, c);
      const angry = 'This is ridiculous!!! Your service is terrible and useless, I am furious.';
      assert.equal((await send(s.url, c, angry)).turnId, null, 'the first outburst is handed over');
      await customer.waitFor((e) => e.type === 'handoff.updated' && e.data.state === 'failed', 8000);
      const again = await send(s.url, c, `${angry} Still nothing!!!`);
      assert.notEqual(again.turnId, null, 'the bot answers instead of a second doomed handoff');
      await customer.waitFor((e) => e.type === 'message.started' && e.data.turnId === again.turnId);
      await customer.waitFor((e) => e.type === 'message.completed');
      let page = await call(s.url, 'GET', `/v1/conversations/${c.id}/messages`, { token: c.token });
      assert.equal(page.body.handoff.state, 'failed');
      assert.equal((await send(s.url, c, 'Can I talk to a real person please')).turnId, null);
      page = await call(s.url, 'GET', `/v1/conversations/${c.id}/messages`, { token: c.token });
      assert.equal(page.body.handoff.state, 'queued');
      assert.equal(page.body.handoff.reason, 'user_requested');
      customer.close();
    } finally {
      await s.close();
    }
  });
});

describe('baton-server agents', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-agents-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('adds an agent who can then sign in to a server on the same data directory', async () => {
    const bin = fileURLToPath(new URL('../bin/baton-server.js', import.meta.url));
    const run = promisify(execFile);
    const env = { ...process.env, BATON_AGENT_PASSWORD: PASSWORD, BATON_DATA_DIR: dir };
    const added = await run(
      process.execPath,
      [
        bin,
        'agents',
        'add',
        '--email',
        'dee@example.com',
        '--name',
        'Dee',
        '--role',
        'admin',
        '--skills',
        'billing,returns',
      ],
      { env },
    );
    assert.match(added.stdout, /Added admin Dee <dee@example.com>/);
    const listed = await run(process.execPath, [bin, 'agents', 'list'], { env });
    assert.match(listed.stdout, /dee@example.com\s+Dee\s+admin\s+max 3\s+skills billing,returns/);
    await assert.rejects(
      run(process.execPath, [bin, 'agents', 'add', '--email', 'eve@example.com', '--name', 'Eve'], {
        env: { ...env, BATON_AGENT_PASSWORD: 'short' },
      }),
      /password must be at least 10 characters/,
    );
    const { store } = await openStorage({ dataDir: dir });
    await store.close();
    const s = await startServer({ ...base, dataDir: dir });
    try {
      const dee = await signIn(s.url, 'dee@example.com');
      assert.equal(dee.agent.role, 'admin');
    } finally {
      await s.close();
    }
  });
});

describe('escalation', () => {
  let s: RunningServer;
  let ana: Console;
  before(async () => {
    s = await startServer(base);
    await s.server.agents!.createAgent({ email: 'ana@example.com', name: 'Ana', password: PASSWORD });
    ana = await signIn(s.url, 'ana@example.com');
  });
  after(async () => {
    await s.close();
  });

  it('hands an angry customer to a person instead of the bot, ahead of calmer ones, with a context package', async () => {
    const calm = await escalate(s.url);
    const c = await createConversation(s.url);
    const first = await send(s.url, c, 'Where is my order LC-20418837? It was due on Monday.');
    assert.notEqual(first.turnId, null, 'a calm question goes to the bot');
    const customer = await openStream(s.url, c);
    await customer.waitFor((e) => e.type === 'message.completed');
    const angry = await send(
      s.url,
      c,
      'This is ridiculous!!! Your service is terrible and useless, I am furious. Still no parcel.',
    );
    assert.equal(angry.turnId, null, 'the bot does not answer');
    const queued = await customer.waitFor((e) => e.type === 'handoff.updated' && e.data.state === 'queued');
    const h = queued.data as HandoffSnapshot;
    assert.equal(h.reason, 'negative_sentiment');
    assert.equal(h.requestedBy, 'system');
    customer.close();

    const work = (await ana.get('/v1/agent/work')).body.items as WorkItem[];
    const ids = work.map((w) => w.conversationId);
    assert.ok(ids.indexOf(c.id) < ids.indexOf(calm.id), 'the angry customer comes first');
    assert.ok(work.find((w) => w.conversationId === c.id)!.priority > 0);

    const detail = (await ana.get(`/v1/agent/conversations/${c.id}`)).body;
    const ai = detail.context.ai;
    assert.equal(ai.machineGenerated, true);
    assert.ok(ai.sentiment.current < 0);
    assert.ok(
      ai.entities.some((e: { value: string }) => e.value === 'LC-20418837'),
      JSON.stringify(ai.entities),
    );
    assert.match(ai.summary, /LC-20418837|order/i);
    assert.equal(typeof ai.suggestedReply, 'string');
    assert.equal(detail.context.reason, 'negative_sentiment');
    assert.equal(detail.context.transcript.at(-1).text, angry.message.text);
  });

  it('hands over when the customer asks for a person in words, in Chinese too', async () => {
    for (const text of ['Can I talk to a real person please', '转人工']) {
      const c = await createConversation(s.url);
      const res = await send(s.url, c, text);
      assert.equal(res.turnId, null, text);
      const page = await call(s.url, 'GET', `/v1/conversations/${c.id}/messages`, { token: c.token });
      assert.equal(page.body.handoff.state, 'queued', text);
      assert.equal(page.body.handoff.reason, 'user_requested', text);
    }
  });
});
