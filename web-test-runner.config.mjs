import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';

const executablePath = process.env.CHROME_PATH || '/usr/bin/chromium';
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
// conversation (`{ requests: [{ after }], open }`), so multi-tab tests can count connections server-side.
const BACKEND_PATH = '/__baton_backend__';
const STREAMS_PATH = '/__baton_backend__/streams';
const EVENTS_URL = /^\/v1\/conversations\/([^/?]+)\/events(?:\?|$)/;

function exampleBackendPlugin() {
  let running;
  const streams = new Map();
  const countStreams = (req, res) => {
    const match = req.method === 'GET' ? EVENTS_URL.exec(req.url ?? '') : null;
    if (match) {
      const id = decodeURIComponent(match[1]);
      const entry = streams.get(id) ?? { requests: [], open: 0 };
      streams.set(id, entry);
      entry.requests.push({ after: new URL(req.url, 'http://x').searchParams.get('after') });
      entry.open++;
      res.on('close', () => entry.open--);
    }
    return false;
  };
  return {
    name: 'baton-example-backend',
    async serve(context) {
      if (context.path === STREAMS_PATH) {
        const id = context.URL.searchParams.get('conversation') ?? '';
        return { body: JSON.stringify(streams.get(id) ?? { requests: [], open: 0 }), type: 'json' };
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
        m.startBackend({ port: 0, wordDelayMs: 5, sendsPerMinute: 0, serveExtra: countStreams }),
      );
      return { body: JSON.stringify({ url: (await running).url }), type: 'json' };
    },
    async serverStop() {
      if (running) await (await running).close();
    },
  };
}

export default {
  files: ['packages/*/test/browser/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
          '--headless=new',
        ],
      },
    }),
  ],
  plugins: [esbuildPlugin({ ts: true, target: 'es2022' }), sharedCorporaPlugin(), exampleBackendPlugin()],
};
