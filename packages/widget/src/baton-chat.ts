import { createChat, createIdbPersister } from '@baton-chat/core';
import type { Chat, ChatMessage, ChatSnapshot, CreateChatOptions } from '@baton-chat/core';
import { LitElement, html, nothing } from 'lit';
import type { PropertyValues, TemplateResult } from 'lit';
import { guard } from 'lit/directives/guard.js';
import { repeat } from 'lit/directives/repeat.js';
import { ChatController } from './chat-controller.js';
import { emit } from './events.js';
import type { BatonErrorDetail, BatonSendDetail } from './events.js';
import {
  botIcon,
  chatIcon,
  chevronIcon,
  closeIcon,
  personIcon,
  sendIcon,
  stopIcon,
  thumbDownIcon,
  thumbUpIcon,
} from './icons.js';
import { onLocaleRegistered, resolveLocale } from './locale.js';
import type { BatonLocale } from './locale.js';
import { markdown } from './markdown.js';
import { styles } from './styles.js';

/** How `<baton-chat>` is laid out: a launcher with a floating panel, or a panel filling its container. */
export type BatonChatMode = 'floating' | 'inline';
/** Colour scheme: `light`, `dark`, or `auto` (follows `prefers-color-scheme`). */
export type BatonChatTheme = 'light' | 'dark' | 'auto';

type HandoffState = NonNullable<ChatSnapshot['handoff']>['state'];
type Handoff = NonNullable<ChatSnapshot['handoff']>;
const WAITING: ReadonlySet<HandoffState> = new Set(['requested', 'queued', 'assigned']);
// Within this many pixels of the end, the thread counts as read to the bottom and follows new content.
const STICK_PX = 48;
const ANNOUNCE_MAX_CHARS = 600;
// A history arriving at once (restored, or a new conversation) renders its newest WINDOW messages; older
// ones come in WINDOW at a time as the user scrolls up or asks for them.
const WINDOW = 30;
// Where the floating panel becomes full-screen (the same breakpoint as in styles.ts).
const SMALL_SCREEN = '(max-width: 639.98px)';

// Surveys answered and leave-a-message forms sent (`csat:<id>`, `form:<id>`), remembered across reloads: the
// conversation comes back from IndexedDB, its survey must not. The newest 50, in localStorage.
const DONE_KEY = 'baton-chat:done';
const storedDone = (): string[] => {
  try {
    return JSON.parse(localStorage.getItem(DONE_KEY) ?? '[]') as string[];
  } catch {
    // No storage (Node, a sandboxed frame, storage blocked): remembered for this page only.
    return [];
  }
};

const initials = (name: string): string =>
  name
    .split(/\s+/)
    .filter((w) => /^\p{L}/u.test(w))
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('') || '?';

