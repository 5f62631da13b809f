import { performance } from 'node:perf_hooks';
import { loadArticles, type Article } from './article.js';
import { PassageIndex, type SearchOutcome } from './passage-index.js';
import { splitPassages, type Passage } from './passages.js';
import { detectLanguage, languageOf } from './tokenizer.js';

/** A search outcome together with the language index it came from. */
export interface LocatedOutcome extends SearchOutcome {
  language: string;
}

/**
 * The articles of one help center folder, split into passages and indexed once per language.
 * Immutable: a reload builds a new one.
 */
export class KnowledgeBase {
  readonly articles: readonly Article[];
  /** Milliseconds spent splitting and indexing (reading files excluded). */
  readonly buildMs: number;
  readonly #indexes: Map<string, PassageIndex>;

  private constructor(articles: Article[]) {
    const started = performance.now();
    this.articles = articles;
    const byLanguage = new Map<string, { locale: string; passages: Passage[] }>();
    let nextId = 0;
    for (const article of articles) {
      const language = languageOf(article.locale) ?? 'en';
      let entry = byLanguage.get(language);
      if (!entry) {
        entry = { locale: article.locale, passages: [] };
        byLanguage.set(language, entry);
      }
      const passages = splitPassages(article, nextId);
      nextId += passages.length;
      entry.passages.push(...passages);
    }
    this.#indexes = new Map(
      [...byLanguage].map(([language, { locale, passages }]) => [
        language,
        new PassageIndex(locale, language, passages),
      ]),
    );
    this.buildMs = performance.now() - started;
  }

  /** Reads and indexes every article under `dir`; see {@link loadArticles} for the rules. */
  static async load(dir: string): Promise<KnowledgeBase> {
    return new KnowledgeBase(await loadArticles(dir));
  }

  /** Builds a knowledge base from articles already in memory. */
  static fromArticles(articles: Article[]): KnowledgeBase {
    return new KnowledgeBase(articles);
  }

  /** Languages that have at least one article, such as `en`, `zh`, `ja`. */
  get languages(): string[] {
    return [...this.#indexes.keys()];
  }

  /** Total number of indexed passages. */
  get passageCount(): number {
    let n = 0;
    for (const index of this.#indexes.values()) n += index.size;
    return n;
  }

  /**
   * The languages to search for a question, in order of preference: the customer's, the one its
   * script shows (kana: Japanese, Han: Chinese), then English. Only languages with articles.
   */
  languagesFor(question: string, locale: string | undefined): string[] {
    const order = [languageOf(locale), detectLanguage(question), 'en', ...this.#indexes.keys()];
    return [...new Set(order)].filter((l): l is string => l !== undefined && this.#indexes.has(l));
  }

  /** Searches one language's passages; undefined when that language has no articles. */
  searchLanguage(language: string, question: string): LocatedOutcome | undefined {
    const outcome = this.#indexes.get(language)?.search(question);
    return outcome && { ...outcome, language };
  }

  /**
   * Searches the languages of {@link languagesFor} in order and returns the first outcome at or above
   * `threshold`, or, when none is, the most confident one (undefined when there are no articles).
   */
  search(question: string, locale: string | undefined, threshold: number): LocatedOutcome | undefined {
    let best: LocatedOutcome | undefined;
    for (const language of this.languagesFor(question, locale)) {
      const outcome = this.searchLanguage(language, question);
      if (!outcome) continue;
      if (outcome.confidence >= threshold) return outcome;
      if (!best || outcome.confidence > best.confidence) best = outcome;
    }
    return best;
  }
}
