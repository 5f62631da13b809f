import { LitElement, css, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { uuidv7 } from '@baton-chat/protocol';
import { markdown } from '@baton-chat/widget/markdown';
import type { BatonEvent, Message } from '@baton-chat/protocol';
import { AgentApiError, type AgentApi } from './agent-api.js';
import { renderContextPanel } from './context-panel.js';
import { reasonLabel } from './queue.js';
import { baseStyles, markdownStyles } from './styles.js';
import {
  addMessage,
  addOlder,
  applyEvent,
  transcriptFromDetail,
  type TranscriptState,
} from './transcript.js';
import type {
  Agent,
  AgentPresence,
  CannedReply,
  ConversationDetail,
  KbHit,
  TransferTarget,
} from '@baton-chat/protocol/agent';
import { fillPlaceholders, filterCannedReplies, firstPlaceholder, slashQuery } from './canned-replies.js';

/** How often "typing" is re-sent while the agent keeps typing, in ms. */
const TYPING_RESEND_MS = 3_000;
/** Silence after which the agent counts as no longer typing, in ms. */
const TYPING_IDLE_MS = 4_000;
/** How long a customer's typing indicator lasts without a new `true` (protocol 9.14), in ms. */
const TYPING_SHOWN_MS = 10_000;

const FINISH_LABELS: Record<string, string> = {
  length: 'cut at the length limit',
  cancelled: 'cancelled',
  error: 'the bot failed',
  handoff: 'interrupted by the handoff',
};

interface PendingSend {
  clientMessageId: string;
  text: string;
  failed?: string;
}

/** The open canned-reply list: opened by typing `/` first, or by its button (then it appends). */
interface Picker {
  source: 'slash' | 'button';
  /** Index of the highlighted option. */
  active: number;
}

type Panel = { kind: 'transfer' } | { kind: 'wrapup'; outcome: 'resolved' | 'returned_to_bot' } | null;

/** Detail of `baton-console-ended`: the conversation the agent resolved, transferred or returned. */
export interface ConsoleEndedDetail {
  conversationId: string;
  /** What to announce, such as "Conversation resolved". */
  message: string;
}

function safeHref(url: string): string | undefined {
  try {
    const parsed = new URL(url, globalThis.location?.href);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A message's text as the customer's widget shows it: bot and agent text as markdown through the
 * widget's own module (marked, then DOMPurify, links with `rel="noopener noreferrer"`, no remote
 * images), so the agent sees what the customer sees; customer and system text as plain text, never
 * parsed, so a customer cannot dress up a link or fake formatting in the agent's console.
 */
function bubble(role: Message['role'], text: string, complete: boolean): TemplateResult {
  return role === 'bot' || role === 'agent'
    ? html`<div class="bubble md">${markdown(text, complete)}</div>`
    : html`<div class="bubble plain">${text}</div>`;
}

function timeOf(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/**
 * One conversation in the agent console: the transcript with clear authorship and live updates, the
 * composer (Enter sends, typing indicators both ways), claim, transfer, return to the bot, resolve with
 * an editable wrap-up, knowledge-base search and the context panel with the AI draft.
 *
 * The console app feeds it live events with {@link BatonConsoleConversation.applyLiveEvent} and asks
 * it to re-read the conversation after a reconnect with {@link BatonConsoleConversation.reload}.
 *
 * @event baton-console-ended - the agent's part ended here (resolved, returned, transferred); detail {@link ConsoleEndedDetail}
 */
export class BatonConsoleConversation extends LitElement {
  static override styles = [
    baseStyles,
    markdownStyles,
    css`
      :host {
        display: grid;
        grid-template-columns: minmax(0, 1fr) 20rem;
        height: 100%;
        min-height: 0;
      }
      @media (max-width: 60rem) {
        :host {
          grid-template-columns: minmax(0, 1fr);
        }
        aside {
          display: none;
        }
      }
      .main {
        display: flex;
        flex-direction: column;
        min-height: 0;
        min-width: 0;
      }
      .bar {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem 0.75rem;
        padding: 0.75rem 1rem;
        border-bottom: 1px solid var(--bc-border);
        background: var(--bc-surface);
      }
      .bar h2 {
        font-size: 1.1rem;
        margin-right: auto;
      }
      .actions {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
      }
      .panel {
        padding: 0.75rem 1rem;
        border-bottom: 1px solid var(--bc-border);
        background: var(--bc-surface-2);
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: end;
      }
      .panel label {
        display: flex;
        flex-direction: column;
        gap: 0.25rem;
        font-weight: 600;
        font-size: 0.9rem;
        flex: 1 1 16rem;
      }
      .panel textarea {
        min-height: 4.5rem;
        font-weight: normal;
        resize: vertical;
      }
      .log {
        flex: 1;
        overflow-y: auto;
        padding: 1rem;
        min-height: 0;
      }
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 0.75rem;
      }
      .msg {
        max-width: min(40rem, 85%);
        display: flex;
        flex-direction: column;
        gap: 0.2rem;
      }
      .msg .meta {
        font-size: 0.8rem;
        color: var(--bc-muted);
        margin: 0;
      }
      .msg .meta strong {
        color: var(--bc-text);
      }
      .bubble {
        padding: 0.5rem 0.75rem;
        border-radius: var(--bc-radius);
        border: 1px solid var(--bc-border);
        background: var(--bc-surface);
        overflow-wrap: anywhere;
      }
      .bubble.plain {
        white-space: pre-wrap;
      }
      .msg.bot .bubble {
        background: var(--bc-bot-soft);
      }
      .msg.agent {
        align-self: flex-end;
        align-items: flex-end;
      }
      .msg.agent .bubble {
        background: var(--bc-accent-soft);
        border-color: var(--bc-accent);
      }
      .msg.retracted .bubble {
        font-style: italic;
        color: var(--bc-muted);
      }
      .earlier-button {
        text-align: center;
        margin: 0 0 0.75rem;
      }
      .note {
        align-self: center;
        font-size: 0.85rem;
        color: var(--bc-muted);
        text-align: center;
      }
      .typing {
        min-height: 1.5rem;
        margin: 0;
        padding: 0 1rem;
        font-size: 0.85rem;
        color: var(--bc-muted);
      }
      form.composer {
        border-top: 1px solid var(--bc-border);
        background: var(--bc-surface);
        padding: 0.75rem 1rem;
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 0.35rem 0.5rem;
      }
      form.composer label {
        grid-column: 1 / -1;
        font-weight: 600;
        font-size: 0.9rem;
      }
      form.composer textarea {
        resize: vertical;
        min-height: 4rem;
        max-height: 14rem;
        /* Grows with an inserted reply or draft, where supported. */
        field-sizing: content;
      }
      form.composer .hint {
        grid-column: 1 / -1;
        font-size: 0.8rem;
        margin: 0;
      }
      form.composer .field {
        position: relative;
        display: flex;
        flex-direction: column;
      }
      form.composer .send {
        display: flex;
        flex-direction: column;
        gap: 0.4rem;
        justify-content: flex-end;
      }
      .picker {
        position: absolute;
        left: 0;
        right: 0;
        bottom: calc(100% + 0.35rem);
        z-index: 2;
        margin: 0;
        padding: 0.25rem;
        list-style: none;
        max-height: 16rem;
        overflow-y: auto;
        background: var(--bc-surface);
        border: 1px solid var(--bc-control-border);
        border-radius: var(--bc-radius);
        box-shadow: 0 6px 24px rgb(0 0 0 / 0.18);
      }
      .picker[hidden] {
        display: none;
      }
      .picker.empty {
        padding: 0.5rem 0.75rem;
        color: var(--bc-muted);
      }
      .picker li {
        display: grid;
        grid-template-columns: auto 1fr;
        gap: 0 0.6rem;
        padding: 0.4rem 0.6rem;
        border-radius: 6px;
        cursor: pointer;
        border-left: 3px solid transparent;
      }
      .picker li[aria-selected='true'] {
        background: var(--bc-accent-soft);
        border-left-color: var(--bc-accent);
      }
      .picker .shortcut {
        font:
          600 0.85rem ui-monospace,
          monospace;
      }
      .picker .title {
        font-weight: 600;
      }
      .picker .preview {
        grid-column: 1 / -1;
        font-size: 0.85rem;
        color: var(--bc-muted);
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .notice {
        padding: 0.75rem 1rem;
        border-top: 1px solid var(--bc-border);
        background: var(--bc-surface);
        display: flex;
        gap: 0.75rem;
        align-items: center;
        flex-wrap: wrap;
      }
      .notice p {
        margin: 0;
      }
      aside {
        border-left: 1px solid var(--bc-border);
        background: var(--bc-surface);
        overflow-y: auto;
        padding: 0.75rem 1rem 1.5rem;
        display: flex;
        flex-direction: column;
        gap: 1.25rem;
        min-height: 0;
      }
      aside section {
        display: flex;
        flex-direction: column;
        gap: 0.4rem;
      }
      aside p,
      aside blockquote {
        margin: 0;
      }
      aside blockquote {
        border-left: 3px solid var(--bc-border);
        padding-left: 0.6rem;
      }
      aside h3 {
        margin-top: 0.4rem;
      }
      aside section > button {
        align-self: flex-start;
      }
      .trend-label {
        white-space: nowrap;
      }
      .small {
        font-size: 0.82rem;
      }
      .pairs {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 0.15rem 0.6rem;
        margin: 0;
        font-size: 0.88rem;
      }
      .pairs dt {
        color: var(--bc-muted);
      }
      .pairs dd {
        margin: 0;
      }
      .wrap {
        overflow-wrap: anywhere;
      }
      .url {
        display: block;
      }
      .who {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        flex-wrap: wrap;
      }
      .intents,
      .earlier,
      .hits {
        list-style: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 0.3rem;
      }
      .intents li {
        display: flex;
        justify-content: space-between;
      }
      .draft {
        border: 1px dashed var(--bc-control-border);
        border-radius: 6px;
        padding: 0.4rem 0.6rem;
      }
      .sentiment {
        display: flex;
        align-items: center;
        gap: 0.6rem;
      }
      .chart line.zero {
        stroke: var(--bc-border);
        stroke-dasharray: 3 3;
      }
      .chart polyline {
        fill: none;
        stroke: var(--bc-accent);
        stroke-width: 2;
      }
      .chart .worsening {
        stroke: var(--bc-danger);
        fill: var(--bc-danger);
      }
      .chart polyline.worsening {
        fill: none;
      }
      .chart circle {
        fill: var(--bc-accent);
      }
      .trend-label.worsening {
        color: var(--bc-danger);
        font-weight: 600;
      }
      form.kb {
        display: flex;
        gap: 0.4rem;
      }
      form.kb input {
        flex: 1;
        min-width: 0;
      }
      .hits li {
        border: 1px solid var(--bc-border);
        border-radius: 6px;
        padding: 0.4rem 0.6rem;
        display: flex;
        flex-direction: column;
        gap: 0.25rem;
        align-items: flex-start;
      }
      .hits p {
        font-size: 0.88rem;
      }
      .loading {
        padding: 2rem;
      }
    `,
  ];

  static override properties = {
    api: { attribute: false },
    conversationId: { attribute: 'conversation-id' },
    me: { attribute: false },
    agents: { attribute: false },
    backlog: { attribute: false },
    _detail: { state: true },
    _state: { state: true },
    _draft: { state: true },
    _pending: { state: true },
    _panel: { state: true },
    _error: { state: true },
    _busy: { state: true },
    _customerTyping: { state: true },
    _hits: { state: true },
    _kbStatus: { state: true },
    _hasMore: { state: true },
    _canned: { state: true },
    _picker: { state: true },
    _cannedStatus: { state: true },
    _composerNotice: { state: true },
  };

  /** The agent API client (set by the console app). */
  declare api: AgentApi | undefined;
  /** Id of the conversation shown. */
  declare conversationId: string;
  /** The signed-in agent. */
  declare me: Agent | undefined;
  /** The team, as transfer targets. */
  declare agents: readonly AgentPresence[];
  /**
   * Recent live events of a conversation that the app received before this view existed (the agent
   * joining, a message sent meanwhile); merged after every load. Default: none.
   */
  declare backlog: ((conversationId: string) => readonly BatonEvent[]) | undefined;

  declare _detail: ConversationDetail | undefined;
  declare _state: TranscriptState | undefined;
  declare _draft: string;
  declare _pending: readonly PendingSend[];
  declare _panel: Panel;
  declare _error: string;
  declare _busy: boolean;
  declare _customerTyping: string | undefined;
  declare _hits: readonly KbHit[] | undefined;
  declare _kbStatus: string;
  declare _hasMore: boolean;
  declare _canned: readonly CannedReply[];
  declare _picker: Picker | null;
  declare _cannedStatus: string;
  /** Why the draft was not sent (a placeholder left in it), shown under the composer. */
  declare _composerNotice: string;

  #loadToken = 0;
  #buffer: BatonEvent[] | undefined;
  #typingSentAt = 0;
  #typingIdle: ReturnType<typeof setTimeout> | undefined;
  #customerTypingTimer: ReturnType<typeof setTimeout> | undefined;
  #stickToBottom = true;
  #wrapup = '';
  /** Escape closed the list while a shortcut was typed: it stays closed until the shortcut is gone. */
  #slashDismissed = false;

  constructor() {
    super();
    this.conversationId = '';
    this.agents = [];
    this._draft = '';
    this._pending = [];
    this._panel = null;
    this._error = '';
    this._busy = false;
    this._kbStatus = '';
    this._hasMore = false;
    this._canned = [];
    this._picker = null;
    this._cannedStatus = '';
    this._composerNotice = '';
  }

  /** Re-reads the conversation (after a reconnect, or after claiming it). Live events that arrive meanwhile are merged. */
  async reload(): Promise<void> {
    const api = this.api;
    const id = this.conversationId;
    if (!api || !id) return;
    const token = ++this.#loadToken;
    this.#buffer = [];
    try {
      const detail = await api.conversation(id);
      if (token !== this.#loadToken) return;
      let state = transcriptFromDetail(detail);
      for (const event of [...(this.backlog?.(id) ?? []), ...this.#buffer]) state = applyEvent(state, event);
      this._detail = detail;
      this._state = state;
      this._hasMore = detail.hasMore;
      this._error = '';
    } catch (error) {
      if (token === this.#loadToken) this._error = (error as Error).message;
    } finally {
      if (token === this.#loadToken) this.#buffer = undefined;
    }
  }

  /** Applies a live event of this conversation from the agent event stream. */
  applyLiveEvent(event: BatonEvent): void {
    if (event.type === 'typing') {
      if (event.data.participant.role !== 'user') return;
      clearTimeout(this.#customerTypingTimer);
      if (event.data.isTyping) {
        this._customerTyping = event.data.participant.name ?? this.#customerName();
        this.#customerTypingTimer = setTimeout(() => (this._customerTyping = undefined), TYPING_SHOWN_MS);
      } else this._customerTyping = undefined;
      return;
    }
    if (event.type === 'message.created' && event.data.role === 'user') {
      clearTimeout(this.#customerTypingTimer);
      this._customerTyping = undefined;
    }
    if (this.#buffer) this.#buffer.push(event);
    if (this._state) this._state = applyEvent(this._state, event);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('conversationId') || changed.has('api')) {
      this._detail = undefined;
      this._state = undefined;
      this._pending = [];
      this._panel = null;
      this._error = '';
      this._customerTyping = undefined;
      this._hits = undefined;
      this._draft = '';
      this._picker = null;
      this._cannedStatus = '';
      this.#stickToBottom = true;
      void this.reload();
    }
    if (changed.has('api')) void this.#loadCanned();
  }

  protected override updated(): void {
    const log = this.renderRoot.querySelector<HTMLElement>('.log');
    if (log && this.#stickToBottom) log.scrollTop = log.scrollHeight;
    if (this._picker)
      this.renderRoot
        .querySelector(`#canned-opt-${this._picker.active}`)
        ?.scrollIntoView({ block: 'nearest' });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.#typingIdle);
    clearTimeout(this.#customerTypingTimer);
  }

  /** Focuses the composer (or the first action when the agent cannot write). */
  override focus(): void {
    const target =
      this.renderRoot.querySelector<HTMLElement>('textarea#composer') ??
      this.renderRoot.querySelector<HTMLElement>('.bar button');
    target?.focus();
  }

  #customerName(): string {
    // As the queue names them: one name for the same person everywhere in the console.
    return this.#knownCustomerName() ?? 'Visitor';
  }

  #knownCustomerName(): string | undefined {
    return this._detail?.context?.customer.name ?? this._detail?.conversation.user.name;
  }

  get #canWrite(): boolean {
    const h = this._state?.handoff;
    return !!this.me && h?.state === 'active' && h.agent?.id === this.me.id && this._state?.status === 'open';
  }

  get #offeredToMe(): boolean {
    const h = this._state?.handoff;
    return !!h && h.state === 'assigned' && h.agent?.id === this.me?.id;
  }

  get #waiting(): boolean {
    const s = this._state?.handoff?.state;
    return s === 'requested' || s === 'queued';
  }

  async #run(action: () => Promise<unknown>): Promise<boolean> {
    this._busy = true;
    this._error = '';
    try {
      await action();
      return true;
    } catch (error) {
      this._error = error instanceof Error ? error.message : String(error);
      if (error instanceof AgentApiError && error.code === 'stale-control') void this.reload();
      return false;
    } finally {
      this._busy = false;
    }
  }

  async #claim(): Promise<void> {
    const id = this.conversationId;
    if (await this.#run(() => this.api!.claim(id))) {
      await this.reload();
      await this.updateComplete;
      this.focus();
    }
  }

  async #decline(): Promise<void> {
    const id = this.conversationId;
    if (await this.#run(() => this.api!.decline(id))) this.#ended('Offer declined');
  }

  #ended(message: string): void {
    this.dispatchEvent(
      new CustomEvent<ConsoleEndedDetail>('baton-console-ended', {
        detail: { conversationId: this.conversationId, message },
        bubbles: true,
        composed: true,
      }),
    );
  }

  #onInput(e: Event): void {
    this._draft = (e.target as HTMLTextAreaElement).value;
    if (this._composerNotice && !firstPlaceholder(this._draft)) this._composerNotice = '';
    this.#followSlash();
    if (!this.#canWrite || !this.api) return;
    const id = this.conversationId;
    const now = Date.now();
    if (this._draft.trim() !== '' && now - this.#typingSentAt > TYPING_RESEND_MS) {
      this.#typingSentAt = now;
      this.api.typing(id, true).catch(() => undefined);
    }
    clearTimeout(this.#typingIdle);
    this.#typingIdle = setTimeout(() => this.#stopTyping(), TYPING_IDLE_MS);
  }

  #stopTyping(): void {
    clearTimeout(this.#typingIdle);
    if (this.#typingSentAt === 0 || !this.api) return;
    this.#typingSentAt = 0;
    this.api.typing(this.conversationId, false).catch(() => undefined);
  }

  #onComposerKey(e: KeyboardEvent): void {
    if (this._picker && this.#pickerKey(e)) {
      e.preventDefault();
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey && !e.isComposing) {
      e.preventDefault();
      void this.#send();
    }
  }

  /** Sends still waiting for their answer, minus those whose message the live stream already brought. */
  #unconfirmed(state: TranscriptState): readonly PendingSend[] {
    if (this._pending.length === 0) return this._pending;
    const confirmed = new Set(
      state.items.flatMap((i) =>
        i.kind === 'message' && i.message.clientMessageId ? [i.message.clientMessageId] : [],
      ),
    );
    return this._pending.filter((p) => !confirmed.has(p.clientMessageId));
  }

  async #send(retry?: PendingSend): Promise<void> {
    const text = retry?.text ?? this._draft.trim();
    if (!text || !this.api || !this._state) return;
    const placeholder = retry ? undefined : firstPlaceholder(text);
    if (placeholder) {
      // A canned reply's placeholder with no value (an anonymous customer): never send it as written.
      this._composerNotice = `Replace ${placeholder} before sending: the customer would see it as written.`;
      this.#selectInComposer(placeholder);
      return;
    }
    this._composerNotice = '';
    const pending: PendingSend = { clientMessageId: retry?.clientMessageId ?? uuidv7(), text };
    if (!retry) this._draft = '';
    this._pending = [...this._pending.filter((p) => p.clientMessageId !== pending.clientMessageId), pending];
    this.#stickToBottom = true;
    this.#stopTyping();
    const id = this.conversationId;
    try {
      const message: Message = await this.api.send(id, {
        clientMessageId: pending.clientMessageId,
        text,
        controlVersion: this._state.controlVersion,
      });
      if (this._state && id === this.conversationId) this._state = addMessage(this._state, message);
      this._pending = this._pending.filter((p) => p.clientMessageId !== pending.clientMessageId);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this._pending = this._pending.map((p) =>
        p.clientMessageId === pending.clientMessageId ? { ...p, failed: reason } : p,
      );
      if (error instanceof AgentApiError && error.code === 'stale-control') void this.reload();
    }
  }

  async #loadEarlier(): Promise<void> {
    const first = this._state?.items.find((i) => i.kind === 'message');
    if (!first || first.kind !== 'message' || !this.api) return;
    const id = this.conversationId;
    this.#stickToBottom = false;
    await this.#run(async () => {
      const page = await this.api!.messages(id, { before: first.message.seq, limit: 50 });
      if (id !== this.conversationId || !this._state) return;
      this._state = addOlder(this._state, page.messages);
      this._hasMore = page.hasMore;
    });
  }

  /** Focuses the composer with the first `text` in it selected, so typing replaces it. */
  #selectInComposer(text: string): void {
    const area = this.renderRoot.querySelector<HTMLTextAreaElement>('textarea#composer');
    if (!area) return;
    area.focus();
    const at = area.value.indexOf(text);
    if (at >= 0) area.setSelectionRange(at, at + text.length);
  }

  /** Adds `text` to the composer after what is there; then selects `select` in it, or puts the caret last. */
  #insert(text: string, select?: string): void {
    const current = this._draft.trimEnd();
    const start = current ? current.length + 2 : 0;
    this._draft = current ? `${current}\n\n${text}` : text;
    void this.updateComplete.then(() => {
      const area = this.renderRoot.querySelector<HTMLTextAreaElement>('textarea#composer');
      if (!area) return;
      area.focus();
      const at = select ? area.value.indexOf(select, start) : -1;
      if (at >= 0) area.setSelectionRange(at, at + select!.length);
      else area.setSelectionRange(area.value.length, area.value.length);
    });
  }

  async #loadCanned(): Promise<void> {
    if (!this.api) return;
    try {
      this._canned = await this.api.cannedReplies();
    } catch {
      // The list stays as it was; the composer works without it.
    }
  }

  /** The replies the open list shows: filtered by the typed shortcut, all when opened by the button. */
  #matches(): CannedReply[] {
    if (!this._picker) return [];
    const query = this._picker.source === 'slash' ? (slashQuery(this._draft) ?? '') : '';
    return filterCannedReplies(this._canned, query);
  }

  /** Opens, moves or closes the list as the agent types a shortcut at the start of an empty composer. */
  #followSlash(): void {
    const query = slashQuery(this._draft);
    if (query === undefined) {
      this.#slashDismissed = false;
      this._picker = null;
      return;
    }
    if (this.#slashDismissed) return;
    // Opening: fetch the list again, so a reply an admin just added is there.
    if (this._picker?.source !== 'slash') void this.#loadCanned();
    this._picker = { source: 'slash', active: 0 };
    const count = this.#matches().length;
    this._cannedStatus = count
      ? `${count} canned repl${count === 1 ? 'y' : 'ies'}: Up and Down to choose, Enter to insert, Escape to close.`
      : `No canned reply matches /${query}.`;
  }

  /** Handles a key while the list is open; true when the key was the list's. */
  #pickerKey(e: KeyboardEvent): boolean {
    const picker = this._picker!;
    const matches = this.#matches();
    if (e.key === 'Escape') {
      this.#slashDismissed = picker.source === 'slash';
      this._picker = null;
      this._cannedStatus = '';
      return true;
    }
    if (e.key === 'Tab') {
      this._picker = null;
      return false;
    }
    if (matches.length === 0 || e.altKey || e.ctrlKey || e.metaKey) return false;
    const step = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
    if (step) {
      this._picker = { ...picker, active: (picker.active + step + matches.length) % matches.length };
      return true;
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      this.#insertCanned(matches[Math.min(picker.active, matches.length - 1)]!);
      return true;
    }
    return false;
  }

  /** The button: in an empty composer it starts a shortcut (`/`), else it lists every reply to add one. */
  #openPicker(): void {
    void this.#loadCanned();
    if (this._draft.trim() === '' || slashQuery(this._draft) !== undefined) {
      this.#slashDismissed = false;
      if (slashQuery(this._draft) === undefined) this._draft = '/';
      this.#followSlash();
    } else {
      this._picker = { source: 'button', active: 0 };
      this._cannedStatus = `${this._canned.length} canned replies: Up and Down to choose, Enter to add one.`;
    }
    void this.updateComplete.then(() => {
      const area = this.renderRoot.querySelector<HTMLTextAreaElement>('textarea#composer');
      area?.focus();
      area?.setSelectionRange(area.value.length, area.value.length);
    });
  }

  /**
   * Puts a canned reply into the composer, placeholders filled from the context; it is never sent here.
   * A placeholder without a value (an anonymous customer) is selected, so typing replaces it.
   */
  #insertCanned(reply: CannedReply): void {
    const { text, unfilled } = fillPlaceholders(reply.body, {
      customerName: this.#knownCustomerName(),
      agentName: this.me?.name,
    });
    if (this._picker?.source === 'slash') this._draft = '';
    this._picker = null;
    this.#insert(text, unfilled[0]);
    this._cannedStatus = unfilled.length
      ? `Inserted “${reply.title}”. Fill in ${unfilled.join(', ')} before you send it.`
      : `Inserted “${reply.title}”. Edit it if needed, then send it.`;
  }

  async #searchKb(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).elements.namedItem('q') as HTMLInputElement;
    const q = input.value.trim();
    if (!q || !this.api) return;
    this._kbStatus = 'Searching…';
    try {
      const locale = this._detail?.conversation.locale;
      this._hits = await this.api.searchKb(q, locale);
      this._kbStatus = this._hits.length
        ? `${this._hits.length} article${this._hits.length === 1 ? '' : 's'} found`
        : 'No article found';
    } catch (error) {
      this._hits = [];
      this._kbStatus = (error as Error).message;
    }
  }

  #insertHit(hit: KbHit): void {
    const href = safeHref(hit.url);
    const link = href ? `[${hit.title.replace(/[[\]]/g, '')}](${href})` : hit.title;
    this.#insert(`${hit.snippet.trim()}\n\n${link}`);
  }

  async #transfer(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const value = ((e.target as HTMLFormElement).elements.namedItem('target') as HTMLSelectElement).value;
    const [kind, arg = ''] = value.split(':', 2) as [string, string?];
    const target: TransferTarget = kind === 'agent' ? { agentId: arg } : arg ? { skill: arg } : {};
    const id = this.conversationId;
    const name =
      kind === 'agent'
        ? (this.agents.find((a) => a.id === arg)?.name ?? 'the agent')
        : arg
          ? `the ${arg} queue`
          : 'the queue';
    if (await this.#run(() => this.api!.transfer(id, target))) {
      this._panel = null;
      this.#ended(`Conversation transferred to ${name}`);
    }
  }

  async #finish(e: SubmitEvent, outcome: 'resolved' | 'returned_to_bot'): Promise<void> {
    e.preventDefault();
    const summary = this.#wrapup.trim();
    const id = this.conversationId;
    const ok = await this.#run(() =>
      outcome === 'resolved'
        ? this.api!.resolve(id, summary || undefined)
        : this.api!.returnToBot(id, summary || undefined),
    );
    if (ok) {
      this._panel = null;
      this.#ended(outcome === 'resolved' ? 'Conversation resolved' : 'Conversation returned to the bot');
    }
  }

  #openPanel(panel: Panel): void {
    this._panel = this._panel?.kind === panel?.kind && panel?.kind !== 'wrapup' ? null : panel;
    if (panel?.kind === 'wrapup') this.#wrapup = this._detail?.context?.ai.summary ?? '';
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLElement>('.panel select, .panel textarea')?.focus(),
    );
  }

  #authorLabel(m: Message): TemplateResult {
    switch (m.role) {
      case 'user': {
        const name = m.author.name ?? this.#knownCustomerName();
        return name === undefined
          ? html`<strong>Customer</strong>`
          : html`<strong>Customer</strong> · ${name}`;
      }
      case 'bot':
        return html`<strong>Bot</strong> · ${m.author.name ?? 'Assistant'}`;
      case 'agent':
        return m.author.id === this.me?.id
          ? html`<strong>You</strong> · ${m.author.name ?? ''}`
          : html`<strong>Agent</strong> · ${m.author.name ?? ''}`;
      default:
        return html`<strong>System</strong>`;
    }
  }

  #renderMessage(m: Message): TemplateResult {
    const body =
      m.status === 'retracted'
        ? bubble('system', 'This message was removed.', true)
        : m.text
          ? bubble(m.role, m.text, m.status !== 'streaming')
          : bubble('system', m.status === 'streaming' ? '…' : '', true);
    const stopped = m.finishReason && m.finishReason !== 'stop' ? FINISH_LABELS[m.finishReason] : undefined;
    const sources = (m.citations ?? []).flatMap((c) => {
      const href = safeHref(c.url);
      return href ? [{ href, title: c.title }] : [];
    });
    return html`<li class="msg ${m.role} ${m.status}" data-message-id=${m.id}>
      <p class="meta">
        ${this.#authorLabel(m)} <time datetime=${m.createdAt}>${timeOf(m.createdAt)}</time>
        ${
          m.role === 'bot' && m.confidence !== undefined
            ? html` · confidence ${Math.round(m.confidence * 100)}%`
            : nothing
        }
        ${stopped ? html` · <em>${stopped}</em>` : nothing}
      </p>
      ${body}
      ${
        sources.length
          ? html`<p class="meta">
              Sources:
              ${sources.map(
                (c, i) =>
                  html`${i ? ', ' : ''}<a href=${c.href} target="_blank" rel="noopener noreferrer"
                      >${c.title}</a
                    >`,
              )}
            </p>`
          : nothing
      }
    </li>`;
  }

  #renderPanel(): TemplateResult | typeof nothing {
    const panel = this._panel;
    if (!panel) return nothing;
    if (panel.kind === 'transfer') {
      const others = this.agents.filter((a) => a.id !== this.me?.id);
      const skills = [...new Set(this.agents.flatMap((a) => a.skills))].sort();
      return html`<form class="panel" @submit=${this.#transfer} aria-label="Transfer">
        <label
          >Transfer to
          <select name="target" required>
            <optgroup label="Agents">
              ${others.map(
                (a) =>
                  html`<option value="agent:${a.id}" ?disabled=${!a.online || a.load >= a.maxConcurrent}>
                    ${a.name} (${a.online ? a.status : 'offline'}, ${a.load}/${a.maxConcurrent})
                  </option>`,
              )}
            </optgroup>
            <optgroup label="Queues">
              <option value="skill:">General queue</option>
              ${skills.map((s) => html`<option value="skill:${s}">Skill: ${s}</option>`)}
            </optgroup>
          </select>
        </label>
        <button class="primary" type="submit" ?disabled=${this._busy}>Transfer</button>
        <button type="button" @click=${() => (this._panel = null)}>Cancel</button>
      </form>`;
    }
    const resolving = panel.outcome === 'resolved';
    return html`<form
      class="panel"
      @submit=${(e: SubmitEvent) => this.#finish(e, panel.outcome)}
      aria-label=${resolving ? 'Resolve' : 'Return to the bot'}
    >
      <label
        >Wrap-up summary (you can edit it)
        <textarea
          name="summary"
          .value=${this.#wrapup}
          @input=${(e: Event) => (this.#wrapup = (e.target as HTMLTextAreaElement).value)}
        ></textarea>
      </label>
      <button class="primary" type="submit" ?disabled=${this._busy}>
        ${resolving ? 'Resolve' : 'Return to bot'}
      </button>
      <button type="button" @click=${() => (this._panel = null)}>Cancel</button>
    </form>`;
  }

  #renderFooter(): TemplateResult {
    if (this.#canWrite) {
      return html`<p class="typing" aria-live="polite">
          ${this._customerTyping ? `${this._customerTyping} is typing…` : ''}
        </p>
        <form
          class="composer"
          @submit=${(e: SubmitEvent) => {
            e.preventDefault();
            void this.#send();
          }}
        >
          <label for="composer">Reply to ${this.#customerName()}</label>
          <div class="field">
            ${this.#renderPicker()}
            <textarea
              id="composer"
              aria-describedby="composer-hint"
              aria-autocomplete="list"
              aria-controls="canned-list"
              aria-activedescendant=${this.#matches().length ? `canned-opt-${this._picker!.active}` : nothing}
              .value=${this._draft}
              @input=${this.#onInput}
              @keydown=${this.#onComposerKey}
              @blur=${() => {
                this.#stopTyping();
                this._picker = null;
              }}
            ></textarea>
          </div>
          <div class="send">
            <button
              type="button"
              aria-haspopup="listbox"
              aria-controls="canned-list"
              aria-expanded=${this.#matches().length > 0}
              @click=${this.#openPicker}
            >
              Canned replies
            </button>
            <button class="primary" type="submit" ?disabled=${this._draft.trim() === ''}>Send</button>
          </div>
          ${this._composerNotice ? html`<p class="error" role="alert">${this._composerNotice}</p>` : nothing}
          <p id="composer-hint" class="hint muted">
            <kbd>Enter</kbd> sends, <kbd>Shift</kbd>+<kbd>Enter</kbd> adds a line, <kbd>/</kbd> first finds a
            canned reply.
          </p>
          <p class="visually-hidden" role="status">${this._cannedStatus}</p>
        </form>`;
    }
    const h = this._state?.handoff;
    let text = 'The bot has this conversation.';
    if (this.#waiting) text = 'Waiting for an agent. Claim it to reply.';
    else if (this.#offeredToMe) text = 'Offered to you. Accept it to reply.';
    else if (h?.state === 'active' || h?.state === 'assigned')
      text = `${h.agent?.name ?? 'Another agent'} has this conversation.`;
    else if (this._state?.status === 'closed') text = 'The conversation is closed.';
    return html`<p class="typing" aria-live="polite">
        ${this._customerTyping ? `${this._customerTyping} is typing…` : ''}
      </p>
      <div class="notice"><p>${text}</p></div>`;
  }

  #renderPicker(): TemplateResult {
    const matches = this.#matches();
    const active = this._picker?.active ?? 0;
    return html`${
        this._picker && matches.length === 0
          ? html`<p class="picker empty">
              ${this._canned.length ? 'No canned reply matches.' : 'No canned replies yet.'}
            </p>`
          : nothing
      }
      <ul
        class="picker"
        id="canned-list"
        role="listbox"
        aria-label="Canned replies"
        ?hidden=${matches.length === 0}
        @mousedown=${(e: Event) => e.preventDefault()}
      >
        ${matches.map(
          (reply, i) =>
            html`<li
              id="canned-opt-${i}"
              role="option"
              aria-selected=${i === active ? 'true' : 'false'}
              @click=${() => this.#insertCanned(reply)}
            >
              <span class="shortcut">${reply.shortcut}</span>
              <span class="title">${reply.title}</span>
              <span class="preview">${reply.body.replace(/\s+/g, ' ').slice(0, 120)}</span>
            </li>`,
        )}
      </ul>`;
  }

  #renderKb(canWrite: boolean): TemplateResult {
    return html`<section aria-labelledby="kb-title">
      <h2 id="kb-title">Knowledge base</h2>
      <form class="kb" role="search" @submit=${this.#searchKb}>
        <label class="visually-hidden" for="kb-q">Search the knowledge base</label>
        <input id="kb-q" name="q" type="search" placeholder="Search articles" autocomplete="off" />
        <button type="submit">Search</button>
      </form>
      <p class="muted small" role="status">${this._kbStatus}</p>
      ${
        this._hits?.length
          ? html`<ul class="hits">
              ${this._hits.map((hit) => {
                const href = safeHref(hit.url);
                return html`<li>
                  ${
                    href
                      ? html`<a href=${href} target="_blank" rel="noopener noreferrer">${hit.title}</a>`
                      : html`<strong>${hit.title}</strong>`
                  }
                  <p>${hit.snippet}</p>
                  <button
                    type="button"
                    ?disabled=${!canWrite}
                    aria-label="Insert ${hit.title} into the reply"
                    @click=${() => this.#insertHit(hit)}
                  >
                    Insert
                  </button>
                </li>`;
              })}
            </ul>`
          : nothing
      }
    </section>`;
  }

  protected override render(): TemplateResult {
    const detail = this._detail;
    const state = this._state;
    if (!detail || !state) {
      return html`<div class="main">
        ${
          this._error
            ? html`<p class="error" role="alert">${this._error}</p>`
            : html`<p class="loading muted">Loading the conversation…</p>`
        }
      </div>`;
    }
    const h = state.handoff;
    const canWrite = this.#canWrite;
    return html`<section class="main" aria-labelledby="conv-title">
        <div class="bar">
          <h2 id="conv-title">${this.#customerName()}</h2>
          ${
            h
              ? html`<span class="badge">${h.state[0]!.toUpperCase()}${h.state.slice(1)}</span>
                  <span class="badge">${reasonLabel(h.reason)}</span>`
              : nothing
          }
          <div class="actions">
            ${
              this.#waiting
                ? html`<button class="primary" ?disabled=${this._busy} @click=${this.#claim}>Claim</button>`
                : nothing
            }
            ${
              this.#offeredToMe
                ? html`<button class="primary" ?disabled=${this._busy} @click=${this.#claim}>Accept</button>
                    <button ?disabled=${this._busy} @click=${this.#decline}>Decline</button>`
                : nothing
            }
            ${
              canWrite
                ? html`<button
                      aria-expanded=${this._panel?.kind === 'transfer'}
                      @click=${() => this.#openPanel({ kind: 'transfer' })}
                    >
                      Transfer
                    </button>
                    <button @click=${() => this.#openPanel({ kind: 'wrapup', outcome: 'returned_to_bot' })}>
                      Return to bot
                    </button>
                    <button
                      class="primary"
                      @click=${() => this.#openPanel({ kind: 'wrapup', outcome: 'resolved' })}
                    >
                      Resolve
                    </button>`
                : nothing
            }
          </div>
        </div>
        ${this.#renderPanel()}
        ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
        <div
          class="log"
          role="log"
          aria-label="Transcript"
          tabindex="0"
          @scroll=${(e: Event) => {
            const el = e.target as HTMLElement;
            this.#stickToBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
          }}
        >
          ${
            this._hasMore
              ? html`<p class="earlier-button">
                  <button type="button" ?disabled=${this._busy} @click=${this.#loadEarlier}>
                    Load earlier messages
                  </button>
                </p>`
              : nothing
          }
          <ol>
            ${state.items.map((item) =>
              item.kind === 'note'
                ? html`<li class="note">${item.text}</li>`
                : this.#renderMessage(item.message),
            )}
            ${this.#unconfirmed(state).map(
              (p) =>
                html`<li class="msg agent pending">
                  <p class="meta">
                    <strong>You</strong> ·
                    ${p.failed ? html`<span class="error">Not sent: ${p.failed}</span>` : 'sending…'}
                  </p>
                  ${bubble('agent', p.text, true)}
                  ${
                    p.failed
                      ? html`<button type="button" @click=${() => this.#send(p)}>Retry</button>`
                      : nothing
                  }
                </li>`,
            )}
          </ol>
        </div>
        ${this.#renderFooter()}
      </section>
      <aside aria-label="Context">
        ${renderContextPanel(detail, (text) => this.#insert(text), canWrite, this.#renderKb(canWrite))}
      </aside>`;
  }
}
