// The one module that turns text into HTML (marked -> DOMPurify) and the only importer of `unsafeHTML`.
import DOMPurify from 'dompurify';
import type { Config, DOMPurify as Purifier } from 'dompurify';
import { Marked } from 'marked';
import type { Token, TokensList, Tokens } from 'marked';
import { nothing } from 'lit';
import { Directive, directive } from 'lit/directive.js';
import type { DirectiveResult } from 'lit/directive.js';
import { unsafeHTML } from 'lit/directives/unsafe-html.js';

/**
 * The longest text (UTF-16 code units) parsed as markdown: 8,000, twice the reference server's
 * 4,000-character message limit. The next `MARKDOWN_MAX_CHARS` characters are shown as plain
 * text and anything after them is cut with an ellipsis, so a pathological answer costs a bounded parse
 * (every marked redos input renders in well under 250 ms) and a bounded layout.
 */
export const MARKDOWN_MAX_CHARS = 8_000;

/**
 * The most lines parsed as markdown: 500. Lines after them are shown as plain text like the text after
 * `MARKDOWN_MAX_CHARS`: thousands of list items or nested levels cost layout time nobody reads.
 */
export const MARKDOWN_MAX_LINES = 500;

// Emphasis, strikethrough and code-span delimiters above which a text's inline markup is not parsed:
// marked's delimiter matching is quadratic on some sequences (`**_* ` repeated).
const MAX_INLINE_DELIMITERS = 1_000;
// Block quotes nested deeper than this are not parsed (marked recurses once per level).
const DEEP_QUOTE = /^(?:[ \t]*>){33}/m;

/** How bot and agent markdown is rendered. */
export interface MarkdownOptions {
  /**
   * Hosts whose `http(s)` images may load, as exact host names (`cdn.example.com`) or a leading
   * wildcard (`*.example.com`). Default: none, so an injected answer cannot leak data through an image
   * URL; other images are shown as links to their address.
   */
  imageHosts?: readonly string[];
}

/** The rendered form of one text: sanitized HTML of its blocks, and text beyond the parse cap. */
export interface RenderedMarkdown {
  /** Sanitized HTML, one string per top-level markdown block, in order. */
  readonly blocks: readonly string[];
  /** Text after `MARKDOWN_MAX_CHARS`, to be shown as plain text (empty when the text fits). */
  readonly overflow: string;
  /** How many characters this update parsed: the unfinished tail, not the whole text (for benchmarks). */
  readonly parsedChars: number;
}

const ALLOWED_TAGS = [
  'a',
  'b',
  'blockquote',
  'br',
  'code',
  'del',
  'em',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'i',
  'img',
  'kbd',
  'li',
  'ol',
  'p',
  'pre',
  's',
  'strong',
  'sub',
  'sup',
  'table',
  'tbody',
  'td',
  'th',
  'thead',
  'tr',
  'ul',
];
// No `style` (CSS url() fetches), `srcset`, `class` or `id` (spoofing the widget's own UI, clobbering).
const ALLOWED_ATTR = ['href', 'src', 'alt', 'title', 'start', 'align'];

let purifier: Purifier | undefined;
let activeImageHosts: readonly string[] = [];

const hostAllowed = (host: string, patterns: readonly string[]): boolean =>
  patterns.some((p) => {
    const pattern = p.toLowerCase();
    return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern;
  });

/** The absolute http(s) URL in `value`, or undefined (relative, other schemes, unparsable). */
const httpUrl = (value: string): URL | undefined => {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
};

const secureLink = (a: Element): void => {
  a.setAttribute('target', '_blank');
  a.setAttribute('rel', 'noopener noreferrer');
};

// Created on first use: no DOM work at import, and hooks stay off the page's shared DOMPurify instance.
const getPurifier = (): Purifier => {
  if (purifier) return purifier;
  const p = DOMPurify(window);
  p.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName === 'A') {
      if (node.hasAttribute('href')) secureLink(node);
    } else if (node.nodeName === 'IMG') {
      const src = node.getAttribute('src') ?? '';
      const url = httpUrl(src);
      if (url && hostAllowed(url.hostname, activeImageHosts)) return;
      // A blocked image becomes a link to it (or its alt text), so nothing is fetched without a click.
      const doc = node.ownerDocument;
      const label = node.getAttribute('alt') || (url ? url.href : '');
      const replacement = url ? doc.createElement('a') : doc.createElement('span');
      if (url) {
        replacement.setAttribute('href', url.href);
        secureLink(replacement);
      }
      replacement.textContent = label || 'image';
      node.replaceWith(replacement);
    }
  });
  purifier = p;
  return p;
};

const PURIFY_CONFIG: Config = {
  ALLOWED_TAGS,
  ALLOWED_ATTR,
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
};