/** `value` as an absolute http(s) URL, a relative one resolved against `base`; undefined otherwise. */
const safeHttpUrl = (value: string, base = document.baseURI): string | undefined => {
  try {
    const url = new URL(value, base);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The Baton chat widget: a launcher and a floating panel (or an inline panel) showing one conversation
 * with the bot and, after a handoff, a human agent. Streams answers as rendered markdown, shows handoff
 * state, per-message status and an offline banner, and announces finished answers politely.
 *
 * Give it a `server` (it creates and owns a `@baton-chat/core` client with IndexedDB storage) or a
 * ready `chat` client of your own (then you own its lifetime).
 *
 * @example
 * ```html
 * <script type="module">import '@baton-chat/widget';</script>
 * <baton-chat server="https://support.example.com"></baton-chat>
 * ```
 *
 * @tagname baton-chat
 *
 * @slot header - Replaces the title in the header (keep it short: one line).
 * @slot launcher-icon - Replaces the speech-bubble icon of the launcher.
 * @slot empty - Shown in an empty conversation instead of the greeting.
 *
 * @csspart launcher - The round button that opens and closes the panel (floating mode).
 * @csspart badge - The unread count on the launcher.
 * @csspart panel - The chat panel.
 * @csspart header - The header bar with the title, state and actions.
 * @csspart avatar - The avatar in the header (bot icon, or the agent's initials).
 * @csspart title - The title text.
 * @csspart state - The state line (bot, waiting with position, agent name, offline).
 * @csspart handoff-button - "Talk to a person" / "Cancel request".
 * @csspart close-button - The close button in the header (floating mode).
 * @csspart banner - The offline or error banner.
 * @csspart thread - The scrolling conversation (role=log).
 * @csspart earlier-button - "Show earlier messages" at the top of a long restored history.
 * @csspart empty - The greeting shown in an empty conversation.
 * @csspart message - Every message row; also `message-user`, `message-bot`, `message-agent`, `message-system`.
 * @csspart author - The author line above a message.
 * @csspart bubble - The bubble holding a message's text.
 * @csspart message-status - Status under own messages (sending, waiting for connection, not sent).
 * @csspart retry-button - Sends a failed message again.
 * @csspart citations - Sources under a bot answer.
 * @csspart feedback - The thumbs under a bot answer.
 * @csspart suggestions - Quick replies after the last bot answer.
 * @csspart suggestion - One quick reply.
 * @csspart progress - What the bot or agent is doing before text arrives.
 * @csspart stop-button - Stops the answer being streamed.
 * @csspart notice - A handoff notice at the end of the thread (failed, back to the bot, the thanks).
 * @csspart offline-form - The leave-a-message form after a failed handoff.
 * @csspart csat - The satisfaction survey after a resolved conversation.
 * @csspart csat-button - One score (1 to 5) of the survey.
 * @csspart composer - The message form.
 * @csspart input - The message text area.
 * @csspart send-button - The send button.
 *
 * @cssproperty --baton-font - Font family. Default: the system UI font.
 * @cssproperty --baton-font-size - Base font size. Default: 15px.
 * @cssproperty --baton-bg - Panel background.
 * @cssproperty --baton-surface - Secondary surfaces (input, hover).
 * @cssproperty --baton-fg - Text colour.
 * @cssproperty --baton-muted - Secondary text colour (AA on --baton-bg).
 * @cssproperty --baton-border - Borders and separators.
 * @cssproperty --baton-accent - Brand colour: launcher, own bubbles, links, buttons.
 * @cssproperty --baton-accent-fg - Text on the accent colour.
 * @cssproperty --baton-header-bg - Header background. Default: the accent.
 * @cssproperty --baton-header-fg - Header text. Default: the accent text colour.
 * @cssproperty --baton-user-bg - Own message bubbles. Default: the accent.
 * @cssproperty --baton-user-fg - Text of own message bubbles.
 * @cssproperty --baton-bot-bg - Bot answer bubbles.
 * @cssproperty --baton-agent-bg - Human agent bubbles.
 * @cssproperty --baton-agent-accent - Agent name and avatar colour.
 * @cssproperty --baton-danger - Errors (failed messages).
 * @cssproperty --baton-banner-bg - Offline banner background.
 * @cssproperty --baton-banner-fg - Offline banner text.
 * @cssproperty --baton-code-bg - Background of code in answers.
 * @cssproperty --baton-radius - Corner radius of the panel and bubbles. Default: 16px.
 * @cssproperty --baton-panel-width - Floating panel width. Default: 380px.
 * @cssproperty --baton-panel-height - Floating panel height. Default: 640px.
 * @cssproperty --baton-offset - Distance of the launcher and panel from the viewport edge. Default: 20px.
 * @cssproperty --baton-launcher-size - Launcher diameter. Default: 56px.
 * @cssproperty --baton-shadow - Shadow of the launcher and panel.
 * @cssproperty --baton-z-index - Stacking order of the launcher and panel. Default: 2147483000.
 *
 * @event baton-open - The panel opened.
 * @event baton-close - The panel closed.
 * @event baton-send - Before a message is sent (`detail.text`); cancelable.
 * @event baton-handoff-request - The user asked for a person; cancelable.
 * @event baton-feedback - A thumb on a bot answer (`detail.messageId`, `detail.value` up/down), or the
 *   1-5 score of the survey after a resolved conversation (`detail.messageId` null).
 * @event baton-message - A bot, agent or system message finished arriving (`detail.message`).
 * @event baton-error - An action failed (`detail.action`, `detail.error`).
 */
export class BatonChat extends LitElement {
  static override styles = styles;

  static override properties = {
    server: { type: String },
    mode: { type: String, reflect: true },
    open: { type: Boolean, reflect: true },
    theme: { type: String, reflect: true },
    position: { type: String, reflect: true },
    imageHosts: {
      attribute: 'image-hosts',
      converter: {
        fromAttribute: (value: string | null) => (value ?? '').split(/[\s,]+/).filter(Boolean),
        toAttribute: (value: readonly string[]) => value.join(' '),
      },
    },
    locale: {},
    offlineFormUrl: { attribute: 'offline-form-url' },
    chatOptions: { attribute: false },
    _draft: { state: true },
    _error: { state: true },
    _done: { state: true },
  };

  /** Base URL of the Baton server. With it (and no `chat`), the element creates and owns its client. */
  declare server: string | undefined;
  /** `floating` (default): launcher plus panel. `inline`: the panel fills the element. */
  declare mode: BatonChatMode;
  /** Whether the floating panel is open. Ignored inline. Default false. */
  declare open: boolean;
  /** Colour scheme. Default `light`. */
  declare theme: BatonChatTheme;
  /**
   * Side of the viewport for the launcher and panel: `right` (default) or `left`, the physical side in
   * either writing direction.
   */
  declare position: 'right' | 'left';
  /**
   * Hosts whose images may load in answers (`image-hosts="cdn.example.com *.shop.example"`). Default
   * none: images from other hosts are shown as links, so answers cannot leak data through image URLs.
   */
  declare imageHosts: readonly string[];
  /**
   * The language: a locale object, or a BCP 47 tag (`locale="ar"`) of a registered locale (import
   * `@baton-chat/widget/locales/ar` to register Arabic). Default: the page's `<html lang>` when that
   * locale is registered, else English. The element sets its own `dir` from the locale.
   */
  declare locale: BatonLocale | string | undefined;
  /**
   * Where a failed handoff with the `offline_form` fallback sends people: a link to your own contact
   * form instead of the built-in leave-a-message form. Default: the built-in form, whose message is sent
   * into the conversation (with the email to reply to) like any other.
   */
  declare offlineFormUrl: string | undefined;
  /**
   * Extra options for the client created from `server` (user identity, metadata, persister, ...). Set it
   * before the element's first update; setting it again later creates a new client.
   */
  declare chatOptions: Omit<CreateChatOptions, 'server'> | undefined;
  /** @internal */
  declare _draft: string;
  /** @internal */
  declare _error: string;
  /**
   * @internal Keys of the leave-a-message forms sent and surveys answered (`form:<id>`, `csat:<id>`), also
   * kept in localStorage so a reload does not ask again.
   */
  declare _done: ReadonlySet<string>;

  readonly #controller = new ChatController(this);
  #externalChat: Chat | undefined;
  #ownChat: Chat | undefined;
  #ownServer: string | undefined;
  #primed = false;
  #primeToken = 0;
  #seen = new Set<string>();
  #handoffKey = '';
  #handoffId = '';
  #handoffState = '';
  #transferred = false;
  #l: BatonLocale = resolveLocale('en');
  #offLocale: (() => void) | undefined;
  #resizes: ResizeObserver | undefined;
  #autoTop = 0;
  #focused: Element | null = null;
  #focusTo = '';
  #hidden = 0;
  #count = 0;
  #revealing = false;
  #pageOverflow: string | undefined;
  #stickToBottom = true;
  #markReadQueued = false;
  #scrollQueued = false;
  #pendingAnnouncements: { key?: string; text: string }[] = [];

  constructor() {
    super();
    this.mode = 'floating';
    this.open = false;
    this.theme = 'light';
    this.position = 'right';
    this.imageHosts = [];
    this.locale = undefined;
    this.offlineFormUrl = undefined;
    this.chatOptions = undefined;
    this._draft = '';
    this._error = '';
    this._done = new Set(storedDone());
  }

  /** A client of your own (see `@baton-chat/core`). It wins over `server`; you destroy it. */
  get chat(): Chat | undefined {
    return this.#externalChat ?? this.#ownChat;
  }

  set chat(chat: Chat | undefined) {
    const old = this.chat;
    this.#externalChat = chat;
    if (chat) this.#dropOwnChat();
    this.#bind();
    this.requestUpdate('chat', old);
  }

  /** The current snapshot of the bound client. */
  get snapshot(): ChatSnapshot {
    return this.#controller.snapshot;
  }

  /** Opens the panel and moves focus to the message field. */
  async show(): Promise<void> {
    if (this.mode !== 'inline' && this.open) return this.#focusInput();
    this.open = true;
    emit(this, 'baton-open', {});
    await this.updateComplete;
    this.#scrollToEnd();
    this.#focusInput();
  }

  /** Closes the panel and returns focus to the launcher. */
  async hide(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    emit(this, 'baton-close', {});
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLButtonElement>('.launcher')?.focus();
  }

  /** Opens the panel when closed, closes it when open. */
  toggle(): Promise<void> {
    return this.open ? this.hide() : this.show();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // A locale module imported later (or lazily) re-renders the widget in its language.
    this.#offLocale = onLocaleRegistered(() => this.requestUpdate());
    for (const type of ['resize', 'scroll']) globalThis.visualViewport?.addEventListener(type, this.#fit);
    // The client is created in the first update, after the page had a chance to set chatOptions.
    this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#offLocale?.();
    for (const type of ['resize', 'scroll']) globalThis.visualViewport?.removeEventListener(type, this.#fit);
    this.#fit();
    this.#dropOwnChat();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const locale = this.locale;
    this.#l =
      typeof locale === 'object'
        ? locale
        : resolveLocale(locale ?? globalThis.document?.documentElement.lang);
    // On the host, so the page's own CSS (and :dir()) sees the widget's direction too.
    if (this.dir !== this.#l.dir) this.dir = this.#l.dir;
    this.#bind(changed.has('chatOptions') && changed.get('chatOptions') !== undefined);
    this.#track(this.snapshot);
    this.#focused = this.shadowRoot?.activeElement ?? null;
    const n = this.snapshot.messages.length;
    // Only the newest messages of a history that arrives at once are rendered first, so restoring
    // 1,000 messages paints as fast as 30 (unless the user is reading further up).
    if (n < this.#count || (n - this.#count > WINDOW && this.#stickToBottom))
      this.#hidden = Math.max(0, n - WINDOW);
    this.#count = n;
  }

  protected override firstUpdated(): void {
    // Follows the end while content grows without a render of ours (images loading, a taller composer,
    // a narrower panel), as long as the user was at the bottom.
    this.#resizes = new ResizeObserver(() => {
      if (this.#stickToBottom) this.#scrollToEnd();
    });
    for (const e of this.renderRoot.querySelectorAll('.thread, .content')) this.#resizes.observe(e);
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('open') || changed.has('mode')) this.#fit();
    // A control that had focus went away (the handoff button once an agent joined, a survey answered):
    // focus goes to the composer instead of falling back to the page.
    // A form sent or a survey answered: its thanks line takes focus, in the same place; the thread does
    // once "Show earlier messages" revealed the first message.
    if (this.#focusTo) this.renderRoot.querySelector<HTMLElement>(this.#focusTo)?.focus();
    else if (this.#focused && !this.#focused.isConnected) this.#focusInput();
    this.#focusTo = '';
    if (this.#stickToBottom) this.#scheduleScroll();
    this.#flushAnnouncements();
    const chat = this.chat;
    if (chat && this.#visible() && this.snapshot.unread > 0 && !this.#markReadQueued) {
      // After this update, not inside it: marking read changes the snapshot and renders again.
      this.#markReadQueued = true;
      queueMicrotask(() => {
        this.#markReadQueued = false;
        if (this.chat === chat && this.#visible()) chat.markRead();
      });
    }
  }

  // The full-screen panel of a narrow screen follows the visual viewport, which the on-screen keyboard
  // shrinks (the layout viewport and 100dvh do not), so the composer stays above the keyboard; and the
  // page behind it does not scroll while it is open.
  #fit = (): void => {
    const v = globalThis.visualViewport;
    const panel = this.renderRoot.querySelector<HTMLElement>('.panel');
    if (v && panel) {
      panel.style.setProperty('--vvh', `${v.height}px`);
      panel.style.setProperty('--vvt', `${v.offsetTop}px`);
    }
    const page = document.documentElement.style;
    const full = this.isConnected && this.open && this.mode !== 'inline' && matchMedia(SMALL_SCREEN).matches;
    if (full && this.#pageOverflow === undefined) {
      this.#pageOverflow = page.overflow;
      page.overflow = 'hidden';
    } else if (!full && this.#pageOverflow !== undefined) {
      page.overflow = this.#pageOverflow;
      this.#pageOverflow = undefined;
    }
  };

  #visible(): boolean {
    return this.mode === 'inline' || this.open;
  }

  #bind(recreate = false): void {
    if (!this.isConnected) return;
    if (
      !this.#externalChat &&
      this.server &&
      (recreate || this.server !== this.#ownServer || !this.#ownChat)
    ) {
      this.#dropOwnChat();
      this.#ownServer = this.server;
      const options = this.chatOptions;
      this.#ownChat = createChat({
        ...options,
        persister: options?.persister ?? createIdbPersister(),
        server: this.server,
      });
    } else if (!this.server && this.#ownChat) {
      this.#dropOwnChat();
    }
    const chat = this.chat;
    if (chat === this.#controller.chat) return;
    this.#controller.chat = chat;
    this.#primed = false;
    this.#count = 0;
    this.#seen.clear();
    this.#handoffKey = '';
    const token = ++this.#primeToken;
    // Restored history is not announced: only what arrives after the client is ready.
    void chat?.ready
      .catch(() => undefined)
      .then(() => {
        if (token !== this.#primeToken) return;
        this.#track(this.snapshot);
        this.#primed = true;
      });
  }

  #dropOwnChat(): void {
    const own = this.#ownChat;
    this.#ownChat = undefined;
    this.#ownServer = undefined;
    if (own) {
      if (this.#controller.chat === own) this.#controller.chat = undefined;
      void own.destroy().catch(() => undefined);
    }
  }

  // Finds messages that finished and handoff changes since the last render, for the live region and
  // `baton-message`. Runs before render; the text is read from the rendered bubble afterwards.
  #track(s: ChatSnapshot): void {
    for (const m of s.messages) {
      if (m.role === 'user' || m.status === 'streaming' || this.#seen.has(m.key)) continue;
      this.#seen.add(m.key);
      if (!this.#primed) continue;
      emit(this, 'baton-message', { message: m });
      if (!m.retracted) this.#pendingAnnouncements.push({ key: m.key, text: '' });
    }
    const h = s.handoff;
    if (h && (h.id !== this.#handoffId || h.state !== this.#handoffState)) {
      // A transfer is an active handoff going back to a queue or to another agent.
      this.#transferred =
        h.id === this.#handoffId &&
        WAITING.has(h.state) &&
        (this.#handoffState === 'active' || this.#transferred);
      this.#handoffId = h.id;
      this.#handoffState = h.state;
    }
    const key = h ? `${h.id}:${h.state}:${h.agent?.id}:${this.#transferred}` : '';
    if (key !== this.#handoffKey) {
      this.#handoffKey = key;
      if (this.#primed && h) this.#pendingAnnouncements.push({ text: this.#handoffText(h) });
    }
  }

  #handoffText(h: Handoff): string {
    const states = this.#l.handoffStates;
    const name = h.agent?.name;
    if (this.#transferred) return states.transferred(h.state === 'assigned' ? name : undefined);
    if (h.state === 'ended' && h.outcome === 'returned_to_bot') return states.returned(name);
    if (h.state === 'ended' && h.outcome === 'resolved') return states.resolved(name);
    if (h.state === 'failed' && h.fallback === 'offline_form') return states.failedForm(name);
    return states[h.state](name);
  }

  #flushAnnouncements(): void {
    if (!this.#pendingAnnouncements.length) return;
    const parts: string[] = [];
    for (const a of this.#pendingAnnouncements) {
      if (a.key === undefined) {
        parts.push(this.#l.announceHandoff(a.text));
        continue;
      }
      const row = this.renderRoot.querySelector(`[data-key="${CSS.escape(a.key)}"]`);
      const m = this.snapshot.messages.find((x) => x.key === a.key);
      const text = (row?.querySelector('.bubble')?.textContent ?? m?.text ?? '').replace(/\s+/g, ' ').trim();
      if (!text || !m) continue;
      const clipped = text.length > ANNOUNCE_MAX_CHARS ? `${text.slice(0, ANNOUNCE_MAX_CHARS)}…` : text;
      parts.push(this.#l.announceAnswer(this.#authorName(m), clipped));
    }
    this.#pendingAnnouncements = [];
    // Written directly (no template binding): announcing must not cost another render.
    const region = this.renderRoot.querySelector('.live');
    if (parts.length && region) region.textContent = parts.join(' ');
  }

  // At most one scroll per frame, after the frame's updates: several deltas can arrive in one frame and
  // reading scrollHeight after each would force a layout each time.
  #scheduleScroll(): void {
    if (this.#scrollQueued) return;
    this.#scrollQueued = true;
    requestAnimationFrame(() => {
      this.#scrollQueued = false;
      if (this.#stickToBottom) this.#scrollToEnd();
    });
  }

  #scrollToEnd(): void {
    const thread = this.renderRoot.querySelector('.thread');
    if (!thread) return;
    thread.scrollTop = thread.scrollHeight;
    this.#autoTop = thread.scrollTop;
  }

  #focusInput(): void {
    this.renderRoot.querySelector<HTMLTextAreaElement>('textarea')?.focus();
  }

  #fail(action: BatonErrorDetail['action'], error: unknown): void {
    this._error = this.#l.error;
    emit(this, 'baton-error', { action, error });
  }

  /**
   * Sends `text` as the user, after a cancelable `baton-send`. Resolves once handed to the client;
   * false when there was nothing to send or the event was cancelled.
   */
  async send(text: string, metadata?: BatonSendDetail['metadata']): Promise<boolean> {
    const chat = this.chat;
    const trimmed = text.trim();
    if (!chat || !trimmed) return false;
    if (!emit(this, 'baton-send', { text: trimmed, ...(metadata && { metadata }) }, true)) return false;
    this._error = '';
    this.#stickToBottom = true;
    // A refused message stays in the thread as `failed` with Retry; the event tells the page.
    await chat.send(trimmed, metadata && { metadata }).catch((error: unknown) => this.#fail('send', error));
    return true;
  }

  /** Asks for a person, after a cancelable `baton-handoff-request`. */
  async requestHuman(): Promise<void> {
    const chat = this.chat;
    if (!chat || !emit(this, 'baton-handoff-request', {}, true)) return;
    this._error = '';
    await chat.requestHuman().catch((error: unknown) => this.#fail('handoff', error));
  }

  #onSubmit(event: Event): void {
    event.preventDefault();
    const text = this._draft;
    if (!text.trim()) return;
    this._draft = '';
    this.chat?.setTyping(false);
    void this.send(text);
  }

  #onInput(event: Event): void {
    this._draft = (event.target as HTMLTextAreaElement).value;
    this.chat?.setTyping(this._draft.length > 0);
  }

  #onInputKeydown(event: KeyboardEvent): void {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.#onSubmit(event);
    }
  }

  #onPanelKeydown(event: KeyboardEvent): void {
    if (event.key === 'Escape' && this.mode !== 'inline' && this.open) {
      event.stopPropagation();
      void this.hide();
    }
  }

  #onThreadScroll(event: Event): void {
    const t = event.target as HTMLElement;
    // Content that grew between our scroll and this event is not the user scrolling up: only a position
    // above the one we set (and not near the end) is.
    this.#stickToBottom =
      t.scrollTop >= this.#autoTop - 1 || t.scrollHeight - t.scrollTop - t.clientHeight < STICK_PX;
    // Within a screen of the top, older messages come in before the user reaches them; not while the
    // button has focus (tabbing to it scrolls it into view, and it should stay there).
    if (this.#hidden && t.scrollTop < t.clientHeight && !this.renderRoot.querySelector('.earlier:focus'))
      void this.#reveal();
  }

  // Renders the next older messages above the rendered ones, keeping what the user sees where it was.
  async #reveal(): Promise<void> {
    if (this.#revealing) return;
    this.#revealing = true;
    const first = this.renderRoot.querySelector('.msg')!;
    const top = first.getBoundingClientRect().top;
    this.#hidden = Math.max(0, this.#hidden - WINDOW);
    if (!this.#hidden && this.renderRoot.querySelector('.earlier:focus')) this.#focusTo = '.thread';
    this.requestUpdate();
    await this.updateComplete;
    const t = this.renderRoot.querySelector('.thread')!;
    // The message can be gone (another conversation bound meanwhile): then there is nothing to keep.
    const shift = first.isConnected ? first.getBoundingClientRect().top - top : 0;
    t.scrollTop += shift;
    this.#autoTop += shift;
    this.#stickToBottom = t.scrollHeight - t.scrollTop - t.clientHeight < STICK_PX;
    this.#revealing = false;
  }

  #stop(): void {
    void this.chat?.stop().catch((error: unknown) => this.#fail('stop', error));
  }

  #retry(m: ChatMessage): void {
    void this.chat?.retry(m.key).catch((error: unknown) => this.#fail('retry', error));
  }

  #cancelHandoff(): void {
    void this.chat?.cancelHandoff().catch((error: unknown) => this.#fail('cancel-handoff', error));
  }

  #feedback(m: ChatMessage, value: 'up' | 'down'): void {
    if (!m.id || !this.chat) return;
    emit(this, 'baton-feedback', { messageId: m.id, value });
    void this.chat.sendFeedback(m.id, value).catch((error: unknown) => this.#fail('feedback', error));
  }

  #done(key: string, thanks: string): void {
    this._done = new Set(this._done).add(key);
    try {
      localStorage.setItem(DONE_KEY, JSON.stringify([...new Set([...storedDone(), key])].slice(-50)));
    } catch {
      // Full or blocked: remembered for this page only.
    }
    this.#focusTo = '.card';
    this.#pendingAnnouncements.push({ text: thanks });
  }

  #rate(key: string, score: 1 | 2 | 3 | 4 | 5): void {
    const chat = this.chat;
    if (!chat) return;
    emit(this, 'baton-feedback', { messageId: null, value: score });
    this.#done(key, this.#l.thanksFeedback);
    void chat.sendFeedback(null, score).catch((error: unknown) => this.#fail('feedback', error));
  }

  async #leaveMessage(event: SubmitEvent, h: Handoff): Promise<void> {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const email = String(data.get('email') ?? '').trim();
    const text = String(data.get('message') ?? '').trim();
    const note = { offlineForm: { handoffId: h.id, email } };
    if (!(await this.send(`${text}\n\n${this.#l.replyTo(email)}`, note))) return;
    this.#done(`form:${h.id}`, this.#l.messageLeft);
  }

  #suggest(label: string, text: string | undefined, action: string | undefined): void {
    if (action === 'handoff') void this.requestHuman();
    else void this.send(text ?? label);
  }

  #authorName(m: ChatMessage): string {
    const l = this.#l;
    if (m.role === 'user') return l.authorYou;
    if (m.role === 'system') return l.authorSystem;
    return m.author.name || (m.role === 'agent' ? l.authorAgent : l.authorBot);
  }

  protected override render(): TemplateResult {
    const floating = this.mode !== 'inline';
    const l = this.#l;
    const s = this.snapshot;
    const unread = floating && !this.open ? s.unread : 0;
    return html`
      ${
        floating
          ? html`<button
              part="launcher"
              class="launcher ${this.open ? 'is-open' : ''}"
              aria-label=${this.open ? l.closeChat : l.openChat}
              aria-expanded=${this.open ? 'true' : 'false'}
              aria-controls="panel"
              @click=${() => void this.toggle()}
            >
              ${this.open ? chevronIcon : html`<slot name="launcher-icon">${chatIcon}</slot>`}
              ${
                unread > 0
                  ? html`<span part="badge" class="badge"
                      ><span aria-hidden="true">${unread > 99 ? '99+' : unread}</span
                      ><span class="sr-only">${l.unread(unread)}</span></span
                    >`
                  : nothing
              }
            </button>`
          : nothing
      }
      <section
        id="panel"
        part="panel"
        class="panel ${floating ? 'floating' : 'inline'}"
        role=${floating ? 'dialog' : 'region'}
        aria-labelledby="title"
        lang=${l.lang}
        dir=${l.dir}
        ?hidden=${floating && !this.open}
        @keydown=${this.#onPanelKeydown}
      >
        ${this.#renderHeader(s, floating)} ${this.#renderBanner(s)} ${this.#renderThread(s)}
        ${this.#renderComposer(s)}
        <div class="sr-only live" role="status" aria-live="polite"></div>
      </section>
    `;
  }

  #renderHeader(s: ChatSnapshot, floating: boolean): TemplateResult {
    const l = this.#l;
    const h = s.handoff;
    const waiting = h !== null && WAITING.has(h.state);
    const active = h?.state === 'active';
    let line: TemplateResult | string;
    let dot = '';
    if (s.connection === 'offline') {
      line = l.stateOffline;
      dot = 'offline';
    } else if (s.status === 'closed') {
      line = l.stateClosed;
      dot = 'offline';
    } else if (waiting && this.#transferred) {
      line = l.transferring(h.state === 'assigned' ? h.agent?.name : undefined);
      dot = 'waiting';
    } else if (waiting && h.state === 'assigned') {
      line = l.stateConnecting(h.agent?.name);
      dot = 'waiting';
    } else if (waiting) {
      const bits = [l.stateWaiting];
      if (h.queue?.position) bits.push(l.queuePosition(h.queue.position));
      if (h.queue?.estimatedWaitSeconds)
        bits.push(l.estimatedWait(Math.ceil(h.queue.estimatedWaitSeconds / 60)));
      line = bits.join(' · ');
      dot = 'waiting';
    } else if (active) {
      line = l.stateAgent(h.agent?.name ?? l.authorAgent);
    } else {
      line = l.stateBot;
    }
    const canAsk = s.status !== 'closed' && !waiting && !active;
    return html`<header part="header">
      <div part="avatar" class="avatar" aria-hidden="true">
        ${active ? initials(h.agent?.name ?? l.authorAgent) : botIcon}
      </div>
      <div class="titles">
        <slot name="header"><h2 part="title" id="title">${l.chatTitle}</h2></slot>
        <p part="state" class="state"><span class="dot ${dot}"></span>${line}</p>
      </div>
      ${
        // One button for both, so focus stays on it when asking turns into waiting.
        canAsk || waiting
          ? html`<button
              part="handoff-button"
              class="header-button"
              @click=${() => (waiting ? this.#cancelHandoff() : void this.requestHuman())}
            >
              ${waiting ? nothing : personIcon}<span>${waiting ? l.cancelRequest : l.talkToPerson}</span>
            </button>`
          : nothing
      }
      ${
        floating
          ? html`<button
              part="close-button"
              class="icon-button"
              aria-label=${l.closeChat}
              @click=${() => void this.hide()}
            >
              ${closeIcon}
            </button>`
          : nothing
      }
    </header>`;
  }

  #renderBanner(s: ChatSnapshot): TemplateResult | typeof nothing {
    const l = this.#l;
    if (s.connection === 'offline') return html`<div part="banner" class="banner">${l.offlineBanner}</div>`;
    if (this._error) return html`<div part="banner" class="banner" role="alert">${this._error}</div>`;
    return nothing;
  }

  #renderThread(s: ChatSnapshot): TemplateResult {
    const l = this.#l;
    const last = s.messages.at(-1);
    const streaming = s.messages.some((m) => m.status === 'streaming');
    const suggestions =
      last && last.role === 'bot' && last.status === 'complete' && s.control === 'bot'
        ? last.suggestions
        : undefined;
    const typing = s.typing[0];
    return html`<div
      part="thread"
      class="thread"
      role="log"
      aria-live="off"
      aria-label=${l.thread}
      tabindex="0"
      @scroll=${this.#onThreadScroll}
    >
      <div class="content">
        ${
          this.#hidden
            ? html`<button part="earlier-button" class="earlier" @click=${() => void this.#reveal()}>
                ${l.showEarlier}
              </button>`
            : nothing
        }
        ${
          s.messages.length === 0
            ? html`<div part="empty" class="empty">
                <slot name="empty"><strong>${l.emptyTitle}</strong>${l.emptyBody}</slot>
              </div>`
            : repeat(
                s.messages.slice(this.#hidden),
                (m) => m.key,
                // Messages are immutable: an unchanged one is skipped, so a token costs the same with a
                // long history as with a short one.
                (m) => guard([m, this.#l, this.imageHosts], () => this.#renderMessage(m)),
              )
        }
        ${
          s.progress && !streaming
            ? html`<div part="progress" class="progress">
                <span class="dots" aria-hidden="true"><span></span><span></span><span></span></span>${
                  s.progress.label ?? ''
                }
              </div>`
            : typing
              ? html`<div part="progress" class="progress">
                  <span class="dots" aria-hidden="true"><span></span><span></span><span></span></span
                  >${l.typing(typing.name ?? l.authorAgent)}
                </div>`
              : nothing
        }
        ${
          suggestions?.length
            ? html`<div part="suggestions" class="suggestions" role="group" aria-label=${l.suggestions}>
                ${suggestions.map(
                  (x) =>
                    html`<button
                      part="suggestion"
                      class="suggestion"
                      @click=${() => this.#suggest(x.label, x.text, x.action)}
                    >
                      ${x.label}
                    </button>`,
                )}
              </div>`
            : nothing
        }${this.#renderCards(s)}
      </div>
    </div>`;
  }

  // What follows the last message after a handoff ended: the failed notice (with the leave-a-message
  // form), "back with the assistant", and the survey after a resolved conversation. Hidden once a bot,
  // agent or system message is newer (the user's own left message is not).
  #renderCards(s: ChatSnapshot): unknown {
    const l = this.#l;
    const h = s.handoff;
    const since = Date.parse(h?.updatedAt ?? '');
    if (h && s.messages.some((m) => m.role !== 'user' && Date.parse(m.createdAt) > since)) return nothing;
    const resolved = h?.state === 'ended' && h.outcome === 'resolved';
    if (resolved || (s.status === 'closed' && s.messages.length)) {
      const key = `csat:${h?.id ?? s.conversationId}`;
      if (this._done.has(key))
        return html`<p part="notice" class="card" tabindex="-1">${l.thanksFeedback}</p>`;
      return html`<div part="csat" class="card" role="group" aria-labelledby="csat">
        <p id="csat">
          ${resolved ? html`${this.#handoffText(h)} ` : nothing}<strong>${l.csatQuestion}</strong>
        </p>
        <div class="scores">
          ${([1, 2, 3, 4, 5] as const).map(
            (n) =>
              html`<button part="csat-button" aria-label=${l.csatScore(n)} @click=${() => this.#rate(key, n)}>
                ${n}
              </button>`,
          )}
        </div>
        <p class="ends" aria-hidden="true"><span>${l.csatLow}</span><span>${l.csatHigh}</span></p>
      </div>`;
    }
    if (h?.state === 'failed' && h.fallback === 'offline_form') {
      if (this._done.has(`form:${h.id}`))
        return html`<p part="notice" class="card" tabindex="-1">${l.messageLeft}</p>`;
      const url = this.offlineFormUrl && safeHttpUrl(this.offlineFormUrl);
      return html`<div part="notice" class="card">
        <p>${l.handoffStates.failedForm(undefined)}</p>
        ${
          url
            ? html`<a class="action" href=${url} target="_blank" rel="noopener noreferrer"
                >${l.leaveMessage}</a
              >`
            : html`<form part="offline-form" @submit=${(e: SubmitEvent) => void this.#leaveMessage(e, h)}>
                <label
                  >${l.emailLabel}<input name="email" type="email" autocomplete="email" required
                /></label>
                <label>${l.messageLabel}<textarea name="message" rows="3" required></textarea></label>
                <button class="action" type="submit">${l.sendMessage}</button>
              </form>`
        }
      </div>`;
    }
    if (h?.state === 'failed' || (h?.state === 'ended' && h.outcome === 'returned_to_bot'))
      return html`<p part="notice" class="card">${this.#handoffText(h)}</p>`;
    return nothing;
  }

  #renderMessage(m: ChatMessage): TemplateResult {
    const l = this.#l;
    const role = m.role;
    const name = this.#authorName(m);
    const streaming = m.status === 'streaming';
    let content: unknown;
    if (m.retracted) content = html`<span class="retracted">—</span>`;
    else if (role === 'user' || role === 'system') content = html`<span class="plain">${m.text}</span>`;
    else content = html`<div class="md">${markdown(m.text, !streaming, this.imageHosts)}</div>`;
    const avatar =
      role === 'bot'
        ? html`<div class="avatar small" aria-hidden="true">${botIcon}</div>`
        : role === 'agent'
          ? html`<div class="avatar small agent" aria-hidden="true">${initials(name)}</div>`
          : nothing;
    return html`<div
      part="message message-${role}"
      class="msg ${role} ${m.status === 'failed' ? 'failed' : ''}"
      data-key=${m.key}
    >
      ${avatar}
      <div class="body">
        ${
          role === 'bot' || role === 'agent'
            ? html`<div part="author" class="author">${name}</div>`
            : html`<span class="sr-only">${name}:</span>`
        }
        <div
          part="bubble"
          class="bubble ${streaming ? 'streaming' : ''}"
          aria-busy=${streaming ? 'true' : 'false'}
        >
          ${content}${
            streaming && !m.text
              ? html`<span class="dots" aria-hidden="true"><span></span><span></span><span></span></span>`
              : nothing
          }
        </div>
        ${this.#renderAfter(m, l)}
      </div>
    </div>`;
  }

  #renderAfter(m: ChatMessage, l: BatonLocale): unknown {
    if (m.role === 'user') {
      if (m.status === 'sending')
        return html`<div part="message-status" class="meta">${l.statusSending}</div>`;
      if (m.status === 'queued') return html`<div part="message-status" class="meta">${l.statusQueued}</div>`;
      if (m.status === 'failed') {
        return html`<div part="message-status" class="meta failed">
          ${l.statusFailed}
          <button part="retry-button" class="link-button" @click=${() => this.#retry(m)}>${l.retry}</button>
        </div>`;
      }
      return nothing;
    }
    if (m.role !== 'bot' || m.status !== 'complete' || m.retracted) return nothing;
    const citations = (m.citations ?? [])
      // A relative link (the reference server's `/help/...`) points into the server, not the page.
      .map((c) => ({ title: c.title, href: safeHttpUrl(c.url, safeHttpUrl(this.server ?? '')) }))
      .filter((c) => c.href);
    const note =
      m.finishReason === 'cancelled' ? l.stopped : m.finishReason === 'error' ? l.answerFailed : undefined;
    return html`${note ? html`<div class="meta">${note}</div>` : nothing}
    ${
      citations.length
        ? html`<ul part="citations" class="citations" aria-label=${l.sources}>
            ${citations.map(
              (c, i) =>
                html`<li>
                  <a href=${c.href!} target="_blank" rel="noopener noreferrer" title=${c.title}
                    >${i + 1}. ${c.title}</a
                  >
                </li>`,
            )}
          </ul>`
        : nothing
    }
    ${
      m.id && m.text
        ? html`<div part="feedback" class="feedback">
            <button
              aria-label=${l.helpful}
              aria-pressed=${m.feedback === 'up' ? 'true' : 'false'}
              @click=${() => this.#feedback(m, 'up')}
            >
              ${thumbUpIcon}
            </button>
            <button
              aria-label=${l.notHelpful}
              aria-pressed=${m.feedback === 'down' ? 'true' : 'false'}
              @click=${() => this.#feedback(m, 'down')}
            >
              ${thumbDownIcon}
            </button>
          </div>`
        : nothing
    }`;
  }

  #renderComposer(s: ChatSnapshot): TemplateResult {
    const l = this.#l;
    const streaming = s.messages.some((m) => m.status === 'streaming' && m.role === 'bot');
    return html`${
        streaming
          ? html`<div class="stop-row">
              <button part="stop-button" class="stop" @click=${() => this.#stop()}>
                ${stopIcon}${l.stop}
              </button>
            </div>`
          : nothing
      }
      <form part="composer" class="composer" @submit=${this.#onSubmit}>
        <label class="sr-only" for="input">${l.inputLabel}</label>
        <textarea
          id="input"
          part="input"
          rows="1"
          enterkeyhint="send"
          placeholder=${l.inputPlaceholder}
          .value=${this._draft}
          @input=${this.#onInput}
          @keydown=${this.#onInputKeydown}
        ></textarea>
        <button
          part="send-button"
          class="send"
          type="submit"
          aria-label=${l.send}
          ?disabled=${!this._draft.trim()}
        >
          ${sendIcon}
        </button>
      </form>`;
  }
}
