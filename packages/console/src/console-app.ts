import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import type { BatonEvent } from '@baton-chat/protocol';
import { AgentApiError, createAgentApi, type AgentApi } from './agent-api.js';
import { connectAgentEvents, type LiveStatus } from './agent-events.js';
import type { BatonConsoleConversation, ConsoleEndedDetail } from './conversation-view.js';
import type { ConsoleWriteArticleDetail } from './insights-view.js';
import { formatWait, newArrivals, queueFor, reasonLabel, titleWithBadge } from './queue.js';
import { baseStyles } from './styles.js';
import type { Agent, AgentPresence, AgentStreamEvent, WorkItem } from '@baton-chat/protocol/agent';

type Phase = 'loading' | 'signed-out' | 'ready';
/** The page shown, from the location hash: `#insights`, `#kb`, else the conversations. */
type View = 'conversations' | 'insights' | 'kb';

function viewOf(hash: string): View {
  return hash === '#insights' ? 'insights' : hash === '#kb' ? 'kb' : 'conversations';
}

const RECENT_PER_CONVERSATION = 200;
const RECENT_CONVERSATIONS = 50;

const LIVE_LABEL: Record<LiveStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  closed: 'Offline',
};

/**
 * The agent console app: sign-in, presence, the live queue (most urgent first, new arrivals announced
 * in the page title, to screen readers and, when the agent turns it on, as a desktop notification while
 * the tab is hidden), the agent's own conversations, and the conversation view.
 * It talks to the agent API of the server that serves it (same origin, session cookie).
 *
 * Keyboard: <kbd>Alt</kbd>+<kbd>C</kbd> claims the most urgent waiting conversation (outside text fields).
 *
 * @example
 * ```html
 * <baton-console></baton-console>
 * <script type="module" src="./console.js"></script>
 * ```
 */
