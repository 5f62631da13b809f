// The demo shop as `npm start` serves it (the knowledge-base bot on the demo help center, citations
// linking to this server's /help), in real Chromium through the script tag. Needs `npm run build`.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../scripts/chromium.mjs';
import { createKnowledgeBaseBot, startServer, type RunningServer } from '@baton-chat/server';

const SITE_DIR = fileURLToPath(new URL('../', import.meta.url));
const WIDGET_DIR = fileURLToPath(new URL('../../../packages/embed/dist/cdn/', import.meta.url));
const HELP_CENTER = fileURLToPath(new URL('../../../packages/server/help-center/', import.meta.url));

if (!existsSync(`${WIDGET_DIR}baton-widget.js`))
  throw new Error(`${WIDGET_DIR}baton-widget.js is missing: run \`npm run build\`.`);

describe('the demo shop', () => {
  let server: RunningServer;
  let browser: Browser;

  before(async () => {
    server = await startServer({
      port: 0,
      dataDir: 'memory://',
      bot: await createKnowledgeBaseBot({ dir: HELP_CENTER, baseUrl: '/help' }),
      rateLimits: { conversationsPerIp: { perMinute: 0 }, commandsPerConversation: { perMinute: 0 } },
      site: { static: { '/': SITE_DIR, '/widget': WIDGET_DIR }, helpCenterDir: HELP_CENTER },
      log: () => undefined,
    });
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
