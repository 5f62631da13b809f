// Screenshots of <baton-chat> on a demo shop page, against the example backend, desktop and 390 px wide;
// then the handoff states the example backend has no agents for (transferred, failed with the
// leave-a-message form, the survey) from a scripted client, in English and in Arabic (right to left).
// Usage: npm run build && node scripts/screenshot-widget.mjs [outDir=/tmp/baton-shots]
// The page is served with `Content-Security-Policy: default-src 'self'`; violations are printed.
import { readFile, mkdir } from 'node:fs/promises';
import { launchChromium } from './chromium.mjs';
import { startBackend } from '../examples/custom-backend/dist/server.js';

const outDir = process.argv[2] ?? '/tmp/baton-shots';
const bundle = new URL('../packages/widget/dist/baton-widget.min.js', import.meta.url);

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Northwind Outfitters</title>
<link rel="stylesheet" href="/shot.css">
<script type="module" src="/shot.js"></script>
</head>
<body>
<header class="top"><strong>Northwind Outfitters</strong><nav>Men · Women · Outdoor · Sale</nav></header>
<main>
  <h1>Trail Runner 3</h1>
  <p class="price">€ 129.00</p>
  <p>Light, grippy and ready for wet rock. Free returns within 30 days.</p>
  <div class="grid"><div></div><div></div><div></div></div>
</main>
<baton-chat></baton-chat>
</body>
</html>`;

const CSS = `body{margin:0;font:16px/1.5 Georgia,serif;color:#222;background:#faf7f2}
.top{display:flex;justify-content:space-between;gap:16px;flex-wrap:wrap;padding:18px 32px;background:#fff;border-bottom:1px solid #e8e2d8}
main{max-width:880px;margin:0 auto;padding:32px}h1{font-size:40px;margin:0 0 8px}.price{font-size:22px;color:#8a5a00}
.grid{display:grid;grid-template-columns:repeat(3,1fr);gap:16px;margin-top:24px}.grid div{aspect-ratio:1;background:#e9e2d6;border-radius:12px}`;

// With ?fake the widget gets a scripted client (window.__set(patch) changes its snapshot); with ?lang=ar
// the page is in that language and loads the locale module.
const JS = (server) => `window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
import '/widget.js';
const params = new URLSearchParams(location.search);
const lang = params.get('lang');
if (lang) {
  document.documentElement.lang = lang;
  await import('/locale-' + lang + '.js');
}
const el = document.querySelector('baton-chat');
if (params.has('fake')) {
  let snapshot = { conversationId: 'c1', status: 'open', messages: [], handoff: null, control: 'bot', controlVersion: 1,
    connection: 'open', unread: 0, typing: [], progress: null, features: [], cursor: 0, readUpToSeq: 0 };
  const listeners = new Set();
  const ok = () => Promise.resolve();
  window.__set = (patch) => { snapshot = { ...snapshot, ...patch }; listeners.forEach((l) => l()); };
  el.chat = { send: ok, stop: ok, retry: ok, requestHuman: ok, cancelHandoff: ok, sendFeedback: ok, close: ok, destroy: ok,
    markRead() {}, setTyping() {}, getSnapshot: () => snapshot, ready: ok(),
    subscribe(l) { listeners.add(l); return () => listeners.delete(l); } };
} else {
  el.server = ${JSON.stringify(server)};
}`;

let serverUrl = '';
const files = async (path) => {
  if (path === '/') return ['text/html', PAGE];
  if (path === '/shot.css') return ['text/css', CSS];
  if (path === '/shot.js') return ['text/javascript', JS(serverUrl)];
  if (path === '/widget.js') return ['text/javascript', await readFile(bundle)];
  const locale = /^\/locale-([\w-]+)\.js$/.exec(path)?.[1];
  if (locale)
    return ['text/javascript', await readFile(new URL(`baton-widget-locale-${locale}.min.js`, bundle))];
  return undefined;
};

const running = await startBackend({
  port: 0,
  wordDelayMs: 25,
  serveExtra(req, res) {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const known =
      ['/', '/shot.css', '/shot.js', '/widget.js'].includes(path) || /^\/locale-[\w-]+\.js$/.test(path);
    if (req.method !== 'GET' || !known) return false;
    files(path).then(([type, body]) => {
      res.writeHead(200, {
        'Content-Type': `${type}; charset=utf-8`,
        'Content-Security-Policy': "default-src 'self'",
        'Cache-Control': 'no-store',
      });
      res.end(body);
    });
    return true;
  },
});
serverUrl = running.url;

const browser = await launchChromium();
await mkdir(outDir, { recursive: true });
const QUESTION = 'Do the **Trail Runner 3** fit wide feet?\nAnd can I:\n- return them\n- swap the size';

async function shoot(name, viewport, colorScheme = 'light') {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, colorScheme });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${name}] page error:`, e.message));
  await page.goto(serverUrl);
  const chat = page.locator('baton-chat');
  await page.waitForFunction(() => customElements.get('baton-chat'));
  if (colorScheme === 'dark') await chat.evaluate((el) => el.setAttribute('theme', 'auto'));
  await page.screenshot({ path: `${outDir}/${name}-closed.png` });
  await chat.locator('.launcher').click();
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${outDir}/${name}-open-empty.png` });
  await chat.locator('textarea').fill(QUESTION);
  await chat.locator('.send').click();
  await page.waitForFunction(() =>
    document
      .querySelector('baton-chat')
      ?.snapshot.messages.some((m) => m.role === 'bot' && m.status === 'streaming' && m.text.length > 30),
  );
  await page.screenshot({ path: `${outDir}/${name}-streaming.png` });
  await page.waitForFunction(() =>
    document
      .querySelector('baton-chat')
      ?.snapshot.messages.some((m) => m.role === 'bot' && m.status === 'complete'),
  );
  await page.waitForTimeout(200);
  await page.screenshot({ path: `${outDir}/${name}-answered.png` });
  await chat.locator('[part=handoff-button]').click();
  await page.waitForFunction(
    () => document.querySelector('baton-chat')?.snapshot.handoff?.state === 'queued',
  );
  await page.waitForTimeout(200);
  await page.screenshot({ path: `${outDir}/${name}-queued.png` });
  const violations = await page.evaluate(() => window.__violations);
  console.log(
    `${name}: ${violations.length} CSP violations${violations.length ? `: ${violations.join(', ')}` : ''}`,
  );
  await context.close();
}

