// End to end in real Chromium: the reference server serves the built console at /console; customers
// talk to it through the protocol API (as the widget does), agents through the console in the browser.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { RunningServer } from '@baton-chat/server';
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

describe('agent console in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let anaContext: BrowserContext;
  let ana: Page;
  let anaProblems: string[];
  let lena: Customer;
  const customers: Customer[] = [];

  before(async () => {
    server = await startConsoleServer({
      knowledgeBase: {
        search: () => ({
          hits: [
            {
              title: 'Refunds',
              url: '/help/refunds',
              snippet: 'Duplicate charges are refunded within 5 working days.',
            },
          ],
        }),
      },
    });
    browser = await launchChromium();
    ({ context: anaContext, page: ana, problems: anaProblems } = await openConsole(browser, server.url));
  });

  after(async () => {
    for (const c of customers) c.close();
    await browser?.close();
    await server?.close();
  });

  it('signs in (a wrong password is refused with a message) with 0 axe violations', async () => {
    await ana.getByRole('heading', { name: 'Baton console' }).waitFor();
    await axe(ana, 'sign-in');
    await signIn(ana, 'ana@example.com', 'not the password');
    await ana.getByRole('alert').filter({ hasText: 'Wrong e-mail or password' }).waitFor();
    await signIn(ana, 'ana@example.com');
    await ana.getByRole('heading', { name: /Queue/ }).waitFor();
    await ana.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    assert.equal(await ana.title(), 'Baton console');
    await axe(ana, 'empty queue');
  });

  it('shows an escalation in the queue within 1 s, with reason, wait and preview, and announces it', async () => {
    lena = await customer(server.url, 'Lena Ortiz', 'user-42');
    customers.push(lena);
    await lena.send('Where is my parcel?');
    await lena.waitFor((e) => e.type === 'message.completed');
    const started = Date.now();
    await lena.handoff('I was charged twice');
    const row = ana.locator(`li[data-conversation-id="${lena.id}"]`);
    await row.waitFor({ timeout: 1000 });
    assert.ok(Date.now() - started <= 1000, `shown after ${Date.now() - started} ms`);
    const text = await row.innerText();
    assert.match(text, /Lena Ortiz/);
    assert.match(text, /Asked for a person/);
    assert.match(text, /waiting \d+\s+s/);
    assert.match(text, /Where is my parcel\?/);
    await ana.waitForFunction(() => document.title === '(1) Baton console');
    const live = ana.locator('[aria-live="polite"][aria-atomic="true"]');
    assert.match(await live.innerText(), /New conversation waiting: Lena Ortiz, asked for a person/);
    await axe(ana, 'queue');
  });

  it('orders an angry customer (negative sentiment, higher priority) first', async () => {
    const max = await customer(server.url, 'Max Brand', 'user-77');
    customers.push(max);
    await max.send('This is absolutely terrible. I am furious, worst service ever, I hate this!');
    const rows = ana.locator('ul[aria-label="Waiting conversations"] > li');
    await ana.locator(`li[data-conversation-id="${max.id}"]`).waitFor({ timeout: 2000 });
    const first = rows.first();
    assert.equal(await first.getAttribute('data-conversation-id'), max.id);
    assert.match(await first.innerText(), /Negative sentiment/);
    assert.match(await first.innerText(), /Priority [1-9]/);
    await ana.waitForFunction(() => document.title === '(2) Baton console');
  });

  it('claims with one click; the customer sees the agent join; messages and typing flow both ways', async () => {
    await ana.locator(`li[data-conversation-id="${lena.id}"]`).getByRole('button', { name: /Claim/ }).click();
    const composer = ana.getByLabel('Reply to Lena Ortiz');
    await composer.waitFor();
    await lena.waitFor((e) => e.type === 'participant.joined' && e.data.participant.name === 'Ana Costa');
    assert.equal(await ana.evaluate(() => document.title), '(1) Baton console');
    await ana.locator('ul[aria-label="My conversations"]').getByText('Lena Ortiz').waitFor();
    // No longer waiting: the row says for how long it has been Ana's.
    const mine = ana.locator('ul[aria-label="My conversations"] > li', { hasText: 'Lena Ortiz' });
    assert.match(await mine.innerText(), /with you for \d+\s+s/);
    assert.doesNotMatch(await mine.innerText(), /waiting/);

    // The customer types: the console shows it; the customer writes: the transcript shows it.
    await lena.typing(true);
    await ana.getByText('Lena Ortiz is typing…').waitFor({ timeout: 2000 });
    await lena.send('Are you a person?');
    const log = ana.getByRole('log', { name: 'Transcript' });
    await log.getByText('Are you a person?').waitFor({ timeout: 2000 });
    assert.equal(await ana.getByText('Lena Ortiz is typing…').count(), 0);

    // The agent types: the customer gets typing; Enter sends.
    await composer.pressSequentially('Yes, I am Ana.');
    await lena.waitFor((e) => e.type === 'typing' && e.data.isTyping && e.data.participant.role === 'agent');
    await composer.press('Enter');
    const sent = await lena.waitFor((e) => e.type === 'message.created' && e.data.role === 'agent');
    assert.equal((sent as { data: { text: string } }).data.text, 'Yes, I am Ana.');
    assert.equal(await composer.inputValue(), '');
    await log.locator('.msg.agent').getByText('Yes, I am Ana.').waitFor();
    assert.equal(await log.locator('.msg.agent').count(), 1, 'the own message is shown once');
    assert.match(await log.locator('.msg.user').last().innerText(), /Customer · Lena Ortiz/);
    assert.match(await log.locator('.msg.bot').first().innerText(), /Bot/);

    // While the human has control, the bot sends nothing.
    const joined = lena.events.findIndex((e) => e.type === 'participant.joined');
    assert.equal(
      lena.events.slice(joined).filter((e) => e.type === 'message.started').length,
      0,
      'the bot stayed silent',
    );
    await axe(ana, 'conversation');
    await ana.emulateMedia({ colorScheme: 'dark' });
    await axe(ana, 'conversation (dark)');
    await ana.emulateMedia({ colorScheme: 'light' });
  });

  it('inserts a knowledge-base passage and the AI draft into the composer without sending', async () => {
    const composer = ana.getByLabel('Reply to Lena Ortiz');
    const agentMessages = () =>
      lena.events.filter((e) => e.type === 'message.created' && e.data.role === 'agent').length;
    const before = agentMessages();
    await ana.getByLabel('Search the knowledge base').fill('refund');
    await ana.getByRole('button', { name: 'Search', exact: true }).click();
    await ana.getByRole('button', { name: 'Insert Refunds into the reply' }).click();
    const value = await composer.inputValue();
    assert.match(value, /Duplicate charges are refunded/);
    assert.match(value, new RegExp(`\\[Refunds\\]\\(${server.url.replace(/[.]/g, '\\.')}/help/refunds\\)`));
    // The server builds a context package for the handoff: its AI draft goes into the composer only.
    await ana.getByText('Machine-generated').first().waitFor();
    await composer.fill('');
    await ana.getByRole('button', { name: 'Insert AI draft' }).click();
    assert.match(await composer.inputValue(), /\S/);
    assert.equal(
      await composer.evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement),
      true,
    );
    await sleep(300);
    assert.equal(agentMessages(), before, 'nothing was sent');
    await composer.fill('');
  });

  it('resolves with an edited wrap-up; the customer sees the handoff end', async () => {
    await ana.getByRole('button', { name: 'Resolve' }).click();
    const summary = ana.getByLabel('Wrap-up summary (you can edit it)');
    await summary.fill('Refunded the duplicate charge.');
    await ana.locator('form[aria-label="Resolve"]').getByRole('button', { name: 'Resolve' }).click();
    const ended = await lena.waitFor((e) => e.type === 'handoff.updated' && e.data.state === 'ended');
    assert.equal((ended as { data: { outcome?: string } }).data.outcome, 'resolved');
    await ana.getByRole('heading', { name: 'No conversation open' }).waitFor();
    assert.match(
      await ana.locator('[aria-live="polite"][aria-atomic="true"]').innerText(),
      /Conversation resolved/,
    );
    await ana.locator('ul[aria-label="My conversations"]').waitFor({ state: 'detached' });
  });

  it('claims the most urgent with Alt+C and transfers it to a second agent, who accepts', async () => {
    const { context: benContext, page: ben } = await openConsole(browser, server.url);
    try {
      await signIn(ben, 'ben@example.com');
      await ben.getByRole('heading', { name: /Queue/ }).waitFor();
      await ana.locator('body').press('Alt+c');
      const composer = ana.getByLabel('Reply to Max Brand');
      await composer.waitFor();
      await ana.getByRole('button', { name: 'Transfer' }).click();
      const select = ana.getByLabel('Transfer to');
      await select.waitFor();
      await axe(ana, 'transfer panel');
      const benOption = select.locator('option', { hasText: 'Ben Okafor' });
      await ana.waitForFunction(
        (el) => !(el as HTMLOptionElement).disabled,
        await benOption.elementHandle(),
        { timeout: 3000 },
      );
      await select.selectOption({ label: await benOption.innerText() });
      await ana.locator('form[aria-label="Transfer"]').getByRole('button', { name: 'Transfer' }).click();
      await ana.getByRole('heading', { name: 'No conversation open' }).waitFor();
      const offered = ben.locator('li', { hasText: 'Offered to you' });
      await offered.waitFor({ timeout: 2000 });
      await offered.getByRole('button', { name: /Accept/ }).click();
      await ben.getByLabel('Reply to Max Brand').waitFor();
      await ben.locator('ul[aria-label="My conversations"]').getByText('Max Brand').waitFor();

      // Ana looks at a waiting conversation; Ben takes it: Ana sees who has it and can no longer claim.
      const sofia = await customer(server.url, 'Sofia Marin', 'user-91');
      customers.push(sofia);
      await sofia.send('How do I change my delivery address?');
      await sofia.handoff();
      await ana.locator(`li[data-conversation-id="${sofia.id}"] button.open`).click();
      const view = ana.locator('baton-console-conversation');
      await view.getByRole('button', { name: 'Claim' }).waitFor();
      await ben
        .locator(`li[data-conversation-id="${sofia.id}"]`)
        .getByRole('button', { name: /Claim/ })
        .click();
      await view.getByText('Ben Okafor has this conversation.').waitFor({ timeout: 2000 });
      assert.equal(await view.getByRole('button', { name: 'Claim' }).count(), 0);
      await ana.locator(`li[data-conversation-id="${sofia.id}"]`).waitFor({ state: 'detached' });
    } finally {
      await benContext.close();
    }
  });

  it('signs out and back to the sign-in page; no CSP violation or page error happened', async () => {
    await ana.getByRole('button', { name: 'Sign out' }).click();
    await ana.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.deepEqual(anaProblems, []);
    await anaContext.close();
  });
});
