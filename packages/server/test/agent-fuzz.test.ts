/**
 * Fuzz test of the agent API: every string of the Big List of Naughty Strings (plus strings PostgreSQL
 * cannot store) as sign-in fields, cookies, conversation ids, message texts and keys, transfer targets,
 * statuses, wrap-ups and search queries, and malformed JSON at every agent POST route. Every answer must
 * be < 500 with a problem body for 4xx; accepted agent messages must come back exactly, in order.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { uuidv7 } from '@baton-chat/protocol';
import type { Message } from '@baton-chat/protocol';
import { createEchoBot, startServer, type RunningServer } from '@baton-chat/server';
import { call, createConversation, type TestConversation } from './helpers.js';

const BLNS_URL = new URL('../../../../shared/corpora/blns/blns.json', import.meta.url);
const BLNS = JSON.parse(readFileSync(BLNS_URL, 'utf8')) as string[];
const STRINGS = [...BLNS, '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\ufeff', '\u{10ffff}'];
const PASSWORD = 'correct horse battery';
const PROBLEM = 'application/problem+json';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers of many JSON shapes
type Json = any;
const storable = (s: string) => !/[\0\p{Cs}]/u.test(s);
const segment = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  }
};

describe('fuzz: the agent API', () => {
  let s: RunningServer;
  let cookie: string;
  let c: TestConversation;
  const failures: string[] = [];
  const logged: string[] = [];
  let answers = 0;

  /** One request; records a failure on 5xx, or on a 4xx that is not a problem body. */
  async function hit(
    label: string,
    method: string,
    path: string,
    init: { body?: string; headers?: Record<string, string>; cookie?: string | null } = {},
  ): Promise<{ status: number; body: Json }> {
    const headers: Record<string, string> = { ...init.headers };
    const jar = init.cookie === undefined ? cookie : init.cookie;
    if (jar !== null) headers.cookie = jar;
    if (init.body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(s.url + path, {
      method,
      headers,
      ...(init.body !== undefined && { body: init.body }),
    });
    answers++;
    const text = await res.text();
    if (res.status >= 500) failures.push(`${label}: ${res.status} ${text.slice(0, 160)}`);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (res.status >= 400 && res.headers.get('content-type') !== PROBLEM)
      failures.push(`${label}: ${res.status} without a problem body`);
    return { status: res.status, body };
  }

  before(async () => {
    s = await startServer({
      port: 0,
      dataDir: 'memory://',
      bot: createEchoBot({ wordDelayMs: 0 }),
      rateLimits: { conversationsPerIp: { perMinute: 0 }, commandsPerConversation: { perMinute: 0 } },
      agentApi: {
        rateLimits: {
          loginsPerIp: { perMinute: 0 },
          loginsPerEmail: { perMinute: 0 },
          requestsPerAgent: { perMinute: 0 },
        },
      },
      escalation: false,
      log: (message) => logged.push(message),
    });
    await s.server.agents!.createAgent({ email: 'ana@example.com', name: 'Ana', password: PASSWORD });
    const login = await fetch(`${s.url}/v1/agent/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ana@example.com', password: PASSWORD }),
    });
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    c = await createConversation(s.url);
    await call(s.url, 'POST', `/v1/conversations/${c.id}/handoff`, { token: c.token, body: {} });
    const claimed = await hit('claim', 'POST', `/v1/agent/conversations/${c.id}/claim`, { body: '{}' });
    assert.equal(claimed.status, 200);
  });
  after(async () => {
    await s.close();
  });

  it('answers every naughty input with a 2xx or a 4xx problem, never 5xx, and keeps agent texts exact', async () => {
    const accepted: string[] = [];
    const conv = `/v1/agent/conversations/${c.id}`;
    // Sign-in hashes with scrypt (~50 ms), so the login fields get every 10th string.
    for (const [i, str] of STRINGS.entries()) {
      if (i % 10 === 0) {
        const a = await hit(`login email ${i}`, 'POST', '/v1/agent/login', {
          body: JSON.stringify({ email: str, password: PASSWORD }),
          cookie: null,
        });
        const b = await hit(`login password ${i}`, 'POST', '/v1/agent/login', {
          body: JSON.stringify({ email: 'ana@example.com', password: str }),
          cookie: null,
        });
        if (a.status !== 401 && a.status !== 400) failures.push(`login email ${i}: ${a.status}`);
        if (b.status !== 401 && b.status !== 400) failures.push(`login password ${i}: ${b.status}`);
      }
      const seg = segment(str);
      for (const rest of ['', '/messages', '/claim', '/typing', '/transfer', '/resolve']) {
        const r = await hit(
          `id ${i} ${rest}`,
          rest === '' || rest === '/messages' ? 'GET' : 'POST',
          `/v1/agent/conversations/${seg}${rest}`,
          {
            ...(rest !== '' && rest !== '/messages' && { body: '{}' }),
          },
        );
        if (r.status < 400 && str !== c.id) failures.push(`id ${i} ${rest}: ${r.status}`);
      }
      const key = uuidv7();
      const sent = await hit(`text ${i}`, 'POST', `${conv}/messages`, {
        body: JSON.stringify({ clientMessageId: key, text: str }),
        headers: { 'idempotency-key': key },
      });
      const valid = str.trim() !== '' && str.length <= 4000 && storable(str);
      if (sent.status === 201) {
        accepted.push(str);
        if (sent.body.message.text !== str)
          failures.push(`text ${i}: stored ${JSON.stringify(sent.body.message.text)}`);
      }
      if ((sent.status === 201) !== valid) failures.push(`text ${i}: ${sent.status}, valid ${valid}`);
      await hit(`key ${i}`, 'POST', `${conv}/messages`, {
        body: JSON.stringify({ clientMessageId: str, text: 'hi' }),
      });
      await hit(`typing ${i}`, 'POST', `${conv}/typing`, { body: JSON.stringify({ isTyping: str }) });
      await hit(`status ${i}`, 'POST', '/v1/agent/me/status', { body: JSON.stringify({ status: str }) });
      await hit(`transfer agent ${i}`, 'POST', `${conv}/transfer`, {
        body: JSON.stringify({ agentId: str }),
      });
      await hit(`search ${i}`, 'GET', `/v1/agent/kb/search?q=${seg}`);
      await hit(`history ${i}`, 'GET', `${conv}/messages?before=${seg}&limit=${seg}`);
      if (i % 25 === 0) {
        const r = await hit(`cookie ${i}`, 'GET', '/v1/agent/me', { cookie: `baton_agent=${seg}` });
        if (r.status !== 401) failures.push(`cookie ${i}: ${r.status}`);
      }
    }
    const bodies = [
      '{',
      '[]',
      '"s"',
      'null',
      '{"a":}',
      '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
    ];
    for (const route of [
      '/v1/agent/login',
      '/v1/agent/me/status',
      '/v1/agent/agents',
      `${conv}/messages`,
      `${conv}/typing`,
      `${conv}/transfer`,
      `${conv}/decline`,
      `${conv}/return-to-bot`,
    ]) {
      for (const body of bodies) {
        const r = await hit(`malformed ${route} ${body.slice(0, 10)}`, 'POST', route, { body });
        if (r.status < 400) failures.push(`malformed ${route} ${body.slice(0, 10)}: ${r.status}`);
      }
      const wrongType = await hit(`text/plain ${route}`, 'POST', route, {
        body: '{}',
        headers: { 'content-type': 'text/plain' },
      });
      if (wrongType.status !== 415 && wrongType.status !== 403 && wrongType.status !== 401)
        failures.push(`text/plain ${route}: ${wrongType.status}`);
    }
    const proto = await hit('proto', 'POST', '/v1/agent/me/status', {
      body: '{"__proto__":{"status":"away"}}',
    });
    assert.equal(proto.status, 400, 'an inherited status is not a status');
    assert.equal(({} as Record<string, unknown>).status, undefined, 'Object.prototype was not polluted');
    const wrap = STRINGS.find((x) => x.includes('<script'))!;
    const resolved = await hit('resolve', 'POST', `${conv}/resolve`, {
      body: JSON.stringify({ summary: wrap }),
    });
    assert.equal(resolved.status, 200);

    assert.deepEqual(failures, []);
    const history = await call(s.url, 'GET', `/v1/conversations/${c.id}/messages?limit=200`, {
      token: c.token,
    });
    const agentTexts = (history.body.messages as Message[])
      .filter((m) => m.role === 'agent')
      .map((m) => m.text);
    assert.deepEqual(agentTexts.slice(-Math.min(accepted.length, 200)), accepted.slice(-200));
    assert.ok(answers > 5000, `${answers} requests`);
    assert.deepEqual(logged, [], 'nothing unexpected was logged');
  });
});
