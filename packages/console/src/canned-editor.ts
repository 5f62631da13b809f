import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import type { CannedReply, CannedReplyInput } from '@baton-chat/protocol/agent';
import type { AgentApi } from './agent-api.js';
import { pageStyles } from './insights-view.js';
import { baseStyles } from './styles.js';

const EMPTY: CannedReplyInput = { shortcut: '', title: '', body: '' };

/**
 * The team's canned replies for admins, shown under the knowledge-base editor: the list, and a form
 * to add, edit or delete one. Agents insert them from the composer (`/` or the "Canned replies" button).
 */
export class BatonConsoleCanned extends LitElement {
  static override styles = [
    baseStyles,
    pageStyles,
    css`
      :host {
        height: auto;
        overflow: visible;
        background: none;
      }
      .layout {
        display: grid;
        grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
        gap: 1rem;
        align-items: start;
      }
      @media (max-width: 56rem) {
        .layout {
          grid-template-columns: minmax(0, 1fr);
        }
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 0.5rem;
      }
      li {
        display: grid;
        grid-template-columns: minmax(0, 1fr) auto;
        gap: 0.15rem 0.75rem;
        padding: 0.5rem 0;
        border-bottom: 1px solid var(--bc-border);
      }
      li:last-child {
        border-bottom: none;
      }
      li[aria-current='true'] {
        background: var(--bc-accent-soft);
        border-radius: 6px;
        padding-inline: 0.5rem;
      }
      .shortcut {
        font:
          600 0.88rem ui-monospace,
          monospace;
        margin-right: 0.4rem;
      }
      .preview {
        grid-column: 1;
        font-size: 0.85rem;
        overflow-wrap: anywhere;
      }
      .row-actions {
        grid-row: 1 / span 2;
        grid-column: 2;
        display: flex;
        gap: 0.35rem;
        align-items: start;
      }
      form {
        display: flex;
        flex-direction: column;
        gap: 0.6rem;
      }
      label.field input,
      label.field textarea {
        font-weight: normal;
      }
      textarea {
        min-height: 9rem;
        resize: vertical;
      }
      .actions {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        flex-wrap: wrap;
      }
      .ok {
        color: var(--bc-ok);
        margin: 0;
      }
      .error {
        margin: 0;
      }
    `,
  ];

  static override properties = {
    api: { attribute: false },
    _replies: { state: true },
    _editing: { state: true },
    _form: { state: true },
    _busy: { state: true },
    _status: { state: true },
    _error: { state: true },
  };

  /** The agent API client (set by the knowledge-base page). */
  declare api: AgentApi | undefined;
  declare _replies: readonly CannedReply[];
  /** The reply being edited; undefined while adding one. */
  declare _editing: CannedReply | undefined;
  declare _form: CannedReplyInput;
  declare _busy: boolean;
  declare _status: string;
  declare _error: string;

  constructor() {
    super();
    this._replies = [];
    this._form = EMPTY;
    this._busy = false;
    this._status = '';
    this._error = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#load();
  }

  async #load(): Promise<void> {
    if (!this.api) return;
    try {
      this._replies = await this.api.cannedReplies();
    } catch (error) {
      this._error = (error as Error).message;
    }
  }

  async #act(task: () => Promise<string>): Promise<void> {
    this._busy = true;
    this._error = '';
    this._status = '';
    try {
      this._status = await task();
      await this.#load();
    } catch (error) {
      this._error = (error as Error).message;
    } finally {
      this._busy = false;
    }
  }

  #edit(reply: CannedReply | undefined): void {
    this._editing = reply;
    this._form = reply ? { shortcut: reply.shortcut, title: reply.title, body: reply.body } : EMPTY;
    this._status = '';
    this._error = '';
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLInputElement>('#cr-shortcut')?.focus(),
    );
  }

  #save(e: SubmitEvent): void {
    e.preventDefault();
    const editing = this._editing;
    const input = this._form;
    void this.#act(async () => {
      const saved = editing
        ? await this.api!.updateCannedReply(editing.id, input)
        : await this.api!.createCannedReply(input);
      this._editing = undefined;
      this._form = EMPTY;
      return `${editing ? 'Saved' : 'Added'} ${saved.shortcut}. Agents can insert it now.`;
    });
  }

  #delete(reply: CannedReply): void {
    void this.#act(async () => {
      await this.api!.deleteCannedReply(reply.id);
      if (this._editing?.id === reply.id) this.#edit(undefined);
      return `Deleted ${reply.shortcut}.`;
    });
  }

  #field(name: keyof CannedReplyInput) {
    return (e: Event) => {
      this._form = { ...this._form, [name]: (e.target as HTMLInputElement | HTMLTextAreaElement).value };
    };
  }

  protected override render(): TemplateResult {
    const editing = this._editing;
    return html`<section class="card" aria-labelledby="canned-title">
      <div class="page-head">
        <h2 id="canned-title">Canned replies</h2>
        <p class="ok" role="status">${this._status}</p>
      </div>
      <p class="muted small">
        Saved answers for the whole team. In a conversation, agents type <kbd>/</kbd> and the shortcut, or use
        the “Canned replies” button; the reply goes into the composer to edit, never straight to the customer.
      </p>
      ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
      <div class="layout">
        ${
          this._replies.length
            ? html`<ul aria-label="Canned replies">
                ${this._replies.map(
                  (r) =>
                    html`<li aria-current=${editing?.id === r.id ? 'true' : 'false'}>
                      <span><span class="shortcut">${r.shortcut}</span>${r.title}</span>
                      <span class="preview muted">${r.body.replace(/\s+/g, ' ').slice(0, 160)}</span>
                      <span class="row-actions">
                        <button type="button" aria-label="Edit ${r.shortcut}" @click=${() => this.#edit(r)}>
                          Edit
                        </button>
                        <button
                          type="button"
                          class="danger"
                          aria-label="Delete ${r.shortcut}"
                          ?disabled=${this._busy}
                          @click=${() => this.#delete(r)}
                        >
                          Delete
                        </button>
                      </span>
                    </li>`,
                )}
              </ul>`
            : html`<p class="muted">No canned replies yet: add the first one.</p>`
        }
        <form @submit=${this.#save} aria-labelledby="canned-form-title">
          <h3 id="canned-form-title">${editing ? `Edit ${editing.shortcut}` : 'New canned reply'}</h3>
          <label class="field"
            >Shortcut
            <input
              id="cr-shortcut"
              required
              maxlength="33"
              placeholder="/refund"
              autocomplete="off"
              .value=${this._form.shortcut}
              @input=${this.#field('shortcut')}
          /></label>
          <label class="field"
            >Title <input required maxlength="80" .value=${this._form.title} @input=${this.#field('title')}
          /></label>
          <label class="field"
            >Reply (markdown)
            <textarea
              required
              maxlength="4000"
              aria-describedby="cr-help"
              .value=${this._form.body}
              @input=${this.#field('body')}
            ></textarea>
          </label>
          <p id="cr-help" class="muted small">
            <code>{{customer.name}}</code>, <code>{{customer.firstName}}</code> and
            <code>{{agent.name}}</code>
            are filled in when an agent inserts the reply.
          </p>
          <div class="actions">
            <button class="primary" type="submit" ?disabled=${this._busy}>
              ${editing ? 'Save' : 'Add reply'}
            </button>
            ${editing ? html`<button type="button" @click=${() => this.#edit(undefined)}>Cancel</button>` : nothing}
          </div>
        </form>
      </div>
    </section>`;
  }
}
