// The demo shop as `npm start` serves it (the knowledge-base bot on the demo help center, citations
// linking to this server's /help), in real Chromium through the script tag. Needs `npm run build`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../scripts/chromium.mjs';
import { createKnowledgeBaseBot, type RunningServer } from '@baton-chat/server';
import { HELP_CENTER, requireWidgetBuild, startDemoSite } from './site.js';

requireWidgetBuild();

describe('the demo shop', () => {
  let server: RunningServer;
  let browser: Browser;

  before(async () => {
    const bot = await createKnowledgeBaseBot({ dir: HELP_CENTER, baseUrl: '/help' });
    server = await startDemoSite(bot, { helpCenter: true });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('answers the shipping question with its source, a link that opens the help article', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/`);
    const chat = page.locator('baton-chat');
    await chat.waitFor({ state: 'attached', timeout: 15_000 });
    await chat.locator('[part~="launcher"]').first().click();
    const input = chat.getByRole('textbox');
    await input.fill('How long does shipping take?');
    await input.press('Enter');
    const source = chat.locator('[part=citations] a').first();
    await source.waitFor({ timeout: 15_000 });
    assert.match((await source.textContent()) ?? '', /Delivery times/);
    const href = await source.getAttribute('href');
    assert.equal(href, `${server.url}/help/shipping-times`);
    const article = await page.request.get(href!);
    assert.equal(article.status(), 200);
    assert.match(await article.text(), /Delivery times/);
    await page.close();
  });
});
