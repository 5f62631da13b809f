import { setTimeout as sleep } from 'node:timers/promises';
import type { Citation, Suggestion } from '@baton-chat/protocol';
import type { Bot, BotChunk, BotTurn } from '../bot.js';
import { citationOf, composeAnswer, snippetOf } from './compose-answer.js';
import { KnowledgeBase, type LocatedOutcome } from './knowledge-base.js';
import { hasMessages, messagesFor } from './messages.js';
import { plainText } from './passages.js';
import { splitIntoDeltas } from './stream-text.js';
import { detectLanguage, languageOf } from './tokenizer.js';

/** Options of {@link createKnowledgeBaseBot}. */
export interface KnowledgeBaseBotOptions {
  /** Folder of markdown articles with front matter (see `help-center/README.md`). Read recursively. */
  dir: string;
  /** Prefix of citation links: a citation points to `${baseUrl}/${slug}`. Default `/help`. */
  baseUrl?: string;
  /**
   * Confidence (0..1) below which the bot says it is unsure, offers a person and sets `wantsHuman`.
   * Default 0.35.
   */
  threshold?: number;
  /** Pause before each streamed word, in milliseconds. Default 25; 0 streams at once (tests). */
  delayMs?: number;
  /** Display name shown to customers. Default `Help Center`. */
  name?: string;
  /** Author id of its messages. Default `kb-bot`. */
  id?: string;
}

/** One article found by {@link KnowledgeBaseBot.search}. */
export interface KnowledgeBaseHit {
  slug: string;
  title: string;
  /** `${baseUrl}/${slug}`. */
  url: string;
  category: string;
  locale: string;
  /** Heading of the best matching passage of the article. */
  heading: string;
  /** The best matching passage as plain text (shortened). */
  snippet: string;
  /** The best matching passage in full as plain text, for grounding a language model. */
  text: string;
  /** BM25 score of the best passage; only comparable within one search. */
  score: number;
}

/** The result of {@link KnowledgeBaseBot.search}. */
export interface KnowledgeBaseSearchResult {
  /** Language of the articles searched (`en`, `zh`, `ja`...), or undefined when there are no articles. */
  language: string | undefined;
  /** How sure the bot is that the first hit answers the query (0..1), as used for its answers. */
  confidence: number;
  /** Matching articles, best first, each once. */
  hits: KnowledgeBaseHit[];
}

/** Size and build time of the loaded help center. */
export interface KnowledgeBaseInfo {
  articles: number;
  passages: number;
  languages: string[];
  /** Milliseconds spent splitting and indexing at the last load (file reading excluded). */
  buildMs: number;
}

/** The knowledge-base bot: a {@link Bot} plus search and reload for the agent console and admins. */
export interface KnowledgeBaseBot extends Bot {
  /** Re-reads the folder and swaps in the new index; answers already streaming keep the old one. */
  reload(): Promise<void>;
  /** Searches the help center as the bot would, in the given customer locale (BCP 47). */
  search(query: string, locale?: string): KnowledgeBaseSearchResult;
  /** Size and build time of the loaded help center. */
  readonly info: KnowledgeBaseInfo;
}

/** Follow-up suggestions come from other articles of the same category scoring this share of the best score... */
const RELATED_SHARE = 0.25;
/** ...or from another category scoring this share. */
const RELATED_OTHER_CATEGORY_SHARE = 0.5;

/**
 * Creates the knowledge-base bot, the reference server's default bot, which needs no API key. It
 * indexes a folder of markdown articles per language with BM25 (MiniSearch, `Intl.Segmenter` words,
 * so Chinese and Japanese work), and answers each question from the best passage: a `progress`
 * chunk, the answer word by word as `delta` chunks, then a `final` chunk with the citation, a
 * confidence and one or two related articles as suggestions. Below `threshold` it says it is unsure,
 * suggests "Talk to a person" (`action: 'handoff'`) and sets `wantsHuman`. It answers in the
 * customer's language when an article in that language matches, otherwise in English, and stops
 * yielding as soon as `turn.signal` aborts. Rejects when an article is malformed.
 *
 * @example
 * const bot = await createKnowledgeBaseBot({ dir: 'packages/server/help-center', baseUrl: 'https://shop.example/help' });
 * for await (const chunk of bot.answer(turn)) send(chunk);
 */
