import { detectCues, type Cue } from './frustration-cues.js';
import { scoreSentiment } from './sentiment-score.js';

/** What the analyzer makes of one customer message. */
export interface MessageAnalysis {
  /** From -1 (very negative) to 1 (very positive); 0 when neutral or unknown. */
  sentiment: number;
  /** Frustration cues found, in the order of `CUES`, each at most once. */
  cues: Cue[];
  /** The message asks for a human agent (the same as `cues` containing `asks_for_human`). */
  asksForHuman: boolean;
}

/** The customer's earlier messages, which a new message is compared with. */
export interface EarlierMessages {
  /** Texts of the customer's previous messages, oldest first. Only the last 10 are read. */
  userTexts: readonly string[];
}

/**
 * Scores one customer message: sentiment, frustration cues, and whether it asks for a human.
 *
 * Pure and fast (no I/O); call it once per user message and keep the results, oldest first, for
 * `decideEscalation` and `buildAiContext`. `locale` (a BCP 47 tag such as `zh-CN`) only guides word
 * segmentation for the repeated-question check; Chinese and Japanese cue words are recognised in any
 * locale, since customers mix languages.
 *
 * @example
 * ```ts
 * const earlier: string[] = [];
 * const analysis = analyzeUserMessage('I WANT A HUMAN NOW', { userTexts: earlier });
 * // { sentiment: 0, cues: ['asks_for_human', 'all_caps'], asksForHuman: true }
 * earlier.push('I WANT A HUMAN NOW');
 * ```
 */
export function analyzeUserMessage(text: string, earlier: EarlierMessages, locale?: string): MessageAnalysis {
  const cues = detectCues(text, earlier.userTexts, locale);
  return { sentiment: scoreSentiment(text), cues, asksForHuman: cues.includes('asks_for_human') };
}
