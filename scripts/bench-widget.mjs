// `npm run bench:widget`: what <baton-chat> costs the page, in headless Chromium on 127.0.0.1.
//
// 1. Streaming: a 2,000-token markdown answer (headings, lists, code blocks, links, bold; about 4 characters a
//    token, so all of it is parsed as markdown) arrives one token per snapshot update into the real widget
//    bundle (the same path a core client drives: a new snapshot, a Lit update, the incremental markdown
//    directive, DOMPurify, and the style/layout/paint the browser runs at each frame). Tokens go in one
//    task each, back to back, so the elapsed time is main-thread time; a token costs the time until the
//    next one starts. The same answer through a naive full re-render (marked + DOMPurify over the whole
//    text, innerHTML, scroll to the end, as naive widgets do per token) gives the ratio. Long tasks are
//    collected with PerformanceObserver.
// 2. Restore: mount to the next frame after it (requestAnimationFrame, then a MessageChannel task) of the
//    widget restoring 1,000 messages of about 80 words with lists and code blocks, and of the same 1,000
//    as plain HTML divs (rendered ahead of time), a fresh page per run; medians.
// 3. Bytes of baton.js and of the full widget bundle, gzip and brotli.
//
// Prints a table with PASS/FAIL per target and writes bench-results/widget.json. Exits non-zero on a FAIL
// only with --check. Usage: npm run build && node scripts/bench-widget.mjs [--runs 7] [--stream-runs 3]
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { Marked } from 'marked';
import { launchChromium } from './chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    'stream-runs': { type: 'string', default: '3' },
    tokens: { type: 'string', default: '2000' },
    messages: { type: 'string', default: '1000' },
    check: { type: 'boolean', default: false },
    out: { type: 'string', default: join(root, 'bench-results', 'widget.json') },
  },
});
const RUNS = Math.max(1, Number(args.runs));
const STREAM_RUNS = Math.max(1, Number(args['stream-runs']));
const TOKENS = Number(args.tokens);
const MESSAGES = Number(args.messages);

const FILES = {
  widget: join(root, 'packages/widget/dist/baton-widget.min.js'),
  embed: join(root, 'packages/embed/dist/cdn/baton.js'),
  marked: join(root, 'node_modules/marked/lib/marked.esm.js'),
  purify: join(root, 'node_modules/dompurify/dist/purify.es.mjs'),
};

// --- Content -------------------------------------------------------------------------------------------

const TOPICS = ['returns', 'shipping', 'warranty', 'sizes', 'payments', 'accounts', 'gift cards', 'repairs'];

/** One section of a long, realistic support answer: heading, paragraph, lists, a code block. */
function section(i) {
  const topic = TOPICS[i % TOPICS.length];
  return [
    `## ${i + 1}. About ${topic}`,
    '',
    `Here is what you need to know about **${topic}** for order ${4000 + i}. The full policy is on the`,
    `[help page](https://help.example.com/${topic.replace(' ', '-')}) and applies to every store.`,
    '',
    '- Keep the receipt or the confirmation email.',
    `- Items must be unused, with tags, within **${30 + i} days**.`,
    '- Refunds go back to the original payment method.',
    '',
    '1. Open *Orders* in your account.',
    '2. Pick the item and choose **Start a return**.',
    '3. Print the label, or show the QR code at a drop-off point.',
    '',
    '```json',
    `{ "order": ${4000 + i}, "topic": "${topic}", "label": true }`,
    '```',
    '',
  ].join('\n');
}

// Tokens as a model streams them: a word piece of at most four characters with its leading space.
const tokenize = (text) => text.match(/\s*\S{1,4}/g) ?? [];

function streamingAnswer(count) {
  let text = '';
  for (let i = 0; tokenize(text).length < count; i++) text += section(i);
  const tokens = tokenize(text).slice(0, count);
  // The pieces add up to the text up to the last token (trailing whitespace dropped).
  return tokens;
}

/** About 80 words with a list and a code block. */
function restoredMessage(i) {
  const topic = TOPICS[i % TOPICS.length];
  return [
    `**${i}.** To change your ${topic} settings for an order that has not shipped yet, open your account`,
    'and follow these steps:',
    '',
    '1. Go to *Orders* and pick the order.',
    '2. Choose **Change** and enter the new details.',
    '3. Confirm with the code we send you by email.',
    '',
    '```',
    `curl https://api.example.com/orders/${1000 + i}/${topic.replace(' ', '-')}`,
    '```',
    '',
    'If the parcel already left the warehouse, the carrier can still redirect it for a small fee.',
    'You get a confirmation by email as soon as the change is saved, usually within a minute.',
  ].join('\n');
}

