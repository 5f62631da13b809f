// Shared by the console's Chromium tests: a customer on the protocol API, the browser, axe, sign-in.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { readSseStream, uuidv7 } from '@baton-chat/protocol';
import type { BatonEvent, CreateConversationResponse } from '@baton-chat/protocol';
import { createEchoBot, startServer, type RunningServer, type StartServerOptions } from '@baton-chat/server';

/** The built console app, served at /console by the test servers. */
export const APP_DIR = fileURLToPath(new URL('../dist/app/', import.meta.url));
/** Password of every test agent. */
export const PASSWORD = 'correct horse battery';
const AXE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

if (!existsSync(`${APP_DIR}index.html`) || !existsSync(`${APP_DIR}console.js`)) {
  throw new Error('The console app is not built: run `npm run build` (tsc -b, then rollup) first.');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A customer on the protocol API, recording every event of their conversation's stream. */
export interface Customer {
  id: string;
  token: string;
  events: BatonEvent[];
  send(text: string): Promise<void>;
  typing(isTyping: boolean): Promise<void>;
  handoff(note?: string): Promise<void>;
  waitFor(match: (e: BatonEvent) => boolean, ms?: number): Promise<BatonEvent>;
  close(): void;
}

/**
 * POSTs JSON to the customer API at `url` + `path` (with the conversation token and an idempotency key
 * when given); returns the parsed answer, and throws with the status and body when it is not 2xx.
 */
export async function postJson(url: string, path: string, body: unknown, token?: string, key?: string) {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token && { authorization: `Bearer ${token}` }),
      ...(key && { 'idempotency-key': key }),
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Starts a conversation as `name` and listens to its event stream. */
export async function customer(url: string, name: string, userId: string): Promise<Customer> {
  const post = (path: string, body: unknown, token?: string, key?: string) =>
    postJson(url, path, body, token, key);
  const created = (await post('/v1/conversations', {
    user: { id: userId, name },
    locale: 'en',
    session: { pageUrl: 'https://shop.example.com/orders/8812', pageTitle: 'Order 8812' },
  })) as CreateConversationResponse;
  const { conversationId: id, token } = created;
  const abort = new AbortController();
  const res = await fetch(`${url}/v1/conversations/${id}/events`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  const events: BatonEvent[] = [];
  void (async () => {
    try {
      for await (const m of readSseStream(res.body!, { signal: abort.signal }))
        events.push(JSON.parse(m.data));
    } catch {
      // closed
    }
  })();
  return {
    id,
    token,
    events,
    async send(text) {
      const key = uuidv7();
      await post(`/v1/conversations/${id}/messages`, { clientMessageId: key, text }, token, key);
    },
    typing: (isTyping) => post(`/v1/conversations/${id}/typing`, { isTyping }, token),
    handoff: (note) => post(`/v1/conversations/${id}/handoff`, note ? { note } : {}, token),
    async waitFor(match, ms = 5000) {
      const end = Date.now() + ms;
      for (;;) {
        const found = events.find(match);
        if (found) return found;
        if (Date.now() > end) throw new Error(`timed out; got ${events.map((e) => e.type).join(', ')}`);
        await sleep(10);
      }
    },
    close: () => abort.abort(),
  };
}

/** Runs axe-core on the page and fails with the violations, if any. */
export async function axe(page: Page, label: string): Promise<void> {
  // Evaluated through the DevTools protocol, so the page's CSP (script-src 'self') does not block it.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await (
      window as unknown as {
        axe: {
          run(
            ctx: Document,
            opts: object,
          ): Promise<{ violations: { id: string; nodes: { target: unknown; failureSummary?: string }[] }[] }>;
        };
      }
    ).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      nodes: v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`),
    }));
  });
  assert.deepEqual(violations, [], `${label}: ${JSON.stringify(violations, null, 2)}`);
}

/** Opens the console in a fresh browser context and collects CSP violations and page errors. */
export async function openConsole(browser: Browser, url: string) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  await page.goto(`${url}/console/`);
  return { context, page, problems };
}

/** Fills and submits the console's sign-in form. */
export async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Headless Chromium (CHROME_PATH, default /usr/bin/chromium) with the flags this machine needs. */
export { launchChromium } from '../../../scripts/chromium.mjs';

/**
 * A reference server for the console's tests, in memory, with what every test overrides merged in:
 * no rate limits, queue updates at once, the built console at /console, the echo bot. Two accounts
 * exist: ana@example.com (Ana Costa, admin, billing, English) and ben@example.com (Ben Okafor, agent).
 */
export async function startConsoleServer(options: Partial<StartServerOptions> = {}): Promise<RunningServer> {
  const server = await startServer({
    port: 0,
    dataDir: 'memory://',
    bot: createEchoBot({ wordDelayMs: 2 }),
    rateLimits: { conversationsPerIp: { perMinute: 0 }, commandsPerConversation: { perMinute: 0 } },
    queueUpdateIntervalMs: 0,
    agentApi: { pollMs: 100 },
    site: { static: { '/console': APP_DIR } },
    log: () => undefined,
    ...options,
  });
  const agents = server.server.agents!;
  await agents.createAgent({
    email: 'ana@example.com',
    name: 'Ana Costa',
    password: PASSWORD,
    role: 'admin',
    skills: ['billing'],
    languages: ['en'],
    maxConcurrent: 3,
  });
  await agents.createAgent({ email: 'ben@example.com', name: 'Ben Okafor', password: PASSWORD });
  return server;
}
