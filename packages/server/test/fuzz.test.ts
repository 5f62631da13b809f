/**
 * Fuzz test of the reference server (issue 3, point 7): every string of the Big List of Naughty Strings
 * plus malformed JSON bodies, thrown at every route as message text, idempotency keys, path segments,
 * query values, header values and every JSON field of every POST route. Every answer must be < 500
 * (the expected 2xx where the input is valid, problem+json 4xx otherwise), the process must not throw,
 * and afterwards every conversation used must have a readable history and a valid, contiguous event log.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { HANDOFF_REASONS, createStreamValidator, isUuid, readSseStream, uuidv7 } from '@baton-chat/protocol';
import type { BatonEvent, DurableEvent, ValidationIssue } from '@baton-chat/protocol';
import { createEchoBot, startServer, type RunningServer } from '@baton-chat/server';
import { openStream, type TestConversation, type TestStream } from './helpers.js';

// The corpus lives next to the repository (never copied into it): <repo>/../shared/corpora/blns.
const BLNS_URL = new URL('../../../../shared/corpora/blns/blns.json', import.meta.url);
const BLNS = JSON.parse(readFileSync(BLNS_URL, 'utf8')) as string[];
/** Strings a JSON body can carry but PostgreSQL text cannot: NUL, lone surrogates. */
const EXTRA = ['\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\udc00\ud800', '\ufeff', '\uffff', '\u{10ffff}'];
const STRINGS = [...BLNS, ...EXTRA];

const LANES = 8;
const CONCURRENCY = 8;
const MAX_MESSAGE_CHARS = 4000;
const SHORT = 256;
const PROBLEM = 'application/problem+json';

/** Strings PostgreSQL cannot store exactly: the server must refuse them (400), never store them mangled. */
function storable(s: string): boolean {
  return !/[\0\p{Cs}]/u.test(s);
}
/** Legal as an HTTP header value through fetch (ByteString without CR, LF, NUL). */
function headerLegal(s: string): boolean {
  return /^[\t\x20-\x7e\x80-\xff]*$/.test(s);
}
/** Fetch trims header values (leading/trailing HTTP whitespace), as does the server's parser. */
const headerValue = (s: string) => s.replace(/^[\t ]+|[\t ]+$/g, '');
/** A cursor of section 6.3/8.1: a non-negative integer (surrounding whitespace tolerated). */
function cursorOk(s: string): boolean {
  const t = s.trim();
  return /^\d{1,16}$/.test(t) && Number.isSafeInteger(Number(t));
}
/** A URL path segment or query value: percent-encoded UTF-8 (lone surrogates as U+FFFD, as fetch would). */
function encode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  }
}
const deep = (n: number, inner = '0') => '['.repeat(n) + inner + ']'.repeat(n);

// ---------------------------------------------------------------------------------------------------
// Requests, counted by status class; every expectation failure is collected and asserted at the end.

const counts = { sent: 0, '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
const failures: string[] = [];
const fail = (message: string) => {
  if (failures.length < 200) failures.push(message);
};
const show = (s: string) => JSON.stringify(s).slice(0, 60);

interface Answer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- many JSON shapes
  body: any;
  text: string;
}

type Body = string | Uint8Array | ReadableStream<Uint8Array>;

let url = '';

async function request(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Body; json?: unknown; token?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: Body | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] = 'application/json';
  }
  Object.assign(headers, options.headers);
  counts.sent++;
  const res = await fetch(url + path, {
    method,
    headers,
    ...(body !== undefined && { body }),
    ...(body instanceof ReadableStream && { duplex: 'half' }),
  } as RequestInit);
  counts[`${String(res.status)[0]}xx` as '2xx']++;
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    // A live stream: read up to hello, then hang up.
    const first = await readHello(res);
    return { status: res.status, headers: res.headers, body: first, text: '' };
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

async function readHello(res: Response): Promise<BatonEvent | undefined> {
  const abort = new AbortController();
  try {
    for await (const m of readSseStream(res.body!, { signal: abort.signal })) {
      return JSON.parse(m.data) as BatonEvent;
    }
  } catch {
    // Hung up.
  } finally {
    abort.abort();
  }
  return undefined;
}

/** Checks the status (one of `expected`) and, for errors, the problem body; records a failure otherwise. */
function expect(label: string, res: Answer, expected: number | readonly number[], code?: string): boolean {
  const ok = typeof expected === 'number' ? [expected] : expected;
  if (res.status >= 500) fail(`${label}: ${res.status} ${res.text.slice(0, 200)}`);
  else if (!ok.includes(res.status))
    fail(`${label}: status ${res.status}, expected ${ok.join('|')} ${res.text.slice(0, 160)}`);
  if (res.status >= 400) {
    const ct = res.headers.get('content-type');
    if (ct !== PROBLEM) fail(`${label}: ${res.status} with content-type ${ct}`);
    else if (res.body?.status !== res.status || typeof res.body?.code !== 'string')
      fail(`${label}: malformed problem ${res.text.slice(0, 160)}`);
    else if (code !== undefined && res.body.code !== code)
      fail(`${label}: code ${res.body.code}, expected ${code}`);
    else if (/\bat .+:\d+:\d+|SELECT|INSERT|UPDATE /.test(String(res.body.detail)))
      fail(`${label}: problem detail leaks internals: ${res.body.detail}`);
  }
  if (res.headers.get('baton-protocol') !== '1.0') fail(`${label}: no Baton-Protocol header`);
  return ok.includes(res.status);
}

