// The package imports in Node (SSR, tests, build tools) without touching the DOM.
import assert from 'node:assert/strict';
import { test } from 'node:test';

test('imports in Node without a DOM, and paints nothing until createBaton is called', async () => {
  const embed = await import('@baton-chat/embed');
  assert.equal(typeof embed.createBaton, 'function');
  assert.equal(typeof embed.installCommands, 'function');
  assert.equal(
    embed.isInstalled(() => undefined),
    false,
  );
  assert.equal(typeof (globalThis as { document?: unknown }).document, 'undefined');
});
