import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import type { AgentApi } from './agent-api.js';
import { barList, formatSeconds, heatmap, percent, stackedBar, utcDay } from './insights-charts.js';
import { reasonLabel } from './queue.js';
import { baseStyles } from './styles.js';
import type { Agent, InsightsReport, QuestionGroup } from '@baton-chat/protocol/agent';

/** Detail of `baton-console-write-article`: the question an admin wants to answer with a new article. */
export interface ConsoleWriteArticleDetail {
  question: string;
}

const SIGNALS: Record<keyof QuestionGroup['signals'], string> = {
  low_confidence: 'low confidence',
  thumbs_down: 'thumbs down',
  escalation: 'before a handoff',
};

/** Shared look of the insights and knowledge-base pages. */
export const pageStyles = css`
  :host {
    display: block;
    height: 100%;
    overflow-y: auto;
    background: var(--bc-bg);
  }
  .page {
    max-width: 72rem;
    margin: 0 auto;
    padding: 1rem 1.25rem 2rem;
    display: flex;
    flex-direction: column;
    gap: 1rem;
  }
  .page-head {
    display: flex;
    flex-wrap: wrap;
    align-items: end;
    gap: 0.75rem 1rem;
  }
  .page-head h2 {
    font-size: 1.3rem;
    margin-right: auto;
  }
  .card {
    background: var(--bc-surface);
    border: 1px solid var(--bc-border);
    border-radius: 10px;
    padding: 1rem;
    min-width: 0;
  }
  .card h3 {
    font-size: 1rem;
    margin-bottom: 0.75rem;
  }
  label.field {
    display: flex;
    flex-direction: column;
    gap: 0.2rem;
    font-weight: 600;
    font-size: 0.9rem;
  }
  label.field input {
    font-weight: normal;
  }
  a.button {
    display: inline-flex;
    align-items: center;
    min-height: 2.25rem;
    padding: 0.35rem 0.8rem;
    border: 1px solid var(--bc-control-border);
    border-radius: 6px;
    color: var(--bc-text);
    text-decoration: none;
    background: var(--bc-surface);
  }
  a.button:hover {
    background: var(--bc-surface-2);
  }
  .small {
    font-size: 0.85rem;
  }
`;

/**
 * The insights page for the people who train the bot and run the team: a range of days, headline
 * numbers, escalation reasons, CSAT, resolution by bot and by people, the weekday x hour volume, and the
 * questions the bot did not answer well, grouped by similarity. Admins also get the JSON Lines export.
 * Charts are inline SVG drawn as decoration next to text (or with a table), so they need no script or
 * style attributes (strict CSP) and read well without sight.
 *
 * @event baton-console-write-article - an admin chose "Write an article" for a group; detail {@link ConsoleWriteArticleDetail}
 */
