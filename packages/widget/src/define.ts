// Registers <baton-chat> when imported. The package entry imports it, so `import '@baton-chat/widget'`
// registers the element; both files are listed in package.json `sideEffects` so bundlers keep them.
import { BatonChat } from './baton-chat.js';

/**
 * Registers `<baton-chat>` unless an element of that name exists already (an npm copy and the CDN copy
 * may meet on one page; the first one wins). Does nothing where `customElements` is missing (Node, SSR).
 * Importing the package calls it.
 */
export function defineBatonChat(): void {
  const registry = (globalThis as { customElements?: CustomElementRegistry }).customElements;
  if (registry && !registry.get('baton-chat')) registry.define('baton-chat', BatonChat);
}

declare global {
  interface HTMLElementTagNameMap {
    'baton-chat': BatonChat;
  }
}

defineBatonChat();
