import { css } from 'lit';

// Colours are chosen for WCAG AA (4.5:1 for text, 3:1 for borders of controls) in both schemes.
/** Design tokens and base rules shared by every console element. */
export const baseStyles = css`
  :host {
    --bc-bg: #f3f4f6;
    --bc-surface: #ffffff;
    --bc-surface-2: #eef1f4;
    --bc-text: #1b1f24;
    --bc-muted: #545d68;
    --bc-border: #c9d1d9;
    --bc-control-border: #6e7781;
    --bc-accent: #0b57d0;
    --bc-accent-text: #ffffff;
    --bc-accent-soft: #e3ecfb;
    --bc-bot-soft: #f1ecfa;
    --bc-danger: #b3261e;
    --bc-danger-soft: #fbe9e7;
    --bc-ok: #1a7f37;
    --bc-warn-soft: #fff4d6;
    --bc-warn-text: #6b4a00;
    --bc-focus: #0b57d0;
    --bc-radius: 8px;
    color-scheme: light dark;
    color: var(--bc-text);
    font:
      15px/1.45 system-ui,
      -apple-system,
      'Segoe UI',
      Roboto,
      sans-serif;
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --bc-bg: #0d1117;
      --bc-surface: #161b22;
      --bc-surface-2: #21262d;
      --bc-text: #e6edf3;
      --bc-muted: #a2acb7;
      --bc-border: #30363d;
      --bc-control-border: #8b949e;
      --bc-accent: #8ab4f8;
      --bc-accent-text: #0d1117;
      --bc-accent-soft: #1d2b44;
      --bc-bot-soft: #2a2140;
      --bc-danger: #ffb4ab;
      --bc-danger-soft: #3b1d1a;
      --bc-ok: #7ee2a8;
      --bc-warn-soft: #3a2e0b;
      --bc-warn-text: #ffdf8a;
      --bc-focus: #8ab4f8;
    }
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  :focus-visible {
    outline: 3px solid var(--bc-focus);
    outline-offset: 2px;
  }
  h1,
  h2,
  h3 {
    margin: 0;
    line-height: 1.25;
  }
  h2 {
    font-size: 1rem;
  }
  h3 {
    font-size: 0.9rem;
  }
  button,
  input,
  select,
  textarea {
    font: inherit;
    color: inherit;
  }
  button {
    cursor: pointer;
    border: 1px solid var(--bc-control-border);
    background: var(--bc-surface);
    border-radius: 6px;
    padding: 0.35rem 0.8rem;
    min-height: 2.25rem;
  }
  button:hover {
    background: var(--bc-surface-2);
  }
  button.primary {
    background: var(--bc-accent);
    border-color: var(--bc-accent);
    color: var(--bc-accent-text);
    font-weight: 600;
  }
  button.primary:hover {
    filter: brightness(1.08);
  }
  button.danger {
    color: var(--bc-danger);
  }
  button.link {
    border: none;
    background: none;
    padding: 0.1rem 0.2rem;
    min-height: 0;
    color: var(--bc-accent);
    text-decoration: underline;
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.6;
  }
  input,
  select,
  textarea {
    background: var(--bc-surface);
    border: 1px solid var(--bc-control-border);
    border-radius: 6px;
    padding: 0.4rem 0.55rem;
    min-height: 2.25rem;
  }
  a {
    color: var(--bc-accent);
  }
  .muted {
    color: var(--bc-muted);
  }
  .badge {
    display: inline-block;
    border-radius: 999px;
    padding: 0 0.5rem;
    font-size: 0.78rem;
    line-height: 1.4rem;
    background: var(--bc-surface-2);
    color: var(--bc-text);
    white-space: nowrap;
  }
  .badge.urgent {
    background: var(--bc-danger-soft);
    color: var(--bc-danger);
    font-weight: 600;
  }
  .badge.ai {
    background: var(--bc-warn-soft);
    color: var(--bc-warn-text);
    font-weight: 600;
  }
  .badge.ok {
    color: var(--bc-ok);
    border: 1px solid currentColor;
    background: transparent;
  }
  .error {
    color: var(--bc-danger);
    background: var(--bc-danger-soft);
    border-radius: 6px;
    padding: 0.4rem 0.6rem;
    margin: 0.5rem 0;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  kbd {
    font:
      0.8em ui-monospace,
      monospace;
    border: 1px solid var(--bc-border);
    border-radius: 4px;
    padding: 0 0.3em;
  }
`;

/**
 * Rules for text rendered by the widget's markdown module (bot and agent messages, the AI draft), close
 * to how the widget shows the same text to the customer.
 */
export const markdownStyles = css`
  .md > :first-child {
    margin-top: 0;
  }
  .md > :last-child {
    margin-bottom: 0;
  }
  .md :is(p, ul, ol, pre, blockquote, table) {
    margin: 0 0 0.6em;
  }
  .md :is(ul, ol) {
    padding-inline-start: 1.3em;
  }
  .md :is(h1, h2, h3, h4, h5, h6) {
    font-size: 1em;
    margin: 0.4em 0 0.3em;
  }
  .md a {
    text-underline-offset: 2px;
  }
  .md code {
    font:
      0.88em ui-monospace,
      monospace;
    background: var(--bc-surface-2);
    border-radius: 4px;
    padding: 0.1em 0.3em;
  }
  .md pre {
    overflow-x: auto;
    padding: 0.5rem 0.6rem;
    background: var(--bc-surface-2);
    border-radius: 6px;
  }
  .md pre code {
    background: none;
    padding: 0;
  }
  .md blockquote {
    padding-inline-start: 0.6rem;
    border-inline-start: 3px solid var(--bc-border);
    color: var(--bc-muted);
  }
  .md table {
    display: block;
    overflow-x: auto;
    border-collapse: collapse;
  }
  .md :is(th, td) {
    border: 1px solid var(--bc-border);
    padding: 0.2rem 0.45rem;
  }
`;
