import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './scripts/chromium.mjs';

const executablePath = CHROMIUM_PATH;
if (!existsSync(executablePath)) {
  throw new Error(
    `Chromium not found at ${executablePath}: install it with \`apt-get install -y chromium\` or set CHROME_PATH to a Chrome/Chromium binary`,
  );
}

// Test corpora live next to the repository (../shared) and are never copied into it; browser tests
// fetch them from /__shared__/<path>.
const sharedDir = fileURLToPath(new URL('../shared/', import.meta.url));
const SHARED_PREFIX = '/__shared__/';

/** Serves files of the shared directory under `/__shared__/`, refusing paths that escape it. */
function sharedCorporaPlugin() {
  return {
    name: 'baton-shared-corpora',
    async serve(context) {
      if (!context.path.startsWith(SHARED_PREFIX)) return undefined;
      const file = resolve(sharedDir, decodeURIComponent(context.path.slice(SHARED_PREFIX.length)));
      if (!file.startsWith(sharedDir.endsWith(sep) ? sharedDir : sharedDir + sep) || !existsSync(file)) {
        return undefined;
      }
      return { body: await readFile(file, 'utf8'), type: extname(file).slice(1) || 'text/plain' };
    },
  };
}

// Browser tests that need a protocol server fetch `/__baton_backend__` and get `{ "url": ... }` of the
// example backend (examples/custom-backend, built by `tsc -b examples/custom-backend`), started on
// 127.0.0.1 port 0 on the first request and stopped with the test server. Unused, it costs nothing.
// `/__baton_backend__/streams?conversation=<id>` answers which event-stream requests the backend got for a
// conversation (`{ requests: [{ after, at, fault }], open }`), so tests can count connections server-side.
//
// Fault hooks (packages/core/test/browser/faults.test.ts), all GET:
// - `/__baton_backend__/faults?conversation=<id>&next=<f>,<f>...&random=<seed>:<min>:<max>&drop=1&clear=1`:
//   the next stream requests of that conversation get the faults `next` lists, one each, in order:
//   `cut:<n>` (the body is cut after n bytes and the connection dropped), `status:<code>` (a problem answer
//   instead of the stream) or `pass`; after those, with `random`, every stream request is cut at a
//   pseudo-random offset in [min, max). `drop=1` also drops the conversation's open streams now;
//   `clear=1` removes its faults first.
// - `/__baton_backend__/restart?downMs=<ms>`: the backend drops every connection and stops listening for
//   `downMs`, then listens on the same port with the same state; answers once it listens again.
const BACKEND_PATH = '/__baton_backend__';
const STREAMS_PATH = '/__baton_backend__/streams';
const FAULTS_PATH = '/__baton_backend__/faults';
const RESTART_PATH = '/__baton_backend__/restart';
const EVENTS_URL = /^\/v1\/conversations\/([^/?]+)\/events(?:\?|$)/;
const PROBLEM_CODES = {
  401: 'unauthorized',
  404: 'not-found',
  410: 'conversation-closed',
  503: 'unavailable',
};

