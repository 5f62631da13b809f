import type { HandoffReason } from '@baton-chat/protocol';
import type { MessageAnalysis } from './analyze-user-message.js';
import type { Cue } from './frustration-cues.js';
import { sentimentTrend } from './sentiment-trend.js';

/**
 * When the analyzer hands a conversation to a human, and how urgent it makes it.
 *
 * Start from {@link DEFAULT_ESCALATION_POLICY} and override what a site wants
 * (`{ ...DEFAULT_ESCALATION_POLICY, negativeSentimentThreshold: -0.7 }`). A threshold outside the
 * possible range turns its rule off (`negativeSentimentThreshold: -2`, `lowConfidenceRun: Infinity`).
 */
export interface EscalationPolicy {
  /** Hand off as soon as the customer asks for a person (`user_requested`). Default `true`. */
  handoffOnAskForHuman: boolean;
  /** Hand off when one message scores at or below this (`negative_sentiment`). Default `-0.5`. */
  negativeSentimentThreshold: number;
  /** How many recent user messages make the trend. Default `3`. */
  trendWindow: number;
  /**
   * Hand off on a worsening trend over a full `trendWindow` whose last score is below this, when
   * one of those messages shows a frustration cue (`negative_sentiment`). Default `-0.2`.
   */
  worseningFloor: number;
  /** A bot answer with a confidence below this is a low-confidence answer. Default `0.35`. */
  lowConfidenceThreshold: number;
  /** Hand off after this many low-confidence answers in a row (`repeated_failure`). Default `2`. */
  lowConfidenceRun: number;
  /**
   * Hand off when the customer repeats a question right after a low-confidence answer
   * (`low_confidence`), or repeats it a second time whatever the confidence (`repeated_failure`).
   * Default `true`.
   */
  handoffOnRepeatedQuestion: boolean;
  /** Raise the priority by one when the latest sentiment is at or below this. Default `-0.2`. */
  priorityNegativeBelow: number;
  /** Raise the priority by one when the last `trendWindow` messages show this many cues. Default `2`. */
  priorityCueCount: number;
}

/** The escalation policy the reference server uses unless a site configures its own. */
export const DEFAULT_ESCALATION_POLICY: Readonly<EscalationPolicy> = Object.freeze({
  handoffOnAskForHuman: true,
  negativeSentimentThreshold: -0.5,
  trendWindow: 3,
  worseningFloor: -0.2,
  lowConfidenceThreshold: 0.35,
  lowConfidenceRun: 2,
  handoffOnRepeatedQuestion: true,
  priorityNegativeBelow: -0.2,
  priorityCueCount: 2,
});

/** What the analyzer knows about a conversation so far. */
export interface EscalationState {
  /** One analysis per user message, oldest first (from `analyzeUserMessage`). */
  analyses: readonly MessageAnalysis[];
  /** Confidence of each bot answer, oldest first; `undefined` when the bot reported none. */
  botConfidences: readonly (number | undefined)[];
}

/** The analyzer's verdict: keep the bot, with a queue priority, or hand off, and why. */
export type EscalationDecision =
  | { action: 'none'; priority: number }
  | { action: 'handoff'; reason: HandoffReason; priority: number; explanation: string };

/** The highest priority the analyzer assigns; `QueueInfo.priority` allows more, sites may add their own. */
export const MAX_PRIORITY = 3;

/** Analyses further back than this are not read: a decision costs the same in a long conversation. */
const LOOKBACK = 50;

const CUE_LABELS: Record<Cue, string> = {
  asks_for_human: 'asks for a person',
  all_caps: 'all caps',
  repeated_question: 'repeated question',
  excessive_punctuation: 'many !/?',
  profanity: 'profanity',
  negative_phrase: 'negative phrases',
};

function score(value: number): string {
  // Rounded half away from zero, so -0.55 reads -0.6 like the threshold it crossed.
  return ((Math.sign(value) * Math.round(Math.abs(value) * 10)) / 10 + 0).toFixed(1);
}

function times(count: number): string {
  if (count <= 1) return '';
  return count === 2 ? ' twice' : ` ${count} times`;
}

function isLow(confidence: number | undefined, policy: EscalationPolicy): confidence is number {
  return confidence !== undefined && confidence < policy.lowConfidenceThreshold;
}

