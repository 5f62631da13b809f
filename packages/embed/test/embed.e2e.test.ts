// baton.js in real Chromium: pages served by the example backend itself (one origin, so a strict CSP page
// needs nothing but 'self'), the script tag and the widget served from the built dist/cdn folder.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../../scripts/chromium.mjs';
import { startBackend, type RunningBackend } from '../../../examples/custom-backend/src/server.js';

const BATON_JS = fileURLToPath(import.meta.resolve('@baton-chat/embed/cdn/baton.js'));
const CDN_DIR = dirname(BATON_JS);
const AXE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const STUB = 'window.Baton = window.Baton || function () { (Baton.q = Baton.q || []).push(arguments); };';

if (!existsSync(BATON_JS) || !existsSync(join(CDN_DIR, 'baton-widget.js'))) {
  throw new Error('baton.js is not built: run `npm run build` (tsc -b, then rollup) first.');
}

interface TestPage {
  /** Markup inside <body>, after the page's own content. */
  body: string;
  /** Sent as the Content-Security-Policy header. */
  csp?: string;
}

const pages = new Map<string, TestPage>();
let pageCount = 0;
let backend: RunningBackend;
let browser: Browser;

/** Serves /cdn/* from the built folder, /stub.js, and the test pages; everything else is the protocol API. */
function serveTestFiles(req: IncomingMessage, res: ServerResponse): boolean {
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  const send = (type: string, body: string | Buffer, headers: Record<string, string> = {}) => {
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', ...headers }).end(body);
    return true;
  };
  // Browsers ask for a favicon on their own; an empty answer keeps the consoles free of 404s.
  if (pathname === '/favicon.ico') return !!res.writeHead(204).end();
  if (pathname === '/stub.js')
    return send(
      'text/javascript',
      `${STUB}\nBaton('on', 'open', () => (window.opened = (window.opened || 0) + 1));\n`,
    );
  if (pathname.startsWith('/cdn/') && /^[\w.-]+$/.test(pathname.slice(5))) {
    const file = join(CDN_DIR, pathname.slice(5));
    if (!existsSync(file)) return false;
    void readFile(file).then((body) =>
      send(extname(file) === '.js' ? 'text/javascript' : 'application/json', body),
    );
    return true;
  }
  const page = pages.get(pathname);
  if (!page) return false;
  return send(
    'text/html; charset=utf-8',
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><main><h1>A shop</h1><p><a href="#top">A link before the chat</a></p></main>${page.body}</body></html>`,
    page.csp ? { 'content-security-policy': page.csp } : {},
  );
}

/** Registers a page and returns its path. */
function addPage(page: TestPage): string {
  const path = `/page-${++pageCount}`;
  pages.set(path, page);
  return path;
}

const script = (attrs: string) => `<script src="/cdn/baton.js" ${attrs} async></script>`;

interface Opened {
  page: Page;
  requests: string[];
  console: string[];
  close(): Promise<void>;
}

/**
 * Opens `path` in a fresh context, recording every request's path and every console message. `init`
 * runs before the page's own scripts, through the DevTools protocol (so a page's CSP does not apply).
 */
async function open(path: string, init?: string): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  const requests: string[] = [];
  const messages: string[] = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
  await page.goto(backend.url + path);
  return { page, requests, console: messages, close: () => context.close() };
}

const widgetRequested = (o: Opened) => o.requests.some((p) => p === '/cdn/baton-widget.js');
const launcher = (page: Page) => page.locator('baton-launcher').getByRole('button');
const mounted = (page: Page) =>
  page.waitForFunction(() => !!customElements.get('baton-chat') && !document.querySelector('baton-launcher'));
/** The focused element inside shadow roots: its tag and `part`. */
const deepFocus = (page: Page) =>
  page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return el ? `${el.localName}${el.getAttribute('part') ? `[${el.getAttribute('part')}]` : ''}` : '';
  });

async function waitUntil(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

before(async () => {
  backend = await startBackend({ port: 0, wordDelayMs: 2, sendsPerMinute: 0, serveExtra: serveTestFiles });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await backend?.close();
});

describe('baton.js', () => {
  it('paints only the launcher: no widget or API request until intent', async () => {
    const o = await open(addPage({ body: script('data-server="/" data-idle="off"') }));
    try {
      await launcher(o.page).waitFor();
      await o.page.waitForLoadState('load');
      await o.page.waitForTimeout(600);
      assert.ok(o.requests.includes('/cdn/baton.js'));
      assert.ok(!widgetRequested(o), `requests: ${o.requests.join(' ')}`);
      assert.ok(!o.requests.some((p) => p.startsWith('/v1')), `requests: ${o.requests.join(' ')}`);
      assert.equal(await o.page.locator('baton-chat').count(), 0);
      const box = (await launcher(o.page).boundingBox())!;
      assert.ok(box.width >= 44 && box.height >= 44, `launcher is ${box.width}x${box.height}`);
      assert.deepEqual(o.console, []);
    } finally {
      await o.close();
    }
  });

  it('hovering loads the widget and swaps the launcher for <baton-chat>, closed', async () => {
    const o = await open(addPage({ body: script('data-server="/" data-idle="off"') }));
    try {
      await launcher(o.page).hover();
      await mounted(o.page);
      assert.ok(widgetRequested(o));
      assert.equal(await o.page.locator('baton-chat').getAttribute('open'), null);
      await o.page.locator('baton-chat').getByRole('button', { name: 'Open chat' }).click();
      await o.page.locator('baton-chat[open]').waitFor({ state: 'attached' });
      assert.deepEqual(o.console, []);
    } finally {
      await o.close();
    }
  });

  it('keyboard focus loads it and stays on the (new) launcher', async () => {
    const o = await open(addPage({ body: script('data-server="/" data-idle="off"') }));
    try {
      await launcher(o.page).waitFor();
      await o.page.keyboard.press('Tab'); // the link
      await o.page.keyboard.press('Tab'); // the launcher
      assert.equal(await deepFocus(o.page), 'button[launcher]');
      await mounted(o.page);
      assert.ok(widgetRequested(o));
      assert.equal(await deepFocus(o.page), 'button[launcher]');
      assert.equal(await o.page.evaluate(() => document.activeElement?.localName), 'baton-chat');
      await o.page.keyboard.press('Enter');
      await o.page.locator('baton-chat[open]').waitFor({ state: 'attached' });
      assert.equal(await deepFocus(o.page), 'textarea[input]');
    } finally {
      await o.close();
    }
  });

  it('a click opens the panel once loaded, focus in the message field', async () => {
    const o = await open(addPage({ body: script('data-server="/" data-idle="off"') }));
    try {
      await launcher(o.page).click();
      await o.page.locator('baton-chat[open]').waitFor({ state: 'attached' });
      assert.equal(await deepFocus(o.page), 'textarea[input]');
      assert.deepEqual(o.console, []);
    } finally {
      await o.close();
    }
  });

  it('data-preload loads the widget at once, without intent', async () => {
    const o = await open(addPage({ body: script('data-server="/" data-idle="off" data-preload') }));
    try {
      await mounted(o.page);
      assert.ok(widgetRequested(o));
      assert.equal(await o.page.locator('baton-chat').getAttribute('open'), null);
    } finally {
      await o.close();
    }
  });

  it('by default loads it when idle, only after the page finished loading', async () => {
    const o = await open(addPage({ body: script('data-server="/"') }));
    try {
      await mounted(o.page);
      const [start, loadEnd] = await o.page.evaluate(() => [
        performance.getEntriesByType('resource').find((e) => e.name.endsWith('/cdn/baton-widget.js'))!
          .startTime,
        (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd,
      ]);
      assert.ok(start >= loadEnd, `widget requested at ${start} ms, page loaded at ${loadEnd} ms`);
    } finally {
      await o.close();
    }
  });

  it('data-open, data-position, data-theme and data-locale reach the widget', async () => {
    const o = await open(
      addPage({
        body: script('data-server="/" data-open data-position="left" data-theme="dark" data-locale="es"'),
      }),
    );
    try {
      await o.page.locator('baton-chat[open]').waitFor({ state: 'attached' });
      const chat = o.page.locator('baton-chat');
      assert.equal(await chat.getAttribute('position'), 'left');
      assert.equal(await chat.getAttribute('theme'), 'dark');
      assert.ok(o.requests.includes('/cdn/baton-widget-locale-es.js'));
      await chat.getByRole('dialog', { name: 'Chatea con nosotros' }).waitFor();
      const box = (await chat.getByRole('button', { name: 'Cerrar el chat' }).first().boundingBox())!;
      assert.ok(box.x < 512, 'the launcher is on the left');
    } finally {
      await o.close();
    }
  });

  it('replays commands queued before load: on, identify and send reach the backend, open fires', async () => {
    const queued = `<script>${STUB}
      Baton('on', 'open', () => (window.opened = (window.opened || 0) + 1));
      Baton('on', 'ready', () => (window.ready = true));
      Baton('identify', { id: 'user-42', name: 'Ada' });
      Baton('send', 'hello from the queue');
      Baton('open');
    </script>`;
    const o = await open(addPage({ body: queued + script('data-server="/" data-idle="off"') }));
    try {
      await o.page.locator('baton-chat[open]').waitFor({ state: 'attached' });
      await o.page.waitForFunction(() => (window as { opened?: number }).opened === 1);
      assert.equal(await o.page.evaluate(() => (window as { ready?: boolean }).ready), true);
      let sent: { user: { id: string | null; name?: string } } | undefined;
      await waitUntil(() => {
        sent = [...backend.backend.conversations.values()].find((c) =>
          [...c.messages.values()].some((m) => m.text === 'hello from the queue'),
        );
        return !!sent;
      }, 'the queued message at the backend');
      assert.equal(sent!.user.id, 'user-42');
      assert.equal(sent!.user.name, 'Ada');
      // The echo bot's answer streams back into the panel.
      await o.page
        .locator('baton-chat')
        .getByText('You said: hello from the queue', { exact: true })
        .waitFor();
    } finally {
      await o.close();
    }
  });

  it('runs commands after load: open, close, toggle, on/off, send, shutdown', async () => {
    const o = await open(addPage({ body: script('data-server="/" data-idle="off"') }));
    try {
      await launcher(o.page).waitFor();
      // A string, so the test's compiler adds no helpers to the page's code.
      const counts = await o.page.evaluate(`(async () => {
        const seen = [];
        const onOpen = () => seen.push('open');
        Baton('on', 'open', onOpen);
        Baton('on', 'close', () => seen.push('close'));
        Baton('on', 'send', (detail) => seen.push('send:' + detail.text));
        await Baton('open');
        await Baton('close');
        await Baton('toggle');
        Baton('off', 'open', onOpen);
        await Baton('toggle');
        await Baton('open');
        await Baton('send', 'after load');
        return seen;
      })()`);
      assert.deepEqual(counts, ['open', 'close', 'open', 'close', 'send:after load']);
      await o.page.evaluate(() => window.Baton!('shutdown'));
      assert.equal(await o.page.locator('baton-chat, baton-launcher').count(), 0);
      await o.page.evaluate(() => window.Baton!('open'));
      assert.equal(await o.page.locator('baton-chat, baton-launcher').count(), 0);
      assert.deepEqual(o.console, []);
    } finally {
      await o.close();
    }
  });

  it('a missing data-server logs an error that names the fix, and paints nothing', async () => {
    const o = await open(addPage({ body: script('data-idle="off"') }));
    try {
      await o.page.waitForLoadState('load');
      await waitUntil(() => o.console.length > 0, 'a console message');
      assert.equal(o.console.length, 1);
      assert.match(o.console[0]!, /^error: Baton: .*no data-server attribute.*data-server="https:\/\//);
      assert.equal(await o.page.locator('baton-launcher, baton-chat').count(), 0);
    } finally {
      await o.close();
    }
  });

  it('reports unknown commands, bad arguments and a second copy of baton.js', async () => {
    const o = await open(
      addPage({
        body: script('data-server="/" data-idle="off"') + script('data-server="/other" data-idle="off"'),
      }),
    );
    try {
      await launcher(o.page).waitFor();
      await o.page.evaluate(async () => {
        const Baton = window.Baton as (...args: unknown[]) => unknown;
        Baton('explode');
        await Baton('identify', { name: 'no id' });
        await Baton('send', '');
      });
      assert.equal(await o.page.locator('baton-launcher').count(), 1);
      assert.ok(!widgetRequested(o));
      const text = o.console.join('\n');
      assert.match(text, /warning: Baton: baton.js is included twice/);
      assert.match(text, /error: Baton: unknown command "explode"/);
      assert.match(text, /error: Baton: identify needs \{ id: string/);
      assert.match(text, /error: Baton: send needs the message text/);
    } finally {
      await o.close();
    }
  });

  it('the launcher has 0 axe violations, light and dark', async () => {
    for (const theme of ['light', 'dark']) {
      const o = await open(
        addPage({ body: script(`data-server="/" data-idle="off" data-theme="${theme}"`) }),
      );
      try {
        await launcher(o.page).waitFor();
        await o.page.evaluate(AXE);
        const violations = await o.page.evaluate(async () => {
          const axe = (
            window as unknown as { axe: { run(c: unknown): Promise<{ violations: { id: string }[] }> } }
          ).axe;
          return (await axe.run({ include: [['baton-launcher']] })).violations.map((v) => v.id);
        });
        assert.deepEqual(violations, [], theme);
        assert.ok(!widgetRequested(o), 'axe itself did not load the widget');
      } finally {
        await o.close();
      }
    }
  });

  it("a strict CSP page (default-src 'self') sees 0 violations through a conversation", async () => {
    const o = await open(
      addPage({
        csp: "default-src 'self'",
        body: '<script src="/stub.js"></script>' + script('data-server="/" data-idle="off"'),
      }),
      `window.violations = [];
       document.addEventListener('securitypolicyviolation', (e) =>
         window.violations.push(e.violatedDirective + ' ' + e.blockedURI));`,
    );
    try {
      await launcher(o.page).click();
      await o.page.locator('baton-chat[open]').waitFor({ state: 'attached' });
      await o.page.keyboard.type('hello under CSP');
      await o.page.keyboard.press('Enter');
      await o.page.locator('baton-chat').getByText('You said: hello under CSP', { exact: true }).waitFor();
      assert.equal(await o.page.evaluate(() => (window as { opened?: number }).opened), 1);
      assert.deepEqual(await o.page.evaluate(() => (window as { violations?: string[] }).violations), []);
      assert.deepEqual(
        o.console.filter((m) => /Content Security Policy|error/i.test(m)),
        [],
      );
    } finally {
      await o.close();
    }
  });
});