const marked = new Marked({ gfm: true });
const restoredTexts = Array.from({ length: MESSAGES }, (_, i) => restoredMessage(i));
const data = {
  tokens: streamingAnswer(TOKENS),
  restored: restoredTexts,
  // The baseline: the same messages as static HTML, rendered ahead of time (no parsing in the page).
  restoredHtml: restoredTexts.map((t) => `<div class="msg">${marked.parse(t)}</div>`).join(''),
};
const answerChars = data.tokens.join('').length;
const words = (t) => t.split(/\s+/).filter(Boolean).length;

// --- Page ----------------------------------------------------------------------------------------------

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>bench</title>
<style>
  body { margin: 0; font: 15px/1.45 system-ui, sans-serif; }
  .box { width: 380px; height: 640px; }
  .scroll { overflow-y: auto; padding: 16px; box-sizing: border-box; }
  .msg { margin-block-end: 14px; }
</style>
<script type="module" src="/bench.js"></script>
</head>
<body></body>
</html>`;

// Runs in the page: a scripted client like the widget's tests use, and the three measurements.
const BENCH_JS = `
import '/widget.js';
import { Marked } from '/marked.js';
import DOMPurify from '/purify.js';

const data = await (await fetch('/data.json')).json();
const yieldTask = () => new Promise((resolve) => {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => resolve();
  channel.port2.postMessage(0);
});
const nextPaint = () => new Promise((resolve) => requestAnimationFrame(() => yieldTask().then(resolve)));

function fakeChat(messages) {
  let snapshot = { conversationId: 'c1', status: 'open', messages, handoff: null, control: 'bot',
    controlVersion: 1, connection: 'open', unread: 0, typing: [], progress: null, features: [], cursor: 0,
    readUpToSeq: 0 };
  const listeners = new Set();
  const ok = () => Promise.resolve();
  return {
    set(patch) { snapshot = { ...snapshot, ...patch }; for (const l of listeners) l(); },
    send: ok, stop: ok, retry: ok, requestHuman: ok, cancelHandoff: ok, sendFeedback: ok, close: ok, destroy: ok,
    markRead() {}, setTyping() {}, getSnapshot: () => snapshot, ready: ok(),
    subscribe(l) { listeners.add(l); return () => listeners.delete(l); },
  };
}

const msg = (i, role, text, status = 'complete') => ({
  key: 'm' + i, id: 'm' + i, seq: i, role, author: { role, name: role === 'bot' ? 'Assistant' : undefined },
  text, status, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
});

function longTasks() {
  const entries = [];
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  observer.observe({ type: 'longtask' });
  return () => {
    observer.disconnect();
    return entries.map((e) => e.duration);
  };
}

// Each streaming run first streams the first WARM_UP tokens once, unmeasured, so compilation and first-use
// costs (and not the steady state) do not decide the longest task.
const WARM_UP = 300;

async function streamWidget(warmUp = true) {
  if (warmUp) await streamWidget(false);
  const tokens = warmUp ? data.tokens : data.tokens.slice(0, WARM_UP);
  const chat = fakeChat([msg(1, 'user', 'Can you explain returns, shipping and warranty in detail?', 'sent')]);
  const el = document.createElement('baton-chat');
  el.mode = 'inline';
  el.className = 'box';
  el.chat = chat;
  document.body.append(el);
  await el.updateComplete;
  await nextPaint();
  const thread = el.shadowRoot.querySelector('.thread');
  const stop = longTasks();
  const costs = [];
  let text = '';
  // Tokens go in one task each, back to back, so the loop's elapsed time is main-thread time: the updates
  // and the style, layout and paint the browser runs between them at each frame. A token's cost is the
  // time from its update to the next token's (what it left the browser to do included).
  let last = performance.now();
  for (const token of tokens) {
    text += token;
    chat.set({ messages: [chat.getSnapshot().messages[0], msg(2, 'bot', text, 'streaming')] });
    await el.updateComplete;
    await yieldTask();
    const now = performance.now();
    costs.push(now - last);
    last = now;
  }
  await nextPaint();
  costs[costs.length - 1] += performance.now() - last;
  void thread;
  const long = stop();
  const blocks = el.shadowRoot.querySelectorAll('.md > *').length;
  el.remove();
  return { costs, long, blocks };
}

