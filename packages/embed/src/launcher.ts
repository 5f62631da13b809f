// The placeholder launcher painted before the widget loads. It looks like the widget's own launcher (same
// size, place, colours and icon, from the same --baton-* custom properties), so the swap is invisible.

/** What the placeholder launcher shows and where. */
export interface LauncherOptions {
  /** Accessible name of the button. */
  label: string;
  /** Side of the viewport. Default `right`. */
  position?: 'left' | 'right' | undefined;
  /** Colour scheme. Default `light`. */
  theme?: 'light' | 'dark' | 'auto' | undefined;
  /** BCP 47 language of the label, when it differs from the page's. */
  lang?: string | undefined;
  /** Nonce for the `<style>` fallback where constructed stylesheets are missing. */
  nonce?: string | undefined;
}

/** The painted launcher: its host element (in the page) and its button (in the host's shadow root). */
export interface Launcher {
  readonly host: HTMLElement;
  readonly button: HTMLButtonElement;
  /** Shows that the widget is loading after a click (`aria-busy` and a spinner). */
  busy(on: boolean): void;
  /** True when the button has keyboard focus. */
  focused(): boolean;
}

const DARK = '--baton-accent:#8b9dff;--baton-accent-fg:#0d1226;color-scheme:dark';

// Constructed stylesheets (adoptedStyleSheets) are not inline styles, so a page's `style-src 'self'`
// allows them; nothing here sets a style attribute.
const CSS = `:host{--baton-accent:#3451d1;--baton-accent-fg:#fff;--baton-offset:20px;--baton-launcher-size:56px;--baton-shadow:0 16px 48px rgb(16 24 40/22%),0 2px 6px rgb(16 24 40/10%);--baton-z-index:2147483000;color-scheme:light;all:initial;display:block}
:host([theme=dark]){${DARK}}
@media (prefers-color-scheme:dark){:host([theme=auto]){${DARK}}}
button{position:fixed;inset-block-end:var(--baton-offset);inset-inline-end:var(--baton-offset);z-index:var(--baton-z-index);width:var(--baton-launcher-size);height:var(--baton-launcher-size);min-width:44px;min-height:44px;margin:0;padding:0;border:none;border-radius:50%;background:var(--baton-accent);color:var(--baton-accent-fg);box-shadow:var(--baton-shadow);display:grid;place-items:center;cursor:pointer;transition:transform .15s ease}
:host([position=left]) button{inset-inline-end:auto;inset-inline-start:var(--baton-offset)}
button:hover{transform:scale(1.05)}
button:focus-visible{outline:2px solid var(--baton-accent);outline-offset:2px}
svg{width:26px;height:26px}
button[aria-busy=true]::after{content:'';position:absolute;inset:-4px;border-radius:50%;border:3px solid transparent;border-block-start-color:var(--baton-accent);animation:s .8s linear infinite}
@keyframes s{to{transform:rotate(1turn)}}
@media (prefers-reduced-motion:reduce){button{transition:none}button::after{animation:none}}
@media (forced-colors:active){button{border:1px solid CanvasText}}`;

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Builds the widget's speech-bubble icon with DOM calls (no innerHTML: Trusted Types pages allow it). */
function icon(): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  const attrs: Record<string, string> = {
    viewBox: '0 0 24 24',
    fill: 'none',
    stroke: 'currentColor',
    'stroke-width': '2',
    'stroke-linecap': 'round',
    'stroke-linejoin': 'round',
    'aria-hidden': 'true',
    focusable: 'false',
  };
  for (const name in attrs) svg.setAttribute(name, attrs[name]!);
  for (const d of [
    'M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12z',
    'M8.5 12h.01M12 12h.01M15.5 12h.01',
  ]) {
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}

/**
 * Paints the placeholder launcher: a `<baton-launcher>` element holding, in its open shadow root, one
 * button styled by a constructed stylesheet. The caller appends `host` to the page and removes it.
 */
export function createLauncher(options: LauncherOptions): Launcher {
  const host = document.createElement('baton-launcher');
  if (options.position) host.setAttribute('position', options.position);
  if (options.theme) host.setAttribute('theme', options.theme);
  const root = host.attachShadow({ mode: 'open' });
  if ('replaceSync' in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } else {
    const style = document.createElement('style');
    if (options.nonce) style.nonce = options.nonce;
    style.textContent = CSS;
    root.append(style);
  }
  const button = document.createElement('button');
  button.type = 'button';
  button.setAttribute('part', 'launcher');
  button.setAttribute('aria-label', options.label);
  button.setAttribute('aria-haspopup', 'dialog');
  if (options.lang) button.lang = options.lang;
  button.append(icon());
  root.append(button);
  return {
    host,
    button,
    busy: (on) => button.setAttribute('aria-busy', String(on)),
    focused: () => root.activeElement === button,
  };
}