export class BatonConsoleInsights extends LitElement {
  static override styles = [
    baseStyles,
    pageStyles,
    css`
      .results {
        display: flex;
        flex-direction: column;
        gap: 1rem;
      }
      .results > p {
        margin: 0;
      }
      form.range {
        display: flex;
        flex-wrap: wrap;
        align-items: end;
        gap: 0.5rem 0.75rem;
      }
      .stats {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr));
        gap: 0.75rem;
        margin: 0;
      }
      .stats > div {
        background: var(--bc-surface);
        border: 1px solid var(--bc-border);
        border-radius: 10px;
        padding: 0.75rem 1rem;
      }
      .stats dt {
        font-size: 0.85rem;
        color: var(--bc-muted);
      }
      .stats dd {
        margin: 0.15rem 0 0;
        font-size: 1.5rem;
        font-weight: 700;
        line-height: 1.2;
      }
      .stats dd .sub {
        display: block;
        font-size: 0.82rem;
        font-weight: normal;
        color: var(--bc-muted);
      }
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr));
        gap: 1rem;
      }
      ul.bars,
      ul.legend,
      ol.groups {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      ul.bars li {
        display: grid;
        grid-template-columns: 9.5rem minmax(0, 1fr) 2.5rem;
        align-items: center;
        gap: 0.6rem;
        padding: 0.2rem 0;
      }
      .bar-value {
        text-align: right;
        font-variant-numeric: tabular-nums;
        font-weight: 600;
      }
      svg.bar,
      svg.stack {
        width: 100%;
        height: 0.8rem;
        display: block;
      }
      svg.stack {
        height: 1.1rem;
        margin-bottom: 0.6rem;
      }
      .track {
        fill: var(--bc-surface-2);
      }
      .fill,
      .seg.human {
        fill: var(--bc-accent);
      }
      .seg.bot {
        fill: var(--bc-ok);
      }
      .seg.progress {
        fill: var(--bc-muted);
      }
      .seg.unresolved {
        fill: var(--bc-danger);
      }
      ul.legend {
        display: flex;
        flex-wrap: wrap;
        gap: 0.3rem 1.1rem;
        font-size: 0.9rem;
      }
      ul.legend li {
        display: flex;
        align-items: center;
        gap: 0.35rem;
      }
      svg.swatch {
        width: 0.8rem;
        height: 0.8rem;
      }
      svg.heat {
        width: 100%;
        max-width: 44rem;
        display: block;
      }
      .axis {
        fill: var(--bc-muted);
        font-size: 9px;
      }
      .cell.l0 {
        fill: var(--bc-surface-2);
      }
      .cell.l1,
      .cell.l2,
      .cell.l3,
      .cell.l4 {
        fill: var(--bc-accent);
      }
      .cell.l1 {
        fill-opacity: 0.25;
      }
      .cell.l2 {
        fill-opacity: 0.5;
      }
      .cell.l3 {
        fill-opacity: 0.75;
      }
      .scale svg {
        width: 0.8rem;
        height: 0.8rem;
        vertical-align: -0.1rem;
        margin: 0 1px;
      }
      details summary {
        cursor: pointer;
        color: var(--bc-accent);
        width: fit-content;
      }
      .table-scroll {
        overflow-x: auto;
        margin-top: 0.5rem;
      }
      .heat-table {
        border-collapse: collapse;
        font-size: 0.8rem;
        font-variant-numeric: tabular-nums;
      }
      .heat-table th,
      .heat-table td {
        border: 1px solid var(--bc-border);
        padding: 0.15rem 0.3rem;
        text-align: right;
      }
      .heat-table th[scope='row'] {
        text-align: left;
      }
      ol.groups {
        display: flex;
        flex-direction: column;
        gap: 0.6rem;
      }
      ol.groups li {
        border: 1px solid var(--bc-border);
        border-radius: 8px;
        padding: 0.6rem 0.75rem;
        display: grid;
        grid-template-columns: 3.2rem minmax(0, 1fr);
        gap: 0.2rem 0.75rem;
      }
      ol.groups li > :not(.times) {
        grid-column: 2;
      }
      .times {
        grid-row: span 3;
        font-size: 1.25rem;
        font-weight: 700;
        text-align: center;
        align-self: start;
        background: var(--bc-accent-soft);
        border-radius: 6px;
        padding: 0.2rem 0;
      }
      .times span {
        display: block;
        font-size: 0.7rem;
        font-weight: normal;
        color: var(--bc-muted);
      }
      .question {
        margin: 0;
        font-weight: 600;
        overflow-wrap: anywhere;
      }
      .meta {
        display: flex;
        flex-wrap: wrap;
        gap: 0.3rem;
        align-items: center;
        font-size: 0.85rem;
      }
      .write {
        justify-self: start;
        font-size: 0.85rem;
      }
      .variants {
        margin: 0;
        font-size: 0.85rem;
        overflow-wrap: anywhere;
      }
      [aria-busy='true'] {
        opacity: 0.6;
      }
    `,
  ];

