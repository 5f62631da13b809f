// Serves the headless-webview example and a Baton backend on one origin: the page, the two browser
// bundles of @baton-chat/core (built by `npm run build`), and the protocol API of the example backend
// (examples/custom-backend, in memory, an echo bot). Run: `npm run build && node examples/headless-webview/serve.mjs`.
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
// Only these files are served: the page, its script and style, and the core bundles under /vendor/.
const FILES = {
  '/': join(here, 'public', 'index.html'),
  '/app.js': join(here, 'public', 'app.js'),
  '/app.css': join(here, 'public', 'app.css'),
  '/vendor/baton-core.min.js': join(root, 'packages', 'core', 'dist', 'baton-core.min.js'),
  '/vendor/baton-core-bridge.min.js': join(root, 'packages', 'core', 'dist', 'baton-core-bridge.min.js'),
};
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

/**
 * Starts the example on `host:port` (port 0 picks a free one) and resolves with its URL and `close()`.
 *
 * @param {{ port?: number, host?: string }} [options]
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function start(options = {}) {
  const backendEntry = join(root, 'examples', 'custom-backend', 'dist', 'server.js');
  const { startBackend } = await import(pathToFileURL(backendEntry).href).catch(() => {
    throw new Error('The example backend is not built: run `npm run build` first.');
  });
  return startBackend({
    port: options.port ?? 8790,
    host: options.host ?? '127.0.0.1',
    serveExtra(req, res) {
      const { pathname } = new URL(req.url ?? '/', 'http://localhost');
      // Browsers ask for a favicon on their own; an empty answer keeps their consoles free of 404s.
      if (pathname === '/favicon.ico') return Boolean(res.writeHead(204).end());
      const file = req.method === 'GET' ? FILES[pathname] : undefined;
      if (!file) return false;
      readFile(file).then(
        (body) => {
          res.writeHead(200, {
            'Content-Type': `${TYPES[extname(file)]}; charset=utf-8`,
            'Content-Security-Policy': "default-src 'self'",
            'X-Content-Type-Options': 'nosniff',
            'Cache-Control': 'no-cache',
          });
          res.end(body);
        },
        () => res.writeHead(404).end(`${pathname} is missing: run \`npm run build\` first.\n`),
      );
      return true;
    },
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = Number(process.env.PORT || 8790);
  const { url } = await start({ port, host: process.env.HOST || '127.0.0.1' });
  process.stdout.write(`Baton headless webview example: ${url}/\n`);
}
