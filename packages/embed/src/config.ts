// Reads the embed's settings from the data-* attributes of its own <script> tag.
import type { BatonUser, EmbedOptions } from './embed.js';

/** What {@link readScriptConfig} reads: the embed options except `load`, plus where the widget bundle is. */
export interface ScriptConfig extends Omit<EmbedOptions, 'load'> {
  /** Absolute URL of the full widget bundle (`data-widget-src`, default `baton-widget.js` next to the script). */
  widgetSrc: string;
}

const DOCS = 'docs/embedding.md of Baton';

const oneOf = <T extends string>(
  script: HTMLScriptElement,
  name: string,
  allowed: readonly T[],
): T | undefined => {
  const value = script.getAttribute(`data-${name}`);
  if (value === null || value === '') return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  console.error(`Baton: data-${name}="${value}" is not one of ${allowed.join(', ')}; using the default.`);
  return undefined;
};

// A present attribute is true (`data-open`, `data-open="true"`), except the literal "false".
const flag = (script: HTMLScriptElement, name: string): boolean => {
  const value = script.getAttribute(`data-${name}`);
  return value !== null && value !== 'false';
};

/**
 * Finds the `<script>` that loaded the embed: `document.currentScript` while the script first runs,
 * else the last script whose `src` ends with `baton.js` (or `baton.min.js`).
 */
export function findOwnScript(doc: Document = document): HTMLScriptElement | undefined {
  const current = doc.currentScript;
  if (current instanceof HTMLScriptElement) return current;
  const all = doc.querySelectorAll<HTMLScriptElement>('script[src]');
  for (let i = all.length - 1; i >= 0; i--) {
    if (/\/baton(\.min)?\.js([?#]|$)/.test(all[i]!.src)) return all[i];
  }
  return undefined;
}

/**
 * Reads the embed's configuration from a script tag's `data-*` attributes (see docs/embedding.md for
 * the table). Returns `undefined`, after a console error that says what to add, when `data-server` is
 * missing or invalid; unknown values of the other attributes are reported and replaced by defaults.
 *
 * @example
 * ```ts
 * const config = readScriptConfig(findOwnScript()!);
 * ```
 */
export function readScriptConfig(script: HTMLScriptElement): ScriptConfig | undefined {
  const data = script.dataset;
  const base = script.src || document.baseURI;
  const server = data.server?.trim();
  if (!server) {
    console.error(
      'Baton: the <script> tag of baton.js has no data-server attribute, so the chat is not shown. ' +
        'Add the base URL of your Baton server (the part before /v1), for example ' +
        `<script src=".../baton.js" data-server="https://support.example.com" async></script> (see ${DOCS}).`,
    );
    return undefined;
  }
  let serverUrl: string;
  let widgetSrc: string;
  try {
    serverUrl = new URL(server, document.baseURI).href.replace(/\/$/, '');
    widgetSrc = new URL(data.widgetSrc || 'baton-widget.js', base).href;
  } catch {
    console.error(`Baton: data-server or data-widget-src of baton.js is not a valid URL (see ${DOCS}).`);
    return undefined;
  }
  const user: BatonUser | undefined = data.userId
    ? {
        id: data.userId,
        ...(data.userHash && { hash: data.userHash }),
        ...(data.userName && { name: data.userName }),
        ...(data.userEmail && { email: data.userEmail }),
      }
    : undefined;
  const idle = data.idle;
  return {
    server: serverUrl,
    widgetSrc,
    position: oneOf(script, 'position', ['left', 'right'] as const),
    theme: oneOf(script, 'theme', ['light', 'dark', 'auto'] as const),
    locale: data.locale || undefined,
    label: data.label || undefined,
    imageHosts: data.imageHosts?.split(/[\s,]+/).filter(Boolean),
    user,
    open: flag(script, 'open'),
    preload: flag(script, 'preload'),
    idleTimeout: idle === 'off' || idle === 'false' ? false : Number(idle) > 0 ? Number(idle) : undefined,
    nonce: script.nonce || undefined,
  };
}
