/**
 * Issue 6 "Must show", end to end with the real widget: a customer on the demo shop page (the script tag
 * and <baton-chat>) and agents in the console, each in their own browser context, on one reference server.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { DurableEvent } from '@baton-chat/protocol';
import type { RunningServer } from '@baton-chat/server';
import { APP_DIR, launchChromium, PASSWORD, startConsoleServer } from './e2e-helpers.js';

const root = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const WIDGET_DIR = root('packages/embed/dist/cdn/');
const SITE_DIR = root('examples/demo-site/');

for (const file of [`${APP_DIR}console.js`, `${WIDGET_DIR}baton.js`, `${WIDGET_DIR}baton-widget.js`]) {
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first.`);
}

describe('a customer in the widget and agents in the console', () => {
  let server: RunningServer;
  let browser: Browser;

  before(async () => {
    server = await startConsoleServer({
      site: { static: { '/': SITE_DIR, '/widget': WIDGET_DIR, '/console': APP_DIR } },
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function openShop(): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(`${server.url}/`);
    const chat = page.locator('baton-chat');
    await chat.waitFor({ state: 'attached', timeout: 15_000 });
    await chat.locator('[part~="launcher"]').first().click();
    await chat.getByRole('textbox').waitFor();
    return page;
  }

  async function openConsole(email: string): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 860 } })).newPage();
    await page.goto(`${server.url}/console/`);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: /Queue/ }).waitFor();
    return page;
  }

  async function say(shop: Page, text: string): Promise<void> {
    const input = shop.locator('baton-chat').getByRole('textbox');
    await input.fill(text);
    await input.press('Enter');
  }

  it('button escalation: queue within 1 s, claim, both ways with typing, transfer, resolve, CSAT, insights', async () => {
    const ana = await openConsole('ana@example.com');
    const ben = await openConsole('ben@example.com');
    const shop = await openShop();
    const chat = shop.locator('baton-chat');
    await say(shop, 'where is my parcel');
    await chat.getByText('You said: where is my parcel').first().waitFor();

    const asked = Date.now();
    await chat.locator('[part~="handoff-button"]').click();
    const row = ana.locator('li[data-conversation-id]', { hasText: 'where is my parcel' });
    await row.waitFor({ timeout: 1000 });
    assert.ok(Date.now() - asked <= 1000, `the queue showed it after ${Date.now() - asked} ms`);
    await row.getByText(/User requested|Asked for a person|user requested/i).waitFor();
    const conversationId = (await row.getAttribute('data-conversation-id'))!;

    await row.getByRole('button', { name: /Claim/ }).click();
    await chat.getByText('Ana Costa · support team').first().waitFor();
    // An anonymous customer has one name everywhere in the console: the queue's "Visitor".
    await row.getByText('Visitor', { exact: true }).waitFor();
    await ana.getByRole('heading', { name: 'Visitor', exact: true }).waitFor();
    const composer = ana.getByLabel('Reply to Visitor');
    await composer.pressSequentially('Hello, this is Ana');
    await chat.getByText('Ana Costa is typing…').first().waitFor();
    await composer.press('Enter');
    await chat.getByText('Hello, this is Ana').first().waitFor();
    await chat.getByRole('textbox').pressSequentially('thank you, it was due Monday');
    await ana.getByText(/is typing…/).waitFor();
    await chat.getByRole('textbox').press('Enter');
    await ana.getByRole('log', { name: 'Transcript' }).getByText('thank you, it was due Monday').waitFor();

    // Transfer to Ben, who accepts; the customer sees him.
    await ana.getByRole('button', { name: 'Transfer' }).click();
    const select = ana.getByLabel('Transfer to');
    const benOption = select.locator('option', { hasText: 'Ben Okafor' });
    await ana.waitForFunction((el) => !(el as HTMLOptionElement).disabled, await benOption.elementHandle(), {
      timeout: 3000,
    });
    await select.selectOption({ label: await benOption.innerText() });
    await ana.locator('form[aria-label="Transfer"]').getByRole('button', { name: 'Transfer' }).click();
    const offered = ben.locator('li', { hasText: 'Offered to you' });
    await offered.getByRole('button', { name: /Accept/ }).click();
    await chat.getByText('Ben Okafor · support team').first().waitFor();

    // Ben resolves; the customer rates the conversation.
    await ben.getByRole('button', { name: 'Resolve' }).click();
    await ben.getByLabel('Wrap-up summary (you can edit it)').fill('Parcel located, delivery tomorrow.');
    await ben.locator('form[aria-label="Resolve"]').getByRole('button', { name: 'Resolve' }).click();
    await chat.getByText('How was your conversation?').first().waitFor();
    await chat.getByRole('button', { name: '5 of 5' }).click();

    // While a person had control the bot started nothing.
    const log: DurableEvent[] = await server.server.store.readEvents(conversationId, 0);
    const joined = log.find((e) => e.type === 'participant.joined')!.seq;
    const ended = log.find((e) => e.type === 'participant.left' && e.data.reason === 'resolved')!.seq;
    assert.deepEqual(
      log.filter((e) => e.type === 'message.started' && e.seq > joined && e.seq < ended),
      [],
      'no bot message while a human had control',
    );
    await waitUntil(async () => log.length > 0 && (await csatCount(ana)) === 1);
    const insights = await (await ana.request.get(`${server.url}/v1/agent/insights`)).json();
    assert.equal(insights.csat.distribution[4], 1);
    assert.ok(
      insights.escalations.reasons.some((r: { reason: string }) => r.reason === 'user_requested'),
      JSON.stringify(insights.escalations),
    );
    assert.equal(insights.resolution.human, 1);
  });

  it('an angry message in the widget reaches the queue first, with its reason and priority, within 1 s', async () => {
    const ana = await openConsole('ana@example.com');
    const calm = await openShop();
    await calm.locator('baton-chat').locator('[part~="handoff-button"]').click();
    const shop = await openShop();
    await say(shop, 'My order LC-20418837 is late');
    await shop
      .locator('baton-chat')
      .getByText(/You said: My order/)
      .first()
      .waitFor();
    const sent = Date.now();
    await say(shop, 'This is useless and terrible, I am furious!!! Nobody helps me');
    const row = ana.locator('li[data-conversation-id]', { hasText: 'I am furious' });
    await row.waitFor({ timeout: 1000 });
    assert.ok(Date.now() - sent <= 1000, `the queue showed it after ${Date.now() - sent} ms`);
    await row.getByText(/Negative sentiment/i).waitFor();
    await row.getByText(/Priority [1-3]/).waitFor();
    const rows = ana.locator('ul[aria-label="Waiting conversations"] > li');
    assert.match(await rows.first().innerText(), /I am furious/, 'the angry customer is first');
    await shop
      .locator('baton-chat')
      .getByText(/Waiting for a person/)
      .first()
      .waitFor();
  });
});

async function csatCount(page: Page): Promise<number> {
  const res = await page.request.get(`${new URL(page.url()).origin}/v1/agent/insights`);
  return ((await res.json()) as { csat: { count: number } }).csat.count;
}

async function waitUntil(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
