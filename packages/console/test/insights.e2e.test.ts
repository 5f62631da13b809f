// The insights page and the knowledge-base editor in real Chromium: customers on the protocol API,
// the kb bot on a copy of the help center, an admin and an agent in the console.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { uuidv7 } from '@baton-chat/protocol';
import type { CreateConversationResponse, HistoryResponse } from '@baton-chat/protocol';
import { createKnowledgeBaseBot, type RunningServer } from '@baton-chat/server';
import { axe, launchChromium, PASSWORD, sleep, startConsoleServer } from './e2e-helpers.js';

const HELP_CENTER = fileURLToPath(new URL('../../server/help-center', import.meta.url));
const SHOTS = process.env.BATON_SHOTS ?? '/tmp/baton-shots';

async function api(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(url + path, {
    method,
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** A customer who asks one question and waits for the bot's answer; returns what later steps need. */
async function ask(url: string, question: string) {
  const { conversationId: id, token } = (await api(url, 'POST', '/v1/conversations', {
    locale: 'en',
  })) as CreateConversationResponse;
  const auth = { authorization: `Bearer ${token}` };
  const key = uuidv7();
  await api(
    url,
    'POST',
    `/v1/conversations/${id}/messages`,
    { clientMessageId: key, text: question },
    {
      ...auth,
      'idempotency-key': key,
    },
  );
  const end = Date.now() + 5000;
  for (;;) {
    const page = (await api(
      url,
      'GET',
      `/v1/conversations/${id}/messages`,
      undefined,
      auth,
    )) as HistoryResponse;
    const answer = page.messages.find((m) => m.role === 'bot' && m.status === 'complete');
    if (answer) return { id, auth, answer };
    if (Date.now() > end) throw new Error('no answer');
    await sleep(20);
  }
}

describe('insights and the knowledge-base editor in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let dir: string;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-kb-e2e-'));
    await cp(HELP_CENTER, dir, { recursive: true });
    const kb = await createKnowledgeBaseBot({ dir, delayMs: 0 });
    server = await startConsoleServer({
      bot: kb,
      knowledgeBase: { search: (q, l) => kb.search(q, l), reload: () => kb.reload(), dir },
    });
    browser = await launchChromium();
    await mkdir(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function openAs(email: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await context.newPage();
    p.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    p.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text()))
        problems.push(m.text());
    });
    await p.goto(`${server.url}/console/`);
    await p.getByLabel('E-mail').fill(email);
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { name: /Queue/ }).waitFor();
    return p;
  }

  it('counts a flow: escalation claimed in the console, resolved, rated; unanswered questions grouped', async () => {
    const url = server.url;
    // Two wordings of a question the help center cannot answer, and one it can.
    await ask(url, 'Do you sell llama gift cards?');
    await ask(url, 'Do you sell gift cards for llamas?');
    const happy = await ask(url, 'How do I reset my password?');
    await api(url, 'POST', `/v1/conversations/${happy.id}/close`, {}, happy.auth);
    // An escalation by button, claimed and resolved by Ana in the console, then rated 5.
    const help = await ask(url, 'How long does shipping take?');
    await api(
      url,
      'POST',
      `/v1/conversations/${help.id}/feedback`,
      {
        kind: 'thumbs',
        messageId: help.answer.id,
        value: 'down',
      },
      help.auth,
    );
    await api(url, 'POST', `/v1/conversations/${help.id}/handoff`, {}, help.auth);

    page = await openAs('ana@example.com');
    await page.getByRole('button', { name: /^Claim the conversation/ }).click();
    const composer = page.getByLabel(/^Reply to/);
    await composer.fill('Hi, Ana here: parcels take 2 to 4 working days.');
    await composer.press('Enter');
    await page.getByText('Hi, Ana here').first().waitFor();
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByLabel('Wrap-up summary (you can edit it)').fill('Told the delivery times.');
    await page.locator('form[aria-label="Resolve"]').getByRole('button', { name: 'Resolve' }).click();
    await page.getByRole('heading', { name: 'No conversation open' }).waitFor();
    await api(url, 'POST', `/v1/conversations/${help.id}/feedback`, { kind: 'csat', value: 5 }, help.auth);

    await page.getByRole('link', { name: 'Insights' }).click();
    const insights = page.locator('baton-console-insights');
    await insights.getByRole('heading', { name: 'Insights' }).waitFor();
    await insights.locator('.stats').waitFor();
    await insights.getByText('3 in 2 groups').waitFor();
    const stat = (name: string) => insights.locator('.stats > div').filter({ hasText: name }).locator('dd');
    assert.equal((await stat('Conversations').textContent())?.trim(), '4');
    assert.match((await stat('CSAT').textContent()) ?? '', /5\.0 \/ 5\s*1 rating/);
    assert.match((await stat('Resolved by the bot').textContent()) ?? '', /25\u00a0%\s*1 of 4; 1 by people/);
    assert.match((await stat('Wait for a person').textContent()) ?? '', /\(1\)/);
    assert.match((await stat('First response').textContent()) ?? '', /\(1\)/);
    const reasons = insights.getByRole('list', { name: 'Handoffs per reason' });
    assert.equal(
      (await reasons.getByRole('listitem').allTextContents())
        .map((t) => t.replace(/\s+/g, ' ').trim())
        .join('|'),
      'Asked for a person 1',
    );
    const groups = insights.locator('ol.groups > li');
    assert.equal(await groups.count(), 2);
    assert.match((await groups.first().textContent()) ?? '', /2\s*times[\s\S]*llama[\s\S]*2 low confidence/);
    const shipping = groups.filter({ hasText: 'How long does shipping take?' });
    assert.match((await shipping.textContent()) ?? '', /1 thumbs down[\s\S]*1 before a handoff/);
    // The heatmap has a text alternative and a table with the same numbers.
    await insights.getByRole('img', { name: /busiest .* with 4\./ }).waitFor();
    await insights.getByText('Show the numbers as a table').click();
    const total = await insights
      .locator('.heat-table td')
      .evaluateAll((cells) => cells.reduce((s, c) => s + Number(c.textContent), 0));
    assert.equal(total, 4);
    // Admins get the export; the link downloads the range as JSON Lines.
    const href = await insights.getByRole('link', { name: 'Export JSONL' }).getAttribute('href');
    assert.match(href ?? '', /^\/v1\/agent\/export\.jsonl\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}$/);
    const jsonl = await page.evaluate(async (h) => (await fetch(h!)).text(), href);
    assert.equal(jsonl.trimEnd().split('\n').length, 4);

    await axe(page, 'insights');
    // The page scrolls inside the app: a tall viewport shows all of it.
    await page.setViewportSize({ width: 1280, height: 1900 });
    await page.screenshot({ path: `${SHOTS}/insights-light.png` });
    await page.emulateMedia({ colorScheme: 'dark' });
    await axe(page, 'insights (dark)');
    await page.screenshot({ path: `${SHOTS}/insights-dark.png` });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 900 });

    // From a group straight to a new article that answers it.
    await groups
      .first()
      .getByRole('button', { name: /^Write an article that answers/ })
      .click();
    const draft = page.locator('baton-console-kb').getByLabel(/Markdown with front matter/);
    await page.locator('baton-console-kb').getByRole('heading', { name: 'New article' }).waitFor();
    assert.match(
      await draft.inputValue(),
      /^---\ntitle: Do you sell .*llama.*\?\nslug: do-you-sell-[a-z-]+\n/,
    );
    await page.getByRole('link', { name: 'Insights' }).click();
    await insights.locator('.stats').waitFor();

    // A range without conversations.
    await insights.getByLabel('From', { exact: true }).fill('2020-01-01');
    await insights.getByLabel('To', { exact: true }).fill('2020-01-07');
    await insights.getByRole('button', { name: 'Show' }).click();
    await insights.getByText('No handoffs in this range.').waitFor();
    assert.equal((await stat('Conversations').textContent())?.trim(), '0');
    assert.deepEqual(problems, []);
  });

  it('lets an admin edit an article and re-index; the bot then answers from it', async () => {
    const before = await ask(server.url, 'Can I rent a telescope?');
    assert.ok(before.answer.confidence! < 0.35);
    await page.getByRole('link', { name: 'Knowledge base' }).click();
    const kb = page.locator('baton-console-kb');
    await kb.getByRole('heading', { name: 'Knowledge base' }).waitFor();
    await kb.getByRole('button', { name: /Delivery times/ }).click();
    await kb.getByRole('heading', { name: 'Edit “Delivery times”' }).waitFor();
    const editor = kb.getByLabel(/Markdown with front matter/);
    assert.match(await editor.inputValue(), /^---\ntitle: Delivery times/);
    await kb.getByRole('button', { name: 'New article' }).click();
    await editor.fill(
      '---\ntitle: Telescope rental\nslug: telescope-rental\ncategory: Services\ntags: [rent, telescope]\n---\n\n# Telescope rental\n\nYou can rent a telescope in any store for 15 € a night.\n',
    );
    await kb.getByRole('button', { name: 'Save' }).click();
    await kb.getByRole('status').filter({ hasText: 'Created “Telescope rental”' }).waitFor();
    assert.match(await readFile(join(dir, 'telescope-rental.md'), 'utf8'), /15 € a night/);
    await kb.getByRole('button', { name: 'Re-index' }).click();
    await kb
      .getByRole('status')
      .filter({ hasText: /Re-indexed \d+ articles/ })
      .waitFor();
    const afterEdit = await ask(server.url, 'Can I rent a telescope?');
    assert.ok(afterEdit.answer.confidence! >= 0.35);
    assert.match(afterEdit.answer.text, /15 € a night/);

    // A broken front matter is refused with the parser's message.
    await editor.fill('---\nslug: telescope-rental\n---\nno title');
    await kb.getByRole('button', { name: 'Save' }).click();
    await kb.getByRole('alert').filter({ hasText: 'title' }).waitFor();
    await axe(page, 'knowledge base');
    await page.screenshot({ path: `${SHOTS}/insights-kb-light.png` });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: `${SHOTS}/insights-kb-dark.png` });
    assert.deepEqual(problems, []);
  });

  it('shows agents insights but neither the export nor the editor', async () => {
    const ben = await openAs('ben@example.com');
    assert.equal(await ben.getByRole('link', { name: 'Knowledge base' }).count(), 0);
    await ben.getByRole('link', { name: 'Insights' }).click();
    const insights = ben.locator('baton-console-insights');
    await insights.locator('.stats').waitFor();
    assert.equal(await insights.getByRole('link', { name: 'Export JSONL' }).count(), 0);
    // Keyboard: the range form is reachable and submits with Enter.
    await insights.getByLabel('To', { exact: true }).focus();
    await ben.keyboard.press('Enter');
    await insights.locator('.stats').waitFor();
    await axe(ben, 'insights as an agent');
    assert.deepEqual(problems, []);
  });
});