function sentence(facts: readonly string[]): string {
  const text = facts.join('; ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/**
 * Decides whether the conversation should go to a human now, and how urgent it is.
 *
 * Call it after each user message (before the bot answers) and after each bot answer. The verdict
 * describes the state, so it repeats until new messages change it: act on a handoff once per message
 * (after a failed handoff, the same analyses still say `handoff`). Rules, first match wins:
 * 1. the latest message asks for a person: `user_requested`;
 * 2. the latest sentiment is at or below `negativeSentimentThreshold` (-0.5), or the last
 *    `trendWindow` (3) scores worsen, end below `worseningFloor` (-0.2) and show a frustration cue:
 *    `negative_sentiment`;
 * 3. the last `lowConfidenceRun` (2) bot answers were all below `lowConfidenceThreshold` (0.35), or the
 *    customer repeated a question for the second message in a row: `repeated_failure`;
 * 4. the latest message repeats an earlier one right after a low-confidence answer: `low_confidence`.
 *
 * Priority (0 to {@link MAX_PRIORITY}, larger is more urgent) is computed either way: +1 when the
 * latest sentiment is at or below `priorityNegativeBelow` (-0.2), +1 more at or below
 * `negativeSentimentThreshold`, +1 for a worsening trend, +1 when the last `trendWindow` messages show
 * `priorityCueCount` (2) or more cues. `explanation` is one sentence for the agent console, such as
 * "Customer asked for a person twice; sentiment fell from 0.1 to -0.6."
 */
export function decideEscalation(
  state: EscalationState,
  policy: Readonly<EscalationPolicy> = DEFAULT_ESCALATION_POLICY,
): EscalationDecision {
  const analyses = state.analyses.slice(-LOOKBACK);
  const latest = analyses.at(-1);
  const window = analyses.slice(-Math.max(1, policy.trendWindow));
  const history = window.map((analysis) => analysis.sentiment);
  const first = history[0] ?? 0;
  const current = latest?.sentiment ?? 0;
  const worsening = history.length >= 2 && sentimentTrend(history, history.length) === 'worsening';
  const windowCues = window.flatMap((analysis) => analysis.cues);
  const frustration = windowCues.filter((cue) => cue !== 'asks_for_human');

  let priority = 0;
  if (latest !== undefined && current <= policy.priorityNegativeBelow) priority += 1;
  if (latest !== undefined && current <= policy.negativeSentimentThreshold) priority += 1;
  if (worsening) priority += 1;
  if (windowCues.length >= policy.priorityCueCount) priority += 1;
  priority = Math.min(MAX_PRIORITY, priority);

  const asks = analyses.filter((analysis) => analysis.asksForHuman).length;
  const fell = worsening && first - current >= 0.15;
  const sentimentFact = fell
    ? `sentiment fell from ${score(first)} to ${score(current)}`
    : current <= policy.priorityNegativeBelow
      ? `sentiment is ${score(current)}`
      : undefined;
  const cueFact =
    frustration.length > 0
      ? `signs of frustration: ${[...new Set(frustration)].map((cue) => CUE_LABELS[cue]).join(', ')}`
      : undefined;
  const handoff = (reason: HandoffReason, ...facts: (string | undefined)[]): EscalationDecision => ({
    action: 'handoff',
    reason,
    priority,
    explanation: sentence(facts.filter((fact): fact is string => fact !== undefined).slice(0, 3)),
  });

  if (latest?.asksForHuman === true && policy.handoffOnAskForHuman) {
    return handoff('user_requested', `customer asked for a person${times(asks)}`, sentimentFact, cueFact);
  }

  if (latest !== undefined && current <= policy.negativeSentimentThreshold) {
    return handoff(
      'negative_sentiment',
      fell ? sentimentFact : `latest message is strongly negative (${score(current)})`,
      cueFact,
    );
  }
  if (
    worsening &&
    history.length >= policy.trendWindow &&
    current < policy.worseningFloor &&
    frustration.length > 0
  ) {
    return handoff('negative_sentiment', sentimentFact, cueFact);
  }

  const run = Math.max(1, policy.lowConfidenceRun);
  const recentAnswers = state.botConfidences.slice(-run);
  if (
    Number.isFinite(policy.lowConfidenceRun) &&
    recentAnswers.length === run &&
    recentAnswers.every((confidence) => isLow(confidence, policy))
  ) {
    const list = recentAnswers.map((confidence) => (confidence ?? 0).toFixed(2)).join(', ');
    const answers = run === 1 ? 'answer' : `${run} answers`;
    return handoff(
      'repeated_failure',
      `the bot's last ${answers} had low confidence (${list})`,
      sentimentFact,
      cueFact,
    );
  }

  const repeated = latest?.cues.includes('repeated_question') === true;
  if (policy.handoffOnRepeatedQuestion && repeated) {
    const previous = analyses.at(-2);
    if (previous?.cues.includes('repeated_question') === true) {
      return handoff('repeated_failure', 'customer repeated a question twice in a row', sentimentFact);
    }
    const lastAnswer = state.botConfidences.at(-1);
    if (isLow(lastAnswer, policy)) {
      return handoff(
        'low_confidence',
        `customer repeated a question after a low-confidence answer (${lastAnswer.toFixed(2)})`,
        sentimentFact,
      );
    }
  }

  return { action: 'none', priority };
}
