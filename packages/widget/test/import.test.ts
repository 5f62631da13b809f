// The package imports in Node (SSR, tests, build tools) without touching the DOM.
import { test } from 'node:test';
import assert from 'node:assert/strict';

test('imports in Node without a DOM (SSR, tests, build tools)', async () => {
  const widget = await import('@baton-chat/widget');
  assert.equal(typeof widget.BatonChat, 'function');
  assert.equal(typeof widget.renderMarkdown, 'function');
  assert.equal(widget.MARKDOWN_MAX_CHARS, 8_000);
  assert.doesNotThrow(() => widget.defineBatonChat());
  // Lit's Node build brings its own customElements shim; nothing else of the DOM appears.
  assert.equal(typeof (globalThis as { document?: unknown }).document, 'undefined');
});
