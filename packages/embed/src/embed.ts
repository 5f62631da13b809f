// The embed: paints the placeholder launcher, loads the full widget on first intent (or when idle, or at
// once), then swaps the launcher for <baton-chat> and replays what was asked of it meanwhile.
import type {
  BatonChat,
  BatonErrorDetail,
  BatonFeedbackDetail,
  BatonMessageDetail,
  BatonSendDetail,
} from '@baton-chat/widget';
import { createLauncher } from './launcher.js';

/** The signed-in user, passed to the server with every new conversation. */
export interface BatonUser {
  /** The site's own id for the user. */
  id: string;
  /** Lower-case hex HMAC-SHA256 of `id` with the server's identity secret, computed by your backend. */
  hash?: string;
  name?: string;
  email?: string;
}

/** Options of {@link createBaton}. Only `server` and `load` are required. */
export interface EmbedOptions {
  /** Base URL of the Baton server (the part before `/v1`). */
  server: string;
  /**
   * Loads the full widget and registers `<baton-chat>`; resolves with the widget module (its exported
   * locales are used for `locale`). With npm: `() => import('@baton-chat/widget')`.
   */
  load: () => Promise<unknown>;
  /**
   * Loads and registers the widget's strings for a language other than English: called with `es`,
   * `zh-CN` or `ar` when `locale` (or else the page's `<html lang>`) is in that language, alongside
   * `load`. With npm, one static `import('@baton-chat/widget/locales/es')` per language you support.
   * Default: English only.
   */
  loadLocale?: ((tag: string) => Promise<unknown>) | undefined;
  /** Side of the viewport: `right` (default) or `left`. */
  position?: 'left' | 'right' | undefined;
  /** Colour scheme: `light` (default), `dark` or `auto`. */
  theme?: 'light' | 'dark' | 'auto' | undefined;
  /**
   * BCP 47 language of the customer (`es`, `zh-CN`): sent to the server, and the language of the
   * widget's strings when it has them (else English). Default: the page's `<html lang>` for the strings.
   */
  locale?: string | undefined;
  /** Accessible name of the launcher before the widget loads. Default "Open chat" in `locale`. */
  label?: string | undefined;
  /** Hosts whose images may load in answers (the widget's `image-hosts`). Default none. */
  imageHosts?: readonly string[] | undefined;
  /** The signed-in user. Default anonymous. */
  user?: BatonUser | undefined;
  /** Loads the widget at once and opens the panel. Default false. */
  open?: boolean | undefined;
  /** Loads the widget at once instead of on first intent or idle. Default false. */
  preload?: boolean | undefined;
  /**
   * After the page's `load` event, the widget loads when the browser is idle, at the latest after this
   * many milliseconds; `false` loads it only on intent (hover, focus, click) or a command. Default 5000.
   */
  idleTimeout?: number | false | undefined;
  /** Nonce for the launcher's `<style>` where constructed stylesheets are missing. */
  nonce?: string | undefined;
  /** Where the launcher and the widget are appended. Default `document.body`. */
  container?: HTMLElement | undefined;
}

/** Events of the embed and the detail each listener receives. */
export interface BatonEmbedEvents {
  /** The widget loaded and replaced the launcher. */
  ready: undefined;
  /** The panel opened. */
  open: Record<string, never>;
  /** The panel closed. */
  close: Record<string, never>;
  /** Before a message is sent; `event.preventDefault()` keeps it from being sent. */
  send: BatonSendDetail;
  /** A bot, agent or system message finished arriving. */
  message: BatonMessageDetail;
  /** Something the user did failed. */
  error: BatonErrorDetail;
  /** The user asked for a person; `event.preventDefault()` keeps the request from being made. */
  'handoff-request': Record<string, never>;
  /** A thumb on a bot answer. */
  feedback: BatonFeedbackDetail;
}

/** A listener of {@link BatonEmbedEvents}: gets the detail, and the widget's DOM event (none for `ready`). */
export type BatonListener<K extends keyof BatonEmbedEvents = keyof BatonEmbedEvents> = (
  detail: BatonEmbedEvents[K],
  event?: Event,
) => void;

