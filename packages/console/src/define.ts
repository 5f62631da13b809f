// Registers the console's elements when imported; the only module with a side effect besides main.ts.
import { BatonConsoleCanned } from './canned-editor.js';
import { BatonConsole } from './console-app.js';
import { BatonConsoleConversation } from './conversation-view.js';
import { BatonConsoleInsights } from './insights-view.js';
import { BatonConsoleKb } from './kb-editor.js';

/**
 * Registers `<baton-console>`, `<baton-console-conversation>`, `<baton-console-insights>`,
 * `<baton-console-kb>` and `<baton-console-canned>` unless elements of those names exist
 * already (the first definition wins). Does nothing where `customElements` is missing (Node, SSR).
 * Importing this module calls it.
 */
export function defineBatonConsole(): void {
  const registry = (globalThis as { customElements?: CustomElementRegistry }).customElements;
  if (!registry) return;
  if (!registry.get('baton-console-insights'))
    registry.define('baton-console-insights', BatonConsoleInsights);
  if (!registry.get('baton-console-canned')) registry.define('baton-console-canned', BatonConsoleCanned);
  if (!registry.get('baton-console-kb')) registry.define('baton-console-kb', BatonConsoleKb);
  if (!registry.get('baton-console-conversation'))
    registry.define('baton-console-conversation', BatonConsoleConversation);
  if (!registry.get('baton-console')) registry.define('baton-console', BatonConsole);
}

declare global {
  interface HTMLElementTagNameMap {
    'baton-console': BatonConsole;
    'baton-console-conversation': BatonConsoleConversation;
    'baton-console-insights': BatonConsoleInsights;
    'baton-console-kb': BatonConsoleKb;
    'baton-console-canned': BatonConsoleCanned;
  }
}

defineBatonConsole();