/** Runs `tasks` with at most `limit` in flight. */
async function pool(tasks: (() => Promise<void>)[], limit = CONCURRENCY): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      try {
        await task();
      } catch (error) {
        fail(`task threw: ${(error as Error).stack ?? String(error)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

// ---------------------------------------------------------------------------------------------------
// Conversations used, and what their logs must hold afterwards.

interface Used {
  name: string;
  c: TestConversation;
  stream?: TestStream;
  /** Accepted user texts, in order. */
  texts: string[];
  /** Feedback comments recorded with an event, in order. */
  comments: string[];
  closed?: boolean;
  /** The expected texts were read back from history (wrong-type probes); comments are not tracked. */
  skipCommentCheck?: boolean;
}
const used: Used[] = [];

async function create(name: string, withStream: boolean): Promise<Used> {
  const res = await request('POST', '/v1/conversations', { json: {} });
  assert.equal(res.status, 201, res.text);
  const c = { id: res.body.conversationId as string, token: res.body.token as string };
  const u: Used = { name, c, texts: [], comments: [] };
  if (withStream) u.stream = await openStream(url, c);
  used.push(u);
  return u;
}

const base = (u: Used) => `/v1/conversations/${u.c.id}`;

/** Sends `text` (valid key) and, when accepted with a bot turn, waits for the exact echo on the stream. */
async function sendAndEcho(u: Used, label: string, text: string, extra: Record<string, unknown> = {}) {
  const key = uuidv7();
  const res = await request('POST', `${base(u)}/messages`, {
    token: u.c.token,
    json: { clientMessageId: key, text, ...extra },
    headers: { 'idempotency-key': key },
  });
  const valid =
    typeof text === 'string' && text.trim() !== '' && text.length <= MAX_MESSAGE_CHARS && storable(text);
  if (
    !expect(
      `${label} send text ${show(text)}`,
      res,
      valid ? 201 : 400,
      valid ? undefined : 'validation-failed',
    )
  )
    return;
  if (!valid) return;
  u.texts.push(text);
  if (res.body.message?.text !== text)
    fail(`${label}: send response text ${show(res.body.message?.text)} != ${show(text)}`);
  const turnId = res.body.turnId as string | null;
  if (!turnId || !u.stream) return;
  const started = await u.stream.waitFor((e) => e.type === 'message.started' && e.data.turnId === turnId);
  const id = (started as Extract<BatonEvent, { type: 'message.started' }>).data.id;
  const done = (await u.stream.waitFor((e) => e.type === 'message.completed' && e.data.id === id)) as Extract<
    BatonEvent,
    { type: 'message.completed' }
  >;
  if (done.data.text !== `You said: ${text}` || done.data.finishReason !== 'stop')
    fail(`${label}: echo of ${show(text)} is ${show(done.data.text)} (${done.data.finishReason})`);
  const created = u.stream.events.find(
    (e) => e.type === 'message.created' && e.data.clientMessageId === key,
  ) as Extract<BatonEvent, { type: 'message.created' }> | undefined;
  if (created?.data.text !== text) fail(`${label}: streamed message.created text differs for ${show(text)}`);
  return id;
}

// ---------------------------------------------------------------------------------------------------

describe('fuzz: naughty strings and malformed JSON at every route', () => {
  let s: RunningServer;
  const logged: string[] = [];
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  let started = 0;

  before(async () => {
    started = Date.now();
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    s = await startServer({
      port: 0,
      host: '127.0.0.1',
      dataDir: 'memory://',
      bot: createEchoBot({ wordDelayMs: 1 }),
      deltaFlushMs: 5,
      rateLimits: { conversationsPerIp: { perMinute: 0 }, commandsPerConversation: { perMinute: 0 } },
      // Naughty strings in a row are, rightly, frustration (caps, repeats, profanity): the escalation
      // policy would hand every lane to a person and the echo checks would have no bot. The analyzer gets
      // every naughty string in analysis.test.ts instead.
      escalation: false,
      log: (message, error) =>
        logged.push(`${message}: ${(error as Error | undefined)?.stack ?? String(error)}`),
    });
    url = s.url;
  });

  after(async () => {
    for (const u of used) u.stream?.close();
    await s.close();
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
    const classes = Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    process.stdout.write(
      `fuzz: ${classes}; ${used.length} conversations checked; ${Date.now() - started} ms\n`,
    );
  });

  it('answers every naughty input with the exact 2xx or a 4xx problem, and never 5xx', async () => {
    assert.ok(BLNS.length > 500, 'the naughty strings corpus is loaded');
    const lanes = await Promise.all(Array.from({ length: LANES }, (_, i) => create(`lane ${i}`, true)));
    const [handoffA, handoffB] = await Promise.all([create('handoff A', true), create('handoff B', true)]);
    const types = await create('types', true);
    const malformed = await create('malformed', true);
    const closing = await create('close', true);

    // One lane per conversation, sequential inside, so the log order is known.
    const laneTasks = lanes.map((u, lane) => async () => {
      let botMessage: string | undefined;
      for (let i = lane; i < STRINGS.length; i += LANES) {
        const str = STRINGS[i]!;
        const L = `[${u.name} #${i}]`;
        const seg = encode(str);
        const q = encode(str);
        const auth = { token: u.c.token };
        // Message text (with a naughty metadata key and value, which is passed on, not stored).
        botMessage =
          (await sendAndEcho(u, L, str, { metadata: { [str]: str, nested: [str, { [str]: [str] }] } })) ??
          botMessage;
        // Secondary probes rotate over the strings (two per string), so each still sees every string often.
        const secondary: (() => Promise<void>)[] = [
          async () => {
            const r = await request('POST', `${base(u)}/messages`, {
              ...auth,
              json: { clientMessageId: str, text: 'x' },
            });
            expect(`${L} clientMessageId ${show(str)}`, r, isUuid(str) ? 201 : 400);
          },
          async () => {
            if (!headerLegal(str)) return;
            const r = await request('POST', `${base(u)}/messages`, {
              ...auth,
              json: { text: 'x' },
              headers: { 'idempotency-key': str },
            });
            expect(`${L} Idempotency-Key ${show(str)}`, r, 400);
          },
          async () => {
            const r = await request('POST', `${base(u)}/receipts`, { ...auth, json: { upToSeq: str } });
            expect(`${L} receipt upToSeq ${show(str)}`, r, 400, 'validation-failed');
          },
          async () => {
            const r = await request('POST', `${base(u)}/feedback`, {
              ...auth,
              json: { kind: str, value: 1 },
            });
            expect(`${L} feedback kind ${show(str)}`, r, 400, 'validation-failed');
          },
          async () => {
            const r = await request('POST', `${base(u)}/feedback`, {
              ...auth,
              json: { kind: 'csat', value: str },
            });
            expect(`${L} csat value ${show(str)}`, r, 400, 'validation-failed');
          },
          async () => {
            const r = await request('POST', `${base(u)}/feedback`, {
              ...auth,
              json: { kind: 'thumbs', value: 'up', messageId: str },
            });
            if (str === '' || !storable(str))
              expect(`${L} thumbs messageId ${show(str)}`, r, 400, 'validation-failed');
            else expect(`${L} thumbs messageId ${show(str)}`, r, 404, 'not-found');
          },
          async () => {
            if (!botMessage) return;
            const r = await request('POST', `${base(u)}/feedback`, {
              ...auth,
              json: { kind: 'thumbs', value: str, messageId: botMessage },
            });
            expect(`${L} thumbs value ${show(str)}`, r, 400, 'validation-failed');
          },
          async () => {
            if (!headerLegal(str)) return;
            const r = await request('GET', `${base(u)}/messages`, { headers: { authorization: str } });
            expect(`${L} Authorization ${show(str)}`, r, 401, 'unauthorized');
          },
          async () => {
            if (!headerLegal(str)) return;
            const m = /^(\d{1,4})\.(\d{1,4})$/.exec(headerValue(str));
            const r = await request('GET', `${base(u)}/messages`, {
              ...auth,
              headers: { 'baton-protocol': str },
            });
            expect(`${L} Baton-Protocol ${show(str)}`, r, m && Number(m[1]) === 1 ? 200 : 400);
          },
          async () => {
            if (!headerLegal(str)) return;
            const r = await request('POST', `${base(u)}/typing`, {
              ...auth,
              body: '{"isTyping":true}',
              headers: { 'content-type': str },
            });
            const json = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i.test(headerValue(str));
            expect(`${L} Content-Type ${show(str)}`, r, json ? 204 : 415);
          },
          async () => {
            const r = await request('GET', `${base(u)}/events?after=${q}`, auth);
            expect(`${L} events after=${show(str)}`, r, cursorOk(str) ? 200 : 400);
          },
        ];
        await secondary[i % secondary.length]!();
        await secondary[(i * 7 + 3) % secondary.length]!();
        // Every string, every route: typing, receipts, feedback comment, handoff, both cancels, history, events.
        let r = await request('POST', `${base(u)}/typing`, { ...auth, json: { isTyping: str } });
        expect(`${L} typing ${show(str)}`, r, 400, 'validation-failed');
        r = await request('POST', `${base(u)}/receipts`, { ...auth, json: { kind: str, upToSeq: 0 } });
        expect(`${L} receipt kind ${show(str)}`, r, str === 'read' || str === 'delivered' ? 204 : 400);
        r = await request('POST', `${base(u)}/feedback`, {
          ...auth,
          json: { kind: 'csat', value: 5, comment: str },
        });
        if (expect(`${L} csat comment ${show(str)}`, r, storable(str) ? 201 : 400) && r.status === 201) {
          u.comments.push(str);
          if (r.body.feedback?.comment !== str) fail(`${L}: feedback comment not echoed exactly`);
        }
        r = await request('POST', `${base(u)}/handoff`, { ...auth, json: { reason: str } });
        expect(`${L} handoff reason ${show(str)}`, r, 400, 'validation-failed');
        // Path segments: turn id, handoff id.
        r = await request('POST', `${base(u)}/turns/${seg}/cancel`, { ...auth, json: {} });
        expect(`${L} turn id ${show(str)}`, r, 404, 'not-found');
        r = await request('POST', `${base(u)}/handoff/${seg}/cancel`, { ...auth, json: {} });
        expect(`${L} handoff id ${show(str)}`, r, 404, 'not-found');
        // Query values (one of after, before, limit per string).
        const name = ['after', 'before', 'limit'][i % 3]!;
        r = await request('GET', `${base(u)}/messages?${name}=${q}`, auth);
        const ok = cursorOk(str) && !(name === 'limit' && Number(str.trim()) < 1);
        expect(`${L} history ${name}=${show(str)}`, r, ok ? 200 : 400, ok ? undefined : 'bad-request');
        // Header values: Last-Event-ID and the bearer token.
        if (headerLegal(str)) {
          const v = headerValue(str);
          r = await request('GET', `${base(u)}/events`, { ...auth, headers: { 'last-event-id': str } });
          expect(`${L} Last-Event-ID ${show(str)}`, r, v === '' || cursorOk(v) ? 200 : 400);
          if (r.status === 200 && v !== '' && (r.body as BatonEvent | undefined)?.type === 'hello') {
            const hello = r.body as Extract<BatonEvent, { type: 'hello' }>;
            if (hello.data.resumeFrom !== Number(v))
              fail(`${L}: hello.resumeFrom ${hello.data.resumeFrom} for ${v}`);
          }
          r = await request('GET', `${base(u)}/messages`, { headers: { authorization: `Bearer ${str}` } });
          expect(`${L} Authorization Bearer ${show(str)}`, r, 401, 'unauthorized');
        } else {
          r = await request('GET', `${base(u)}/events?after=${q}`, auth);
          expect(`${L} events after=${show(str)}`, r, cursorOk(str) ? 200 : 400);
        }
      }
    });

    // Handoff fields: each string as note, skill and language of a real handoff, then its cancel.
    const handoffTasks = [handoffA, handoffB].map((u, lane) => async () => {
      for (let i = lane; i < STRINGS.length; i += 2) {
        const str = STRINGS[i]!;
        const L = `[${u.name} #${i}]`;
        const body = { reason: 'user_requested', note: str, skill: str, language: str };
        const valid = storable(str) && str.length <= 35;
        let r = await request('POST', `${base(u)}/handoff`, { token: u.c.token, json: body });
        if (!expect(`${L} handoff fields ${show(str)}`, r, valid ? 201 : 400) || !valid) continue;
        const h = r.body.handoff;
        if (h?.note !== str || h?.queue?.skill !== str || h?.queue?.language !== str)
          fail(
            `${L}: handoff snapshot does not carry ${show(str)} exactly: ${JSON.stringify(h).slice(0, 200)}`,
          );
        r = await request('POST', `${base(u)}/handoff/${h.id}/cancel`, {
          token: u.c.token,
          json: { note: str },
        });
        expect(`${L} handoff cancel`, r, 200);
        if (r.body?.handoff?.state !== 'cancelled') fail(`${L}: handoff not cancelled`);
      }
    });

    // Stateless: conversation ids, conversation creation fields, resume ids.
    const stateless: (() => Promise<void>)[] = [];
    const routes: [string, string][] = [
      ['GET', 'messages'],
      ['POST', 'messages'],
      ['GET', 'events'],
      ['POST', 'turns/turn_x/cancel'],
      ['POST', 'typing'],
      ['POST', 'receipts'],
      ['POST', 'feedback'],
      ['POST', 'handoff'],
      ['POST', 'handoff/ho_x/cancel'],
      ['POST', 'close'],
    ];
    STRINGS.forEach((str, i) => {
      const L = `[stateless #${i}]`;
      const seg = encode(str);
      stateless.push(async () => {
        for (const [method, rest] of [0, 1, 2].map((k) => routes[(i * 3 + k) % routes.length]!)) {
          const r = await request(method, `/v1/conversations/${seg}/${rest}`, {
            token: malformed.c.token,
            ...(method === 'POST' && { json: {} }),
          });
          expect(`${L} ${method} conversation id ${show(str)} /${rest}`, r, 404, 'not-found');
        }
      });
      stateless.push(async () => {
        // Every string field that takes any short string, at once.
        const short = str.length <= SHORT;
        const full = {
          user: { id: 'u1', name: str, email: str, hash: str, attributes: { [str]: str, n: 1, b: true } },
          session: {
            pageUrl: str,
            pageTitle: str,
            referrer: str,
            userAgent: str,
            locale: str,
            timezone: str,
          },
          metadata: { [str]: str, nested: { [str]: [str, 1, null] } },
        };
        let r = await request('POST', '/v1/conversations', { json: full });
        const okAll = storable(str) && short;
        if (expect(`${L} create fields ${show(str)}`, r, okAll ? 201 : 400) && r.status === 201) {
          const h = await request('GET', `/v1/conversations/${r.body.conversationId}/messages`, {
            token: r.body.token,
          });
          expect(`${L} history of created`, h, 200);
          if (h.body?.lastSeq !== 0 || h.body?.messages?.length !== 0)
            fail(`${L}: fresh conversation not empty`);
        }
        r = await request('POST', '/v1/conversations', { json: { user: { id: str } } });
        const okId = storable(str) && str !== '' && short;
        if (expect(`${L} create user.id ${show(str)}`, r, okId ? 201 : 400) && r.status === 201) {
          if (r.body.user?.id !== str || r.body.user?.verified !== false)
            fail(`${L}: user.id not echoed exactly`);
        }
        r = await request('POST', '/v1/conversations', { json: { locale: str } });
        expect(`${L} create locale ${show(str)}`, r, storable(str) && str.length <= 64 ? 201 : 400);
        r = await request('POST', '/v1/conversations', {
          json: { conversationId: str },
          token: malformed.c.token,
        });
        expect(`${L} resume ${show(str)}`, r, storable(str) ? 404 : 400);
      });
    });

    await Promise.all([
      pool([...laneTasks, ...handoffTasks], LANES + 2),
      (async () => {
        await pool(stateless, 4);
        await wrongTypes(types);
        await malformedBodies(malformed);
        await closeFuzz(closing);
      })(),
    ]);
    assert.deepEqual(failures, []);
  });

  it('keeps every conversation log intact and still answers normally', async () => {
    failures.length = 0; // The first test asserted its own.
    for (const u of used) await checkLog(u);
    assert.deepEqual(failures, []);
    assert.deepEqual(logged, [], 'the server logged no unexpected error');
    assert.deepEqual(uncaught, [], 'nothing was thrown unhandled');
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was not polluted');
    assert.equal(counts['5xx'], 0);
  });
});