export async function createKnowledgeBaseBot(options: KnowledgeBaseBotOptions): Promise<KnowledgeBaseBot> {
  const baseUrl = (options.baseUrl ?? '/help').replace(/\/+$/, '');
  const threshold = options.threshold ?? 0.35;
  const delayMs = options.delayMs ?? 25;
  let kb = await KnowledgeBase.load(options.dir);

  const suggestionsFor = (base: KnowledgeBase, outcome: LocatedOutcome): Suggestion[] => {
    const best = outcome.matches[0];
    if (!best) return [];
    const { category, locale, slug } = best.passage.article;
    const seen = new Set([slug]);
    const related: Suggestion[] = [];
    const add = (title: string, articleSlug: string): void => {
      seen.add(articleSlug);
      related.push({ label: title, text: title, action: 'send' });
    };
    const top = Math.max(...outcome.matches.map((m) => m.score));
    // Same-category articles that also matched come first; another category must match strongly.
    const candidates = outcome.matches.filter(
      ({ passage, score }) =>
        score >= top * (passage.article.category === category ? RELATED_SHARE : RELATED_OTHER_CATEGORY_SHARE),
    );
    candidates.sort(
      (a, b) =>
        Number(b.passage.article.category === category) - Number(a.passage.article.category === category),
    );
    for (const { passage } of candidates) {
      if (related.length === 2) break;
      if (!seen.has(passage.article.slug)) add(passage.article.title, passage.article.slug);
    }
    if (related.length === 0) {
      const sibling = base.articles.find(
        (a) => a.category === category && a.locale === locale && !seen.has(a.slug),
      );
      if (sibling) add(sibling.title, sibling.slug);
    }
    return related;
  };

  return {
    id: options.id ?? 'kb-bot',
    name: options.name ?? 'Help Center',

    get info(): KnowledgeBaseInfo {
      return {
        articles: kb.articles.length,
        passages: kb.passageCount,
        languages: kb.languages,
        buildMs: kb.buildMs,
      };
    },

    async reload(): Promise<void> {
      kb = await KnowledgeBase.load(options.dir);
    },

    search(query: string, locale?: string): KnowledgeBaseSearchResult {
      const outcome = kb.search(query, locale, threshold);
      const hits: KnowledgeBaseHit[] = [];
      const seen = new Set<string>();
      for (const { passage, score } of outcome?.matches ?? []) {
        const { article } = passage;
        if (seen.has(article.slug)) continue;
        seen.add(article.slug);
        hits.push({
          slug: article.slug,
          title: article.title,
          url: `${baseUrl}/${article.slug}`,
          category: article.category,
          locale: article.locale,
          heading: passage.heading,
          snippet: snippetOf(passage),
          text: plainText(passage.text),
          score,
        });
      }
      return { language: outcome?.language, confidence: outcome?.confidence ?? 0, hits };
    },

    async *answer(turn: BotTurn): AsyncIterable<BotChunk> {
      // A reload during this turn must not change the answer halfway.
      const base = kb;
      const { signal, question } = turn;
      const locale = turn.locale ?? turn.session?.locale;
      const customer = languageOf(locale);
      const replyLanguage = hasMessages(customer)
        ? customer
        : hasMessages(detectLanguage(question))
          ? detectLanguage(question)
          : 'en';
      yield { type: 'progress', stage: 'searching', label: messagesFor(replyLanguage).searching };
      if (signal.aborted) return;

      const outcome = base.search(question, locale, threshold);
      const confidence = Math.round((outcome?.confidence ?? 0) * 100) / 100;
      const best = outcome?.matches[0];
      let text: string;
      let textLocale: string;
      let final: Extract<BotChunk, { type: 'final' }>;
      if (outcome && best && outcome.confidence >= threshold) {
        text = composeAnswer(best, outcome.matches);
        textLocale = best.passage.article.locale;
        const citations: Citation[] = [citationOf(best.passage, baseUrl)];
        final = { type: 'final', text, citations, suggestions: suggestionsFor(base, outcome), confidence };
      } else {
        const messages = messagesFor(replyLanguage);
        const suggestions: Suggestion[] = [{ label: messages.talkToPerson, action: 'handoff' }];
        text = messages.unsure;
        // A weak match that still covers most of the question is worth pointing at, clearly as a maybe.
        if (outcome && best && outcome.coverage >= 0.5 && outcome.language === replyLanguage) {
          text = `${text} ${messages.closest(best.passage.article.title)}`;
          suggestions.push({
            label: best.passage.article.title,
            text: best.passage.article.title,
            action: 'send',
          });
        }
        textLocale = replyLanguage ?? 'en';
        final = { type: 'final', text, suggestions, confidence, wantsHuman: true };
      }

      for (const piece of splitIntoDeltas(text, textLocale)) {
        if (delayMs > 0) {
          try {
            await sleep(delayMs, undefined, { signal });
          } catch {
            return;
          }
        }
        if (signal.aborted) return;
        yield { type: 'delta', text: piece };
      }
      if (signal.aborted) return;
      yield final;
    },
  };
}
