import { createRequire } from 'node:module';
import Sentiment from 'sentiment';
import { scoreCjkCues } from './cjk-sentiment-lexicon.js';
import { bounded } from './segment-text.js';

// The library's own English data, loaded the way the library loads it. (An ESM JSON import would do,
// but tsx turns JSON keys into variables and AFINN has the word "await".)
const require = createRequire(import.meta.url);
const afinnLabels = require('sentiment/languages/en/labels.json') as Record<string, number>;
const negators = require('sentiment/languages/en/negators.json') as Record<string, number>;

/**
 * AFINN-165 weights re-tuned for shop conversations. AFINN scores words by their general tone; in a
 * support chat many are neutral ("I'd like to", "I want to cancel", "customer support", "gift card") or
 * factual rather than angry ("charged", "damaged", "payment failed").
 */
const DOMAIN_WEIGHTS: Readonly<Record<string, number>> = {
  want: 0,
  wants: 0,
  like: 0,
  help: 0,
  please: 0,
  sorry: 0,
  no: 0,
  yes: 0,
  true: 0,
  free: 0,
  gift: 0,
  support: 0,
  care: 0,
  pay: 0,
  cancel: 0,
  cancelled: 0,
  stop: 0,
  block: 0,
  miss: 0,
  charged: -1,
  charges: -1,
  problem: -1,
  problems: -1,
  error: -1,
  fail: -1,
  failed: -1,
  wrong: -1,
  mistake: -1,
  missed: -1,
  damage: -2,
  damaged: -2,
  lost: -2,
  worried: -2,
  worry: -2,
  joke: -2,
  unhelpful: -2,
  pointless: -2,
  late: -1,
};

const LANGUAGE = 'baton-en';
const analyzer = new Sentiment();
// A language of our own instead of `extras`: the library merges `extras` into its shared English labels.
analyzer.registerLanguage(LANGUAGE, {
  labels: { ...afinnLabels, ...DOMAIN_WEIGHTS },
  scoringStrategy: {
    // The library's English rule: a negator right before a word flips its score ("not helpful").
    apply: (tokens, cursor, score) => {
      const previous = cursor > 0 ? tokens[cursor - 1] : undefined;
      return previous !== undefined && Object.hasOwn(negators, previous) ? -score : score;
    },
  },
});

/** Makes a raw lexicon sum comparable across messages: one strong word about -0.45, two about -0.7. */
const SQUASH = 36;

/**
 * Scores the sentiment of one message from -1 (very negative) to 1 (very positive), 0 when neutral.
 *
 * English words are scored with the AFINN-165 lexicon of the `sentiment` package (including its emoji
 * scores and its one-word negation, "not helpful"), re-tuned for shop conversations; Chinese and
 * Japanese cue words come from a small team-written list. The summed score `s` is normalised as
 * `s / sqrt(s² + 36)` and rounded to two decimals, so one strong negative word ("terrible") gives
 * about -0.45 and two give about -0.7. Intensifiers, capitals and punctuation are not scored here
 * (the frustration cues see them). Reads the first 4,000 characters.
 */
export function scoreSentiment(text: string): number {
  const head = bounded(text);
  const raw = analyzer.analyze(head, { language: LANGUAGE }).score + scoreCjkCues(head);
  if (raw === 0) return 0;
  return Math.round((raw / Math.sqrt(raw * raw + SQUASH)) * 100) / 100;
}