// ---------------------------------------------------------------------------------------------------
// Wrong types for every field of every POST route.

const WRONG: { name: string; json: string }[] = [
  { name: 'null', json: 'null' },
  { name: 'true', json: 'true' },
  { name: 'false', json: 'false' },
  { name: '0', json: '0' },
  { name: '-0', json: '-0' },
  { name: '-1', json: '-1' },
  { name: '1.5', json: '1.5' },
  { name: '5.0', json: '5.0' },
  { name: '4.99999999999999999', json: '4.99999999999999999' },
  { name: '1e308', json: '1e308' },
  { name: '1e400', json: '1e400' },
  { name: '2^53', json: '9007199254740992' },
  { name: 'max safe', json: '9007199254740991' },
  { name: 'huge int', json: '123456789012345678901234567890' },
  { name: 'empty string', json: '""' },
  { name: 'string', json: '"x"' },
  { name: 'array', json: '[]' },
  { name: 'array of string', json: '["x"]' },
  { name: 'object', json: '{}' },
  {
    name: 'proto object',
    json: '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
  },
  { name: 'deep 1000 array', json: deep(1000) },
  { name: 'deep 1000 object', json: '{"a":'.repeat(1000) + '1' + '}'.repeat(1000) },
  { name: 'long string', json: JSON.stringify('y'.repeat(MAX_MESSAGE_CHARS + 1)) },
];

