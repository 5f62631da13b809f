// Smoke test of the example in real Chromium: the page, baton.js and the widget come from one origin
// under `default-src 'self'`; the command buttons drive the chat. Needs `npm run build`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../scripts/chromium.mjs';

let running: { url: string; close(): Promise<void> };
let browser: Browser;

before(async () => {
  const { start } = (await import(new URL('../serve.mjs', import.meta.url).href)) as {
    start(o: { port: number }): Promise<typeof running>;
  };
  running = await start({ port: 0 });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await running?.close();
});

describe('examples/script-tag', () => {
  it('serves the page and the embed folder, and nothing else from disk', async () => {
    const page = await fetch(`${running.url}/`);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.match(await page.text(), /<script src="\/widget\/baton.js" data-server="\/"/);
    for (const file of ['baton.js', 'baton-widget.js']) {
      assert.equal((await fetch(`${running.url}/widget/${file}`)).status, 200, file);
    }
    assert.equal((await fetch(`${running.url}/widget/../package.json`)).status, 404);
  });

  it('the command buttons send a message and the answer is logged, with 0 CSP violations', async () => {
    const context = await browser.newContext();
    await context.addInitScript(`window.violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective));`);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    try {
      await page.goto(`${running.url}/`);
      await page.getByRole('button', { name: "Baton('send', 'Where is my order?')" }).click();
      await page.locator('#log').getByText('message: You said: Where is my order?').waitFor();
      assert.deepEqual(await page.evaluate(() => (window as { violations?: string[] }).violations), []);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