export class BatonConsole extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
        height: 100vh;
        height: 100dvh;
        background: var(--bc-bg);
      }
      .signin {
        min-height: 100%;
        display: grid;
        place-items: center;
        padding: 1rem;
      }
      .signin form {
        width: min(24rem, 100%);
        background: var(--bc-surface);
        border: 1px solid var(--bc-border);
        border-radius: 12px;
        padding: 2rem;
        display: flex;
        flex-direction: column;
        gap: 1rem;
        box-shadow: 0 8px 24px rgb(0 0 0 / 0.08);
      }
      .signin h1 {
        font-size: 1.5rem;
      }
      .signin p {
        margin: 0;
      }
      .signin label {
        display: flex;
        flex-direction: column;
        gap: 0.3rem;
        font-weight: 600;
      }
      .signin input {
        font-weight: normal;
      }
      .signin button {
        min-height: 2.6rem;
      }
      .logo {
        display: inline-grid;
        place-items: center;
        width: 2rem;
        height: 2rem;
        border-radius: 8px;
        background: var(--bc-accent);
        color: var(--bc-accent-text);
        font-weight: 700;
      }
      .shell {
        display: grid;
        grid-template-rows: auto minmax(0, 1fr);
        height: 100%;
      }
      header {
        display: flex;
        align-items: center;
        gap: 0.75rem 1rem;
        flex-wrap: wrap;
        padding: 0.5rem 1rem;
        background: var(--bc-surface);
        border-bottom: 1px solid var(--bc-border);
      }
      header h1 {
        font-size: 1.1rem;
        display: flex;
        align-items: center;
        gap: 0.5rem;
        margin-right: auto;
      }
      header label {
        display: flex;
        align-items: center;
        gap: 0.4rem;
      }
      nav ul {
        display: flex;
        gap: 0.25rem;
        list-style: none;
        margin: 0;
        padding: 0;
      }
      nav a {
        display: inline-block;
        padding: 0.35rem 0.7rem;
        border-radius: 6px;
        color: var(--bc-text);
        text-decoration: none;
        border: 1px solid transparent;
      }
      nav a:hover {
        background: var(--bc-surface-2);
      }
      nav a[aria-current='page'] {
        border-color: var(--bc-accent);
        background: var(--bc-accent-soft);
        font-weight: 600;
      }
      .page-main {
        min-height: 0;
      }
      .live::before {
        content: '';
        display: inline-block;
        width: 0.6rem;
        height: 0.6rem;
        border-radius: 50%;
        margin-right: 0.35rem;
        background: var(--bc-muted);
      }
      .live.live-on::before {
        background: var(--bc-ok);
      }
      .body {
        display: grid;
        grid-template-columns: 22rem minmax(0, 1fr);
        min-height: 0;
      }
      .side {
        border-right: 1px solid var(--bc-border);
        background: var(--bc-surface);
        overflow-y: auto;
        padding: 0.75rem;
        display: flex;
        flex-direction: column;
        gap: 1.25rem;
      }
      .side-head {
        display: flex;
        align-items: center;
        justify-content: space-between;
        gap: 0.5rem;
        margin-bottom: 0.5rem;
      }
      .count {
        font-weight: normal;
        color: var(--bc-muted);
      }
      ul.rows {
        list-style: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 0.5rem;
      }
      .row {
        position: relative;
        border: 1px solid var(--bc-border);
        border-radius: var(--bc-radius);
        padding: 0.5rem 0.6rem;
        background: var(--bc-surface);
      }
      .row.selected {
        border-color: var(--bc-accent);
        box-shadow: inset 3px 0 0 var(--bc-accent);
      }
      .row button.open {
        all: unset;
        cursor: pointer;
        display: flex;
        flex-direction: column;
        gap: 0.2rem;
        width: 100%;
        min-width: 0;
        border-radius: 4px;
      }
      .row button.open:focus-visible {
        outline: 3px solid var(--bc-focus);
        outline-offset: 2px;
      }
      .row .line {
        display: flex;
        gap: 0.4rem;
        align-items: center;
        flex-wrap: wrap;
      }
      .row.claimable .line.first {
        padding-right: 5.5rem;
        min-height: 2.25rem;
      }
      .row .name {
        font-weight: 600;
      }
      .row .meta {
        font-size: 0.82rem;
        color: var(--bc-muted);
      }
      .row .preview {
        font-size: 0.88rem;
        overflow: hidden;
        display: -webkit-box;
        -webkit-line-clamp: 2;
        -webkit-box-orient: vertical;
        overflow-wrap: anywhere;
      }
      .row .claim-actions {
        position: absolute;
        top: 0.5rem;
        right: 0.6rem;
      }
      .empty {
        margin: 0;
        color: var(--bc-muted);
        font-size: 0.9rem;
      }
      main {
        min-height: 0;
        min-width: 0;
      }
      main baton-console-conversation {
        height: 100%;
      }
      .placeholder {
        height: 100%;
        display: grid;
        place-items: center;
        text-align: center;
        padding: 2rem;
        color: var(--bc-muted);
      }
      .placeholder h2 {
        color: var(--bc-text);
        margin-bottom: 0.5rem;
      }
      @media (max-width: 48rem) {
        .body {
          grid-template-columns: minmax(0, 1fr);
          grid-template-rows: auto minmax(0, 1fr);
        }
        .side {
          max-height: 40vh;
          border-right: none;
          border-bottom: 1px solid var(--bc-border);
        }
      }
    `,
  ];

  static override properties = {
    baseUrl: { attribute: 'base-url' },
    _phase: { state: true },
    _agent: { state: true },
    _work: { state: true },
    _agents: { state: true },
    _live: { state: true },
    _selected: { state: true },
    _announcement: { state: true },
    _error: { state: true },
    _busy: { state: true },
    _notify: { state: true },
    _view: { state: true },
  };

  /** Origin and path of the server before `/v1`; default `''` (the page's own origin). */
  declare baseUrl: string;

  declare _phase: Phase;
  declare _agent: Agent | undefined;
  declare _work: readonly WorkItem[];
  declare _agents: readonly AgentPresence[];
  declare _live: LiveStatus;
  declare _selected: string | undefined;
  declare _announcement: string;
  declare _error: string;
  declare _busy: boolean;
  declare _notify: boolean;
  declare _view: View;

  #api: AgentApi | undefined;
  #stream: AbortController | undefined;
  #seenWaiting: Set<string> | undefined;
  #hellos = 0;
  #ticker: ReturnType<typeof setInterval> | undefined;
  /** Recent live events per followed conversation, merged by a conversation view when it (re)loads. */
  #recent = new Map<string, BatonEvent[]>();
  #backlog = (id: string): readonly BatonEvent[] => this.#recent.get(id) ?? [];
  #onKey = (e: KeyboardEvent) => this.#shortcut(e);
  #onHash = () => this.#route();

  constructor() {
    super();
    this.baseUrl = '';
    this._phase = 'loading';
    this._work = [];
    this._agents = [];
    this._live = 'connecting';
    this._announcement = '';
    this._error = '';
    this._busy = false;
    this._notify = false;
    this._view = 'conversations';
  }

  /** The agent API client this app uses (created from `baseUrl` on first use). */
  get api(): AgentApi {
    this.#api ??= createAgentApi({ baseUrl: this.baseUrl });
    return this.#api;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this.#onKey);
    window.addEventListener('hashchange', this.#onHash);
    this._view = viewOf(location.hash);
    // Wait times in the queue move on their own.
    this.#ticker = setInterval(() => this.requestUpdate(), 15_000);
    void this.#checkSession();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this.#onKey);
    window.removeEventListener('hashchange', this.#onHash);
    clearInterval(this.#ticker);
    this.#stream?.abort();
  }

  #route(): void {
    const view = viewOf(location.hash);
    if (view === this._view) return;
    this._view = view;
    // Like a page change: focus the new page's heading so screen readers start there.
    const heading = { conversations: '#queue-title', insights: '#insights-title', kb: '#kb-title' }[view];
    void this.updateComplete.then(async () => {
      const page = this.renderRoot.querySelector<LitElement>('baton-console-insights, baton-console-kb');
      await page?.updateComplete;
      (page?.renderRoot ?? this.renderRoot).querySelector<HTMLElement>(heading)?.focus();
    });
  }

  async #checkSession(): Promise<void> {
    try {
      this.#signedIn(await this.api.me());
    } catch (error) {
      this._phase = 'signed-out';
      if (!(error instanceof AgentApiError && error.status === 401)) this._error = (error as Error).message;
    }
  }

  #signedIn(agent: Agent): void {
    this._agent = agent;
    this._phase = 'ready';
    this._error = '';
    this.#seenWaiting = undefined;
    this.#hellos = 0;
    this.#recent.clear();
    this.#stream?.abort();
    this.#stream = new AbortController();
    connectAgentEvents({
      api: this.api,
      signal: this.#stream.signal,
      onEvent: (e) => this.#onStreamEvent(e),
      onStatus: (s) => (this._live = s),
      onUnauthorized: () => this.#signedOut('Your session ended. Sign in again.'),
    });
  }

  #signedOut(message = ''): void {
    this.#stream?.abort();
    this.#stream = undefined;
    this._phase = 'signed-out';
    this._agent = undefined;
    this._work = [];
    this._selected = undefined;
    this._error = message;
    this.#updateTitle(0);
  }

  #onStreamEvent(event: AgentStreamEvent): void {
    switch (event.type) {
      case 'hello':
        this._agent = event.data.agent;
        this._agents = event.data.agents;
        this.#setWork(event.data.work);
        // No cursor on this stream: after a reconnect the open conversation may have missed events.
        if (this.#hellos++ > 0) void this.#view()?.reload();
        break;
      case 'work':
        this.#setWork(event.data.items);
        break;
      case 'agents': {
        this._agents = event.data.agents;
        const me = event.data.agents.find((a) => a.id === this._agent?.id);
        if (me && this._agent && me.status !== this._agent.status)
          this._agent = { ...this._agent, status: me.status as Agent['status'] };
        break;
      }
      case 'conversation': {
        const { conversationId, event: inner } = event.data;
        if ('seq' in inner) this.#remember(conversationId, inner);
        if (conversationId === this._selected) this.#view()?.applyLiveEvent(inner);
        break;
      }
    }
  }

  #remember(conversationId: string, event: BatonEvent): void {
    const list = this.#recent.get(conversationId) ?? [];
    list.push(event);
    if (list.length > RECENT_PER_CONVERSATION) list.splice(0, list.length - RECENT_PER_CONVERSATION);
    // Map order is insertion order: re-inserting keeps the most recently active conversations last.
    this.#recent.delete(conversationId);
    this.#recent.set(conversationId, list);
    if (this.#recent.size > RECENT_CONVERSATIONS) this.#recent.delete(this.#recent.keys().next().value!);
  }

  #setWork(items: readonly WorkItem[]): void {
    this._work = items;
    const { waiting } = queueFor(items, this._agent?.id ?? '');
    if (this.#seenWaiting) {
      const fresh = newArrivals(this.#seenWaiting, waiting);
      let text = '';
      if (fresh.length === 1) {
        const w = fresh[0]!;
        text = `New conversation waiting: ${w.customer.name ?? 'a visitor'}, ${reasonLabel(
          w.handoff.reason,
        ).toLowerCase()}, priority ${w.priority}.`;
      } else if (fresh.length > 1) text = `${fresh.length} new conversations waiting.`;
      if (text) {
        this._announcement = text;
        if (this._notify && document.visibilityState === 'hidden')
          new Notification('Baton console', { body: text, tag: 'baton-queue' });
      }
    }
    this.#seenWaiting = new Set(waiting.map((w) => w.conversationId));
    this.#updateTitle(waiting.length);
  }

  #updateTitle(waiting: number): void {
    document.title = titleWithBadge(waiting);
  }

  #view(): BatonConsoleConversation | null {
    return this.renderRoot.querySelector('baton-console-conversation');
  }

  #shortcut(e: KeyboardEvent): void {
    if (this._phase !== 'ready' || !e.altKey || e.ctrlKey || e.metaKey || e.code !== 'KeyC') return;
    // In a text field Alt+C may type a character (ç on macOS): leave it to the field.
    const target = e.composedPath()[0];
    if (target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement) return;
    e.preventDefault();
    const next = queueFor(this._work, this._agent?.id ?? '').waiting[0];
    if (next) void this.#claim(next.conversationId);
    else this._announcement = 'No conversation is waiting.';
  }

  async #claim(id: string): Promise<void> {
    if (this._view !== 'conversations') history.pushState(null, '', '#');
    this._view = 'conversations';
    this._busy = true;
    this._error = '';
    try {
      await this.api.claim(id);
      const item = this._work.find((w) => w.conversationId === id);
      this._announcement = `You took the conversation with ${item?.customer.name ?? 'the visitor'}.`;
      const same = this._selected === id;
      this._selected = id;
      await this.updateComplete;
      const view = this.#view();
      if (same) await view?.reload();
      await view?.updateComplete;
      // The view loads on its own when the id changes; wait for it so focus lands in the composer.
      for (let i = 0; i < 20 && view && !view.renderRoot.querySelector('#composer'); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      view?.focus();
    } catch (error) {
      this._error = (error as Error).message;
    } finally {
      this._busy = false;
    }
  }

  async #signIn(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const email = (form.elements.namedItem('email') as HTMLInputElement).value.trim();
    const password = (form.elements.namedItem('password') as HTMLInputElement).value;
    this._busy = true;
    this._error = '';
    try {
      this.#signedIn(await this.api.login(email, password));
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('#queue-title')?.focus();
    } catch (error) {
      this._error = (error as Error).message;
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLInputElement>('#password')?.select();
    } finally {
      this._busy = false;
    }
  }

  async #signOut(): Promise<void> {
    try {
      await this.api.logout();
    } catch {
      // Signed out locally anyway; the session expires on its own.
    }
    this.#signedOut();
  }

  async #setStatus(e: Event): Promise<void> {
    const status = (e.target as HTMLSelectElement).value as 'available' | 'away';
    try {
      this._agent = await this.api.setStatus(status);
      this._announcement = status === 'away' ? 'You are away.' : 'You are available.';
    } catch (error) {
      this._error = (error as Error).message;
    }
  }

  async #toggleNotify(): Promise<void> {
    if (this._notify) {
      this._notify = false;
      return;
    }
    const permission =
      Notification.permission === 'default'
        ? await Notification.requestPermission()
        : Notification.permission;
    this._notify = permission === 'granted';
    if (!this._notify) this._error = 'Desktop alerts are blocked in this browser’s site settings.';
  }

  #onWriteArticle(e: CustomEvent<ConsoleWriteArticleDetail>): void {
    location.hash = '#kb';
    this.#route();
    void this.updateComplete.then(async () => {
      const kb = this.renderRoot.querySelector('baton-console-kb');
      await kb?.updateComplete;
      kb?.newArticle(e.detail.question);
    });
  }

  #onEnded(e: CustomEvent<ConsoleEndedDetail>): void {
    this._announcement = `${e.detail.message}.`;
    if (this._selected === e.detail.conversationId) this._selected = undefined;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('#queue-title')?.focus());
  }

  #renderSignIn(): TemplateResult {
    return html`<main class="signin">
      <form @submit=${this.#signIn} aria-labelledby="signin-title">
        <h1 id="signin-title"><span class="logo" aria-hidden="true">B</span> Baton console</h1>
        <p class="muted">Sign in to take over conversations from the bot.</p>
        <label
          >E-mail
          <input id="email" name="email" type="email" autocomplete="username" required />
        </label>
        <label
          >Password
          <input id="password" name="password" type="password" autocomplete="current-password" required />
        </label>
        ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
        <button class="primary" type="submit" ?disabled=${this._busy}>
          ${this._busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>`;
  }

  #renderRow(item: WorkItem, now: number, claimable: boolean): TemplateResult {
    const selected = item.conversationId === this._selected;
    const name = item.customer.name ?? 'Visitor';
    const offered = item.handoff.state === 'assigned';
    // Once an agent has it, the customer is no longer waiting: the row says for how long it is theirs.
    const since =
      item.handoff.state === 'active'
        ? `with ${item.handoff.agent?.id === this._agent?.id ? 'you' : (item.handoff.agent?.name ?? 'an agent')} for ${formatWait(now - Date.parse(item.handoff.updatedAt))}`
        : `waiting ${formatWait(now - item.waitingSinceMs)}`;
    const meta = [item.skill, item.language ?? item.locale, since].filter(Boolean).join(' · ');
    return html`<li
      class="row ${selected ? 'selected' : ''} ${claimable ? 'claimable' : ''}"
      data-conversation-id=${item.conversationId}
    >
      <button
        class="open"
        aria-current=${selected ? 'true' : 'false'}
        @click=${() => (this._selected = item.conversationId)}
      >
        <span class="line first">
          <span class="name">${name}</span>
          ${item.customer.verified ? html`<span class="badge ok">Verified</span>` : nothing}
          ${
            item.priority > 0
              ? html`<span class="badge urgent">Priority ${item.priority}</span>`
              : html`<span class="badge">Priority ${item.priority}</span>`
          }
        </span>
        <span class="line meta"
          >${offered ? 'Offered to you · ' : ''}${reasonLabel(item.handoff.reason)} · ${meta}</span
        >
        ${item.preview ? html`<span class="preview">${item.preview}</span>` : nothing}
      </button>
      ${
        claimable
          ? html`<span class="claim-actions">
              <button
                class="primary"
                ?disabled=${this._busy}
                aria-label="${offered ? 'Accept' : 'Claim'} the conversation with ${name}"
                @click=${() => this.#claim(item.conversationId)}
              >
                ${offered ? 'Accept' : 'Claim'}
              </button>
            </span>`
          : nothing
      }
    </li>`;
  }

  #renderReady(): TemplateResult {
    const agent = this._agent!;
    const { waiting, mine } = queueFor(this._work, agent.id);
    const now = Date.now();
    return html`<div class="shell">
      <header>
        <h1><span class="logo" aria-hidden="true">B</span> Baton console</h1>
        <nav aria-label="Console pages">
          <ul>
            ${(
              [
                ['conversations', '#', 'Conversations'],
                ['insights', '#insights', 'Insights'],
                ...(agent.role === 'admin' ? [['kb', '#kb', 'Knowledge base']] : []),
              ] as [View, string, string][]
            ).map(
              ([view, href, label]) =>
                html`<li>
                  <a href=${href} aria-current=${this._view === view ? 'page' : 'false'}>${label}</a>
                </li>`,
            )}
          </ul>
        </nav>
        <span class="live ${this._live === 'live' ? 'live-on' : ''}" role="status"
          >${LIVE_LABEL[this._live]}</span
        >
        <label
          >Status
          <select @change=${this.#setStatus} .value=${agent.status === 'away' ? 'away' : 'available'}>
            <option value="available">Available</option>
            <option value="away">Away</option>
          </select>
        </label>
        ${
          'Notification' in globalThis
            ? html`<button
                type="button"
                aria-pressed=${this._notify ? 'true' : 'false'}
                @click=${this.#toggleNotify}
              >
                Desktop alerts
              </button>`
            : nothing
        }
        <span>${agent.name}</span>
        <button type="button" @click=${this.#signOut}>Sign out</button>
      </header>
      ${
        this._view === 'insights'
          ? html`<main class="page-main">
              <baton-console-insights
                .api=${this.api}
                .me=${agent}
                @baton-console-write-article=${this.#onWriteArticle}
              ></baton-console-insights>
            </main>`
          : this._view === 'kb' && agent.role === 'admin'
            ? html`<main class="page-main"><baton-console-kb .api=${this.api}></baton-console-kb></main>`
            : this.#renderConversations(agent, waiting, mine, now)
      }
    </div>`;
  }

  #renderConversations(
    agent: Agent,
    waiting: readonly WorkItem[],
    mine: readonly WorkItem[],
    now: number,
  ): TemplateResult {
    return html`<div class="body">
      <div class="side">
        <section aria-labelledby="queue-title">
          <div class="side-head">
            <h2 id="queue-title" tabindex="-1">Queue <span class="count">(${waiting.length})</span></h2>
            <button
              type="button"
              aria-keyshortcuts="Alt+C"
              ?disabled=${waiting.length === 0 || this._busy}
              @click=${() => waiting[0] && this.#claim(waiting[0].conversationId)}
            >
              Claim next <kbd>Alt</kbd>+<kbd>C</kbd>
            </button>
          </div>
          ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
          ${
            waiting.length
              ? html`<ul class="rows" aria-label="Waiting conversations">
                  ${waiting.map((w) => this.#renderRow(w, now, true))}
                </ul>`
              : html`<p class="empty">Nobody is waiting. New conversations appear here.</p>`
          }
        </section>
        <section aria-labelledby="mine-title">
          <div class="side-head">
            <h2 id="mine-title">My conversations <span class="count">(${mine.length})</span></h2>
          </div>
          ${
            mine.length
              ? html`<ul class="rows" aria-label="My conversations">
                  ${mine.map((w) => this.#renderRow(w, now, false))}
                </ul>`
              : html`<p class="empty">None yet.</p>`
          }
        </section>
      </div>
      <main>
        ${
          this._selected
            ? html`<baton-console-conversation
                .api=${this.api}
                .me=${agent}
                .agents=${this._agents}
                .backlog=${this.#backlog}
                conversation-id=${this._selected}
                @baton-console-ended=${this.#onEnded}
              ></baton-console-conversation>`
            : html`<div class="placeholder">
                <div>
                  <h2>No conversation open</h2>
                  <p>Pick one from the queue, or claim the most urgent with <kbd>Alt</kbd>+<kbd>C</kbd>.</p>
                </div>
              </div>`
        }
      </main>
    </div>`;
  }

  protected override render(): TemplateResult {
    return html`${
        this._phase === 'loading'
          ? html`<p class="placeholder" role="status">Loading…</p>`
          : this._phase === 'signed-out'
            ? this.#renderSignIn()
            : this.#renderReady()
      }
      <div class="visually-hidden" aria-live="polite" aria-atomic="true">${this._announcement}</div>`;
  }
}
