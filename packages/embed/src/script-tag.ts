// The entry of baton.js (an IIFE): reads the data-* attributes of its own <script> tag, paints the
// launcher, and installs window.Baton. Everything else loads later, from data-widget-src.
import { installCommands, isInstalled } from './commands.js';
import type { BatonFunction } from './commands.js';
import { findOwnScript, readScriptConfig } from './config.js';
import { createBaton } from './embed.js';

// Read now: document.currentScript is only set while this script first runs.
const script = findOwnScript();

if (isInstalled(window.Baton)) {
  console.warn('Baton: baton.js is included twice; the second copy does nothing.');
} else if (!script) {
  console.error('Baton: could not find the <script src=".../baton.js"> tag to read its data-* attributes.');
} else {
  const config = readScriptConfig(script);
  // Calls made before the chat starts are kept, whether or not the page put the queue stub first.
  const stub: BatonFunction = (...args) => void (stub.q ??= []).push(args);
  window.Baton ??= stub;
  if (config) {
    const { widgetSrc, ...options } = config;
    // Lit's fallback <style> elements (browsers without constructed stylesheets) need the nonce too.
    const global = globalThis as { litNonce?: string };
    if (options.nonce) global.litNonce ??= options.nonce;
    const start = (): void => {
      installCommands(
        createBaton({
          ...options,
          loadLocale: (tag) => import(new URL(`baton-widget-locale-${tag}.js`, widgetSrc).href),
          load: () =>
            import(widgetSrc).catch((cause: unknown) => {
              throw new Error(
                `Baton: could not load the chat widget from ${widgetSrc}. Host baton-widget.js next to ` +
                  'baton.js, or set data-widget-src to its URL (and allow that host in script-src).',
                { cause },
              );
            }),
        }),
      );
    };
    if (document.body) start();
    else document.addEventListener('DOMContentLoaded', start, { once: true });
  }
}
