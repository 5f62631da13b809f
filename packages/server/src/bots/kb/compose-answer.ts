import type { Citation } from '@baton-chat/protocol';
import type { PassageMatch } from './passage-index.js';
import type { Block, Passage } from './passages.js';
import { plainText } from './passages.js';

/** At most this many sentences of prose in an answer. */
const MAX_SENTENCES = 3;
/** At most this many list items (steps) in an answer. */
const MAX_ITEMS = 7;
const SNIPPET_CHARS = 220;
/** A second passage joins the answer when it scored at least this share of the best one... */
const SECOND_PASSAGE_SHARE = 0.7;
/** ...and the answer from the best passage alone has fewer words than this. */
const SHORT_ANSWER_WORDS = 60;

function sentences(text: string, locale: string): string[] {
  const segmenter = new Intl.Segmenter(locale, { granularity: 'sentence' });
  return [...segmenter.segment(text)].map((s) => s.segment.trim()).filter(Boolean);
}

function joinSentences(parts: string[], locale: string): string {
  // Chinese and Japanese sentences are not separated by spaces.
  return parts.join(/^(zh|ja)\b/i.test(locale) ? '' : ' ');
}

function renderList(block: Extract<Block, { kind: 'list' }>): string {
  return block.items
    .slice(0, MAX_ITEMS)
    .map((item, i) => (block.ordered ? `${i + 1}. ${item}` : `- ${item}`))
    .join('\n');
}

/**
 * Writes the answer to one passage: when the passage has a list (steps, options), its lead-in
 * sentence(s) and the list, then the first sentence after it; otherwise its first sentences of prose.
 * Inline markdown (bold UI labels) is kept.
 */
function composePassage(passage: Passage, withHeading: boolean): string {
  const locale = passage.article.locale;
  const blocks = passage.blocks;
  const listAt = blocks.findIndex((b) => b.kind === 'list');
  const parts: string[] = [];
  const heading = withHeading && passage.heading !== passage.article.title ? `**${passage.heading}**` : '';
  if (listAt >= 0) {
    const list = blocks[listAt] as Extract<Block, { kind: 'list' }>;
    const before = blocks
      .slice(0, listAt)
      .filter((b): b is Extract<Block, { kind: 'paragraph' }> => b.kind === 'paragraph');
    const lead = before[before.length - 1];
    if (lead) parts.push(heading, joinSentences(sentences(lead.text, locale).slice(-2), locale));
    else parts.push(`**${passage.heading}**`);
    parts.push(renderList(list));
    const after = blocks[listAt + 1];
    if (after?.kind === 'paragraph') parts.push(sentences(after.text, locale)[0] ?? '');
  } else {
    const prose: string[] = [];
    for (const block of blocks) {
      if (block.kind !== 'paragraph') continue;
      prose.push(...sentences(block.text, locale));
      if (prose.length >= MAX_SENTENCES) break;
    }
    parts.push(heading, joinSentences(prose.slice(0, MAX_SENTENCES), locale));
  }
  return parts.filter(Boolean).join('\n\n');
}

/**
 * Writes a short markdown answer from the best passage of one article, plus a second passage of the
 * same article when it scored almost as well and the first alone is short. Passages keep their order
 * in the article; with two, each starts with its heading in bold.
 */
export function composeAnswer(best: PassageMatch, others: readonly PassageMatch[] = []): string {
  const first = composePassage(best.passage, false);
  const second = others.find(
    (m) =>
      m.passage !== best.passage &&
      m.passage.article === best.passage.article &&
      m.score >= best.score * SECOND_PASSAGE_SHARE,
  );
  if (!second || wordCount(first, best.passage.article.locale) >= SHORT_ANSWER_WORDS) return first;
  const ordered = [best.passage, second.passage].sort((a, b) => a.position - b.position);
  return ordered.map((p) => composePassage(p, true)).join('\n\n');
}

function wordCount(text: string, locale: string): number {
  let n = 0;
  for (const s of new Intl.Segmenter(locale, { granularity: 'word' }).segment(text)) if (s.isWordLike) n++;
  return n;
}

/** The passage as plain text, cut at a word boundary near 220 characters. */
export function snippetOf(passage: Passage): string {
  const text = plainText(passage.text);
  if (text.length <= SNIPPET_CHARS) return text;
  const cut = text.slice(0, SNIPPET_CHARS);
  const space = cut.lastIndexOf(' ');
  return `${(space > SNIPPET_CHARS / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** The citation of a passage's article: title, `${baseUrl}/${slug}` and the passage as snippet. */
export function citationOf(passage: Passage, baseUrl: string): Citation {
  return {
    title: passage.article.title,
    url: `${baseUrl}/${passage.article.slug}`,
    snippet: snippetOf(passage),
  };
}
