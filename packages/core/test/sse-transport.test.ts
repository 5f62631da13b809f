import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createSseTransport } from '@baton-chat/core';
import type { Clock, SseTransportOptions, TransportStatus } from '@baton-chat/core';
import type { SseMessage } from '@baton-chat/protocol';

interface Vector {
  name: string;
  chunksBase64: string[];
  expect: { data: string[]; types?: string[]; ids?: string[]; retry?: number };
}
// The corpus lives next to the repository and is never copied into it.
const VECTORS = new URL('../../../../shared/corpora/sse-vectors/wpt-derived-vectors.json', import.meta.url);

let server: Server;
let base = '';
let handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, r) => r.end();
const seen: IncomingMessage[] = [];

before(async () => {
  server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  seen.length = 0;
});

const sse = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A clock with real time whose timers fire within 5 ms, recording every delay asked for. */
function fastClock(): Clock & { delays: number[]; backoffs: number[]; mark(): void } {
  const delays: number[] = [];
  const backoffs: number[] = [];
  let marked = false;
  return {
    delays,
    backoffs,
    // The first timer after a 'reconnecting'/'offline' status is the backoff wait.
    mark: () => {
      marked = true;
    },
    now: () => Date.now(),
    setTimeout: (fn, ms) => {
      delays.push(ms);
      if (marked) backoffs.push(ms);
      marked = false;
      return setTimeout(fn, Math.min(ms, 5));
    },
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  };
}

function run(extra: Partial<SseTransportOptions> = {}) {
  const messages: SseMessage[] = [];
  const statuses: TransportStatus[] = [];
  let stopped: { error: unknown } | undefined;
  let cursor = 0;
  const transport = createSseTransport({
    url: base,
    getCursor: () => cursor,
    onMessage: (m) => {
      messages.push(m);
      if (m.id !== undefined && /^\d+$/.test(m.id)) cursor = Number(m.id);
    },
    onStatus: (s) => {
      statuses.push(s);
      if (s === 'reconnecting' || s === 'offline')
        (extra.clock as { mark?: () => void } | undefined)?.mark?.();
    },
    onStop: (error) => {
      stopped = { error };
    },
    window: null,
    document: null,
    ...extra,
  });
  transport.start();
  return {
    transport,
    messages,
    statuses,
    get stopped() {
      return stopped;
    },
  };
}