type Check = (v: unknown) => boolean;
const isObj: Check = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const str =
  (max: number, nonEmpty = false): Check =>
  (v) =>
    typeof v === 'string' && v.length <= max && (!nonEmpty || v !== '');

async function wrongTypes(u: Used): Promise<void> {
  const b = base(u);
  const first = await sendAndEcho(u, '[types]', 'a question to rate');
  assert.ok(first, 'a bot message to rate');
  // The receipts field tries 0, 5 and numbers far beyond lastSeq. Valid sends below make lastSeq grow
  // while it runs, so 5 has one right answer only once lastSeq is already >= 5.
  let lastSeqAtStart = 0;
  for (let i = 0; ; i++) {
    const seq0 = await request('GET', `${b}/messages`, { token: u.c.token });
    lastSeqAtStart = seq0.body.lastSeq as number;
    if (lastSeqAtStart >= 5) break;
    assert.ok(i < 3, `lastSeq stays at ${lastSeqAtStart}`);
    await sendAndEcho(u, '[types]', `filler ${i}`);
  }
  interface Field {
    route: string;
    /** The body around the fuzzed value, with `$` where it goes. */
    template: string;
    valid: Check;
    /** Status when valid; default 201. */
    okStatus?: number;
    tooLong?: number;
    handoff?: boolean;
  }
  const key = () => uuidv7();
  const fields: Field[] = [
    { route: '/v1/conversations', template: '{"user":$}', valid: () => false },
    { route: '/v1/conversations', template: '{"user":{"id":$}}', valid: str(SHORT, true) },
    { route: '/v1/conversations', template: '{"user":{"id":"u","name":$}}', valid: str(SHORT) },
    { route: '/v1/conversations', template: '{"user":{"id":"u","email":$}}', valid: str(SHORT) },
    {
      route: '/v1/conversations',
      template: '{"user":{"id":"u","hash":$}}',
      valid: (v) => typeof v === 'string',
    },
    {
      route: '/v1/conversations',
      template: '{"user":{"id":"u","attributes":$}}',
      valid: (v) =>
        isObj(v) &&
        Object.values(v as object).every((x) =>
          (['string', 'number', 'boolean'] as string[]).includes(typeof x),
        ),
    },
    {
      route: '/v1/conversations',
      template: '{"user":{"id":"u","attributes":{"k":$}}}',
      valid: (v) =>
        (typeof v === 'string' && v.length <= 1024) ||
        typeof v === 'boolean' ||
        (typeof v === 'number' && Number.isFinite(v)),
    },
    { route: '/v1/conversations', template: '{"locale":$}', valid: str(64) },
    { route: '/v1/conversations', template: '{"session":$}', valid: isObj },
    { route: '/v1/conversations', template: '{"session":{"pageUrl":$}}', valid: str(2048) },
    { route: '/v1/conversations', template: '{"session":{"timezone":$}}', valid: str(2048) },
    { route: '/v1/conversations', template: '{"metadata":$}', valid: isObj },
    { route: '/v1/conversations', template: '{"metadata":{"deep":$}}', valid: () => true },
    {
      route: `${b}/messages`,
      template: '{"clientMessageId":"KEY","text":$}',
      valid: (v) => typeof v === 'string' && v.trim() !== '',
      tooLong: MAX_MESSAGE_CHARS,
    },
    { route: `${b}/messages`, template: '{"clientMessageId":$,"text":"t"}', valid: () => false },
    {
      route: `${b}/messages`,
      template: '{"clientMessageId":"KEY","text":"t","attachments":$}',
      valid: (v) => Array.isArray(v) && v.length === 0,
    },
    { route: `${b}/messages`, template: '{"clientMessageId":"KEY","text":"t","metadata":$}', valid: isObj },
    { route: `${b}/typing`, template: '{"isTyping":$}', valid: (v) => typeof v === 'boolean', okStatus: 204 },
    {
      route: `${b}/receipts`,
      template: '{"upToSeq":$}',
      // lastSeq only grows, and the numbers tried are 0, 5 or far beyond it.
      valid: (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= lastSeqAtStart,
      okStatus: 204,
    },
    // null counts as absent for the defaulted fields (kind: read, reason: user_requested).
    { route: `${b}/receipts`, template: '{"kind":$,"upToSeq":0}', valid: (v) => v === null, okStatus: 204 },
    { route: `${b}/feedback`, template: '{"kind":$,"value":1}', valid: () => false },
    {
      route: `${b}/feedback`,
      template: '{"kind":"csat","value":$}',
      valid: (v) => typeof v === 'number' && [1, 2, 3, 4, 5].includes(v),
    },
    {
      route: `${b}/feedback`,
      template: `{"kind":"thumbs","value":$,"messageId":"${first}"}`,
      valid: () => false,
    },
    {
      route: `${b}/feedback`,
      template: '{"kind":"thumbs","value":"up","messageId":$}',
      valid: str(Infinity, true),
      okStatus: 404,
    },
    {
      route: `${b}/feedback`,
      template: '{"kind":"csat","value":3,"comment":$}',
      valid: (v) => typeof v === 'string',
      tooLong: MAX_MESSAGE_CHARS,
    },
    { route: `${b}/turns/turn_none/cancel`, template: '{"x":$}', valid: () => true, okStatus: 404 },
    { route: `${b}/handoff/ho_none/cancel`, template: '{"x":$}', valid: () => true, okStatus: 404 },
    // Last: a valid one opens a handoff (201), later valid ones get its snapshot (200).
    { route: `${b}/handoff`, template: '{"reason":$}', valid: (v) => v === null, handoff: true },
    {
      route: `${b}/handoff`,
      template: '{"reason":"user_requested","note":$}',
      valid: (v) => typeof v === 'string',
      tooLong: MAX_MESSAGE_CHARS,
      handoff: true,
    },
    { route: `${b}/handoff`, template: '{"skill":$}', valid: str(64), handoff: true },
    { route: `${b}/handoff`, template: '{"language":$}', valid: str(35), handoff: true },
  ];
  let handoffOpen = false;
  const tasks: (() => Promise<void>)[] = [];
  for (const f of fields) {
    for (const w of WRONG) {
      tasks.push(async () => {
        const k = key();
        const body = f.template.replace('$', w.json).replace('KEY', k);
        const value = JSON.parse(w.json) as unknown;
        const label = `[types] ${f.route.replace(b, '{id}')} ${f.template} = ${w.name}`;
        const r = await request('POST', f.route, {
          token: u.c.token,
          body,
          headers: {
            'content-type': 'application/json',
            ...(f.template.includes('KEY') && { 'idempotency-key': k }),
          },
        });
        const tooLong = f.tooLong !== undefined && typeof value === 'string' && value.length > f.tooLong;
        // The server refuses bodies nested deeper than 64 levels (400) before looking at fields.
        const valid = f.valid(value) && !tooLong && !w.name.startsWith('deep');
        const okStatus = f.handoff && handoffOpen ? 200 : (f.okStatus ?? 201);
        expect(label, r, tooLong ? 413 : valid ? okStatus : 400);
        if (f.handoff && r.status === 201) handoffOpen = true;
      });
    }
  }
  // Sequential: sends in this conversation must not interleave with the expectations above.
  await pool(tasks, 1);
  // Back to the bot for the checks afterwards.
  const h = await request('GET', `${b}/messages?limit=200`, { token: u.c.token });
  if (h.body.handoff) {
    const r = await request('POST', `${b}/handoff/${h.body.handoff.id}/cancel`, {
      token: u.c.token,
      json: {},
    });
    expect('[types] cancel the handoff', r, 200);
  }
  if (h.body.hasMore) fail('[types] more than 200 messages');
  const userMessage = (h.body.messages as { id: string; role: string }[]).find((m) => m.role === 'user')!;
  const r = await request('POST', `${b}/feedback`, {
    token: u.c.token,
    json: { kind: 'thumbs', value: 'up', messageId: userMessage.id },
  });
  expect('[types] thumbs on a user message', r, 404, 'not-found');
  // The accepted sends of this conversation (text "t" and wrong-typed fields that were valid).
  const texts = (h.body.messages as { role: string; text: string }[]).filter((m) => m.role === 'user');
  u.texts = texts.map((m) => m.text);
  u.comments = [];
  u.skipCommentCheck = true;
  await waitIdle(u);
}

// ---------------------------------------------------------------------------------------------------
// Malformed bodies at every POST route, and tricky but valid JSON.

const enc = (s: string) => new TextEncoder().encode(s);
const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...enc(p)] : p)));

