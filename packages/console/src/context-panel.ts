import { html, nothing, svg, type TemplateResult } from 'lit';
import type { ContextPackage } from '@baton-chat/protocol';
import { markdown } from '@baton-chat/widget/markdown';
import { reasonLabel } from './queue.js';
import type { ConversationDetail } from '@baton-chat/protocol/agent';

const CHART_W = 120;
const CHART_H = 36;

/** Points of the sentiment polyline: scores from -1 to 1, oldest first, spread over the chart's width. */
export function sentimentPoints(history: readonly number[], width = CHART_W, height = CHART_H): string {
  if (history.length === 0) return '';
  const step = history.length > 1 ? width / (history.length - 1) : 0;
  return history
    .map((score, i) => {
      const clamped = Math.max(-1, Math.min(1, score));
      const x = history.length > 1 ? i * step : width / 2;
      const y = ((1 - clamped) / 2) * (height - 4) + 2;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}

function sentimentChart(sentiment: ContextPackage['ai']['sentiment']): TemplateResult {
  const label = `Sentiment ${sentiment.trend}, now ${sentiment.current.toFixed(2)} on a scale from -1 to 1; history ${sentiment.history
    .map((s) => s.toFixed(2))
    .join(', ')}`;
  const points = sentimentPoints(sentiment.history);
  const last = points.split(' ').at(-1)?.split(',');
  return html`<svg
    class="chart"
    role="img"
    aria-label=${label}
    viewBox="0 0 ${CHART_W} ${CHART_H}"
    width=${CHART_W}
    height=${CHART_H}
  >
    ${svg`<line x1="0" x2=${CHART_W} y1=${CHART_H / 2} y2=${CHART_H / 2} class="zero"></line>
    <polyline points=${points} class="trend ${sentiment.trend}"></polyline>
    ${last ? svg`<circle cx=${last[0]} cy=${last[1]} r="3" class="dot ${sentiment.trend}"></circle>` : nothing}`}
  </svg>`;
}

const percent = (n: number) => `${Math.round(n * 100)}%`;

function attributes(
  attrs: Record<string, string | number | boolean> | undefined,
): TemplateResult | typeof nothing {
  const entries = Object.entries(attrs ?? {});
  if (entries.length === 0) return nothing;
  return html`<dl class="pairs">
    ${entries.map(
      ([k, v]) =>
        html`<dt>${k}</dt>
          <dd>${String(v)}</dd>`,
    )}
  </dl>`;
}

/**
 * The side panel beside a transcript: the machine-made analysis of the context package (summary,
 * intents, sentiment chart, entities, the unanswered question, the AI draft), then `between` (the
 * console puts knowledge-base search there), the customer (verified badge, attributes), page and
 * device, and earlier conversations. Everything under "AI" is labelled as
 * machine-generated. Texts are bound as text, except the AI draft, which is rendered like an agent's
 * message (the widget's markdown module) because that is how the customer would see it.
 */
export function renderContextPanel(
  detail: ConversationDetail,
  onInsertDraft: (text: string) => void,
  canWrite: boolean,
  between: unknown = nothing,
): TemplateResult {
  const context = detail.context ?? undefined;
  const user = detail.conversation.user;
  const session = context?.session ?? detail.conversation.session ?? {};
  const name = context?.customer.name ?? user.name;
  const verified = context?.customer.verified ?? user.verified;
  const email = context?.customer.email ?? user.email;
  return html`
    ${
      context
        ? html`<section aria-labelledby="cx-ai" class="ai">
            <h2 id="cx-ai">AI analysis <span class="badge ai">Machine-generated</span></h2>
            <p class="muted small">Written by software, not a person: check it before you rely on it.</p>
            <p class="muted small">
              Reason: ${reasonLabel(context.reason)} · priority ${context.routing.priority}
            </p>
            ${
              context.ai.summary
                ? html`<h3>Summary</h3>
                    <p>${context.ai.summary}</p>`
                : nothing
            }
            ${
              context.ai.unansweredQuestion
                ? html`<h3>Question the bot could not answer</h3>
                    <blockquote>${context.ai.unansweredQuestion}</blockquote>`
                : nothing
            }
            ${
              context.ai.intents.length
                ? html`<h3>Intents</h3>
                    <ul class="intents">
                      ${context.ai.intents.map(
                        (i) =>
                          html`<li>
                            <span>${i.name}</span> <span class="muted">${percent(i.confidence)}</span>
                          </li>`,
                      )}
                    </ul>`
                : nothing
            }
            <h3>Sentiment</h3>
            <div class="sentiment">
              ${context.ai.sentiment.history.length ? sentimentChart(context.ai.sentiment) : nothing}
              <span class="trend-label ${context.ai.sentiment.trend}"
                >${context.ai.sentiment.trend} (${context.ai.sentiment.current.toFixed(2)})</span
              >
            </div>
            ${
              context.ai.entities.length
                ? html`<h3>Entities</h3>
                    <dl class="pairs">
                      ${context.ai.entities.map(
                        (e) =>
                          html`<dt>${e.type.replace(/_/g, ' ')}</dt>
                            <dd>${e.value}</dd>`,
                      )}
                    </dl>`
                : nothing
            }
            ${
              context.ai.suggestedReply
                ? html`<h3>AI draft reply</h3>
                    <div class="draft md">${markdown(context.ai.suggestedReply, true)}</div>
                    <button
                      type="button"
                      ?disabled=${!canWrite}
                      @click=${() => onInsertDraft(context.ai.suggestedReply ?? '')}
                    >
                      Insert AI draft
                    </button>
                    <p class="muted small">
                      The draft goes into the composer; nothing is sent until you send it.
                    </p>`
                : nothing
            }
          </section>`
        : html`<section aria-labelledby="cx-ai">
            <h2 id="cx-ai">AI analysis</h2>
            <p class="muted">No context package for this conversation.</p>
          </section>`
    }
    ${between}
    <section aria-labelledby="cx-customer">
      <h2 id="cx-customer">Customer</h2>
      <p class="who">
        <strong>${name ?? 'Anonymous visitor'}</strong>
        ${
          verified
            ? html`<span class="badge ok" title="Identity verified by the site">Verified</span>`
            : html`<span class="badge">Not verified</span>`
        }
      </p>
      ${email ? html`<p class="muted">${email}</p>` : nothing}
      ${attributes(context?.customer.attributes ?? user.attributes)}
      ${
        session.pageUrl || session.userAgent || session.locale
          ? html`<dl class="pairs">
              ${
                session.pageTitle || session.pageUrl
                  ? html`<dt>Page</dt>
                      <dd class="wrap">
                        ${session.pageTitle ?? ''}
                        ${session.pageUrl ? html`<span class="muted small url">${session.pageUrl}</span>` : nothing}
                      </dd>`
                  : nothing
              }
              ${
                session.locale
                  ? html`<dt>Locale</dt>
                      <dd>${session.locale}</dd>`
                  : nothing
              }
              ${
                session.timezone
                  ? html`<dt>Time zone</dt>
                      <dd>${session.timezone}</dd>`
                  : nothing
              }
              ${
                session.userAgent
                  ? html`<dt>Device</dt>
                      <dd class="wrap">${session.userAgent}</dd>`
                  : nothing
              }
            </dl>`
          : nothing
      }
    </section>
    ${
      detail.earlier.length
        ? html`<section aria-labelledby="cx-earlier">
            <h2 id="cx-earlier">Earlier conversations</h2>
            <ul class="earlier">
              ${detail.earlier.map(
                (e) =>
                  html`<li>
                    <span class="muted">${new Date(e.createdAt).toLocaleDateString()}</span>
                    ${e.firstMessage || '(no message)'}
                    ${e.handoffOutcome ? html`<span class="badge">${e.handoffOutcome.replace(/_/g, ' ')}</span>` : nothing}
                  </li>`,
              )}
            </ul>
          </section>`
        : nothing
    }
  `;
}
