import { css } from 'lit';

// Dark values, used by theme="dark" and by theme="auto" under prefers-color-scheme: dark.
const dark = css`
  --baton-bg: #16181d;
  --baton-surface: #20242b;
  --baton-fg: #e9ebef;
  --baton-muted: #a3aab6;
  --baton-border: #343942;
  --baton-accent: #8b9dff;
  --baton-accent-fg: #0d1226;
  --baton-header-bg: #20242b;
  --baton-header-fg: #e9ebef;
  --baton-bot-bg: #262b33;
  --baton-agent-bg: #15382a;
  --baton-agent-accent: #7fd6a3;
  --baton-danger: #ff8f8f;
  --baton-banner-bg: #3d2e12;
  --baton-banner-fg: #ffd9a0;
  --baton-code-bg: rgb(255 255 255 / 8%);
  color-scheme: dark;
`;

/** The widget's stylesheet; every value comes from a `--baton-*` custom property with a default on :host. */
export const styles = css`
  :host {
    --baton-font: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
    --baton-font-size: 15px;
    --baton-bg: #ffffff;
    --baton-surface: #f5f6f8;
    --baton-fg: #1c2230;
    --baton-muted: #5b6372;
    --baton-border: #e1e4ea;
    --baton-accent: #3451d1;
    --baton-accent-fg: #ffffff;
    --baton-header-bg: var(--baton-accent);
    --baton-header-fg: var(--baton-accent-fg);
    --baton-user-bg: var(--baton-accent);
    --baton-user-fg: var(--baton-accent-fg);
    --baton-bot-bg: #f0f2f5;
    --baton-agent-bg: #e5f4ec;
    --baton-agent-accent: #17693c;
    --baton-danger: #b42318;
    --baton-banner-bg: #fff4e0;
    --baton-banner-fg: #7a4100;
    --baton-code-bg: rgb(0 0 0 / 6%);
    --baton-radius: 16px;
    --baton-panel-width: 380px;
    --baton-panel-height: 640px;
    --baton-offset: 20px;
    --baton-launcher-size: 56px;
    --baton-shadow: 0 16px 48px rgb(16 24 40 / 22%), 0 2px 6px rgb(16 24 40 / 10%);
    --baton-z-index: 2147483000;
    color-scheme: light;
    font-family: var(--baton-font);
    font-size: var(--baton-font-size);
    line-height: 1.45;
    color: var(--baton-fg);
  }
  :host([theme='dark']) {
    ${dark}
  }
  @media (prefers-color-scheme: dark) {
    :host([theme='auto']) {
      ${dark}
    }
  }
  :host([mode='inline']) {
    display: block;
    height: 100%;
    min-height: 360px;
  }
  [hidden] {
    display: none !important;
  }
  * {
    box-sizing: border-box;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
    border: 0;
  }
  button {
    font: inherit;
    color: inherit;
    cursor: pointer;
    min-height: 24px;
    min-width: 24px;
  }
  :focus-visible {
    outline: 2px solid var(--baton-accent);
    outline-offset: 2px;
  }
  svg {
    width: 20px;
    height: 20px;
    flex: none;
  }

  /* Launcher */
  .launcher {
    position: fixed;
    inset-block-end: calc(var(--baton-offset) + env(safe-area-inset-bottom, 0px));
    right: var(--baton-offset);
    z-index: var(--baton-z-index);
    width: var(--baton-launcher-size);
    height: var(--baton-launcher-size);
    border: none;
    border-radius: 50%;
    background: var(--baton-accent);
    color: var(--baton-accent-fg);
    box-shadow: var(--baton-shadow);
    display: grid;
    place-items: center;
    transition: transform 0.15s ease;
  }
  .launcher:hover {
    transform: scale(1.05);
  }
  .launcher svg {
    width: 26px;
    height: 26px;
  }
  /* position is physical: the page chose a side, in any writing direction. */
  :host([position='left']) .launcher,
  :host([position='left']) .panel.floating {
    right: auto;
    left: var(--baton-offset);
  }
  .badge {
    position: absolute;
    inset-block-start: -2px;
    inset-inline-end: -2px;
    min-width: 22px;
    height: 22px;
    padding: 0 6px;
    border-radius: 11px;
    background: #c4320a;
    color: #fff;
    font-size: 12px;
    font-weight: 700;
    line-height: 22px;
    border: 2px solid var(--baton-bg);
  }

  /* Panel */
  .panel {
    display: flex;
    flex-direction: column;
    background: var(--baton-bg);
    color: var(--baton-fg);
    overflow: hidden;
  }
  .panel.floating {
    position: fixed;
    z-index: var(--baton-z-index);
    inset-block-end: calc(var(--baton-offset) + var(--baton-launcher-size) + 16px);
    right: var(--baton-offset);
    width: min(var(--baton-panel-width), calc(100vw - 2 * var(--baton-offset)));
    height: min(
      var(--baton-panel-height),
      calc(100dvh - var(--baton-launcher-size) - 3 * var(--baton-offset))
    );
    border-radius: var(--baton-radius);
    box-shadow: var(--baton-shadow);
    border: 1px solid var(--baton-border);
    animation: baton-in 0.18s ease-out;
  }
  .panel.inline {
    height: 100%;
    border: 1px solid var(--baton-border);
    border-radius: var(--baton-radius);
  }
  @keyframes baton-in {
    from {
      opacity: 0;
      transform: translateY(12px) scale(0.98);
    }
  }
  @media (max-width: 639.98px) {
    /* Full screen, following the visual viewport (set from script) so the keyboard never covers the composer. */
    :host([mode]) .panel.floating {
      inset: var(--vvt, 0) 0 auto;
      width: 100%;
      height: var(--vvh, 100dvh);
      border-radius: 0;
      border: none;
      padding: 0 env(safe-area-inset-right) env(safe-area-inset-bottom) env(safe-area-inset-left);
    }
    .launcher.is-open {
      display: none;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .panel.floating,
    .launcher,
    .streaming .md *::after,
    .dots span {
      animation: none !important;
      transition: none !important;
    }
  }

  /* Header: avatar, then title and close on the first row, state (wrapping) and handoff on the second. */
  header {
    display: grid;
    grid-template-columns: auto minmax(0, 1fr) auto;
    grid-template-areas:
      'avatar title close'
      'avatar state handoff';
    row-gap: 2px;
    align-items: center;
    column-gap: 8px;
    padding-block: 10px;
    padding-inline: 14px 8px;
    padding-block-start: max(10px, env(safe-area-inset-top));
    background: var(--baton-header-bg);
    color: var(--baton-header-fg);
  }
  header > .avatar {
    grid-area: avatar;
    align-self: start;
    margin-block-start: 2px;
  }
  .titles {
    display: contents;
  }
  .titles > slot,
  h2 {
    grid-area: title;
    min-width: 0;
  }
  h2 {
    margin: 0;
    font-size: 16px;
    font-weight: 650;
    line-height: 1.25;
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .state {
    grid-area: state;
    margin: 2px 0 0;
    font-size: 13px;
    opacity: 0.92;
  }
  header > [part='handoff-button'] {
    grid-area: handoff;
  }
  header > [part='close-button'] {
    grid-area: close;
    justify-self: end;
  }
  .avatar {
    flex: none;
    width: 36px;
    height: 36px;
    border-radius: 50%;
    display: grid;
    place-items: center;
    font-size: 14px;
    font-weight: 700;
    background: rgb(0 0 0 / 20%);
    color: inherit;
  }
  .avatar.small {
    width: 28px;
    height: 28px;
    font-size: 12px;
    background: var(--baton-surface);
    color: var(--baton-accent);
    border: 1px solid var(--baton-border);
  }
  .avatar.small svg {
    width: 16px;
    height: 16px;
  }
  .avatar.agent {
    background: var(--baton-agent-bg);
    color: var(--baton-agent-accent);
  }
  .header-button {
    flex: none;
    border: 1px solid currentColor;
    background: transparent;
    border-radius: 999px;
    padding: 4px 10px;
    font-size: 13px;
    font-weight: 600;
    display: inline-flex;
    align-items: center;
    gap: 4px;
    white-space: nowrap;
  }
  .header-button svg {
    width: 15px;
    height: 15px;
  }
  .header-button:hover,
  .icon-button:hover {
    background: rgb(255 255 255 / 14%);
  }
  .icon-button {
    flex: none;
    width: 32px;
    height: 32px;
    border: none;
    border-radius: 50%;
    background: transparent;
    display: grid;
    place-items: center;
  }

  /* Banners */
  .banner {
    padding: 8px 16px;
    font-size: 13px;
    background: var(--baton-banner-bg);
    color: var(--baton-banner-fg);
    border-block-end: 1px solid var(--baton-border);
  }

  /* Thread */
  .thread {
    flex: 1;
    overflow-y: auto;
    overscroll-behavior: contain;
    padding: 16px;
    display: flex;
    flex-direction: column;
  }
  .content {
    flex: 1 0 auto;
    display: flex;
    flex-direction: column;
    gap: 14px;
  }

  /* Handoff notices, leave-a-message form, survey */
  .card {
    margin: 0;
    padding: 12px 14px;
    border: 1px solid var(--baton-border);
    border-radius: 12px;
    background: var(--baton-surface);
    font-size: 14px;
    display: flex;
    flex-direction: column;
    gap: 10px;
  }
  .card p {
    margin: 0;
  }
  .card label {
    display: flex;
    flex-direction: column;
    gap: 4px;
    font-size: 13px;
    font-weight: 600;
  }
  .card input,
  .card textarea {
    font: 16px/1.35 var(--baton-font);
    padding: 8px 10px;
    border: 1px solid var(--baton-muted);
    border-radius: 8px;
    background: var(--baton-bg);
    color: var(--baton-fg);
    resize: vertical;
  }
  .card form {
    display: flex;
    flex-direction: column;
    gap: 10px;
  }
  .action {
    align-self: flex-start;
    border: none;
    border-radius: 999px;
    padding: 8px 16px;
    background: var(--baton-accent);
    color: var(--baton-accent-fg);
    font-weight: 600;
    text-decoration: none;
  }
  .scores {
    display: flex;
    gap: 6px;
  }
  .scores button {
    flex: 1;
    height: 40px;
    border: 1px solid var(--baton-accent);
    border-radius: 8px;
    background: var(--baton-bg);
    color: var(--baton-accent);
    font-weight: 700;
  }
  .scores button:hover {
    background: var(--baton-accent);
    color: var(--baton-accent-fg);
  }
  .ends {
    display: flex;
    justify-content: space-between;
    font-size: 12px;
    color: var(--baton-muted);
  }
  .empty {
    margin: auto 8px;
    text-align: center;
    color: var(--baton-muted);
  }
  .empty strong {
    display: block;
    color: var(--baton-fg);
    font-size: 17px;
    margin-block-end: 4px;
  }
  .msg {
    display: flex;
    gap: 8px;
    align-items: flex-start;
    max-width: 100%;
  }
  .msg .body {
    min-width: 0;
    max-width: 85%;
    display: flex;
    flex-direction: column;
    gap: 4px;
  }
  .msg.user {
    justify-content: flex-end;
  }
  .msg.user .body {
    align-items: flex-end;
  }
  .author {
    font-size: 12px;
    font-weight: 600;
    color: var(--baton-muted);
  }
  .msg.agent .author {
    color: var(--baton-agent-accent);
  }
  .bubble {
    padding: 9px 13px;
    border-radius: var(--baton-radius);
    background: var(--baton-bot-bg);
    overflow-wrap: anywhere;
    min-width: 0;
    max-width: 100%;
  }
  .msg.bot .bubble,
  .msg.agent .bubble {
    border-start-start-radius: 4px;
  }
  .msg.agent .bubble {
    background: var(--baton-agent-bg);
  }
  .msg.user .bubble {
    background: var(--baton-user-bg);
    color: var(--baton-user-fg);
    border-start-end-radius: 4px;
  }
  .plain {
    white-space: pre-wrap;
  }
  .msg.user.failed .bubble {
    background: transparent;
    color: var(--baton-fg);
    border: 1px dashed var(--baton-danger);
  }
  .msg.system {
    justify-content: center;
    text-align: center;
    font-size: 13px;
    color: var(--baton-muted);
  }
  .msg.system .body {
    max-width: 90%;
  }
  .retracted {
    font-style: italic;
    color: var(--baton-muted);
  }
  .meta {
    font-size: 12px;
    color: var(--baton-muted);
    display: flex;
    align-items: center;
    gap: 6px;
  }
  .meta.failed {
    color: var(--baton-danger);
  }
  .link-button {
    border: none;
    background: none;
    padding: 0 4px;
    color: var(--baton-accent);
    font-weight: 600;
    text-decoration: underline;
    font-size: 12px;
  }
  .streaming .md > :is(p, h1, h2, h3, h4, h5, h6):last-child::after,
  .streaming .md > :is(ul, ol):last-child > li:last-child::after {
    content: '';
    display: inline-block;
    width: 7px;
    height: 1em;
    margin-inline-start: 3px;
    vertical-align: -2px;
    background: currentColor;
    opacity: 0.6;
    animation: baton-blink 1s steps(2) infinite;
  }
  @keyframes baton-blink {
    50% {
      opacity: 0;
    }
  }
  .dots {
    display: inline-flex;
    gap: 4px;
    padding: 4px 0;
  }
  .dots span {
    width: 6px;
    height: 6px;
    border-radius: 50%;
    background: var(--baton-muted);
    animation: baton-bounce 1.2s infinite ease-in-out;
  }
  .dots span:nth-child(2) {
    animation-delay: 0.15s;
  }
  .dots span:nth-child(3) {
    animation-delay: 0.3s;
  }
  @keyframes baton-bounce {
    40% {
      transform: translateY(-4px);
    }
  }
  .progress {
    font-size: 13px;
    color: var(--baton-muted);
    display: flex;
    align-items: center;
    gap: 8px;
  }

  /* Markdown inside bubbles */
  .md > :first-child {
    margin-block-start: 0;
  }
  .md > :last-child {
    margin-block-end: 0;
  }
  .md p,
  .md ul,
  .md ol,
  .md pre,
  .md blockquote,
  .md table {
    margin: 0 0 0.6em;
  }
  .md ul,
  .md ol {
    padding-inline-start: 1.3em;
  }
  .md li + li {
    margin-block-start: 0.2em;
  }
  .md h1,
  .md h2,
  .md h3,
  .md h4,
  .md h5,
  .md h6 {
    font-size: 1em;
    font-weight: 700;
    margin: 0.4em 0 0.3em;
  }
  .md h1 {
    font-size: 1.15em;
  }
  .md a {
    color: var(--baton-accent);
    text-underline-offset: 2px;
  }
  .md code {
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-size: 0.88em;
    background: var(--baton-code-bg);
    padding: 0.1em 0.3em;
    border-radius: 4px;
  }
  .md pre {
    overflow-x: auto;
    padding: 8px 10px;
    background: var(--baton-code-bg);
    border-radius: 8px;
  }
  .md pre code {
    background: none;
    padding: 0;
  }
  .md blockquote {
    padding-inline-start: 10px;
    border-inline-start: 3px solid var(--baton-border);
    color: var(--baton-muted);
  }
  .md table {
    display: block;
    overflow-x: auto;
    border-collapse: collapse;
    font-size: 0.92em;
  }
  .md th,
  .md td {
    border: 1px solid var(--baton-border);
    padding: 4px 8px;
  }
  .md img {
    max-width: 100%;
    height: auto;
    border-radius: 8px;
  }
  .md hr {
    border: none;
    border-block-start: 1px solid var(--baton-border);
  }
  .overflow {
    white-space: pre-wrap;
  }

  /* Below bot answers */
  .citations {
    font-size: 12.5px;
    margin: 2px 0 0;
    padding: 0;
    list-style: none;
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
  }
  .citations a {
    display: inline-block;
    max-width: 220px;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    padding: 2px 8px;
    border-radius: 999px;
    border: 1px solid var(--baton-border);
    color: var(--baton-fg);
    text-decoration: none;
    vertical-align: middle;
  }
  .citations a:hover {
    border-color: var(--baton-accent);
  }
  .feedback {
    display: flex;
    gap: 2px;
    align-items: center;
  }
  .feedback button {
    width: 28px;
    height: 28px;
    border: none;
    border-radius: 6px;
    background: transparent;
    color: var(--baton-muted);
    display: grid;
    place-items: center;
  }
  .feedback button:hover {
    background: var(--baton-surface);
  }
  .feedback button[aria-pressed='true'] {
    color: var(--baton-accent);
  }
  .feedback svg {
    width: 16px;
    height: 16px;
  }
  .suggestions {
    display: flex;
    flex-wrap: wrap;
    justify-content: flex-end;
    gap: 6px;
  }
  .suggestion {
    border: 1px solid var(--baton-accent);
    background: var(--baton-bg);
    color: var(--baton-accent);
    border-radius: 999px;
    padding: 6px 12px;
    font-size: 13.5px;
    font-weight: 600;
  }
  .suggestion:hover {
    background: var(--baton-surface);
  }

  /* Composer */
  .stop-row {
    display: flex;
    justify-content: center;
    padding: 0 12px 8px;
  }
  .stop,
  .earlier {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    border: 1px solid var(--baton-border);
    background: var(--baton-bg);
    border-radius: 999px;
    padding: 6px 14px;
    font-size: 13px;
    font-weight: 600;
    box-shadow: 0 1px 3px rgb(16 24 40 / 10%);
  }
  .earlier {
    align-self: center;
    color: var(--baton-accent);
  }
  .stop svg {
    width: 14px;
    height: 14px;
  }
  .composer {
    display: flex;
    align-items: flex-end;
    gap: 8px;
    padding: 10px 12px 12px;
    border-block-start: 1px solid var(--baton-border);
    background: var(--baton-bg);
  }
  #input {
    flex: 1;
    min-width: 0;
    resize: none;
    field-sizing: content;
    min-height: 44px;
    max-height: 140px;
    padding: 11px 14px;
    border: 1px solid var(--baton-border);
    border-radius: 22px;
    background: var(--baton-surface);
    color: var(--baton-fg);
    /* 16px keeps mobile browsers from zooming on focus. */
    font: 16px/1.35 var(--baton-font);
  }
  #input::placeholder {
    color: var(--baton-muted);
  }
  #input:focus-visible {
    outline: 2px solid var(--baton-accent);
    outline-offset: 0;
    background: var(--baton-bg);
  }
  .send {
    flex: none;
    width: 44px;
    height: 44px;
    border: none;
    border-radius: 50%;
    background: var(--baton-accent);
    color: var(--baton-accent-fg);
    display: grid;
    place-items: center;
  }
  .send:disabled {
    background: var(--baton-surface);
    color: var(--baton-muted);
    cursor: default;
  }
  .send svg {
    width: 20px;
    height: 20px;
  }
  :dir(rtl) .send svg {
    transform: scaleX(-1);
  }

  @media (forced-colors: active) {
    .bubble,
    .launcher,
    .send,
    .suggestion,
    .stop,
    .earlier,
    .action,
    #input {
      border: 1px solid CanvasText;
    }
    .streaming .md *::after {
      background: CanvasText;
    }
  }
`;