async function streamNaive(warmUp = true) {
  if (warmUp) await streamNaive(false);
  const tokens = warmUp ? data.tokens : data.tokens.slice(0, WARM_UP);
  const marked = new Marked({ gfm: true });
  const purify = DOMPurify(window);
  const box = document.createElement('div');
  box.className = 'box scroll';
  const bubble = document.createElement('div');
  box.append(bubble);
  document.body.append(box);
  await nextPaint();
  const stop = longTasks();
  const costs = [];
  let text = '';
  let last = performance.now();
  for (const token of tokens) {
    text += token;
    bubble.innerHTML = purify.sanitize(marked.parse(text));
    box.scrollTop = box.scrollHeight;
    await yieldTask();
    const now = performance.now();
    costs.push(now - last);
    last = now;
  }
  await nextPaint();
  costs[costs.length - 1] += performance.now() - last;
  const long = stop();
  box.remove();
  return { costs, long };
}

async function restoreWidget() {
  const messages = data.restored.map((t, i) => msg(i + 1, 'bot', t));
  const chat = fakeChat(messages);
  await nextPaint();
  const t0 = performance.now();
  const el = document.createElement('baton-chat');
  el.mode = 'inline';
  el.className = 'box';
  el.chat = chat;
  document.body.append(el);
  await nextPaint();
  const ms = performance.now() - t0;
  const inDom = el.shadowRoot.querySelectorAll('.msg').length;
  const last = el.shadowRoot.querySelector('.msg:last-of-type')?.dataset.key;
  return { ms, inDom, newestShown: last === 'm' + messages.length };
}

async function restoreHtml() {
  await nextPaint();
  const t0 = performance.now();
  const box = document.createElement('div');
  box.className = 'box scroll';
  box.innerHTML = data.restoredHtml;
  document.body.append(box);
  box.scrollTop = box.scrollHeight;
  await nextPaint();
  return { ms: performance.now() - t0, inDom: box.children.length };
}

window.__bench = { streamWidget, streamNaive, restoreWidget, restoreHtml };
`;

async function serve() {
  const body = {
    '/': ['text/html', PAGE],
    '/bench.js': ['text/javascript', BENCH_JS],
    '/data.json': ['application/json', JSON.stringify(data)],
    '/widget.js': ['text/javascript', await readFile(FILES.widget)],
    '/marked.js': ['text/javascript', await readFile(FILES.marked)],
    '/purify.js': ['text/javascript', await readFile(FILES.purify)],
  };
  const server = http.createServer((req, res) => {
    const file = body[new URL(req.url ?? '/', 'http://x').pathname];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': `${file[0]}; charset=utf-8`, 'Cache-Control': 'no-store' });
    res.end(file[1]);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

// --- Statistics ----------------------------------------------------------------------------------------

const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const mean = (xs) => sum(xs) / xs.length;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const round = (x, digits = 3) => Number(x.toFixed(digits));

// --- Run -----------------------------------------------------------------------------------------------

const widgetCode = await readFile(FILES.widget).catch(() => {
  throw new Error(`${FILES.widget} is missing: run \`npm run build\` first`);
});
const embedCode = await readFile(FILES.embed);
const bytes = (code) => ({
  raw: code.length,
  gzip: gzipSync(code, { level: 9 }).length,
  brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});

const site = await serve();
const browser = await launchChromium();

async function inFreshPage(fn) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(site.url);
  await page.waitForFunction(() => window.__bench);
  try {
    return await page.evaluate(fn);
  } finally {
    await context.close();
  }
}