/** Answers a stream request with a problem instead of the stream (CORS headers included, as the backend would). */
function answerStatus(req, res, status) {
  const origin = req.headers.origin;
  res.writeHead(status, {
    'Content-Type': 'application/problem+json',
    ...(origin && { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' }),
  });
  res.end(JSON.stringify({ status, code: PROBLEM_CODES[status] ?? 'internal', detail: 'Injected fault.' }));
}

/** Lets the first `bytes` bytes of the response body through, then drops the connection. */
function cutAfter(res, bytes) {
  let left = bytes;
  const write = res.write.bind(res);
  const writeHead = res.writeHead.bind(res);
  const cut = () => setTimeout(() => res.destroy(), 5);
  res.writeHead = (...args) => {
    writeHead(...args);
    if (left === 0) {
      res.flushHeaders();
      cut();
    }
    return res;
  };
  res.write = (chunk, encoding, callback) => {
    if (left <= 0) return true;
    const part = Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8').subarray(0, left);
    left -= part.length;
    write(part, callback);
    if (left <= 0) cut();
    return true;
  };
}

function exampleBackendPlugin() {
  let running;
  const streams = new Map();
  /** Per conversation: `{ next: string[], random: { next(): number } | undefined, open: Set<response> }`. */
  const faults = new Map();
  const faultsOf = (id) => {
    let entry = faults.get(id);
    if (!entry) faults.set(id, (entry = { next: [], random: undefined, open: new Set() }));
    return entry;
  };
  const onRequest = (req, res) => {
    const match = req.method === 'GET' ? EVENTS_URL.exec(req.url ?? '') : null;
    if (!match) return false;
    const id = decodeURIComponent(match[1]);
    const entry = streams.get(id) ?? { requests: [], open: 0 };
    streams.set(id, entry);
    const f = faultsOf(id);
    const fault = f.next.shift() ?? (f.random ? `cut:${f.random.next()}` : 'pass');
    entry.requests.push({
      after: new URL(req.url, 'http://x').searchParams.get('after'),
      at: Date.now(),
      fault,
    });
    entry.open++;
    f.open.add(res);
    res.on('close', () => {
      entry.open--;
      f.open.delete(res);
    });
    const [kind, value] = fault.split(':');
    if (kind === 'status') {
      answerStatus(req, res, Number(value));
      return true;
    }
    if (kind === 'cut') cutAfter(res, Number(value));
    return false;
  };
  const seeded = (seed, min, max) => ({
    next: () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return min + Math.floor((seed / 2 ** 31) * (max - min));
    },
  });
  return {
    name: 'baton-example-backend',
    async serve(context) {
      if (context.path === STREAMS_PATH) {
        const id = context.URL.searchParams.get('conversation') ?? '';
        return { body: JSON.stringify(streams.get(id) ?? { requests: [], open: 0 }), type: 'json' };
      }
      if (context.path === FAULTS_PATH) {
        const params = context.URL.searchParams;
        const f = faultsOf(params.get('conversation') ?? '');
        if (params.get('clear')) Object.assign(f, { next: [], random: undefined });
        const next = params.get('next');
        if (next) f.next.push(...next.split(','));
        const random = params.get('random');
        if (random) f.random = seeded(...random.split(':').map(Number));
        if (params.get('drop')) for (const res of f.open) res.destroy();
        return { body: JSON.stringify({ next: f.next, random: Boolean(f.random) }), type: 'json' };
      }
      if (context.path === RESTART_PATH) {
        if (!running) return { status: 409, body: 'The backend is not running.', type: 'txt' };
        await (await running).restart(Number(context.URL.searchParams.get('downMs') ?? 0));
        return { body: '{}', type: 'json' };
      }
      if (context.path !== BACKEND_PATH) return undefined;
      const entry = new URL('./examples/custom-backend/dist/server.js', import.meta.url);
      if (!existsSync(fileURLToPath(entry))) {
        return {
          status: 503,
          body: 'Build the example backend first: npx tsc -b examples/custom-backend',
          type: 'txt',
        };
      }
      running ??= import(entry.href).then((m) =>
        m.startBackend({ port: 0, wordDelayMs: 5, sendsPerMinute: 0, serveExtra: onRequest }),
      );
      return { body: JSON.stringify({ url: (await running).url }), type: 'json' };
    },
    async serverStop() {
      if (running) await (await running).close();
    },
  };
}

// Browser tests that need what only the DevTools protocol can do send these commands (executeServerCommand):
// - `baton-page-scale` `{ scale }`: zooms the page like a pinch, so the visual viewport is smaller than the
//   layout viewport, as when an on-screen keyboard is open;
// - `baton-wheel` `{ x, y, deltaY }`: a real mouse wheel at (x, y), which scrolls what a user's would.
function devtoolsCommandsPlugin() {
  return {
    name: 'baton-devtools-commands',
    async executeCommand({ command, payload, session }) {
      if (command !== 'baton-page-scale' && command !== 'baton-wheel') return undefined;
      const page = session.browser.getPage(session.id);
      if (command === 'baton-wheel') {
        await page.mouse.move(payload.x, payload.y);
        await page.mouse.wheel({ deltaY: payload.deltaY });
        return true;
      }
      const cdp = await page.createCDPSession();
      await cdp.send('Emulation.setPageScaleFactor', { pageScaleFactor: payload.scale });
      await cdp.detach();
      return true;
    },
  };
}

export default {
  files: ['packages/*/test/browser/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  // The fault-injection file cuts one answer at every byte offset: a few minutes on a loaded machine.
  testsFinishTimeout: 600_000,
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath,
        args: [...CHROMIUM_ARGS, '--headless=new'],
      },
    }),
  ],
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022' }),
    sharedCorporaPlugin(),
    exampleBackendPlugin(),
    devtoolsCommandsPlugin(),
  ],
};
