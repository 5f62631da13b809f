import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createEchoBot, startServer, type RunningServer } from '@baton-chat/server';

const HELP_CENTER = fileURLToPath(new URL('../help-center', import.meta.url));

describe('the site around the API', () => {
  let s: RunningServer;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-site-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>shop</title>');
    await writeFile(join(dir, '.env'), 'SECRET=1');
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'assets', 'app.js'), 'export {};');
    s = await startServer({
      port: 0,
      dataDir: 'memory://',
      bot: createEchoBot(),
      site: { static: { '/': dir }, helpCenterDir: HELP_CENTER, helpCenterName: 'Larkspur help' },
    });
  });
  after(async () => {
    await s.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the demo folder with the right types, and never dot-files or paths outside it', async () => {
    const home = await fetch(`${s.url}/`);
    assert.equal(home.status, 200);
    assert.equal(home.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(home.headers.get('x-content-type-options'), 'nosniff');
    assert.match(home.headers.get('content-security-policy') ?? '', /script-src 'self'; style-src 'self'/);
    const js = await fetch(`${s.url}/assets/app.js`);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal((await fetch(`${s.url}/.env`)).status, 404);
    assert.equal((await fetch(`${s.url}/assets/%2e%2e/%2e%2e/package.json`)).status, 404);
    assert.equal((await fetch(`${s.url}/%E0%A4%A`)).status, 404);
    // The API keeps its own answers.
    assert.equal((await fetch(`${s.url}/v1/capabilities`)).status, 200);
    assert.equal(
      (await fetch(`${s.url}/v1/nothing`)).headers.get('content-type'),
      'application/problem+json',
    );
  });

  it('publishes the help center the bot cites, under a strict CSP', async () => {
    const index = await fetch(`${s.url}/help`);
    assert.equal(index.status, 200);
    const html = await index.text();
    assert.match(html, /Larkspur help/);
    const link = /href="\/help\/([a-z0-9/-]+)" lang="en"/.exec(html);
    assert.ok(link, 'an English article is listed');
    const article = await fetch(`${s.url}/help/${link[1]}`);
    assert.equal(article.status, 200);
    assert.match(article.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match(await article.text(), /<article><h1>/);
    const zh = /href="\/help\/([a-z0-9/-]+)" lang="zh-CN"/.exec(html);
    assert.ok(zh, 'Chinese articles are listed too');
    assert.equal((await fetch(`${s.url}/help/no-such-article`)).status, 404);
  });
});