/** The running embed: the same commands as `window.Baton(...)`. */
export interface BatonEmbed {
  /** Loads the widget if needed, then opens the panel (focus moves to the message field). */
  open(): Promise<void>;
  /** Closes the panel (focus returns to the launcher); before the widget loads, cancels a pending open. */
  close(): Promise<void>;
  /** Opens the panel when closed, closes it when open. */
  toggle(): Promise<void>;
  /** Sets the signed-in user; once the widget runs, its client is recreated for that user. */
  identify(user: BatonUser): Promise<void>;
  /** Loads the widget if needed and sends `text` as the user (the panel stays as it is). */
  send(text: string): Promise<void>;
  /** Adds a listener; a `ready` listener added after the widget loaded is called at once. */
  on<K extends keyof BatonEmbedEvents>(event: K, listener: BatonListener<K>): void;
  /** Removes a listener added with `on`. */
  off<K extends keyof BatonEmbedEvents>(event: K, listener: BatonListener<K>): void;
  /** Removes the launcher and the widget, ends its connection and drops every listener; later commands do nothing. */
  shutdown(): void;
  /** Loads and mounts the widget now; resolves with it, or `undefined` when loading failed or after shutdown. */
  load(): Promise<BatonChat | undefined>;
  /** The mounted `<baton-chat>`, once loaded. */
  readonly element: BatonChat | undefined;
}

const WIDGET_EVENTS = ['open', 'close', 'send', 'message', 'error', 'handoff-request', 'feedback'] as const;

// The widget's first languages besides English: the locale module each needs (by its tag) and the
// launcher's name before the widget loads.
const LOCALES: Record<string, [tag: string, label: string]> = {
  es: ['es', 'Abrir el chat'],
  zh: ['zh-CN', '打开聊天'],
  ar: ['ar', 'فتح المحادثة'],
};

function isUser(user: unknown): user is BatonUser {
  const u = user as BatonUser | null;
  return (
    typeof u === 'object' &&
    u !== null &&
    typeof u.id === 'string' &&
    u.id !== '' &&
    ['hash', 'name', 'email'].every((k) => ['undefined', 'string'].includes(typeof u[k as keyof BatonUser]))
  );
}

/**
 * Starts the embed: paints a placeholder launcher at once (a few hundred bytes of DOM, no network), and
 * loads the full widget through `options.load` on the first hover, focus or click of the launcher, when
 * the browser is idle after the page loaded, on the first command that needs it (`open`, `toggle`,
 * `send`), or at once with `preload` or `open`. Once loaded, `<baton-chat>` replaces the launcher in the
 * same place; a click made while loading opens the panel, and keyboard focus on the launcher moves to
 * the widget's launcher. Commands given before that are replayed in order.
 *
 * @example
 * ```ts
 * import { createBaton } from '@baton-chat/embed';
 *
 * const baton = createBaton({
 *   server: 'https://support.example.com',
 *   load: () => import('@baton-chat/widget'), // your bundler splits the widget into its own chunk
 * });
 * baton.on('open', () => analytics.track('chat opened'));
 * ```
 */
