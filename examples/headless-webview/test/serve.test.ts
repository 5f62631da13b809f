import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

// Smoke test of the example: the page, its modules and the API answer on one origin. Needs `npm run build`.
let running: { url: string; close(): Promise<void> };

before(async () => {
  const { start } = (await import(new URL('../serve.mjs', import.meta.url).href)) as {
    start(o: { port: number }): Promise<typeof running>;
  };
  running = await start({ port: 0 });
});
after(() => running.close());

describe('examples/headless-webview', () => {
  it('serves the page, its modules and both core bundles', async () => {
    const page = await fetch(`${running.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.match(await page.text(), /<script type="module" src="\/app.js">/);
    const app = await (await fetch(`${running.url}/app.js`)).text();
    assert.match(app, /from '\/vendor\/baton-core-bridge\.min\.js'/);
    for (const bundle of ['baton-core.min.js', 'baton-core-bridge.min.js']) {
      const res = await fetch(`${running.url}/vendor/${bundle}`);
      assert.equal(res.status, 200, bundle);
      assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
    }
    assert.match(
      await (await fetch(`${running.url}/vendor/baton-core-bridge.min.js`)).text(),
      /createBridge/,
    );
  });

  it('serves nothing else from disk, and the protocol API next to the page', async () => {
    assert.equal((await fetch(`${running.url}/vendor/../../package.json`)).status, 404);
    const created = await fetch(`${running.url}/v1/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(created.status, 201);
  });
});