/** Sanitizes an HTML string with the widget's allow-list; `imageHosts` gates remote images. */
function sanitize(dirty: string, imageHosts: readonly string[]): string {
  activeImageHosts = imageHosts;
  try {
    return getPurifier().sanitize(dirty, PURIFY_CONFIG) as string;
  } finally {
    activeImageHosts = [];
  }
}

const renderer = {
  // Task-list boxes as characters: `<input>` is not on the allow-list.
  checkbox: ({ checked }: Tokens.Checkbox) => (checked ? '\u2611 ' : '\u2610 '),
};
const marked = new Marked({ gfm: true, breaks: false, renderer });
// The same without emphasis, strikethrough and code spans, for delimiter-heavy (pathological) text.
const off = (): undefined => undefined;
const plainInline = new Marked({
  gfm: true,
  breaks: false,
  renderer,
  tokenizer: { emStrong: off, del: off, codespan: off },
});

type Links = TokensList['links'];

function lex(source: string, links: Links): TokensList {
  if (DEEP_QUOTE.test(source)) throw new RangeError('block quotes nested too deeply');
  let delimiters = 0;
  for (let i = 0; i < source.length && delimiters <= MAX_INLINE_DELIMITERS; i++) {
    const c = source.charCodeAt(i);
    if (c === 42 || c === 95 || c === 126 || c === 96) delimiters++; // * _ ~ `
  }
  const instance = delimiters > MAX_INLINE_DELIMITERS ? plainInline : marked;
  const lexer = new instance.Lexer(instance.defaults);
  Object.assign(lexer.tokens.links, links);
  return lexer.lex(source);
}

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

function renderBlock(token: Token, imageHosts: readonly string[]): string {
  try {
    return sanitize(marked.parser([token]), imageHosts);
  } catch {
    return `<p>${escapeHtml(token.raw)}</p>`;
  }
}

// Cut at the cap without splitting a surrogate pair.
// While an answer streams, `**bold` would show its asterisks until `**` arrives: the unfinished block is
// rendered with the bold, strikethrough or code span closed (the final text decides, once complete).
const OPEN_INLINE_TYPES = new Set(['paragraph', 'heading', 'list', 'blockquote', 'text']);

