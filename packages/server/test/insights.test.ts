// Insights, the training export and the knowledge-base editor, against a real server: the kb bot on a
// copy of the help center, customers on the protocol API, agents on the agent API.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { uuidv7 } from '@baton-chat/protocol';
import type { Message } from '@baton-chat/protocol';
import { createKnowledgeBaseBot, startServer, type RunningServer } from '@baton-chat/server';
import { call, createConversation, history, send, sleep, type TestConversation } from './helpers.js';

const PASSWORD = 'correct horse battery';
const HELP_CENTER = fileURLToPath(new URL('../help-center', import.meta.url));

interface Console {
  post(path: string, body?: unknown): ReturnType<typeof call>;
  get(path: string): ReturnType<typeof call>;
  cookie: string;
}

async function signIn(url: string, email: string): Promise<Console> {
  const res = await fetch(`${url}/v1/agent/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url, 'sec-fetch-site': 'same-origin' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const headers = { cookie, origin: url, 'sec-fetch-site': 'same-origin' };
  return {
    cookie,
    post: (path, body = {}) => call(url, 'POST', path, { body, headers }),
    get: (path) => call(url, 'GET', path, { headers: { cookie } }),
  };
}

/** Waits until the conversation has `count` completed bot messages; returns the newest. */
async function botAnswer(url: string, c: TestConversation, count = 1): Promise<Message> {
  const end = Date.now() + 5000;
  for (;;) {
    const answers = (await history(url, c)).messages.filter(
      (m) => m.role === 'bot' && m.status === 'complete',
    );
    if (answers.length >= count) return answers.at(-1)!;
    if (Date.now() > end) throw new Error('no bot answer within 5 s');
    await sleep(20);
  }
}

/** Waits until the conversation's handoff is in `state`. */
async function handoffState(url: string, c: TestConversation, state: string): Promise<void> {
  const end = Date.now() + 5000;
  while ((await history(url, c)).handoff?.state !== state) {
    if (Date.now() > end) throw new Error(`handoff never reached ${state}`);
    await sleep(20);
  }
}

/** An agent message, keyed as the console keys it. */
function agentSay(url: string, agent: Console, conv: TestConversation, text: string) {
  const key = uuidv7();
  return call(url, 'POST', `/v1/agent/conversations/${conv.id}/messages`, {
    body: { clientMessageId: key, text },
    headers: { cookie: agent.cookie, origin: url, 'sec-fetch-site': 'same-origin', 'idempotency-key': key },
  });
}

const post = (url: string, c: TestConversation, path: string, body: unknown = {}) =>
  call(url, 'POST', `/v1/conversations/${c.id}${path}`, { token: c.token, body });

describe('insights, export and knowledge-base editing', () => {
  let server: RunningServer;
  let url: string;
  let dir: string;
  let ana: Console; // admin
  let ben: Console; // agent
  const today = new Date().toISOString().slice(0, 10);
  const c: Record<string, TestConversation> = {};
  const started = Date.now();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-kb-'));
    await cp(HELP_CENTER, dir, { recursive: true });
    const kb = await createKnowledgeBaseBot({ dir, delayMs: 0 });
    server = await startServer({
      port: 0,
      dataDir: 'memory://',
      bot: kb,
      knowledgeBase: { search: (q, l) => kb.search(q, l), reload: () => kb.reload(), dir },
      rateLimits: { conversationsPerIp: { perMinute: 0 }, commandsPerConversation: { perMinute: 0 } },
      queueUpdateIntervalMs: 0,
      agentApi: { pollMs: 100, rateLimits: { requestsPerAgent: { perMinute: 0 } } },
    });
    url = server.url;
    const agents = server.server.agents!;
    await agents.createAgent({ email: 'ana@example.com', name: 'Ana', password: PASSWORD, role: 'admin' });
    await agents.createAgent({ email: 'ben@example.com', name: 'Ben', password: PASSWORD });
    ana = await signIn(url, 'ana@example.com');
    ben = await signIn(url, 'ben@example.com');

    // A: answered well, thumbs up, closed: resolved by the bot.
    c.a = await createConversation(url);
    await send(url, c.a, 'How do I reset my password?');
    const good = await botAnswer(url, c.a);
    assert.ok(good.confidence! >= 0.35, `confident answer, got ${good.confidence}`);
    assert.equal(
      (await post(url, c.a, '/feedback', { kind: 'thumbs', messageId: good.id, value: 'up' })).status,
      201,
    );
    assert.equal((await post(url, c.a, '/close')).status, 200);

    // B and C: the same unknown question in two wordings; B is closed (bot, no handoff), C stays open.
    c.b = await createConversation(url);
    await send(url, c.b, 'Do you sell llama gift cards?');
    assert.ok((await botAnswer(url, c.b)).confidence! < 0.35);
    assert.equal((await post(url, c.b, '/close')).status, 200);
    c.c = await createConversation(url);
    await send(url, c.c, 'Do you sell gift cards for llamas?');
    assert.ok((await botAnswer(url, c.c)).confidence! < 0.35);

    // D: a confident answer rated down, then "a person please" (user_requested); Ben resolves; CSAT 4.
    c.d = await createConversation(url);
    await send(url, c.d, 'How long does shipping take?');
    const rated = await botAnswer(url, c.d);
    assert.ok(rated.confidence! >= 0.35);
    await post(url, c.d, '/feedback', { kind: 'thumbs', messageId: rated.id, value: 'down' });
    await send(url, c.d, 'I want to talk to a person');
    await handoffState(url, c.d, 'queued');
    assert.equal((await ben.post(`/v1/agent/conversations/${c.d.id}/claim`)).status, 200);
    const reply = await agentSay(url, ben, c.d, 'Hi, Ben here: 2 to 4 working days.');
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.equal(
      (await ben.post(`/v1/agent/conversations/${c.d.id}/resolve`, { summary: 'Told delivery times.' }))
        .status,
      200,
    );
    await post(url, c.d, '/feedback', { kind: 'csat', value: 4 });

    // E: an angry message trips the analyzer (negative_sentiment); Ana answers and resolves; CSAT 2.
    c.e = await createConversation(url);
    await send(url, c.e, 'This is ridiculous!!! Your service is terrible and useless.');
    await handoffState(url, c.e, 'queued');
    assert.equal((await ana.post(`/v1/agent/conversations/${c.e.id}/claim`)).status, 200);
    assert.equal((await agentSay(url, ana, c.e, 'I am sorry, let me fix this.')).status, 201);
    await ana.post(`/v1/agent/conversations/${c.e.id}/resolve`, { summary: 'Apologised, refunded.' });
    await post(url, c.e, '/feedback', { kind: 'csat', value: 2 });

    // F: the "Talk to a person" button before any message; nobody claims it yet.
    c.f = await createConversation(url);
    assert.equal((await post(url, c.f, '/handoff', { note: 'billing' })).status, 201);
  });

  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts every insight of the range exactly', async () => {
    const res = await ben.get(`/v1/agent/insights?from=${today}&to=${today}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const r = res.body;
    assert.deepEqual(r.range, { from: today, to: today });
    assert.equal(r.conversations, 6);

    assert.deepEqual(r.escalations, {
      total: 3,
      reasons: [
        { reason: 'user_requested', count: 2 },
        { reason: 'negative_sentiment', count: 1 },
      ],
    });
    assert.deepEqual(r.csat, { count: 2, average: 3, distribution: [0, 1, 0, 1, 0] });
    assert.deepEqual(r.resolution, { total: 6, bot: 2, human: 2, inProgress: 2, unresolved: 0 });

    const elapsed = (Date.now() - started) / 1000;
    for (const stats of [r.firstResponse, r.waitToHuman]) {
      assert.equal(stats.count, 2);
      assert.ok(stats.p50 >= 0 && stats.p50 <= stats.p90 && stats.p90 <= elapsed, JSON.stringify(stats));
    }
    // The first reply comes after the claim, in the same handoff.
    assert.ok(r.firstResponse.p90 >= r.waitToHuman.p50);

    // Volume: all six started this hour of this weekday (UTC), nowhere else.
    const now = new Date();
    const row = (now.getUTCDay() + 6) % 7;
    const grid: number[][] = r.volume.byWeekdayHour;
    assert.equal(grid.length, 7);
    assert.ok(grid.every((hours) => hours.length === 24));
    assert.equal(
      grid.flat().reduce((s, n) => s + n, 0),
      6,
    );
    assert.equal(grid[row]![now.getUTCHours()], 6);

    // Unanswered: the two llama wordings grouped; the rated-down question once, with both signals;
    // the complaint before the automatic handoff; "I want to talk to a person" is never a question.
    assert.equal(r.unanswered.questions, 4);
    const groups = r.unanswered.groups as {
      count: number;
      example: string;
      variants: string[];
      confidence: number | null;
      signals: Record<string, number>;
      conversationIds: string[];
    }[];
    assert.equal(groups.length, 3);
    const [llama, ...rest] = groups;
    assert.equal(llama!.count, 2);
    assert.deepEqual(
      new Set([llama!.example, ...llama!.variants]),
      new Set(['Do you sell llama gift cards?', 'Do you sell gift cards for llamas?']),
    );
    assert.deepEqual(llama!.signals, { low_confidence: 2, thumbs_down: 0, escalation: 0 });
    assert.ok(llama!.confidence! < 0.35);
    assert.deepEqual(new Set(llama!.conversationIds), new Set([c.b!.id, c.c!.id]));
    const shipping = rest.find((g) => g.example === 'How long does shipping take?');
    assert.ok(shipping, JSON.stringify(rest));
    assert.deepEqual(shipping.signals, { low_confidence: 0, thumbs_down: 1, escalation: 1 });
    assert.ok(shipping.confidence! >= 0.35);
    const complaint = rest.find((g) => g.example.startsWith('This is ridiculous'));
    assert.deepEqual(complaint?.signals, { low_confidence: 0, thumbs_down: 0, escalation: 1 });
    assert.equal(complaint?.confidence, null);
    assert.ok(!groups.some((g) => /talk to a person/i.test(g.example)));
  });

  it('validates the range and counts nothing outside it', async () => {
    const empty = await ben.get('/v1/agent/insights?from=2020-01-01&to=2020-01-07');
    assert.equal(empty.status, 200);
    assert.equal(empty.body.conversations, 0);
    assert.equal(empty.body.unanswered.questions, 0);
    assert.deepEqual(empty.body.csat, { count: 0, average: null, distribution: [0, 0, 0, 0, 0] });
    assert.deepEqual(empty.body.firstResponse, { count: 0, p50: null, p90: null });
    // The default is the last 7 days, today included.
    const byDefault = await ben.get('/v1/agent/insights');
    assert.equal(byDefault.body.range.to, today);
    assert.equal(byDefault.body.conversations, 6);
    for (const query of [
      'from=2026-02-30&to=2026-03-01',
      'from=2026-3-1&to=2026-03-02',
      'from=2026-03-05&to=2026-03-01',
      'from=2025-01-01&to=2026-01-02',
      'to=yesterday',
    ]) {
      const bad = await ben.get(`/v1/agent/insights?${query}`);
      assert.equal(bad.status, 400, query);
      assert.equal(bad.body.code, 'validation-failed');
    }
    assert.equal((await ben.get('/v1/agent/insights?from=2025-01-01&to=2026-01-01')).status, 200);
    assert.equal((await call(url, 'GET', `/v1/agent/insights`)).status, 401);
  });

  it('exports the range as JSON Lines for admins only', async () => {
    assert.equal((await ben.get(`/v1/agent/export.jsonl?from=${today}&to=${today}`)).status, 403);
    const res = await fetch(`${url}/v1/agent/export.jsonl?from=${today}&to=${today}`, {
      headers: { cookie: ana.cookie },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/jsonl/);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="baton-conversations-/);
    const text = await res.text();
    assert.ok(text.endsWith('\n'));
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.id),
      [c.a, c.b, c.c, c.d, c.e, c.f].map((x) => x!.id),
    );
    const d = lines[3];
    assert.deepEqual(
      d.messages
        .map((m: { role: string; text: string }) => [m.role, m.text])
        .filter(([role]: string[]) => role !== 'system')
        .slice(0, 2),
      [
        ['user', 'How long does shipping take?'],
        ['bot', (await history(url, c.d!)).messages.find((m) => m.role === 'bot')!.text],
      ],
    );
    const bot = d.messages.find((m: { role: string }) => m.role === 'bot');
    assert.ok(bot.confidence >= 0.35 && bot.citations.length === 1 && bot.createdAt);
    assert.ok(
      d.messages.some(
        (m: { role: string; text: string }) => m.role === 'agent' && m.text.startsWith('Hi, Ben'),
      ),
    );
    assert.deepEqual(
      d.handoffs.map((h: { reason: string; state: string; outcome: string }) => [
        h.reason,
        h.state,
        h.outcome,
      ]),
      [['user_requested', 'ended', 'resolved']],
    );
    assert.deepEqual(
      d.feedback.map((f: { kind: string; value: unknown; messageId?: string }) => [
        f.kind,
        f.value,
        f.messageId,
      ]),
      [
        ['thumbs', 'down', bot.id],
        ['csat', 4, undefined],
      ],
    );
    assert.deepEqual(
      d.wrapups.map((w: { outcome: string; summary: string }) => [w.outcome, w.summary]),
      [['resolved', 'Told delivery times.']],
    );
    assert.deepEqual(
      lines[5].handoffs.map((h: { state: string }) => h.state),
      ['queued'],
    );
    const none = await fetch(`${url}/v1/agent/export.jsonl?from=2020-01-01&to=2020-01-01`, {
      headers: { cookie: ana.cookie },
    });
    assert.equal(await none.text(), '');
  });

  it('lets an admin edit an article and re-index, which changes the answers', async () => {
    const question = 'Can I rent a telescope?';
    const ask = async () => {
      const conv = await createConversation(url);
      await send(url, conv, question);
      return botAnswer(url, conv);
    };
    assert.ok((await ask()).confidence! < 0.35, 'unknown before the edit');

    const list = await ana.get('/v1/agent/kb/articles');
    assert.equal(list.status, 200);
    assert.ok(list.body.articles.length > 10);
    assert.deepEqual(list.body.broken, []);
    const listed = list.body.articles.find((a: { slug: string }) => a.slug === 'shipping-times');
    assert.equal(listed.file, 'shipping/shipping-times.md');
    const read = await ana.get('/v1/agent/kb/articles/shipping-times');
    assert.equal(read.status, 200);
    assert.equal(read.body.article.markdown, await readFile(join(dir, 'shipping/shipping-times.md'), 'utf8'));

    const markdown = [
      '---',
      'title: Telescope rental',
      'slug: telescope-rental',
      'category: Services',
      'tags: [rent, rental, telescope, hire]',
      '---',
      '',
      '# Telescope rental',
      '',
      'Yes: you can rent a telescope from any Larkspur store for 15 € a night, tripod included.',
      '',
    ].join('\n');
    const created = await ana.post('/v1/agent/kb/articles/telescope-rental', { markdown });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(await readFile(join(dir, 'telescope-rental.md'), 'utf8'), markdown);
    assert.ok(!(await readdir(dir)).some((f) => f.endsWith('.tmp')));
    assert.ok((await ask()).confidence! < 0.35, 'the bot keeps its index until re-indexed');

    const reindex = await ana.post('/v1/agent/kb/reindex');
    assert.equal(reindex.status, 200);
    assert.equal(reindex.body.articles, list.body.articles.length + 1);
    const answer = await ask();
    assert.ok(answer.confidence! >= 0.35, `confident after re-indexing, got ${answer.confidence}`);
    assert.match(answer.text, /15 € a night/);
    assert.equal(answer.citations?.[0]?.url, '/help/telescope-rental');

    // Edits: the version guards against overwriting; the slug must match; bad front matter is refused.
    const { version } = created.body.article;
    const edited = markdown.replace('15 €', '12 €');
    const saved = await ana.post('/v1/agent/kb/articles/telescope-rental', { markdown: edited, version });
    assert.equal(saved.status, 200);
    const stale = await ana.post('/v1/agent/kb/articles/telescope-rental', { markdown, version });
    assert.equal(stale.status, 409);
    assert.equal(await readFile(join(dir, 'telescope-rental.md'), 'utf8'), edited);
    const wrongSlug = await ana.post('/v1/agent/kb/articles/other-slug', { markdown });
    assert.equal(wrongSlug.status, 400);
    assert.match(wrongSlug.body.detail, /slug/);
    const noTitle = await ana.post('/v1/agent/kb/articles/no-title', {
      markdown: '---\nslug: no-title\n---\nText',
    });
    assert.equal(noTitle.status, 400);
    assert.match(noTitle.body.detail, /title/);

    // Paths that would leave the folder name no article.
    for (const slug of ['..%2F..%2Fescape', '../escape', '%2E%2E/escape', 'a/../../escape']) {
      const res = await ana.post(`/v1/agent/kb/articles/${slug}`, {
        markdown: '---\ntitle: X\nslug: escape\n---\nx',
      });
      assert.ok(res.status === 404 || res.status === 400, `${slug}: ${res.status}`);
    }
    assert.ok(!(await readdir(join(dir, '..'))).includes('escape.md'));

    // Agents may not edit, list, read or re-index.
    assert.equal((await ben.post('/v1/agent/kb/articles/telescope-rental', { markdown })).status, 403);
    assert.equal((await ben.post('/v1/agent/kb/reindex')).status, 403);
    assert.equal((await ben.get('/v1/agent/kb/articles')).status, 403);
    assert.equal((await ben.get('/v1/agent/kb/articles/telescope-rental')).status, 403);
    assert.equal(await readFile(join(dir, 'telescope-rental.md'), 'utf8'), edited);
  });
});
