import type { ContextPackage, Message } from '@baton-chat/protocol';
import { analyzeUserMessage, type MessageAnalysis } from './analyze-user-message.js';
import { detectIntents } from './detect-intents.js';
import { DEFAULT_ESCALATION_POLICY } from './escalation-policy.js';
import { dedupeEntities, extractEntities } from './extract-entities.js';
import { sentimentTrend } from './sentiment-trend.js';
import { summarizeConversation } from './summarize-conversation.js';
import { suggestReply, type KnowledgeSearch } from './suggest-reply.js';
import { findUnansweredQuestion, looksLikeQuestion } from './unanswered-question.js';

/** The machine-made part of a context package (protocol section 13). */
export type AiContext = ContextPackage['ai'];

/** What `buildAiContext` reads. */
export interface AiContextInput {
  /** The conversation's messages, oldest first (the transcript); retracted ones are skipped. */
  messages: readonly Message[];
  /**
   * One analysis per non-retracted user message in `messages`, oldest first, as kept by the caller.
   * When missing or of another length, the user messages are analysed again.
   */
  analyses?: readonly MessageAnalysis[];
  /**
   * Confidence of each non-retracted bot message in `messages`, oldest first, `undefined` when unknown.
   * When missing or of another length, each message's own `confidence` is used.
   */
  botConfidences?: readonly (number | undefined)[];
  /** The customer's locale (BCP 47), for segmentation and the language of the suggested reply. */
  locale?: string;
  /** The customer's name; defaults to the author name on their latest message. */
  customerName?: string;
  /** Knowledge-base search, to cite the best passage in the suggested reply. */
  search?: KnowledgeSearch;
  /** Answers below this confidence count as unanswered. Default `0.35`, as in the escalation policy. */
  lowConfidenceThreshold?: number;
}

/** Sentiment scores are read from this many recent user messages; the history shows them all. */
const HISTORY_LIMIT = 50;

/**
 * Builds the `ai` part of the context package an agent sees on handoff: summary, intents, sentiment,
 * entities, the unanswered question and a suggested reply, all marked `machineGenerated`.
 *
 * Pure and without a language model (see `summarizeConversation`, `detectIntents`, `extractEntities`,
 * `findUnansweredQuestion`, `suggestReply`). Entities come from the customer's messages only (bot
 * answers quote prices from the help center). `sentiment.history` has one score per user message
 * (the last 50), `current` is the last (0 when there is none) and `trend` follows `sentimentTrend`.
 * `unansweredQuestion` is omitted when there is none; `suggestedReply` is always present, a draft the
 * agent edits and sends themselves.
 *
 * @example
 * ```ts
 * const ai = buildAiContext({ messages: transcript, analyses, botConfidences, locale: 'en', search });
 * const context: ContextPackage = { ...rest, ai };
 * ```
 */
export function buildAiContext(input: AiContextInput): AiContext {
  const messages = input.messages.filter((message) => message.status !== 'retracted');
  const userMessages = messages.filter((message) => message.role === 'user');
  const botMessages = messages.filter((message) => message.role === 'bot');
  const userTexts = userMessages.map((message) => message.text);
  const analyses =
    input.analyses?.length === userMessages.length ? input.analyses : analyzeAll(userTexts, input.locale);
  const confidences = new Map<Message, number | undefined>(
    botMessages.map((message, index) => [
      message,
      input.botConfidences?.length === botMessages.length ? input.botConfidences[index] : message.confidence,
    ]),
  );
  const threshold = input.lowConfidenceThreshold ?? DEFAULT_ESCALATION_POLICY.lowConfidenceThreshold;

  const history = analyses.slice(-HISTORY_LIMIT).map((analysis) => analysis.sentiment);
  const current = history.at(-1) ?? 0;
  const intents = detectIntents(userTexts, analyses);
  const entities = dedupeEntities(userTexts.flatMap((text) => extractEntities(text, input.locale)));
  const unansweredQuestion = findUnansweredQuestion(
    messages,
    (message) => confidences.get(message),
    threshold,
    input.locale,
  );
  const summary = summarizeConversation({
    userTexts,
    analyses,
    intents,
    ...(unansweredQuestion === undefined ? {} : { unansweredQuestion }),
    ...(input.locale === undefined ? {} : { locale: input.locale }),
  });
  const customerName = input.customerName ?? userMessages.at(-1)?.author.name;
  const orderId = entities.findLast((entity) => entity.type === 'order_id')?.value;
  const lastText = userTexts.at(-1);
  const question =
    unansweredQuestion ?? (lastText !== undefined && looksLikeQuestion(lastText) ? lastText : undefined);
  const suggestedReply = suggestReply({
    // The lowest recent score: a customer who just typed a calm "agent" may still be upset.
    sentiment: Math.min(0, ...history.slice(-3)),
    ...(question === undefined ? {} : { question }),
    ...(customerName === undefined ? {} : { customerName }),
    ...(orderId === undefined ? {} : { orderId }),
    ...(input.locale === undefined ? {} : { locale: input.locale }),
    ...(input.search === undefined ? {} : { search: input.search }),
  });

  return {
    machineGenerated: true,
    summary,
    intents,
    sentiment: { current, trend: sentimentTrend(history), history },
    entities,
    ...(unansweredQuestion === undefined ? {} : { unansweredQuestion }),
    suggestedReply,
  };
}

function analyzeAll(userTexts: readonly string[], locale: string | undefined): MessageAnalysis[] {
  return userTexts.map((text, index) =>
    analyzeUserMessage(text, { userTexts: userTexts.slice(Math.max(0, index - 10), index) }, locale),
  );
}