async function malformedBodies(u: Used): Promise<void> {
  const b = base(u);
  const routes = [
    '/v1/conversations',
    `${b}/messages`,
    `${b}/turns/turn_none/cancel`,
    `${b}/typing`,
    `${b}/receipts`,
    `${b}/feedback`,
    `${b}/handoff`,
    `${b}/handoff/ho_none/cancel`,
    `${b}/close`,
  ];
  const JSON_CT = { 'content-type': 'application/json' };
  const cases: {
    name: string;
    body: () => Body;
    headers: Record<string, string>;
    status: number;
    code: string;
  }[] = [];
  const invalidJson = (name: string, body: string | Uint8Array, ct = 'application/json') =>
    cases.push({
      name,
      body: () => body,
      headers: { 'content-type': ct },
      status: 400,
      code: 'invalid-json',
    });
  for (const t of [
    '{"text": "abc',
    '{',
    '}',
    '{"a":}',
    '{"a":1,}',
    "{'a':1}",
    '{a:1}',
    'nul',
    'tru',
    ' ',
    '\n\t',
    '[]',
    '"s"',
    '42',
    'null',
    'true',
    deep(1000),
    deep(20000),
    '{"a":1}{"b":2}',
    '{"a":1} x',
    '{"a":NaN}',
    '{"a":Infinity}',
    '{"a":0x10}',
    '{"a":01}',
    '{"a":"\u0001"}',
    '{"a":"\\x41"}',
    '{"a":"\\u12"}',
    '{"a":"tab\there"}',
    '{"__proto__":',
    '\u0000',
  ]) {
    invalidJson(`invalid JSON ${show(t)}`, t);
  }
  invalidJson('byte 0xff', bytes([0xff]));
  invalidJson('invalid UTF-8 in a string', bytes('{"text":"', [0xc3, 0x28], '"}'));
  invalidJson('overlong UTF-8', bytes('{"text":"', [0xc0, 0xaf], '"}'));
  invalidJson('UTF-8 encoded surrogate', bytes('{"text":"', [0xed, 0xa0, 0x80], '"}'));
  invalidJson('latin-1 byte', bytes('{"text":"caf', [0xe9], '"}'));
  invalidJson('truncated UTF-8 sequence', bytes('{"text":"', [0xe2, 0x82], '"}'));
  invalidJson('UTF-16LE', new Uint8Array(Buffer.from('\ufeff{"a":1}', 'utf16le')));
  invalidJson('charset=utf-8 with garbage', 'garbage', 'application/json; charset=utf-8');
  const unsupported = (name: string, ct: string | undefined, body: Body = '{}') =>
    cases.push({
      name,
      body: () => body,
      headers: ct === undefined ? {} : { 'content-type': ct },
      status: 415,
      code: 'unsupported-media-type',
    });
  for (const ct of [
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/json; charset=latin1',
    'application/json; charset=utf-16',
    'application/jsonp',
    'application/json-patch+json',
    'application/json, text/plain',
    'json',
    '',
    '*/*',
  ]) {
    unsupported(`content-type ${show(ct)}`, ct);
  }
  unsupported('bytes without content-type', undefined, enc('{}'));
  const big = '{"text":"' + 'z'.repeat(70_000) + '"}';
  cases.push({
    name: 'body over the limit',
    body: () => big,
    headers: JSON_CT,
    status: 413,
    code: 'payload-too-large',
  });
  cases.push({
    name: 'chunked body over the limit',
    body: () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 40; i++) controller.enqueue(enc(i === 0 ? '{"a":"' : 'w'.repeat(4096)));
          controller.close();
        },
      }),
    headers: JSON_CT,
    status: 413,
    code: 'payload-too-large',
  });
  const tasks: (() => Promise<void>)[] = [];
  for (const route of routes) {
    for (const c of cases) {
      tasks.push(async () => {
        const r = await request('POST', route, { token: u.c.token, body: c.body(), headers: c.headers });
        expect(`[malformed] ${route.replace(b, '{id}')} ${c.name}`, r, c.status, c.code);
      });
    }
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      tasks.push(async () => {
        const r = await request(method, route, { token: u.c.token, json: {} });
        expect(`[malformed] ${method} ${route.replace(b, '{id}')}`, r, 405, 'method-not-allowed');
      });
    }
  }
  await pool(tasks);

  // Tricky but valid JSON, in this conversation's order.
  const raw = async (
    label: string,
    route: string,
    body: string | Uint8Array,
    status: number,
    headers = {},
  ) => {
    const r = await request('POST', route, { token: u.c.token, body, headers: { ...JSON_CT, ...headers } });
    expect(`[tricky] ${label}`, r, status);
    return r;
  };
  const k1 = uuidv7();
  let r = await raw(
    'duplicate text keys',
    `${b}/messages`,
    `{"text":"first","text":"second","clientMessageId":"${k1}"}`,
    201,
  );
  if (r.body?.message?.text !== 'second') fail('[tricky] duplicate keys: the last one must win');
  else u.texts.push('second');
  const k2 = uuidv7();
  r = await raw(
    '__proto__ and constructor in a send',
    `${b}/messages`,
    `{"__proto__":{"text":1,"polluted":true},"constructor":{"prototype":{"polluted":true}},"text":"proto","clientMessageId":"${k2}","metadata":{"__proto__":{"polluted":true}}}`,
    201,
  );
  if (r.status === 201) u.texts.push('proto');
  const k3 = uuidv7();
  r = await raw('BOM before JSON', `${b}/messages`, `\ufeff{"text":"bom","clientMessageId":"${k3}"}`, 201);
  if (r.status === 201) u.texts.push('bom');
  await raw(
    '__proto__ only, no text',
    `${b}/messages`,
    `{"__proto__":{"text":"x","clientMessageId":"${uuidv7()}"}}`,
    400,
  );
  await raw('duplicate upToSeq, last valid', `${b}/receipts`, '{"upToSeq":"x","upToSeq":0}', 204);
  await raw('duplicate upToSeq, last invalid', `${b}/receipts`, '{"upToSeq":0,"upToSeq":-1}', 400);
  // The server refuses unstorable strings anywhere in a body, unknown fields included.
  await raw('NUL escape in an unknown field', `${b}/typing`, '{"isTyping":false,"zzz":"\\u0000"}', 400);
  await raw(
    'lone surrogate escape in text',
    `${b}/messages`,
    `{"text":"\\ud800","clientMessageId":"${uuidv7()}"}`,
    400,
  );
  await raw(
    'NUL escape in text',
    `${b}/messages`,
    `{"text":"a\\u0000","clientMessageId":"${uuidv7()}"}`,
    400,
  );
  await raw('NUL escape in a metadata key', '/v1/conversations', '{"metadata":{"a\\u0000":1}}', 400);
  await raw(
    'lone surrogate in an attribute key',
    '/v1/conversations',
    '{"user":{"id":"u","attributes":{"\\udfff":1}}}',
    400,
  );
  // Bodies nest at most 64 levels: the body object, metadata, a, then arrays.
  await raw('metadata 64 levels deep', '/v1/conversations', `{"metadata":{"a":${deep(62)}}}`, 201);
  await raw('metadata 65 levels deep', '/v1/conversations', `{"metadata":{"a":${deep(63)}}}`, 400);
  await raw('deep metadata (20000)', '/v1/conversations', `{"metadata":{"a":${deep(20000)}}}`, 400);
  await raw('deep metadata (1000)', '/v1/conversations', `{"metadata":{"a":${deep(1000)}}}`, 400);
  await raw('deep unknown field', `${b}/typing`, `{"isTyping":true,"x":${deep(20000)}}`, 400);
  await raw(
    '__proto__ user',
    '/v1/conversations',
    '{"__proto__":{"user":{"id":5}},"user":{"id":"u","__proto__":{"id":5},"attributes":{"__proto__":"x","constructor":"y","toString":1}}}',
    201,
  );
  await raw('csat 5.0', `${b}/feedback`, '{"kind":"csat","value":5.0,"__proto__":{"comment":5}}', 201);
  await raw('csat 1e0', `${b}/feedback`, '{"kind":"csat","value":1e0}', 201);
  await raw('csat 5.000000000000001', `${b}/feedback`, '{"kind":"csat","value":5.000000000000001}', 400);
  await raw('empty body, typing', `${b}/typing`, '', 400);
  await raw('empty body, send', `${b}/messages`, '', 400);
  await raw('empty body, create', '/v1/conversations', '', 201);
  r = await request('POST', `${b}/typing`, { token: u.c.token, body: new Uint8Array(0) });
  expect('[tricky] empty body, no content-type, typing', r, 400, 'validation-failed');
  r = await request('POST', `${b}/typing`, { token: u.c.token });
  expect('[tricky] no body at all, typing', r, 400, 'validation-failed');
  await waitIdle(u);
}