  static override properties = {
    api: { attribute: false },
    me: { attribute: false },
    _from: { state: true },
    _to: { state: true },
    _report: { state: true },
    _loading: { state: true },
    _error: { state: true },
  };

  /** The agent API client (set by the console app). */
  declare api: AgentApi | undefined;
  /** The signed-in agent; admins get the export link. */
  declare me: Agent | undefined;
  declare _from: string;
  declare _to: string;
  declare _report: InsightsReport | undefined;
  declare _loading: boolean;
  declare _error: string;

  constructor() {
    super();
    const now = Date.now();
    this._to = utcDay(now);
    this._from = utcDay(now, -6);
    this._loading = false;
    this._error = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  /** Loads the insights of the chosen range. */
  async load(): Promise<void> {
    if (!this.api) return;
    this._loading = true;
    this._error = '';
    try {
      this._report = await this.api.insights({ from: this._from, to: this._to });
    } catch (error) {
      this._error = (error as Error).message;
    } finally {
      this._loading = false;
    }
  }

  #submit(e: SubmitEvent): void {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    this._from = (form.elements.namedItem('from') as HTMLInputElement).value;
    this._to = (form.elements.namedItem('to') as HTMLInputElement).value;
    void this.load();
  }

  #write(question: string): void {
    this.dispatchEvent(
      new CustomEvent<ConsoleWriteArticleDetail>('baton-console-write-article', {
        detail: { question },
        bubbles: true,
        composed: true,
      }),
    );
  }

  #renderGroup(group: QuestionGroup): TemplateResult {
    const signals = (Object.keys(SIGNALS) as (keyof typeof SIGNALS)[]).filter((s) => group.signals[s] > 0);
    return html`<li>
      <span class="times">${group.count}<span>${group.count === 1 ? 'time' : 'times'}</span></span>
      <p class="question">${group.example}</p>
      <span class="meta">
        ${signals.map((s) => html`<span class="badge">${group.signals[s]} ${SIGNALS[s]}</span>`)}
        <span class="muted"
          >${
            group.confidence === null
              ? 'no bot confidence'
              : `bot confidence ${Math.round(group.confidence * 100)}\u00a0%`
          }</span
        >
      </span>
      ${
        group.variants.length
          ? html`<p class="variants muted">
              Also asked as: ${group.variants.map((v) => `“${v}”`).join(', ')}
            </p>`
          : nothing
      }
      ${
        this.me?.role === 'admin'
          ? html`<button
              type="button"
              class="link write"
              aria-label="Write an article that answers “${group.example}”"
              @click=${() => this.#write(group.example)}
            >
              Write an article
            </button>`
          : nothing
      }
    </li>`;
  }

  #renderReport(r: InsightsReport): TemplateResult {
    const res = r.resolution;
    const csatRows = [5, 4, 3, 2, 1].map((score) => ({
      label: `${score} ${'★'.repeat(score)}`,
      value: r.csat.distribution[score - 1] ?? 0,
    }));
    return html`<dl class="stats">
        <div>
          <dt>Conversations</dt>
          <dd>${r.conversations}</dd>
        </div>
        <div>
          <dt>Resolved by the bot</dt>
          <dd>
            ${percent(res.bot, res.total)}<span class="sub"
              >${res.bot} of ${res.total}; ${res.human} by people</span
            >
          </dd>
        </div>
        <div>
          <dt>CSAT</dt>
          <dd>
            ${r.csat.average === null ? '–' : `${r.csat.average.toFixed(1)} / 5`}<span class="sub"
              >${r.csat.count} ${r.csat.count === 1 ? 'rating' : 'ratings'}</span
            >
          </dd>
        </div>
        <div>
          <dt>First response by a person</dt>
          <dd>
            ${formatSeconds(r.firstResponse.p50)}<span class="sub"
              >median; 90th percentile ${formatSeconds(r.firstResponse.p90)} (${r.firstResponse.count})</span
            >
          </dd>
        </div>
        <div>
          <dt>Wait for a person</dt>
          <dd>
            ${formatSeconds(r.waitToHuman.p50)}<span class="sub"
              >median; 90th percentile ${formatSeconds(r.waitToHuman.p90)} (${r.waitToHuman.count})</span
            >
          </dd>
        </div>
      </dl>
      <div class="grid">
        <section class="card" aria-labelledby="reasons-title">
          <h3 id="reasons-title">Escalation reasons <span class="muted">(${r.escalations.total})</span></h3>
          ${
            r.escalations.reasons.length
              ? barList(
                  r.escalations.reasons.map((x) => ({ label: reasonLabel(x.reason), value: x.count })),
                  'Handoffs per reason',
                )
              : html`<p class="muted">No handoffs in this range.</p>`
          }
        </section>
        <section class="card" aria-labelledby="csat-title">
          <h3 id="csat-title">Customer satisfaction</h3>
          ${barList(csatRows, 'Ratings per score')}
        </section>
        <section class="card" aria-labelledby="resolution-title">
          <h3 id="resolution-title">Resolution</h3>
          ${stackedBar(
            [
              { key: 'bot', label: 'Bot', value: res.bot },
              { key: 'human', label: 'People', value: res.human },
              { key: 'progress', label: 'In progress', value: res.inProgress },
              { key: 'unresolved', label: 'Unresolved', value: res.unresolved },
            ],
            'Conversations by how they ended',
          )}
        </section>
      </div>
      <section class="card" aria-labelledby="volume-title">
        <h3 id="volume-title">Volume by weekday and hour</h3>
        ${heatmap(r.volume.byWeekdayHour, 'volume')}
      </section>
      <section class="card" aria-labelledby="unanswered-title">
        <h3 id="unanswered-title">
          Unanswered questions
          <span class="muted">(${r.unanswered.questions} in ${r.unanswered.groups.length} groups)</span>
        </h3>
        <p class="muted small">
          Customer questions the bot answered with low confidence, answers rated down, and the question before
          each handoff, grouped by shared words. Most frequent first.
        </p>
        ${
          r.unanswered.groups.length
            ? html`<ol class="groups">
                ${r.unanswered.groups.map((g) => this.#renderGroup(g))}
              </ol>`
            : html`<p class="muted">None in this range.</p>`
        }
      </section>`;
  }

  protected override render(): TemplateResult {
    const admin = this.me?.role === 'admin';
    return html`<div class="page">
      <div class="page-head">
        <h2 id="insights-title" tabindex="-1">Insights</h2>
        <form class="range" @submit=${this.#submit} aria-label="Date range (UTC)">
          <label class="field"
            >From
            <input
              id="from"
              name="from"
              type="date"
              required
              .value=${this._from}
              max=${this._to}
              @change=${(e: Event) => (this._from = (e.target as HTMLInputElement).value)}
          /></label>
          <label class="field"
            >To
            <input
              id="to"
              name="to"
              type="date"
              required
              .value=${this._to}
              min=${this._from}
              @change=${(e: Event) => (this._to = (e.target as HTMLInputElement).value)}
          /></label>
          <button class="primary" type="submit" ?disabled=${this._loading}>Show</button>
          ${
            admin && this.api
              ? html`<a class="button" href=${this.api.exportUrl({ from: this._from, to: this._to })} download
                  >Export JSONL</a
                >`
              : nothing
          }
        </form>
      </div>
      ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
      <p class="visually-hidden" role="status">
        ${this._loading ? 'Loading insights…' : this._report ? `Insights from ${this._report.range.from} to ${this._report.range.to}.` : ''}
      </p>
      <div class="results" aria-busy=${this._loading ? 'true' : 'false'}>
        ${
          this._report
            ? html`<p class="muted small">
                  ${this._report.range.from} to ${this._report.range.to} (UTC), as of
                  ${new Date(this._report.generatedAt).toLocaleTimeString()}.
                </p>
                ${this.#renderReport(this._report)}`
            : nothing
        }
      </div>
    </div>`;
  }
}