function closeOpenInline(token: Token): string {
  if (!OPEN_INLINE_TYPES.has(token.type)) return '';
  const raw = token.raw;
  if ((raw.match(/`/g)?.length ?? 0) % 2) return '`';
  const outsideCode = raw.replace(/`[^`]*`/g, '');
  let closing = '';
  if ((outsideCode.match(/\*\*/g)?.length ?? 0) % 2) closing += '**';
  if ((outsideCode.match(/~~/g)?.length ?? 0) % 2) closing += '~~';
  return closing;
}

function renderOpenBlock(source: string, links: Links, imageHosts: readonly string[]): string {
  try {
    return lex(source, links)
      .filter((t) => t.type !== 'space' && t.type !== 'def')
      .map((t) => renderBlock(t, imageHosts))
      .join('');
  } catch {
    return `<p>${escapeHtml(source)}</p>`;
  }
}

// Where the parsed part ends: MARKDOWN_MAX_CHARS characters or MARKDOWN_MAX_LINES lines, whichever is first.
function parseLimit(text: string): number {
  const chars = capAt(text, MARKDOWN_MAX_CHARS);
  let end = -1;
  for (let line = 0; line < MARKDOWN_MAX_LINES; line++) {
    end = text.indexOf('\n', end + 1);
    if (end < 0 || end >= chars) return chars;
  }
  return end + 1;
}

function capAt(text: string, max: number): number {
  if (text.length <= max) return text.length;
  const code = text.charCodeAt(max - 1);
  return code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
}

/**
 * Renders one growing text incrementally: blocks that are complete keep their sanitized HTML, and each
 * update re-parses only the unfinished tail block. An update whose text does not extend the previous
 * one (an edit, a retraction, a different final text) starts over.
 *
 * Reference-style link definitions apply to references after them; a definition below its reference
 * does not link it (bot answers rarely do this, and it keeps streaming linear).
 *
 * @example
 * ```ts
 * const stream = createMarkdownStream({ imageHosts: ['cdn.example.com'] });
 * stream.update('# Hi\n\nPart');        // { blocks: ['<h1>Hi</h1>', '<p>Part</p>'], overflow: '' }
 * stream.update('# Hi\n\nPartly done', true);
 * ```
 */
export interface MarkdownStream {
  /**
   * Renders `text` (the whole text so far). `complete` marks the final text: its last block is then
   * final too. Returns the blocks; completed ones are the same strings as in the previous result.
   */
  update(text: string, complete?: boolean): RenderedMarkdown;
}

/** Creates a `MarkdownStream` (see there). */
export function createMarkdownStream(options: MarkdownOptions = {}): MarkdownStream {
  const imageHosts = options.imageHosts ?? [];
  let source = '';
  let stableLength = 0;
  let stable: string[] = [];
  let links: Links = Object.create(null) as Links;
  let last: RenderedMarkdown = { blocks: [], overflow: '', parsedChars: 0 };
  let finished = false;

  const reset = (): void => {
    finished = false;
    source = '';
    stableLength = 0;
    stable = [];
    links = Object.create(null) as Links;
  };

  return {
    update(rawText, complete = false) {
      const text = rawText.replace(/\r\n?/g, '\n');
      const cut = parseLimit(text);
      const parsed = text.slice(0, cut);
      const shown = capAt(text, 2 * MARKDOWN_MAX_CHARS);
      const overflow = text.slice(cut, shown) + (shown < text.length ? '…' : '');
      if (parsed === source && complete === finished && overflow === last.overflow) {
        return last.parsedChars ? (last = { ...last, parsedChars: 0 }) : last;
      }
      // A final text is final: anything else afterwards (an edit) renders from scratch.
      if (finished || !parsed.startsWith(source)) reset();
      source = parsed;
      finished = complete;

      const tail = parsed.slice(stableLength);
      let tokens: TokensList;
      try {
        tokens = lex(tail, links);
      } catch {
        // Too deeply nested for marked (it would exhaust the stack, or nearly): show the text as text.
        last = { blocks: [...stable, `<p>${escapeHtml(tail)}</p>`], overflow, parsedChars: tail.length };
        return last;
      }
      // The last non-space block may still grow (a paragraph, a list, an open fence): it is re-parsed
      // on the next update. Everything before it is final.
      let open = tokens.length;
      if (!complete) {
        open = tokens.length - 1;
        while (open >= 0 && tokens[open]!.type === 'space') open--;
        if (open < 0) open = 0;
      }
      let consumed = 0;
      for (let i = 0; i < open && consumed >= 0; i++) {
        const raw = tokens[i]!.raw;
        consumed = tail.startsWith(raw, consumed) ? consumed + raw.length : -1;
      }
      // Token raws that do not add up to the source (never seen, but cheap to check) finalize nothing.
      if (consumed < 0) open = 0;
      for (let i = 0; i < open; i++) {
        const token = tokens[i]!;
        if (token.type === 'def') {
          const def = token as Tokens.Def;
          links[def.tag] ??= { href: def.href, title: def.title };
        } else if (token.type !== 'space') stable.push(renderBlock(token, imageHosts));
      }
      if (open > 0) stableLength += consumed;
      const blocks = stable.slice();
      for (let i = open; i < tokens.length; i++) {
        const token = tokens[i]!;
        if (token.type === 'space' || token.type === 'def') continue;
        const closing = complete ? '' : closeOpenInline(token);
        blocks.push(
          closing
            ? renderOpenBlock(token.raw.trimEnd() + closing, links, imageHosts)
            : renderBlock(token, imageHosts),
        );
      }
      last = { blocks, overflow, parsedChars: tail.length };
      return last;
    },
  };
}

/**
 * Renders markdown to sanitized HTML in one go (no streaming state): marked with GFM, then DOMPurify
 * with a small allow-list (no scripts, styles, forms, media or SVG). Links open in a new tab with
 * `rel="noopener noreferrer"`; images from hosts not in `imageHosts` become links. Text beyond
 * `MARKDOWN_MAX_CHARS` is appended as escaped plain text.
 *
 * @example
 * ```ts
 * renderMarkdown('**Hi** [docs](https://example.com)');
 * // '<p><strong>Hi</strong> <a href="https://example.com" target="_blank" rel="noopener noreferrer">docs</a></p>'
 * ```
 */
export function renderMarkdown(text: string, options: MarkdownOptions = {}): string {
  const { blocks, overflow } = createMarkdownStream(options).update(text, true);
  return overflow ? `${blocks.join('')}<p>${escapeHtml(overflow)}</p>` : blocks.join('');
}

class MarkdownDirective extends Directive {
  #stream: MarkdownStream | undefined;
  #hostsKey = '';

  render(text: string, complete: boolean, imageHosts: readonly string[] = []): unknown {
    const hostsKey = imageHosts.join(' ');
    if (!this.#stream || hostsKey !== this.#hostsKey) {
      this.#stream = createMarkdownStream({ imageHosts });
      this.#hostsKey = hostsKey;
    }
    const { blocks, overflow } = this.#stream.update(text, complete);
    // unsafeHTML skips a part whose string is unchanged, so completed blocks keep their DOM nodes.
    const parts: unknown[] = blocks.map((b) => unsafeHTML(b));
    // Lit escapes plain strings: the overflow can never become markup.
    parts.push(overflow ? overflow : nothing);
    return parts;
  }
}

/**
 * Lit directive rendering a (possibly still streaming) markdown text into a child part, re-parsing only
 * the unfinished tail per update. Use it once per message so its stream state follows that message.
 */
export const markdown: (
  text: string,
  complete: boolean,
  imageHosts?: readonly string[],
) => DirectiveResult<typeof MarkdownDirective> = directive(MarkdownDirective);
