/** A front matter value: a string, or a list of strings. */
export type FrontMatterValue = string | string[];

/** The result of {@link parseFrontMatter}. */
export interface ParsedFrontMatter {
  /** Keys and values of the front matter block; empty when the file has none. */
  data: Record<string, FrontMatterValue>;
  /** The markdown after the front matter block. */
  body: string;
}

const FENCE = /^---\s*$/;
const KEY_LINE = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/;
const LIST_ITEM = /^\s+-\s+(.*)$/;

/**
 * Parses the small subset of YAML front matter the help center uses: `key: value` lines, quoted
 * values, inline lists (`tags: [a, b]`, also wrapped over several lines) and indented `- item` lists. Anything fancier (nesting,
 * multi-line strings) is rejected with an error naming the line, rather than guessed at.
 *
 * @example
 * parseFrontMatter('---\ntitle: Hello\ntags: [a, b]\n---\nBody');
 * // { data: { title: 'Hello', tags: ['a', 'b'] }, body: 'Body' }
 */
export function parseFrontMatter(source: string): ParsedFrontMatter {
  const lines = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (!FENCE.test(lines[0] ?? '')) return { data: {}, body: lines.join('\n') };
  const end = lines.findIndex((line, i) => i > 0 && FENCE.test(line));
  if (end < 0) throw new Error('Front matter is not closed: add a line with "---" after the last key.');

  const data: Record<string, FrontMatterValue> = {};
  let listKey: string | undefined;
  for (let i = 1; i < end; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    if (listKey !== undefined && /^\s+\[/.test(line)) {
      // A flow list on the lines after its key, as Prettier writes a long one.
      const flow = readFlowList(lines, i, end);
      data[listKey] = flow.items;
      i = flow.last;
      listKey = undefined;
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item && listKey !== undefined) {
      const list = data[listKey];
      if (Array.isArray(list)) list.push(unquote(item[1] ?? ''));
      continue;
    }
    const match = KEY_LINE.exec(line);
    if (!match) throw new Error(`Front matter line ${i + 1} is not "key: value": ${JSON.stringify(line)}`);
    const key = match[1] ?? '';
    const raw = (match[2] ?? '').trim();
    listKey = undefined;
    if (raw === '') {
      // A bare key starts an indented list; it stays an empty list if no items follow.
      data[key] = [];
      listKey = key;
    } else if (raw.startsWith('[')) {
      const flow = readFlowList(lines, i, end, raw);
      data[key] = flow.items;
      i = flow.last;
    } else {
      data[key] = unquote(raw);
    }
  }
  return { data, body: lines.slice(end + 1).join('\n') };
}

/** Reads `[a, b]` starting at line `first`, across lines if needed (formatters wrap long lists). */
function readFlowList(
  lines: readonly string[],
  first: number,
  end: number,
  start = (lines[first] ?? '').trim(),
): { items: string[]; last: number } {
  let list = start;
  let last = first;
  while (!list.endsWith(']') && last + 1 < end) list += ` ${(lines[++last] ?? '').trim()}`;
  if (!list.endsWith(']')) throw new Error(`Front matter line ${first + 1}: close the list with "]".`);
  return { items: splitList(list.slice(1, -1)), last };
}

function splitList(inner: string): string[] {
  const items: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const ch of inner) {
    if (quote) {
      if (ch === quote) quote = undefined;
      current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (ch === ',') {
      items.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  items.push(current);
  return items.map((item) => unquote(item.trim())).filter((item) => item !== '');
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) return v.slice(1, -1);
  return v;
}
