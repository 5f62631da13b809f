import type { MessageAnalysis } from './analyze-user-message.js';
import { detectIntents, intentLabel, type Intent } from './detect-intents.js';
import { extractEntities } from './extract-entities.js';
import { asksForHuman, contentTokens, tokenJaccard } from './frustration-cues.js';
import { scoreSentiment } from './sentiment-score.js';
import { sentimentTrend } from './sentiment-trend.js';
import { splitSentences } from './segment-text.js';
import { clip, looksLikeQuestion } from './unanswered-question.js';

/** What the summary is made from. */
export interface SummaryInput {
  /** The customer's messages, oldest first. */
  userTexts: readonly string[];
  /** One analysis per customer message, oldest first. */
  analyses: readonly MessageAnalysis[];
  /** Detected intents, most likely first (from `detectIntents`). */
  intents: readonly Intent[];
  /** The question the bot could not answer, if any. */
  unansweredQuestion?: string;
  /** The customer's locale, for sentence and word segmentation. */
  locale?: string;
}

/** Only this many recent customer messages are read, and this many sentences of each. */
const LOOKBACK = 20;
const SENTENCES_PER_MESSAGE = 12;
const MAX_PICKS = 3;
const MAX_QUOTE = 160;
/** The quotes together stay under this, so the summary reads at a glance. */
const MAX_QUOTED = 300;
/** Below this a sentence is small talk ("Hi", "thanks") and never quoted. */
const MIN_INFORMATION = 0.5;

interface Candidate {
  text: string;
  tokens: Set<string>;
  score: number;
  order: number;
}

function information(sentence: string, tokens: Set<string>, recency: number): number {
  const entities = Math.min(3, extractEntities(sentence).length);
  const topical = detectIntents([sentence]).reduce((sum, intent) => sum + intent.confidence, 0);
  return (
    entities * 1.5 +
    topical +
    Math.min(1, tokens.size * 0.08) +
    (looksLikeQuestion(sentence) ? 0.3 : 0) +
    Math.abs(scoreSentiment(sentence)) * 0.3 +
    recency * 0.1
  );
}

function quote(sentence: string): string {
  return `"${clip(sentence, MAX_QUOTE).replace(/[.!。！\s]+$/u, '')}"`;
}

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`;
}

function times(count: number): string {
  if (count <= 1) return '';
  return count === 2 ? ' twice' : ` ${count} times`;
}

/**
 * Writes a short extractive summary of the conversation for the agent, in one to three English sentences.
 *
 * No language model: the two or three most informative customer sentences (those with order numbers,
 * amounts and other entities, topic phrases, questions, strong feelings; small talk and bare asks for a
 * human are skipped, near-duplicates kept once) are quoted in their own language and in order, after
 * the top one or two intents; then the unanswered question; then whether the customer asked for a
 * person and sounds increasingly frustrated. For example: `Customer wrote about a damaged or wrong item
 * and a refund: "My order LC-20418837 arrived broken" and "Can I get my money back without sending it
 * back?". They asked for a person.` Reads the first 12 sentences of the last 20 customer messages.
 */
export function summarizeConversation(input: SummaryInput): string {
  const texts = input.userTexts.slice(-LOOKBACK);
  if (texts.length === 0) return 'No customer messages yet.';

  const unansweredTokens =
    input.unansweredQuestion === undefined
      ? undefined
      : contentTokens(input.unansweredQuestion, input.locale);
  const candidates: Candidate[] = [];
  texts.forEach((text, messageIndex) => {
    for (const sentence of splitSentences(text, input.locale).slice(0, SENTENCES_PER_MESSAGE)) {
      const tokens = contentTokens(sentence, input.locale);
      // A bare ask for a human says nothing about the problem; "a human about order 1042" does.
      const bareAsk = asksForHuman(sentence) && tokens.size <= 4 && extractEntities(sentence).length === 0;
      if (tokens.size === 0 || bareAsk) continue;
      if (unansweredTokens !== undefined && tokenJaccard(tokens, unansweredTokens) >= 0.8) continue;
      const score = information(sentence, tokens, messageIndex / texts.length);
      if (score >= MIN_INFORMATION) {
        candidates.push({ text: sentence, tokens, score, order: candidates.length });
      }
    }
  });

  const picks: Candidate[] = [];
  let quoted = 0;
  for (const candidate of [...candidates].sort((a, b) => b.score - a.score)) {
    if (picks.length >= MAX_PICKS) break;
    const length = Math.min(candidate.text.length, MAX_QUOTE);
    if (picks.length > 0 && quoted + length > MAX_QUOTED) continue;
    if (picks.some((pick) => tokenJaccard(pick.tokens, candidate.tokens) >= 0.6)) continue;
    picks.push(candidate);
    quoted += length;
  }
  picks.sort((a, b) => a.order - b.order);

  const sentences: string[] = [];
  const topics = input.intents.slice(0, 2).map((intent) => intentLabel(intent.name));
  if (picks.length > 0) {
    const about = topics.length > 0 ? ` about ${list(topics)}` : '';
    sentences.push(`Customer wrote${about}: ${list(picks.map((pick) => quote(pick.text)))}.`);
  } else if (topics.length > 0) {
    sentences.push(`Customer wrote about ${list(topics)}.`);
  }
  if (input.unansweredQuestion !== undefined) {
    sentences.push(`The bot could not answer ${quote(input.unansweredQuestion)}.`);
  }
  const analyses = input.analyses.slice(-LOOKBACK);
  const asks = analyses.filter((analysis) => analysis.asksForHuman).length;
  const history = analyses.map((analysis) => analysis.sentiment);
  const frustrated = sentimentTrend(history) === 'worsening' && (history.at(-1) ?? 0) < 0;
  const facts = [
    ...(asks > 0 ? [`asked for a person${times(asks)}`] : []),
    ...(frustrated ? ['sound increasingly frustrated'] : []),
  ];
  if (facts.length > 0) sentences.push(`${sentences.length > 0 ? 'They' : 'The customer'} ${list(facts)}.`);
  return sentences.length > 0 ? sentences.join(' ') : 'The customer has not described a problem yet.';
}
