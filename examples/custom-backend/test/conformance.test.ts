import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runConformance } from '@baton-chat/protocol/conformance';
import { startBackend, type RunningBackend } from '../src/server.js';

/**
 * How a proxy in front of the example backend breaks the protocol: it may rewrite request headers,
 * drop or rewrite SSE blocks of event streams, and rewrite response headers.
 */
interface Fault {
  request?: (path: string, headers: IncomingHttpHeaders) => { path: string; headers: IncomingHttpHeaders };
  block?: (block: string, state: { deltas: number }) => string | null;
  responseHeaders?: (headers: IncomingHttpHeaders) => IncomingHttpHeaders;
}

/** A real HTTP proxy on 127.0.0.1 that applies `fault` to everything passing through. */
async function faultyProxy(target: string, fault: Fault): Promise<{ url: string; server: Server }> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const original = { path: req.url ?? '/', headers: { ...req.headers, host: upstream.host } };
    const { path, headers } = fault.request?.(original.path, original.headers) ?? original;
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path, headers },
      (up) => {
        const resHeaders = fault.responseHeaders?.(up.headers) ?? up.headers;
        res.writeHead(up.statusCode ?? 502, resHeaders);
        if (!String(up.headers['content-type']).startsWith('text/event-stream') || !fault.block) {
          up.pipe(res);
          return;
        }
        const state = { deltas: 0 };
        let buffer = '';
        up.setEncoding('utf8');
        up.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end + 2);
            buffer = buffer.slice(end + 2);
            const out = fault.block!(block, state);
            if (out !== null) res.write(out);
          }
        });
        up.on('end', () => res.end(buffer));
        res.on('close', () => up.destroy());
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('the conformance kit against examples/custom-backend', () => {
  let backend: RunningBackend;
  const proxies: Server[] = [];

  before(async () => {
    backend = await startBackend({ wordDelayMs: 10 });
  });
  after(async () => {
    for (const proxy of proxies) {
      proxy.closeAllConnections();
      proxy.close();
    }
    await backend.close();
  });

  async function runThrough(fault: Fault, only: string[]) {
    const proxy = await faultyProxy(backend.url, fault);
    proxies.push(proxy.server);
    return runConformance({ url: proxy.url, only, timeoutMs: 2000 });
  }

  it('passes every scenario (at least 20)', async () => {
    const report = await runConformance({ url: backend.url });
    const failures = report.results.filter((r) => !r.passed).map((r) => `${r.id}: ${r.error}`);
    assert.deepEqual(failures, []);
    assert.ok(report.passed >= 20, `only ${report.passed} scenarios ran`);
  });

  it('fails a server whose stream loses a delta (seq and index gaps)', async () => {
    const report = await runThrough(
      { block: (b, s) => (b.startsWith('event: message.delta') && ++s.deltas === 2 ? null : b) },
      ['send-and-stream'],
    );
    assert.equal(report.failed, 1);
    assert.match(report.results[0]!.error!, /BP004 at frame \d+: seq \d+, expected \d+/);
  });

  it('fails a server that ignores the resume cursor', async () => {
    const report = await runThrough(
      {
        request: (path, headers) => {
          const { 'last-event-id': _dropped, ...rest } = headers;
          return { path: path.replace(/\?after=\d+/, ''), headers: rest };
        },
      },
      ['resume-every-cursor', 'resume-after-query'],
    );
    assert.deepEqual(
      report.results.map((r) => [r.id, r.passed]),
      [
        ['resume-every-cursor', false],
        ['resume-after-query', false],
      ],
    );
    assert.match(report.results[0]!.error!, /hello\.resumeFrom at cursor 1: expected 1, got 0/);
  });

  it('fails a server whose SSE event names disagree with the envelope', async () => {
    const report = await runThrough(
      { block: (b) => b.replace('event: message.completed', 'event: message.done') },
      ['send-and-stream'],
    );
    assert.equal(report.failed, 1);
  });

  it('fails a server that does not flag replayed idempotent responses', async () => {
    const report = await runThrough(
      {
        responseHeaders: (headers) => {
          const { 'idempotent-replayed': _dropped, ...rest } = headers;
          return rest;
        },
      },
      ['idempotent-replay'],
    );
    assert.equal(report.failed, 1);
    assert.match(report.results[0]!.error!, /Idempotent-Replayed header/);
  });

  it('reports every scenario as failed, with the reason, when nothing answers', async () => {
    const report = await runConformance({
      url: 'http://127.0.0.1:9',
      timeoutMs: 1000,
      only: ['capabilities', 'close'],
    });
    assert.deepEqual([report.passed, report.failed], [0, 2]);
    assert.match(report.results[0]!.error!, /did not answer GET \/v1\/capabilities/);
  });
});