/** Waits until the bot of `u` finished its last answer. */
async function waitIdle(u: Used): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const h = await request('GET', `${base(u)}/messages?limit=1`, { token: u.c.token });
    const last = h.body?.messages?.at(-1);
    if (!last || last.status !== 'streaming') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  fail(`${u.name}: the bot never finished`);
}

// ---------------------------------------------------------------------------------------------------
// Close: malformed bodies refused, naughty fields ignored, idempotent; then what is left after close.

async function closeFuzz(u: Used): Promise<void> {
  const b = base(u);
  await sendAndEcho(u, '[close]', 'before the end');
  let lastSeq: number | undefined;
  for (const [i, str] of STRINGS.entries()) {
    const r = await request('POST', `${b}/close`, { token: u.c.token, json: { [str]: str, reason: str } });
    if (!expect(`[close #${i}] close with ${show(str)}`, r, storable(str) ? 200 : 400)) continue;
    if (r.status !== 200) continue;
    lastSeq ??= r.body.lastSeq;
    if (r.body.status !== 'closed' || r.body.lastSeq !== lastSeq) fail(`[close #${i}]: close not idempotent`);
  }
  u.closed = true;
  for (const str of [...STRINGS.slice(0, 20), ...EXTRA]) {
    const key = uuidv7();
    let r = await request('POST', `${b}/messages`, {
      token: u.c.token,
      json: { text: str.trim() ? str : 'x', clientMessageId: key },
    });
    expect(`[close] send after close ${show(str)}`, r, storable(str) ? 410 : 400);
    r = await request('POST', `${b}/feedback`, {
      token: u.c.token,
      json: { kind: 'csat', value: 2, comment: str },
    });
    expect(`[close] feedback after close ${show(str)}`, r, storable(str) ? 201 : 400);
    r = await request('POST', `${b}/typing`, { token: u.c.token, json: { isTyping: true, x: str } });
    expect(`[close] typing after close`, r, storable(str) ? 410 : 400);
    r = await request('GET', `${b}/events`, {
      token: u.c.token,
      headers: { 'last-event-id': String(lastSeq) },
    });
    expect(`[close] events at lastSeq after close`, r, 410, 'conversation-closed');
  }
}

