import MiniSearch from 'minisearch';
import type { Query, SearchOptions } from 'minisearch';
import type { Passage } from './passages.js';
import { analyzeQuery, type QueryGroup } from './query.js';
import { normalizeTerm, segmentWords } from './tokenizer.js';

/** One passage found for a question. */
export interface PassageMatch {
  passage: Passage;
  /** BM25 score from MiniSearch (unbounded, only comparable within one search). */
  score: number;
}

/** The ranked passages for a question and how sure the index is about the first one. */
export interface SearchOutcome {
  /** Best first; several passages of one article may appear. */
  matches: PassageMatch[];
  /**
   * 0..1: coverage² x specificity x (0.5 + 0.5 x margin), x 0.6 when only body text matched, at
   * least 0.6 on a literal tag phrase; 0 when nothing matched.
   */
  confidence: number;
  /** IDF-weighted share of the question's words found in the best article (0..1). */
  coverage: number;
  /** How far the best article is ahead of the runner-up article: 1 - second / first (0..1). */
  margin: number;
  /** The question's searchable words. */
  groups: QueryGroup[];
  /** The tag of the best article that the question contains word for word, if any. */
  phrase?: string;
}

interface IndexedPassage {
  id: number;
  title: string;
  heading: string;
  text: string;
  tags: string;
}

/**
 * Matched words whose summed IDF reaches this are specific enough to trust; a question whose only
 * match is one very common word ("order") is scaled down, since nearly every article would fit it.
 */
const SPECIFIC_IDF = 2.5;
/** A word matched only by prefix or typo tolerance counts this much toward coverage. */
const INEXACT_CREDIT = 0.7;
/**
 * The least confidence when the question contains one of the best article's tags of two or more
 * words word for word ("where is my parcel", "charged two times") and nothing else to search for: tags are where the help center's
 * editors put the phrasings customers use, so a literal hit is strong evidence even when stop words
 * leave little else to match.
 */
const PHRASE_CONFIDENCE = 0.6;
/**
 * Words found nowhere in the help center weigh this share of the rarest word's IDF. Full weight made
 * every unknown noun ("mug", "typed") sink a good match; no weight would let "do you sell bicycles"
 * pass on "sell" alone.
 */
const UNKNOWN_WORD_SHARE = 0.5;
/**
 * Confidence factor when the question's words hit only the body text of the best article, never its
 * title, headings or tags: a passing mention ("we never sell your data") is weak evidence.
 */
const BODY_ONLY_FACTOR = 0.6;
/** Extra weight of an article's first passage (halved for the second, and so on). */
const EARLY_BOOST = 0.2;
/** The IDF of the confidence is computed as if the index held at least this many passages. */
const MIN_PASSAGES_FOR_IDF = 60;