let results;
try {
  const stream = [];
  for (let run = 0; run < STREAM_RUNS; run++) {
    const widget = await inFreshPage(() => window.__bench.streamWidget());
    const naive = await inFreshPage(() => window.__bench.streamNaive());
    const w = widget.costs;
    const n = naive.costs;
    stream.push({
      widgetTotalMs: sum(w),
      naiveTotalMs: sum(n),
      first200Ms: mean(w.slice(0, 200)),
      last200Ms: mean(w.slice(-200)),
      naiveFirst200Ms: mean(n.slice(0, 200)),
      naiveLast200Ms: mean(n.slice(-200)),
      widgetMaxTokenMs: Math.max(...w),
      widgetLongTasks: widget.long,
      naiveMaxTokenMs: Math.max(...n),
      blocks: widget.blocks,
    });
    process.stdout.write(`stream run ${run + 1}/${STREAM_RUNS} done\n`);
  }
  const restore = [];
  for (let run = 0; run < RUNS; run++) {
    // Alternating which goes first, each in its own fresh page.
    const html = await inFreshPage(() => window.__bench.restoreHtml());
    const widget = await inFreshPage(() => window.__bench.restoreWidget());
    restore.push({
      widgetMs: widget.ms,
      htmlMs: html.ms,
      inDom: widget.inDom,
      newestShown: widget.newestShown,
    });
  }

  const m = (key) => median(stream.map((r) => r[key]));
  const widgetTotal = m('widgetTotalMs');
  const naiveTotal = m('naiveTotalMs');
  const first = m('first200Ms');
  const last = m('last200Ms');
  const longest = Math.max(...stream.flatMap((r) => [r.widgetMaxTokenMs, ...r.widgetLongTasks]));
  const restoreWidgetMs = median(restore.map((r) => r.widgetMs));
  const restoreHtmlMs = median(restore.map((r) => r.htmlMs));

  const targets = [
    { name: 'stream: last-200 / first-200 mean per token', value: last / first, max: 1.5 },
    { name: 'stream: widget total / naive total', value: widgetTotal / naiveTotal, max: 1 / 20 },
    { name: 'stream: longest task (ms)', value: longest, max: 50 },
    { name: 'restore: widget / plain HTML to paint', value: restoreWidgetMs / restoreHtmlMs, max: 1.5 },
  ].map((t) => ({ ...t, value: round(t.value), max: round(t.max), pass: t.value <= t.max }));

  results = {
    date: new Date().toISOString(),
    chromium: browser.version(),
    stream: {
      tokens: data.tokens.length,
      chars: answerChars,
      runs: STREAM_RUNS,
      widgetTotalMs: round(widgetTotal, 1),
      naiveTotalMs: round(naiveTotal, 1),
      widgetFirst200MeanMs: round(first),
      widgetLast200MeanMs: round(last),
      naiveFirst200MeanMs: round(m('naiveFirst200Ms')),
      naiveLast200MeanMs: round(m('naiveLast200Ms')),
      widgetLongestTaskMs: round(longest, 1),
      widgetLongTasks: stream.flatMap((r) => r.widgetLongTasks.map((d) => round(d, 1))),
      naiveLongestTokenMs: round(median(stream.map((r) => r.naiveMaxTokenMs)), 1),
      renderedBlocks: stream[0].blocks,
      perRun: stream.map(({ widgetLongTasks, ...r }) =>
        Object.fromEntries(
          Object.entries({ ...r, widgetLongTasks: widgetLongTasks.length }).map(([k, v]) => [k, round(v)]),
        ),
      ),
    },
    restore: {
      messages: MESSAGES,
      wordsPerMessage: Math.round(mean(restoredTexts.map(words))),
      runs: RUNS,
      widgetMedianMs: round(restoreWidgetMs, 1),
      htmlMedianMs: round(restoreHtmlMs, 1),
      widgetMessagesInDom: restore[0].inDom,
      newestShown: restore.every((r) => r.newestShown),
      perRun: restore.map((r) => ({ widgetMs: round(r.widgetMs, 1), htmlMs: round(r.htmlMs, 1) })),
    },
    bytes: { 'baton.js': bytes(embedCode), 'baton-widget.min.js': bytes(widgetCode) },
    targets,
  };
} finally {
  await browser.close();
  site.close();
}

const s = results.stream;
const r = results.restore;
console.log(`
Chromium ${results.chromium}
Streaming ${s.tokens} tokens (${s.chars} characters, ${s.renderedBlocks} blocks), median of ${s.runs} runs
  widget total ${s.widgetTotalMs} ms, per token: first 200 ${s.widgetFirst200MeanMs} ms, last 200 ${s.widgetLast200MeanMs} ms
  naive  total ${s.naiveTotalMs} ms, per token: first 200 ${s.naiveFirst200MeanMs} ms, last 200 ${s.naiveLast200MeanMs} ms
  widget longest task ${s.widgetLongestTaskMs} ms (${s.widgetLongTasks.length} long tasks over 50 ms)
Restoring ${r.messages} messages of ~${r.wordsPerMessage} words, mount to next frame, median of ${r.runs} runs
  widget ${r.widgetMedianMs} ms (${r.widgetMessagesInDom} messages in the DOM, newest shown: ${r.newestShown})
  plain HTML divs ${r.htmlMedianMs} ms
Bytes (raw / gzip / brotli)
  baton.js             ${Object.values(results.bytes['baton.js']).join(' / ')}
  baton-widget.min.js  ${Object.values(results.bytes['baton-widget.min.js']).join(' / ')}
Targets`);
for (const t of results.targets)
  console.log(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.value} (target <= ${t.max})`);

await mkdir(dirname(args.out), { recursive: true });
await writeFile(args.out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nWrote ${args.out}`);
if (args.check && results.targets.some((t) => !t.pass)) process.exitCode = 1;
