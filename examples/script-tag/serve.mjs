// Serves the script-tag example and a Baton backend on one origin: the page at /, the built embed folder
// (packages/embed/dist/cdn: baton.js, baton-widget.js, locales) at /widget/, and the protocol API of the
// example backend (examples/custom-backend: in memory, an echo bot) at /v1.
// Run: `npm run build && node examples/script-tag/serve.mjs`.
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const widgetDir = join(root, 'packages', 'embed', 'dist', 'cdn');
const PAGE_FILES = { '/': 'index.html', '/baton-commands.js': 'baton-commands.js', '/page.css': 'page.css' };
const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.map': 'application/json',
};

/** The file for a URL path: a page file, or a plain file name under /widget/; else undefined. */
function fileFor(pathname) {
  if (PAGE_FILES[pathname]) return join(here, 'public', PAGE_FILES[pathname]);
  const name = pathname.startsWith('/widget/') ? pathname.slice('/widget/'.length) : '';
  return /^[\w-]+(\.[\w-]+)+$/.test(name) ? join(widgetDir, name) : undefined;
}

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
    port: options.port ?? 8791,
    host: options.host ?? '127.0.0.1',
    serveExtra(req, res) {
      const { pathname } = new URL(req.url ?? '/', 'http://localhost');
      // Browsers ask for a favicon on their own; an empty answer keeps their consoles free of 404s.
      if (pathname === '/favicon.ico') return Boolean(res.writeHead(204).end());
      const file = req.method === 'GET' ? fileFor(pathname) : undefined;
      if (!file) return false;
      readFile(file).then(
        (body) => {
          res.writeHead(200, {
            'Content-Type': `${TYPES[extname(file)] ?? 'application/octet-stream'}; charset=utf-8`,
            // The strictest policy the embed works under: everything from this one origin.
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
  const port = Number(process.env.PORT || 8791);
  const { url } = await start({ port, host: process.env.HOST || '127.0.0.1' });
  process.stdout.write(`Baton script-tag example: ${url}/\n`);
}
