import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { AgentApiError, type AgentApi } from './agent-api.js';
import { pageStyles } from './insights-view.js';
import { baseStyles } from './styles.js';
import type { KbArticle, KbArticleListing } from '@baton-chat/protocol/agent';

/** A URL-safe slug from a title: `How do I rent a telescope?` -> `how-do-i-rent-a-telescope`. */
export function slugFromTitle(title: string): string {
  return title
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
}

/** The front matter and heading of a new article answering `question`. */
export function articleTemplate(question = ''): string {
  const title = question.replace(/[\r\n"]+/g, ' ').trim();
  return `---\ntitle: ${title}\nslug: ${slugFromTitle(title)}\ncategory: \ntags: []\n---\n\n# ${title}\n\n`;
}

/** The slug written in an article's front matter, or '' when there is none. */
export function slugInMarkdown(markdown: string): string {
  const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(markdown)?.[1] ?? '';
  const line = /^slug:\s*(.*)$/m.exec(front)?.[1] ?? '';
  return line.trim().replace(/^(['"])(.*)\1$/, '$2');
}

/**
 * The knowledge-base editor for admins: the articles of the help-center folder, a markdown editor
 * with front matter (validated by the server with the bot's own parser), save (refused when the
 * file changed meanwhile), and re-index, after which the bot answers from the edited articles.
 */
export class BatonConsoleKb extends LitElement {
  static override styles = [
    baseStyles,
    pageStyles,
    css`
      .layout {
        display: grid;
        grid-template-columns: 20rem minmax(0, 1fr);
        gap: 1rem;
        align-items: start;
      }
      @media (max-width: 56rem) {
        .layout {
          grid-template-columns: minmax(0, 1fr);
        }
      }
      .list ul {
        list-style: none;
        margin: 0.5rem 0 0;
        padding: 0;
        max-height: calc(100dvh - 20rem);
        min-height: 12rem;
        overflow-y: auto;
        display: flex;
        flex-direction: column;
        gap: 0.15rem;
      }
      .list button {
        width: 100%;
        text-align: left;
        border-color: transparent;
        display: flex;
        flex-direction: column;
        align-items: flex-start;
        gap: 0;
      }
      .list button[aria-current='true'] {
        border-color: var(--bc-accent);
        background: var(--bc-accent-soft);
      }
      .list .slug {
        font-size: 0.8rem;
        color: var(--bc-muted);
        overflow-wrap: anywhere;
      }
      .list input {
        width: 100%;
      }
      .editor {
        display: flex;
        flex-direction: column;
        gap: 0.6rem;
      }
      textarea {
        width: 100%;
        min-height: 26rem;
        resize: vertical;
        font:
          0.88rem/1.5 ui-monospace,
          'SFMono-Regular',
          Menlo,
          monospace;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
      }
      .ok {
        color: var(--bc-ok);
        margin: 0;
        max-width: 28rem;
      }
      .error {
        margin: 0;
      }
      progress {
        width: 8rem;
      }
      .broken {
        margin: 0;
        padding-left: 1.1rem;
        color: var(--bc-danger);
        font-size: 0.85rem;
      }
    `,
  ];

  static override properties = {
    api: { attribute: false },
    _articles: { state: true },
    _broken: { state: true },
    _filter: { state: true },
    _open: { state: true },
    _draft: { state: true },
    _busy: { state: true },
    _reindexing: { state: true },
    _status: { state: true },
    _error: { state: true },
  };

  /** The agent API client (set by the console app). */
  declare api: AgentApi | undefined;
  declare _articles: readonly KbArticleListing[];
  declare _broken: readonly { file: string; error: string }[];
  declare _filter: string;
  /** The article being edited; undefined for a new one. */
  declare _open: KbArticle | undefined;
  declare _draft: string;
  declare _busy: boolean;
  declare _reindexing: boolean;
  declare _status: string;
  declare _error: string;

  constructor() {
    super();
    this._articles = [];
    this._broken = [];
    this._filter = '';
    this._draft = articleTemplate();
    this._busy = false;
    this._reindexing = false;
    this._status = '';
    this._error = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#loadList();
  }

  async #run(task: () => Promise<void>): Promise<void> {
    this._error = '';
    this._status = '';
    try {
      await task();
    } catch (error) {
      this._error =
        error instanceof AgentApiError && error.status === 409
          ? `${error.message} (Your text is still in the editor: copy it before reloading.)`
          : (error as Error).message;
    }
  }

  async #loadList(): Promise<void> {
    if (!this.api) return;
    try {
      const { articles, broken } = await this.api.kbArticles();
      this._articles = articles;
      this._broken = broken;
    } catch (error) {
      this._error = (error as Error).message;
    }
  }

  async #openArticle(slug: string): Promise<void> {
    this._busy = true;
    await this.#run(async () => {
      this._open = await this.api!.kbArticle(slug);
      this._draft = this._open.markdown;
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLTextAreaElement>('#markdown')?.focus();
    });
    this._busy = false;
  }

  /** Starts a new article, titled after `question` when given (from the insights page). */
  newArticle(question = ''): void {
    this._open = undefined;
    this._draft = articleTemplate(question);
    this._status = '';
    this._error = '';
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLTextAreaElement>('#markdown')?.focus(),
    );
  }

  async #save(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const slug = this._open?.slug ?? slugInMarkdown(this._draft);
    if (!slug) {
      this._error = 'Add a "slug:" line to the front matter (lower-case letters, digits and "-").';
      return;
    }
    this._busy = true;
    await this.#run(async () => {
      const saved = await this.api!.saveKbArticle(slug, this._draft, this._open?.version);
      const created = !this._open;
      this._open = saved;
      this._draft = saved.markdown;
      this._status = `${created ? 'Created' : 'Saved'} “${saved.title}”. Re-index to let the bot use it.`;
      if (created) await this.#loadList();
      else this._articles = this._articles.map((a) => (a.slug === saved.slug ? saved : a));
    });
    this._busy = false;
  }

  async #reindex(): Promise<void> {
    this._reindexing = true;
    await this.#run(async () => {
      const { articles, ms } = await this.api!.reindexKb();
      this._status = `Re-indexed ${articles} articles in ${ms} ms. The bot now answers from them.`;
    });
    this._reindexing = false;
  }

  #renderList(): TemplateResult {
    const filter = this._filter.trim().toLowerCase();
    const shown = filter
      ? this._articles.filter((a) => `${a.title} ${a.slug} ${a.category}`.toLowerCase().includes(filter))
      : this._articles;
    return html`<section class="card list" aria-labelledby="articles-title">
      <h3 id="articles-title">Articles <span class="muted">(${this._articles.length})</span></h3>
      <label class="field"
        >Filter
        <input
          type="search"
          .value=${this._filter}
          @input=${(e: Event) => (this._filter = (e.target as HTMLInputElement).value)}
      /></label>
      ${
        this._broken.length
          ? html`<ul class="broken" aria-label="Files that do not parse">
              ${this._broken.map((b) => html`<li>${b.error}</li>`)}
            </ul>`
          : nothing
      }
      <ul aria-label="Articles">
        ${shown.map(
          (a) =>
            html`<li>
              <button
                type="button"
                aria-current=${this._open?.slug === a.slug ? 'true' : 'false'}
                @click=${() => this.#openArticle(a.slug)}
              >
                <span>${a.title}</span>
                <span class="slug">${a.category} · ${a.locale} · ${a.slug}</span>
              </button>
            </li>`,
        )}
      </ul>
    </section>`;
  }

  protected override render(): TemplateResult {
    return html`<div class="page">
      <div class="page-head">
        <h2 id="kb-title" tabindex="-1">Knowledge base</h2>
        <button type="button" @click=${() => this.newArticle()}>New article</button>
        <button
          type="button"
          class="primary"
          ?disabled=${this._reindexing}
          aria-describedby="reindex-help"
          @click=${this.#reindex}
        >
          ${this._reindexing ? 'Re-indexing…' : 'Re-index'}
        </button>
        ${this._reindexing ? html`<progress aria-label="Re-indexing the knowledge base"></progress>` : nothing}
        <p class="ok" role="status">${this._status}</p>
      </div>
      <p id="reindex-help" class="muted small">
        Saving writes the article file; re-indexing makes the bot answer from the saved articles, without a
        restart.
      </p>
      ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
      <div class="layout">
        ${this.#renderList()}
        <form class="card editor" @submit=${this.#save} aria-labelledby="editor-title">
          <h3 id="editor-title">
            ${this._open ? html`Edit “${this._open.title}”` : 'New article'}
            ${this._open ? html`<span class="muted small">${this._open.file}</span>` : nothing}
          </h3>
          <label class="field" for="markdown">Markdown with front matter (title, slug, category, tags)</label>
          <textarea
            id="markdown"
            spellcheck="true"
            .value=${this._draft}
            @input=${(e: Event) => (this._draft = (e.target as HTMLTextAreaElement).value)}
          ></textarea>
          <div class="actions">
            <button class="primary" type="submit" ?disabled=${this._busy}>
              ${this._busy ? 'Saving…' : 'Save'}
            </button>
          </div>
        </form>
      </div>
      <baton-console-canned .api=${this.api}></baton-console-canned>
    </div>`;
  }
}