// ---------------------------------------------------------------------------------------------------
// Afterwards: history readable, the log valid from seq 1, contiguous, and a normal answer still streams.

async function checkLog(u: Used): Promise<void> {
  const L = `[log ${u.name}]`;
  // History, paged forward.
  const messages: { role: string; text: string; status: string; seq: number }[] = [];
  let cursor = 0;
  let lastSeq = 0;
  for (;;) {
    const r = await request('GET', `${base(u)}/messages?after=${cursor}&limit=200`, { token: u.c.token });
    if (!expect(`${L} history after=${cursor}`, r, 200)) return;
    messages.push(...r.body.messages);
    lastSeq = r.body.lastSeq;
    if (!r.body.hasMore) break;
    cursor = r.body.messages.at(-1).seq;
  }
  const userTexts = messages.filter((m) => m.role === 'user').map((m) => m.text);
  if (JSON.stringify(userTexts) !== JSON.stringify(u.texts))
    fail(`${L}: history user texts differ (${userTexts.length} vs ${u.texts.length} sent)`);
  for (const m of messages) {
    if (m.status === 'streaming') fail(`${L}: message ${m.seq} still streaming`);
  }
  // A fresh read of the whole log, validated.
  const { frames, issues, durable } = await readLog(u, lastSeq);
  if (issues.length) fail(`${L}: validator issues ${JSON.stringify(issues.slice(0, 3))}`);
  const seqs = durable.map((e) => e.seq);
  if (seqs.length !== lastSeq || seqs.some((seq, i) => seq !== i + 1))
    fail(`${L}: seqs not contiguous 1..${lastSeq} (${seqs.length} events, ${frames} frames)`);
  const comments = durable.flatMap((e) =>
    e.type === 'feedback.recorded' && e.data.comment !== undefined ? [e.data.comment] : [],
  );
  if (!u.skipCommentCheck && JSON.stringify(comments) !== JSON.stringify(u.comments))
    fail(`${L}: feedback comments in the log differ (${comments.length} vs ${u.comments.length})`);
  // What the long-lived stream saw is exactly the log (no loss, no duplicate, same content).
  if (u.stream) {
    const live = u.stream.durable().filter((e) => e.seq <= lastSeq);
    if (!isDeepStrictEqual(live, durable)) fail(`${L}: live stream differs from the stored log`);
  }
  // A normal send still streams a normal answer.
  if (u.closed) return;
  if (!u.stream) return;
  const id = await sendAndEcho(u, L, 'all good?');
  if (!id) fail(`${L}: no normal answer after the fuzz`);
}

