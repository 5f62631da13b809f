import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROTOCOL_VERSION } from '@baton-chat/protocol';
import { startBackend } from './server.js';

// Configuration comes from the environment only; see the README for the table.
const env = process.env;
const port = numberFromEnv('PORT', 8787);
const host = env.HOST || '127.0.0.1';

const publicDir = fileURLToPath(new URL('../public/', import.meta.url));
// The browser demo imports the protocol package's own build, straight from node_modules.
const protocolDir = dirname(fileURLToPath(import.meta.resolve('@baton-chat/protocol')));
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Serves the demo page and its modules; everything else goes to the protocol handler. */
function serveDemo(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  // Browsers ask for a favicon on their own; an empty answer keeps their consoles free of 404s.
  if (pathname === '/favicon.ico') {
    res.writeHead(204).end();
    return true;
  }
  let file: string | undefined;
  if (pathname === '/') file = join(publicDir, 'index.html');
  else if (pathname === '/demo.js' || pathname === '/demo.css') file = join(publicDir, pathname.slice(1));
  else if (pathname.startsWith('/vendor/protocol/')) {
    file = resolve(protocolDir, decodeURIComponent(pathname.slice('/vendor/protocol/'.length)));
    if (!file.startsWith(protocolDir + sep)) file = undefined;
  } else return false;

  const type = file && CONTENT_TYPES[extname(file)];
  if (!file || !type) return notFound(res);
  readFile(file).then(
    (content) => {
      res.writeHead(200, {
        'Content-Type': type,
        'Content-Security-Policy': "default-src 'self'",
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : content);
    },
    () => notFound(res),
  );
  return true;
}

function notFound(res: ServerResponse): true {
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n');
  return true;
}

function numberFromEnv(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
    process.exit(1);
  }
  return value;
}

const allowedOrigins = env.BATON_ALLOWED_ORIGINS?.split(',')
  .map((origin) => origin.trim())
  .filter(Boolean);

const running = await startBackend({
  port,
  host,
  serveExtra: serveDemo,
  ...(allowedOrigins?.length && { allowedOrigins }),
  ...(env.BATON_IDENTITY_SECRET && { identitySecret: env.BATON_IDENTITY_SECRET }),
  heartbeatMs: numberFromEnv('BATON_HEARTBEAT_MS', 15_000),
  maxBodyBytes: numberFromEnv('BATON_MAX_BODY_BYTES', 16_384),
  maxMessageChars: numberFromEnv('BATON_MAX_MESSAGE_CHARS', 4000),
  wordDelayMs: numberFromEnv('BATON_WORD_DELAY_MS', 40),
  handoffTimeoutMs: numberFromEnv('BATON_HANDOFF_TIMEOUT_MS', 0),
});
console.log(`Baton example backend on ${running.url} (protocol ${PROTOCOL_VERSION})`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1); // A second Ctrl+C does not wait.
    stopping = true;
    void running.close().then(() => process.exit(0));
  });
}