async function until(check: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('SSE vectors through the transport', async () => {
  const vectors = JSON.parse(await readFile(VECTORS, 'utf8')) as Vector[];
  it('has all 16 vectors', () => assert.equal(vectors.length, 16));
  for (const vector of vectors) {
    it(vector.name, async () => {
      handler = (_req, res) => {
        sse(res);
        void (async () => {
          for (const chunk of vector.chunksBase64) {
            res.write(Buffer.from(chunk, 'base64'));
            await sleep(3);
          }
          res.end();
        })();
      };
      const clock = fastClock();
      const r = run({ clock, random: () => 1 });
      await until(() => r.statuses.includes('reconnecting'), 3000, 'end of stream');
      r.transport.stop();
      assert.deepEqual(
        r.messages.map((m) => m.data),
        vector.expect.data,
      );
      if (vector.expect.types)
        assert.deepEqual(
          r.messages.map((m) => m.event),
          vector.expect.types,
        );
      if (vector.expect.ids)
        assert.deepEqual(
          r.messages.map((m) => m.lastEventId),
          vector.expect.ids,
        );
      // With random() = 1 the first backoff is exactly the base delay: the stream's retry, else 3000.
      if (vector.expect.retry !== undefined) assert.equal(clock.backoffs[0], vector.expect.retry);
    });
  }
});

describe('relative server URLs', () => {
  it('opens the stream at a URL relative to the page (server "/" or "")', async () => {
    handler = (_req, res) => {
      sse(res);
      res.write('event: e\nid: 1\ndata: {"a":1}\n\n');
    };
    const asked: string[] = [];
    // A page would resolve the relative URL against its origin; here the injected fetch does.
    const r = run({
      url: '/v1/conversations/cv_1/events',
      fetch: (input, init) => {
        asked.push(String(input));
        return fetch(new URL(String(input), base), init);
      },
    });
    try {
      await until(() => r.messages.length === 1, 3000, 'the first event');
    } finally {
      r.transport.stop();
    }
    assert.equal(asked[0], '/v1/conversations/cv_1/events?after=0');
  });
});

describe('reconnect loop', () => {
  it('resumes from the applied cursor, never from an id whose block was cut', async () => {
    let n = 0;
    handler = (_req, res) => {
      sse(res);
      if (n++ === 0) {
        res.write('event: e\nid: 1\ndata: {"a":1}\n\nevent: e\nid: 2\ndata: {"a"');
        setTimeout(() => res.destroy(), 10);
      } else res.end();
    };
    const r = run({ clock: fastClock(), random: () => 0 });
    await until(() => seen.length >= 2, 3000, 'reconnect');
    r.transport.stop();
    assert.equal(seen[1]!.headers['last-event-id'], '1');
    assert.match(seen[1]!.url!, /after=1$/);
    assert.deepEqual(
      r.messages.map((m) => m.data),
      ['{"a":1}'],
    );
  });

  it('backs off exponentially with full jitter, capped at 30 s, on a 5xx storm', async () => {
    handler = (_req, res) => res.writeHead(500).end();
    const clock = fastClock();
    // heartbeatMs 1000: the watchdog's timers (<= 2000 ms) are told apart from the backoff waits.
    const r = run({ clock, random: () => 1, heartbeatMs: 1000 });
    // Counted on the client: the HTTP stack may retry a request on a reused socket, so the server's
    // count of requests is not the number of attempts.
    const waits = () => clock.delays.filter((ms) => ms > 2000);
    await until(() => waits().length >= 7, 3000, 'seven backoff waits');
    r.transport.stop();
    assert.ok(seen.length >= 7, `the server saw ${seen.length} requests`);
    assert.deepEqual(waits().slice(0, 7), [3000, 6000, 12000, 24000, 30000, 30000, 30000]);
    assert.ok(r.statuses.includes('reconnecting'));
  });

  it('no tight loop on a real clock: a 500 storm makes few requests over 1.5 s', async () => {
    handler = (_req, res) => res.writeHead(503).end();
    const r = run();
    await sleep(1500);
    r.transport.stop();
    assert.ok(seen.length <= 4, `${seen.length} requests in 1.5 s`);
    assert.ok(seen.length >= 1);
  });

  for (const status of [429, 503, 502, 408]) {
    it(`waits Retry-After on ${status}`, async () => {
      handler = (_req, res) => res.writeHead(status, { 'retry-after': '7' }).end();
      const clock = fastClock();
      const r = run({ clock, random: () => 0 });
      await until(() => seen.length >= 2, 3000, 'retry');
      r.transport.stop();
      assert.equal(clock.backoffs[0], 7000);
    });
  }

  for (const status of [204, 404, 410, 400]) {
    it(`stops for good on ${status}`, async () => {
      handler = (_req, res) =>
        res
          .writeHead(status, { 'content-type': 'application/problem+json' })
          .end(status === 204 ? '' : '{"code":"conversation-closed"}');
      const r = run({ clock: fastClock(), random: () => 0 });
      await until(() => r.stopped !== undefined, 3000, 'stop');
      await sleep(30);
      assert.equal(seen.length, 1);
      assert.equal((r.stopped!.error as { status: number }).status, status);
      assert.equal(r.transport.status, 'closed');
    });
  }

  it('401: calls onUnauthorized, retries once, then stops', async () => {
    handler = (_req, res) => res.writeHead(401).end();
    let calls = 0;
    const r = run({ clock: fastClock(), onUnauthorized: () => (calls++, true) });
    await until(() => r.stopped !== undefined, 3000, 'stop');
    assert.equal(calls, 1);
    assert.equal(seen.length, 2);
  });

  it('watchdog: reconnects when nothing arrives for 2 x heartbeatMs from hello', async () => {
    handler = (_req, res) => {
      sse(res);
      res.write('event: hello\ndata: {"type":"hello","data":{"heartbeatMs":40}}\n\n');
    };
    const r = run({ random: () => 0 });
    await until(() => seen.length >= 3, 2000, 'watchdog reconnects');
    r.transport.stop();
    assert.ok(r.messages.filter((m) => m.event === 'hello').length >= 2);
  });

  it('comments keep the watchdog quiet', async () => {
    handler = (_req, res) => {
      sse(res);
      res.write('event: hello\ndata: {"type":"hello","data":{"heartbeatMs":40}}\n\n');
      const t = setInterval(() => res.write(': hb\n\n'), 20);
      res.on('close', () => clearInterval(t));
    };
    const r = run({ random: () => 0 });
    await sleep(300);
    r.transport.stop();
    assert.equal(seen.length, 1);
  });

  it('hidden tabs keep their stream; becoming visible after silence catches up at once', async () => {
    const doc = new EventTarget() as EventTarget & { visibilityState: string };
    doc.visibilityState = 'hidden';
    handler = (_req, res) => {
      sse(res);
      res.write('event: hello\ndata: {"type":"hello","data":{"heartbeatMs":60000}}\n\n');
    };
    const r = run({ document: doc, random: () => 0 });
    await until(() => r.statuses.includes('open'));
    doc.dispatchEvent(new Event('visibilitychange'));
    await sleep(50);
    assert.equal(seen.length, 1, 'no re-request when hidden');
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    await sleep(50);
    assert.equal(seen.length, 1, 'fresh stream: nothing to catch up');
    const win = new EventTarget();
    r.transport.stop();
    const r2 = run({ window: win, random: () => 1 });
    await until(() => seen.length === 2);
    win.dispatchEvent(new Event('online'));
    await until(() => seen.length === 3, 1000, 'online reconnects at once');
    r2.transport.stop();
  });
});