export function createBaton(options: EmbedOptions): BatonEmbed {
  const container = options.container ?? document.body;
  const listeners = new Map<string, Set<BatonListener>>();
  const language = LOCALES[(options.locale || document.documentElement.lang).toLowerCase().split('-')[0]!];
  const launcher = createLauncher({
    label: options.label ?? language?.[1] ?? 'Open chat',
    position: options.position,
    theme: options.theme,
    lang: options.locale,
    nonce: options.nonce,
  });
  let user = options.user;
  let wantOpen = !!options.open;
  let element: BatonChat | undefined;
  let loading: Promise<BatonChat | undefined> | undefined;
  let stopped = false;

  const call = (listener: BatonListener, detail: unknown, event?: Event): void => {
    try {
      listener(detail as never, event);
    } catch (error) {
      // A page's listener that throws is reported like an event listener's error, and changes nothing here.
      setTimeout(() => {
        throw error;
      });
    }
  };
  const emit = (name: string, detail: unknown, event?: Event): void => {
    for (const listener of [...(listeners.get(name) ?? [])]) call(listener, detail, event);
  };

  const chatOptions = (): BatonChat['chatOptions'] =>
    user || options.locale
      ? { ...(user && { user }), ...(options.locale && { locale: options.locale }) }
      : undefined;

  async function mount(): Promise<BatonChat | undefined> {
    const strings =
      language &&
      options.loadLocale?.(language[0]).catch((error: unknown) => {
        console.warn('Baton: the chat shows in English; its strings for this language did not load.', error);
      });
    await Promise.all([options.load(), strings]);
    if (stopped) return undefined;
    if (!customElements.get('baton-chat')) {
      throw new Error('the loaded script did not register <baton-chat>: is it the widget bundle?');
    }
    const el = document.createElement('baton-chat');
    if (options.position) el.setAttribute('position', options.position);
    if (options.theme) el.setAttribute('theme', options.theme);
    if (options.imageHosts?.length) el.setAttribute('image-hosts', options.imageHosts.join(' '));
    if (options.locale) el.locale = options.locale;
    el.chatOptions = chatOptions();
    el.server = options.server;
    for (const name of WIDGET_EVENTS) {
      el.addEventListener(`baton-${name}`, (event) => emit(name, (event as CustomEvent).detail, event));
    }
    container.append(el);
    await el.updateComplete;
    if (stopped) {
      el.remove();
      return undefined;
    }
    const hadFocus = launcher.focused();
    launcher.host.remove();
    element = el;
    if (wantOpen) await el.show();
    else if (hadFocus) el.shadowRoot?.querySelector<HTMLElement>('[part~="launcher"]')?.focus();
    emit('ready', undefined);
    return el;
  }

  function load(): Promise<BatonChat | undefined> {
    if (stopped) return Promise.resolve(undefined);
    loading ??= mount().catch((error: unknown) => {
      loading = undefined;
      launcher.busy(false);
      console.error('Baton: the chat widget did not load; the launcher tries again when used.', error);
      return undefined;
    });
    return loading;
  }

  const intent = (): void => void load();
  launcher.button.addEventListener('pointerenter', intent);
  launcher.button.addEventListener('focus', intent);
  launcher.button.addEventListener('click', () => {
    wantOpen = true;
    launcher.busy(true);
    intent();
  });
  container.append(launcher.host);

  if (options.preload || wantOpen) {
    intent();
  } else if (options.idleTimeout !== false) {
    const timeout = options.idleTimeout ?? 5000;
    const whenIdle = (): void => {
      if (typeof requestIdleCallback === 'function') requestIdleCallback(intent, { timeout });
      else setTimeout(intent, Math.min(timeout, 1000));
    };
    if (document.readyState === 'complete') whenIdle();
    else addEventListener('load', whenIdle, { once: true });
  }

  async function open(): Promise<void> {
    if (element) return element.show();
    wantOpen = true;
    await load();
  }

  async function close(): Promise<void> {
    if (element) return element.hide();
    wantOpen = false;
  }

  return {
    open,
    close,
    toggle: () => (element ? element.toggle() : wantOpen ? close() : open()),
    async identify(next) {
      if (!isUser(next)) {
        console.error('Baton: identify needs { id: string, hash?: string, name?: string, email?: string }.');
        return;
      }
      user = { ...next };
      if (element) element.chatOptions = { ...element.chatOptions, user };
    },
    async send(text) {
      if (typeof text !== 'string' || !text.trim()) {
        console.error('Baton: send needs the message text as a non-empty string.');
        return;
      }
      await (element ?? (await load()))?.send(text);
    },
    on(event, listener) {
      if (typeof listener !== 'function') {
        console.error(`Baton: on("${event}") needs a function.`);
        return;
      }
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set.add(listener as BatonListener));
      if (event === 'ready' && element)
        queueMicrotask(
          () => set.has(listener as BatonListener) && call(listener as BatonListener, undefined),
        );
    },
    off(event, listener) {
      listeners.get(event)?.delete(listener as BatonListener);
    },
    shutdown() {
      stopped = true;
      launcher.host.remove();
      element?.remove();
      element = undefined;
      listeners.clear();
    },
    load,
    get element() {
      return element;
    },
  };
}