async function readLog(
  u: Used,
  lastSeq: number,
): Promise<{ frames: number; issues: ValidationIssue[]; durable: DurableEvent[] }> {
  const abort = new AbortController();
  const res = await fetch(`${url}${base(u)}/events?after=0`, {
    headers: { authorization: `Bearer ${u.c.token}` },
    signal: abort.signal,
  });
  counts.sent++;
  counts[`${String(res.status)[0]}xx` as '2xx']++;
  const validator = createStreamValidator();
  const durable: DurableEvent[] = [];
  let frames = 0;
  const timer = setTimeout(() => abort.abort(), 10_000);
  try {
    if (res.status !== 200) throw new Error(`events: ${res.status}`);
    for await (const m of readSseStream(res.body!, { signal: abort.signal })) {
      frames++;
      validator.push(m);
      const e = JSON.parse(m.data) as BatonEvent;
      if ('seq' in e) durable.push(e);
      if (('seq' in e && e.seq >= lastSeq) || (e.type === 'hello' && lastSeq === 0)) break;
    }
  } catch (error) {
    if (!abort.signal.aborted) fail(`[log ${u.name}]: reading the log failed: ${String(error)}`);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return { frames, issues: validator.end().issues, durable };
}

// Keep HANDOFF_REASONS referenced: no naughty string may be a legal reason (else the expectations above lie).
assert.ok(!STRINGS.some((s) => (HANDOFF_REASONS as readonly string[]).includes(s)));
