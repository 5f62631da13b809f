// The widget playground in real Chromium, served by the reference server the way `npm start` serves it
// (the demo folder at /, the embed folder at /widget, the strict page CSP). Needs `npm run build`.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../../../scripts/chromium.mjs';
import { createEchoBot, type RunningServer } from '@baton-chat/server';
import { requireWidgetBuild, startDemoSite } from './site.js';

const AXE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

requireWidgetBuild(['baton-widget.js', 'baton-widget-locale-ar.js']);

let server: RunningServer;
let browser: Browser;

before(async () => {
  server = await startDemoSite(createEchoBot({ wordDelayMs: 2 }));
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

interface Opened {
  context: BrowserContext;
  page: Page;
  errors: string[];
  violations(): Promise<string[]>;
}

async function open(query = ''): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  await context.addInitScript(`window.violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective));`);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}/playground.html${query}`);
  await page.locator('baton-chat [part~="panel"]').waitFor({ timeout: 15_000 });
  return {
    context,
    page,
    errors,
    violations: () => page.evaluate(() => (window as unknown as { violations: string[] }).violations),
  };
}

/** A computed style of the widget's first element with `part`, read inside its shadow root. */
function partStyle(page: Page, part: string, property: 'backgroundColor' | 'borderTopLeftRadius') {
  return page
    .locator(`baton-chat [part~="${part}"]`)
    .first()
    .evaluate((el, p) => getComputedStyle(el)[p], property);
}

async function axe(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, so the page's CSP (script-src 'self') does not block it.
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const { violations } = await (
      window as unknown as { axe: { run(c: Document): Promise<{ violations: { id: string }[] }> } }
    ).axe.run(document);
    return violations.map((v) => v.id);
  });
}

describe('examples/demo-site playground', () => {
  it('is served with the strict CSP, and the shop page links to it', async () => {
    const page = await fetch(`${server.url}/playground.html`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'; style-src 'self'/);
    const html = await page.text();
    assert.doesNotMatch(html, /<script>|<style|style=/, 'no inline script or style');
    for (const file of ['playground.js', 'playground.css']) {
      assert.equal((await fetch(`${server.url}/${file}`)).status, 200, file);
    }
    assert.match(await (await fetch(`${server.url}/`)).text(), /href="\/playground.html"/);
  });

  it('theme, locale, accent and radius controls change the widget, by mouse and keyboard', async () => {
    const { context, page, errors, violations } = await open();
    try {
      const chat = page.locator('baton-chat');
      assert.equal(await chat.getAttribute('mode'), 'inline');
      const lightBg = await partStyle(page, 'panel', 'backgroundColor');

      // In the light theme the header is the accent colour.
      await page.getByLabel(/Accent colour/).fill('#c2410c');
      await page.waitForFunction(
        () =>
          getComputedStyle(document.querySelector('baton-chat')!).getPropertyValue('--baton-accent') ===
          '#c2410c',
      );
      assert.equal(await partStyle(page, 'header', 'backgroundColor'), 'rgb(194, 65, 12)');
      await page.getByLabel(/Corner radius/).fill('4');
      await page.waitForFunction(
        () =>
          getComputedStyle(document.querySelector('baton-chat')!).getPropertyValue('--baton-radius') ===
          '4px',
      );
      assert.equal(await partStyle(page, 'panel', 'borderTopLeftRadius'), '4px');

      // Radios are one tab stop; the arrow keys move the choice.
      await page.getByRole('radio', { name: 'Light' }).focus();
      await page.keyboard.press('ArrowDown');
      assert.equal(await page.getByRole('radio', { name: 'Dark' }).isChecked(), true);
      await page.waitForFunction(
        () => document.querySelector('baton-chat')?.getAttribute('theme') === 'dark',
      );
      const darkBg = await partStyle(page, 'panel', 'backgroundColor');
      assert.notEqual(darkBg, lightBg, 'the panel background follows the theme');
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');

      await page.getByLabel('Language').selectOption('ar');
      await page.waitForFunction(() => document.querySelector('baton-chat')?.getAttribute('dir') === 'rtl');
      await chat.getByText('تحدّث معنا').first().waitFor();

      const snippet = await page.locator('#snippet').textContent();
      for (const expected of [
        'mode="inline"',
        'theme="dark"',
        'locale="ar"',
        "import '@baton-chat/widget/locales/ar';",
        '--baton-accent: #c2410c;',
        '--baton-radius: 4px;',
      ]) {
        assert.ok(snippet?.includes(expected), `the snippet has ${expected}:\n${snippet}`);
      }
      assert.match(page.url(), /theme=dark/);
      assert.match(page.url(), /locale=ar/);

      assert.deepEqual(await axe(page), [], 'axe violations');
      assert.deepEqual(await violations(), []);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('floating mode shows the launcher on the chosen side and the script tag snippet', async () => {
    const { context, page, errors, violations } = await open('?position=left');
    try {
      await page.getByRole('radio', { name: 'Floating' }).check();
      const launcher = page.locator('baton-chat [part~="launcher"]');
      await launcher.waitFor();
      const box = (await launcher.boundingBox())!;
      assert.ok(box.x < 640, `the launcher is on the left (x = ${box.x})`);
      const snippet = (await page.locator('#snippet').textContent()) ?? '';
      assert.match(snippet, /src="http:\/\/127\.0\.0\.1:\d+\/widget\/baton\.js"/);
      assert.match(snippet, /data-position="left"/);

      await page.getByRole('button', { name: 'Open the panel' }).click();
      await page.locator('baton-chat').getByRole('textbox').waitFor();
      assert.deepEqual(await violations(), []);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('settings come back from the address, and the inline widget streams an answer', async () => {
    const { context, page, errors, violations } = await open('?theme=dark&locale=es');
    try {
      assert.equal(await page.getByRole('radio', { name: 'Dark' }).isChecked(), true);
      assert.equal(await page.getByLabel('Language').inputValue(), 'es');
      const chat = page.locator('baton-chat');
      await page.waitForFunction(
        () => document.querySelector('baton-chat')?.getAttribute('theme') === 'dark',
      );
      const input = chat.getByRole('textbox');
      await input.fill('where is my parcel');
      await input.press('Enter');
      await chat.getByText('You said: where is my parcel').first().waitFor();
      assert.deepEqual(await violations(), []);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