const TEXTS = {
  en: [
    'My order 1042 arrived with a torn sole.',
    "I'm sorry! I can't replace items myself, so let me get a person for you.",
    "Hi, I'm **Ana**. I see order 1042 — I'm sending a replacement pair today, and you can keep the torn pair.",
  ],
  ar: [
    'وصل طلبي رقم 1042 بنعل ممزق.',
    'آسف لذلك! لا يمكنني استبدال المنتجات بنفسي، سأحوّلك إلى موظف.',
    'مرحبًا، أنا **آنا**. سأرسل لك زوجًا بديلًا اليوم، ويمكنك الاحتفاظ بالزوج الممزق.',
  ],
};

/** The handoff states from a scripted client: transferred, failed with the form, the survey. */
async function shootStates(name, viewport, { lang, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, colorScheme });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${name}] page error:`, e.message));
  await page.goto(`${serverUrl}/?fake${lang ? `&lang=${lang}` : ''}`);
  await page.waitForFunction(() => window.__set);
  const chat = page.locator('baton-chat');
  if (colorScheme === 'dark') await chat.evaluate((el) => el.setAttribute('theme', 'auto'));
  await chat.locator('.launcher').click();
  const set = (fn, arg) => page.evaluate(fn, arg);
  const texts = TEXTS[lang ?? 'en'];
  await set(([user, bot, agent]) => {
    const now = Date.now();
    const at = (i) => new Date(now - 60_000 + i * 1000).toISOString();
    const m = (i, role, text, name) => ({
      key: `m${i}`,
      id: `m${i}`,
      seq: i,
      role,
      author: { role, name },
      text,
      status: role === 'user' ? 'sent' : 'complete',
      createdAt: at(i),
    });
    const ho = (state, extra) => ({
      id: 'h1',
      state,
      version: 1,
      reason: 'user_requested',
      requestedBy: 'user',
      createdAt: at(3),
      updatedAt: new Date().toISOString(),
      ...extra,
    });
    window.__ho = ho;
    window.__set({
      messages: [m(1, 'user', user), m(2, 'bot', bot, 'Echo Bot'), m(4, 'agent', agent, 'Ana Lima')],
      handoff: ho('active', { agent: { id: 'a1', name: 'Ana Lima' } }),
      control: 'human',
    });
  }, texts);
  await page.waitForTimeout(300);
  await set(() =>
    window.__set({
      handoff: window.__ho('assigned', { agent: { id: 'a2', name: 'Ben Okafor' } }),
      control: 'none',
    }),
  );
  await page.waitForTimeout(150);
  await page.screenshot({ path: `${outDir}/${name}-transferred.png` });
  await set(() =>
    window.__set({
      handoff: window.__ho('failed', { failureReason: 'no_agents', fallback: 'offline_form' }),
      control: 'bot',
    }),
  );
  await page.waitForTimeout(150);
  await page.screenshot({ path: `${outDir}/${name}-failed-form.png` });
  await set(() =>
    window.__set({
      handoff: window.__ho('ended', { outcome: 'resolved', agent: { id: 'a1', name: 'Ana Lima' } }),
    }),
  );
  await page.waitForTimeout(150);
  await page.screenshot({ path: `${outDir}/${name}-csat.png` });
  await chat.locator('[part=csat-button]').nth(4).click();
  await page.waitForTimeout(150);
  await page.screenshot({ path: `${outDir}/${name}-csat-thanks.png` });
  const violations = await page.evaluate(() => window.__violations);
  console.log(
    `${name}: ${violations.length} CSP violations${violations.length ? `: ${violations.join(', ')}` : ''}`,
  );
  await context.close();
}

try {
  await shoot('desktop', { width: 1280, height: 800 });
  await shoot('mobile-390', { width: 390, height: 844 });
  await shoot('desktop-dark', { width: 1280, height: 800 }, 'dark');
  await shootStates('states-desktop', { width: 1280, height: 800 });
  await shootStates('states-mobile-390-ar', { width: 390, height: 844 }, { lang: 'ar' });
  await shootStates(
    'states-desktop-dark-ar',
    { width: 1280, height: 800 },
    { lang: 'ar', colorScheme: 'dark' },
  );
  console.log(`Screenshots in ${outDir}`);
} finally {
  await browser.close();
  await running.close();
}
