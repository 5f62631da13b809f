import { SYNONYMS } from './synonyms.js';
import { languageOf, normalizeTerm, segmentWords } from './tokenizer.js';

/** One meaningful word of a question, with the index terms that count as a match for it. */
export interface QueryGroup {
  /** The normalized word as the customer wrote it. */
  term: string;
  /** `term` first, then its synonyms, all normalized. */
  variants: string[];
}

/** Only the start of a very long message is searched. */
const MAX_QUESTION_CHARS = 2_000;
const MAX_TERM_CHARS = 40;
const MAX_GROUPS = 40;

const synonymCache = new Map<string, Map<string, string[]>>();

function synonymsFor(language: string): Map<string, string[]> {
  let map = synonymCache.get(language);
  if (!map) {
    map = new Map();
    for (const [word, others] of Object.entries(SYNONYMS[language] ?? {})) {
      const key = normalizeTerm(word, language);
      if (!key) continue;
      const terms = others
        .map((o) => normalizeTerm(o, language))
        .filter((t): t is string => !!t && t !== key);
      map.set(key, [...new Set([...(map.get(key) ?? []), ...terms])]);
    }
    synonymCache.set(language, map);
  }
  return map;
}

/**
 * Turns a question into query groups: segmented, normalized, stop words dropped, duplicates merged,
 * each word widened with its synonyms. An empty result means the question has nothing to search for.
 */
export function analyzeQuery(question: string, locale: string): QueryGroup[] {
  const language = languageOf(locale) ?? 'en';
  const synonyms = synonymsFor(language);
  const groups = new Map<string, QueryGroup>();
  for (const word of segmentWords(question.slice(0, MAX_QUESTION_CHARS), locale)) {
    const term = normalizeTerm(word, language);
    // No real word is that long, and fuzzy matching a long one costs seconds.
    if (!term || term.length > MAX_TERM_CHARS || groups.has(term)) continue;
    if (groups.size === MAX_GROUPS) break;
    groups.set(term, { term, variants: [term, ...(synonyms.get(term) ?? [])] });
  }
  return [...groups.values()];
}