const isLatin = (term: string): boolean => /^[\p{Script=Latin}\d'-]+$/u.test(term);

/**
 * A BM25 index (MiniSearch) of the passages of one language, tokenized with `Intl.Segmenter` for that
 * language. Titles and tags are boosted so an article's subject outweighs a passing mention.
 */
export class PassageIndex {
  readonly locale: string;
  readonly language: string;
  readonly #mini: MiniSearch<IndexedPassage>;
  readonly #passages = new Map<number, Passage>();
  /** Passages containing each term, for IDF weights of the confidence. */
  readonly #df = new Map<string, number>();
  /** Multi-word tags per article slug, as space-joined lower-case words. */
  readonly #phrases = new Map<string, string[]>();

  constructor(locale: string, language: string, passages: readonly Passage[]) {
    this.locale = locale;
    this.language = language;
    // Segmenting is most of the build time: each field is segmented once, for the document
    // frequencies below, and MiniSearch reads the same words from this cache.
    const segmented = new Map<string, string[]>();
    const tokenize = (text: string): string[] => {
      let words = segmented.get(text);
      if (!words) {
        words = segmentWords(text, locale);
        segmented.set(text, words);
      }
      return words;
    };
    const processTerm = (term: string): string | null => normalizeTerm(term, language);
    this.#mini = new MiniSearch<IndexedPassage>({
      fields: ['title', 'heading', 'text', 'tags'],
      tokenize,
      processTerm,
    });
    const docs: IndexedPassage[] = passages.map((p) => ({
      id: p.id,
      title: p.article.title,
      heading: p.heading === p.article.title ? '' : p.heading,
      text: p.text,
      // A separator keeps one tag's last word and the next tag's first word apart.
      tags: p.article.tags.join(' . '),
    }));
    for (const [i, doc] of docs.entries()) {
      const passage = passages[i] as Passage;
      this.#passages.set(passage.id, passage);
      const terms = new Set<string>();
      for (const field of [doc.title, doc.heading, doc.text, doc.tags]) {
        for (const word of tokenize(field)) {
          const term = processTerm(word);
          if (term) terms.add(term);
        }
      }
      for (const term of terms) this.#df.set(term, (this.#df.get(term) ?? 0) + 1);
    }
    this.#mini.addAll(docs);
    for (const passage of passages) {
      const { slug, tags } = passage.article;
      if (this.#phrases.has(slug)) continue;
      const phrases = tags.map((tag) => this.#phrase(tag)).filter((p) => p.includes(' '));
      this.#phrases.set(slug, phrases);
    }
    segmented.clear();
  }

  /** Number of indexed passages. */
  get size(): number {
    return this.#passages.size;
  }

  /** Ranks the passages for a question and rates the best one; see {@link SearchOutcome}. */
  search(question: string): SearchOutcome {
    const groups = analyzeQuery(question, this.locale);
    const empty: SearchOutcome = { matches: [], confidence: 0, coverage: 0, margin: 0, groups };
    if (groups.length === 0 || this.size === 0) return empty;

    const query: Query = {
      combineWith: 'OR',
      queries: groups.map((g) => ({ combineWith: 'OR', queries: g.variants })),
    };
    const options: SearchOptions = {
      boost: { title: 3, tags: 2, heading: 1.5, text: 1 },
      prefix: (term) => isLatin(term) && term.length >= 4,
      fuzzy: (term) => (isLatin(term) && term.length >= 6 && term.length <= 20 ? 0.2 : false),
      weights: { prefix: 0.4, fuzzy: 0.3 },
      // Articles put the main answer first; between two similar passages of one article, the earlier wins.
      boostDocument: (id) => 1 + EARLY_BOOST / (1 + (this.#passages.get(id as number)?.position ?? 0)),
      // The leaves are already normalized terms.
      tokenize: (text) => [text],
      processTerm: (term) => term,
    };
    const results = this.#mini.search(query, options);
    let matches: PassageMatch[] = [];
    for (const r of results) {
      const passage = this.#passages.get(r.id as number);
      if (passage) matches.push({ passage, score: r.score });
    }
    if (matches.length === 0) return empty;

    // An article whose tag the question contains word for word goes first (the longest tag wins),
    // provided the tag holds every searchable word of the question: "pay with" in "can I pay with
    // bitcoin" says nothing about bitcoin.
    const asked = ` ${this.#phrase(question)} `;
    const covers = (tag: string): boolean => {
      const words = new Set(tag.split(' ').map((w) => normalizeTerm(w, this.language)));
      return groups.every((g) => words.has(g.term));
    };
    let phrase: string | undefined;
    let phraseSlug: string | undefined;
    for (const { passage } of matches) {
      for (const tag of this.#phrases.get(passage.article.slug) ?? []) {
        if (asked.includes(` ${tag} `) && tag.length > (phrase?.length ?? 0) && covers(tag)) {
          phrase = tag;
          phraseSlug = passage.article.slug;
        }
      }
    }
    if (phraseSlug !== undefined) {
      // The tag speaks for the whole article, so its passages come in reading order: the article's
      // opening answers a general question better than the passage that repeats one word most.
      matches = [
        ...matches
          .filter((m) => m.passage.article.slug === phraseSlug)
          .sort((a, b) => a.passage.position - b.passage.position),
        ...matches.filter((m) => m.passage.article.slug !== phraseSlug),
      ];
    }
    const best = matches[0] as PassageMatch;

    const slug = best.passage.article.slug;
    const bestScore = Math.max(...matches.filter((m) => m.passage.article.slug === slug).map((m) => m.score));
    const runnerUp = matches.find((m) => m.passage.article.slug !== slug)?.score ?? 0;
    const margin = Math.max(0, Math.min(1, 1 - runnerUp / bestScore));

    // Words the best article answers, over all of its matching passages.
    const queryTerms = new Set<string>();
    const docTerms = new Set<string>();
    let prominent = false;
    for (const r of results) {
      if (this.#passages.get(r.id as number)?.article.slug !== slug) continue;
      for (const t of r.queryTerms) queryTerms.add(t);
      for (const t of r.terms) docTerms.add(t);
      for (const fields of Object.values(r.match)) {
        if (fields.some((f) => f !== 'text')) prominent = true;
      }
    }
    let total = 0;
    let found = 0;
    let foundIdf = 0;
    for (const group of groups) {
      const df = Math.max(...group.variants.map((v) => this.#df.get(v) ?? 0));
      const weight = df === 0 ? this.#idf(0) * UNKNOWN_WORD_SHARE : this.#idf(df);
      total += weight;
      if (group.variants.some((v) => docTerms.has(v))) {
        found += weight;
        foundIdf += weight;
      } else if (group.variants.some((v) => queryTerms.has(v))) {
        found += weight * INEXACT_CREDIT;
        foundIdf += weight * INEXACT_CREDIT;
      }
    }
    const coverage = total > 0 ? found / total : 0;
    const specificity = Math.min(1, foundIdf / SPECIFIC_IDF);
    let confidence =
      coverage * coverage * specificity * (0.5 + 0.5 * margin) * (prominent ? 1 : BODY_ONLY_FACTOR);
    if (phrase !== undefined) confidence = Math.max(confidence, PHRASE_CONFIDENCE);
    return phrase === undefined
      ? { matches, confidence, coverage, margin, groups }
      : { matches, confidence, coverage, margin, groups, phrase };
  }

  /** Lower-case words of a text joined by single spaces, for literal phrase matching. */
  #phrase(text: string): string {
    return segmentWords(text, this.locale)
      .map((w) => w.toLowerCase().replace(/[\u2018\u2019\u02bc]/g, "'"))
      .join(' ');
  }

  /** BM25's IDF, also for words absent from the index (df 0), which then weigh the most. */
  #idf(df: number): number {
    // A small language (one article in Japanese) would make every word look common; score words as
    // if they sat in a help center of ordinary size.
    const n = Math.max(this.size, MIN_PASSAGES_FOR_IDF);
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }
}
