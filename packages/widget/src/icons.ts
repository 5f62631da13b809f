import { svg } from 'lit';
import type { SVGTemplateResult } from 'lit';

// Decorative 24x24 stroke icons; every one is aria-hidden, the button around it carries the name.
const icon = (body: SVGTemplateResult): SVGTemplateResult =>
  svg`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">${body}</svg>`;

/** Speech bubble (launcher). */
export const chatIcon = icon(
  svg`<path d="M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12z"/><path d="M8.5 12h.01M12 12h.01M15.5 12h.01"/>`,
);
/** Close (x). */
export const closeIcon = icon(svg`<path d="M6 6l12 12M18 6L6 18"/>`);
/** Chevron down (launcher while open). */
export const chevronIcon = icon(svg`<path d="M6 9l6 6 6-6"/>`);
/** Paper plane (send). */
export const sendIcon = icon(svg`<path d="M5 12h13M12 5l7 7-7 7"/>`);
/** Filled square (stop). */
export const stopIcon = svg`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><rect x="5" y="5" width="14" height="14" rx="2" fill="currentColor"/></svg>`;
/** Person (talk to a person). */
export const personIcon = icon(svg`<circle cx="12" cy="8" r="4"/><path d="M4 21a8 8 0 0 1 16 0"/>`);
/** Sparkle (the bot). */
export const botIcon = icon(
  svg`<path d="M12 3l1.9 5.1L19 10l-5.1 1.9L12 17l-1.9-5.1L5 10l5.1-1.9z"/><path d="M19 16l.8 2.2L22 19l-2.2.8L19 22l-.8-2.2L16 19l2.2-.8z"/>`,
);
/** Thumb up. */
export const thumbUpIcon = icon(
  svg`<path d="M7 10v11H4V10zM7 10l4-7a2 2 0 0 1 2 2v4h5.5a2 2 0 0 1 2 2.3l-1.3 8A2 2 0 0 1 17.2 21H7"/>`,
);
/** Thumb down. */
export const thumbDownIcon = icon(
  svg`<path d="M17 14V3h3v11zM17 14l-4 7a2 2 0 0 1-2-2v-4H5.5a2 2 0 0 1-2-2.3l1.3-8A2 2 0 0 1 6.8 3H17"/>`,
);
