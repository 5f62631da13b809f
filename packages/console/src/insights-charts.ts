import { html, nothing, svg, type TemplateResult } from 'lit';
import { formatWait } from './queue.js';

/** Weekday names, Monday first (the heatmap's rows). */
export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** A day as `YYYY-MM-DD` in UTC, `days` after (or before) the given time. */
export function utcDay(ms: number, days = 0): string {
  return new Date(ms + days * 86_400_000).toISOString().slice(0, 10);
}

/** A duration in seconds as agents read it (`42 s`, `3 min`), or `–` when there is none. */
export function formatSeconds(seconds: number | null): string {
  return seconds === null ? '–' : formatWait(seconds * 1000);
}

/** A share as a whole percentage (`0 %` of nothing). */
export function percent(part: number, whole: number): string {
  return `${whole === 0 ? 0 : Math.round((part / whole) * 100)}\u00a0%`;
}

/** The heat level (0-4) of a count against the largest count: 0 only for none. */
export function heatLevel(value: number, max: number): number {
  return value <= 0 || max <= 0 ? 0 : Math.max(1, Math.ceil((value / max) * 4));
}

/** The busiest hour of a weekday x hour matrix, or undefined when it is all zero. */
export function busiestHour(
  grid: readonly (readonly number[])[],
): { day: number; hour: number; count: number } | undefined {
  let best: { day: number; hour: number; count: number } | undefined;
  grid.forEach((hours, day) =>
    hours.forEach((count, hour) => {
      if (count > (best?.count ?? 0)) best = { day, hour, count };
    }),
  );
  return best;
}

const hourLabel = (hour: number) => `${String(hour).padStart(2, '0')}:00`;

/**
 * Horizontal bars as a list: the label and the number are text (read in order by screen readers),
 * the bar is decoration drawn in SVG (`aria-hidden`), sized against the largest value.
 */
export function barList(rows: readonly { label: string; value: number }[], label: string): TemplateResult {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return html`<ul class="bars" aria-label=${label}>
    ${rows.map(
      (row) =>
        html`<li>
          <span class="bar-label">${row.label}</span>
          <svg
            class="bar"
            viewBox="0 0 100 12"
            preserveAspectRatio="none"
            aria-hidden="true"
            focusable="false"
          >
            <rect class="track" x="0" y="0" width="100" height="12" rx="2"></rect>
            ${
              row.value > 0
                ? svg`<rect class="fill" x="0" y="0" width=${Math.max(1.5, (row.value / max) * 100)} height="12" rx="2"></rect>`
                : nothing
            }
          </svg>
          <span class="bar-value">${row.value}</span>
        </li>`,
    )}
  </ul>`;
}

/** Resolution as one stacked bar (decoration) and a legend with the numbers. */
export function stackedBar(
  parts: readonly { key: string; label: string; value: number }[],
  label: string,
): TemplateResult {
  const total = parts.reduce((s, p) => s + p.value, 0);
  let x = 0;
  return html`<svg
      class="stack"
      viewBox="0 0 100 12"
      preserveAspectRatio="none"
      aria-hidden="true"
      focusable="false"
    >
      <rect class="track" x="0" y="0" width="100" height="12" rx="2"></rect>
      ${parts.map((p) => {
        if (total === 0 || p.value === 0) return nothing;
        const width = (p.value / total) * 100;
        const rect = svg`<rect class="seg ${p.key}" x=${x} y="0" width=${width} height="12"></rect>`;
        x += width;
        return rect;
      })}
    </svg>
    <ul class="legend" aria-label=${label}>
      ${parts.map(
        (p) =>
          html`<li>
            <svg class="swatch" viewBox="0 0 10 10" aria-hidden="true" focusable="false">
              <rect class="seg ${p.key}" width="10" height="10" rx="2"></rect>
            </svg>
            ${p.label}: <strong>${p.value}</strong> (${percent(p.value, total)})
          </li>`,
      )}
    </ul>`;
}

/**
 * The weekday x hour heatmap (UTC) in SVG, described by a summary for screen readers, followed by
 * the same numbers as a table in a disclosure.
 */
export function heatmap(grid: readonly (readonly number[])[], id: string): TemplateResult {
  const max = Math.max(0, ...grid.flat());
  const busiest = busiestHour(grid);
  const cell = 16;
  const left = 34;
  const top = 14;
  const summary = busiest
    ? `Conversations by weekday and hour (UTC); busiest ${WEEKDAYS[busiest.day]} at ${hourLabel(
        busiest.hour,
      )} with ${busiest.count}.`
    : 'Conversations by weekday and hour (UTC): none in this range.';
  return html`<svg
      class="heat"
      viewBox="0 0 ${left + 24 * cell} ${top + 7 * cell}"
      role="img"
      aria-labelledby="${id}-summary"
      focusable="false"
    >
      <title id="${id}-summary">${summary}</title>
      ${[0, 3, 6, 9, 12, 15, 18, 21].map(
        (h) => svg`<text class="axis" x=${left + h * cell + 1} y="10">${String(h).padStart(2, '0')}</text>`,
      )}
      ${grid.map(
        (
          hours,
          day,
        ) => svg`<text class="axis" x="0" y=${top + day * cell + 12}>${WEEKDAYS[day]!.slice(0, 3)}</text>
          ${hours.map(
            (count, hour) =>
              svg`<rect class="cell l${heatLevel(count, max)}" x=${left + hour * cell} y=${top + day * cell}
                width=${cell - 2} height=${cell - 2} rx="2"></rect>`,
          )}`,
      )}
    </svg>
    <p class="muted small">
      Fewer
      <span class="scale" aria-hidden="true"
        >${[0, 1, 2, 3, 4].map(
          (l) =>
            html`<svg viewBox="0 0 10 10" focusable="false">
              <rect class="cell l${l}" width="10" height="10" rx="2"></rect>
            </svg>`,
        )}</span
      >
      more conversations. Hours in UTC.
    </p>
    <details>
      <summary>Show the numbers as a table</summary>
      <div class="table-scroll" tabindex="0" role="region" aria-label="Conversations by weekday and hour">
        <table class="heat-table">
          <caption class="visually-hidden">
            Conversations started per weekday and hour (UTC)
          </caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              ${grid[0]?.map((_, h) => html`<th scope="col">${String(h).padStart(2, '0')}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${grid.map(
              (hours, day) =>
                html`<tr>
                  <th scope="row">${WEEKDAYS[day]}</th>
                  ${hours.map((n) => html`<td>${n}</td>`)}
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </details>`;
}
