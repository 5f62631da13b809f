import type { Article } from './article.js';

/** A paragraph or a list, as written in the article (markdown inline syntax kept). */
export type Block = { kind: 'paragraph'; text: string } | { kind: 'list'; ordered: boolean; items: string[] };

/** A searchable piece of an article: one section, or part of a long section. */
export interface Passage {
  /** Position in the index, unique within one knowledge base build. */
  id: number;
  article: Article;
  /** 0 for the article's first passage, 1 for the next, and so on. */
  position: number;
  /** The section heading, or the article title for the text before the first heading. */
  heading: string;
  blocks: Block[];
  /** The blocks as plain text, for indexing and snippets. */
  text: string;
}

/**
 * Sections longer than this many characters (about 150 English words) are split into
 * paragraph-sized passages. Characters, not words: counting words would segment every text twice.
 */
const MAX_PASSAGE_CHARS = 900;

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const LIST_ITEM = /^\s*([-*+]|\d+[.)])\s+(.*)$/;

/** Removes inline markdown (emphasis, code, links, images), keeping the visible text. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(\*|_)(\S(?:.*?\S)?)\1/g, '$2')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The plain text of a list of blocks, list items as separate sentences. */
export function blocksText(blocks: readonly Block[]): string {
  return blocks
    .map((b) => (b.kind === 'paragraph' ? plainText(b.text) : b.items.map((i) => plainText(i)).join('\n')))
    .join('\n');
}

interface Section {
  heading: string;
  blocks: Block[];
}

function parseSections(article: Article): Section[] {
  const sections: Section[] = [{ heading: article.title, blocks: [] }];
  let block: Block | undefined;
  const current = (): Section => sections[sections.length - 1] as Section;
  const close = (): void => {
    if (block) current().blocks.push(block);
    block = undefined;
  };
  for (const line of article.body.split(/\r?\n/)) {
    const heading = HEADING.exec(line);
    if (heading) {
      close();
      // The H1 repeats the title; it starts nothing new.
      if ((heading[1] ?? '').length > 1) sections.push({ heading: heading[2] ?? '', blocks: [] });
      continue;
    }
    if (line.trim() === '') {
      close();
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      const ordered = /\d/.test(item[1] ?? '');
      if (block?.kind !== 'list') {
        close();
        block = { kind: 'list', ordered, items: [] };
      }
      block.items.push((item[2] ?? '').trim());
    } else if (block?.kind === 'list' && /^\s+/.test(line) && block.items.length > 0) {
      const last = block.items.length - 1;
      block.items[last] = `${block.items[last] ?? ''} ${line.trim()}`;
    } else if (block?.kind === 'paragraph') {
      block.text = `${block.text} ${line.trim()}`;
    } else {
      close();
      block = { kind: 'paragraph', text: line.trim() };
    }
  }
  close();
  return sections.filter((s) => s.blocks.length > 0);
}

/**
 * Splits an article into passages: one per section (the text under a `##` heading, or before the
 * first one). A section longer than about 150 words is split further at paragraphs, each list staying with
 * the paragraph that introduces it, so a passage never starts with steps that lack their lead-in.
 */
export function splitPassages(article: Article, firstId: number): Passage[] {
  const passages: Passage[] = [];
  const push = (heading: string, blocks: Block[]): void => {
    const position = passages.length;
    passages.push({ id: firstId + position, article, position, heading, blocks, text: blocksText(blocks) });
  };
  for (const section of parseSections(article)) {
    // A CJK character carries about as much as a short English word with its space.
    const text = blocksText(section.blocks);
    const size =
      text.length + (text.match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/gu)?.length ?? 0) * 4;
    if (size <= MAX_PASSAGE_CHARS) {
      push(section.heading, section.blocks);
      continue;
    }
    let group: Block[] = [];
    for (const block of section.blocks) {
      if (block.kind === 'paragraph' && group.length > 0) {
        push(section.heading, group);
        group = [];
      }
      group.push(block);
    }
    if (group.length > 0) push(section.heading, group);
  }
  return passages;
}
