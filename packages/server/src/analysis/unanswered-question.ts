import type { Message } from '@baton-chat/protocol';
import { asksForHuman, detectCues } from './frustration-cues.js';
import { splitSentences } from './segment-text.js';

const QUESTION_START =
  /^(?:who|what|when|where|which|why|how|can|could|would|will|is|are|am|do|does|did|may|should|have|has)\b/i;
const QUESTION_ZH = /[吗呢][\s。！!]*$|怎么|为什么|什么|哪|多少|几[天个次]|能不能|可不可以|是否/;
const QUESTION_JA = /か[\s。]*$|ですか|ますか|でしょうか|どう|なぜ|いつ|どこ|何/;

/** True when a sentence reads as a question: a question mark, a question word, 吗, ですか, ... */
export function looksLikeQuestion(sentence: string): boolean {
  const text = sentence.normalize('NFKC').trim();
  return /\?/.test(text) || QUESTION_START.test(text) || QUESTION_ZH.test(text) || QUESTION_JA.test(text);
}

/** Shortens text to at most `max` characters at a word boundary, with an ellipsis. */
export function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}

const MAX_QUESTION = 200;

/** The last question-like sentence of a customer message that is not an ask for a human. */
function questionIn(text: string, locale: string | undefined): string | undefined {
  const question = splitSentences(text, locale)
    .filter((sentence) => !asksForHuman(sentence) && looksLikeQuestion(sentence))
    .at(-1);
  return question === undefined ? undefined : clip(question, MAX_QUESTION);
}

/** How many customer messages back a question is looked for when the one answered was a statement. */
const QUESTION_LOOKBACK = 5;

/** True when a customer message shows more than an ask for a human: a complaint, shouting, a repeat... */
function disputes(text: string): boolean {
  return detectCues(text).some((cue) => cue !== 'asks_for_human');
}

/**
 * The question behind the customer message at `index`: its own question sentence, else the nearest
 * earlier one (within {@link QUESTION_LOOKBACK} customer messages) that the bot did not answer with
 * confidence (`answered`), else the message itself unless it only asks for a human or complains.
 * "That's not what I asked!" points back to what was asked, even when the bot sounded sure: once a
 * message on the way back disputes the answers, a confident answer no longer counts.
 */
function questionAt(
  messages: readonly Message[],
  index: number,
  locale: string | undefined,
  answered: ReadonlySet<number>,
): { index: number; question: string } | undefined {
  let seen = 0;
  let disputed = false;
  for (let at = index; at >= 0 && seen < QUESTION_LOOKBACK; at -= 1) {
    const message = messages[at];
    if (message?.role !== 'user') continue;
    seen += 1;
    const question = questionIn(message.text, locale);
    if (question !== undefined && (at === index || disputed || !answered.has(at))) {
      return { index: at, question };
    }
    if (disputes(message.text)) disputed = true;
  }
  const message = messages[index];
  if (message === undefined || asksForHuman(message.text) || detectCues(message.text).length > 0) {
    return undefined;
  }
  return message.text.trim() === '' ? undefined : { index, question: clip(message.text, MAX_QUESTION) };
}

/**
 * Finds the question the bot could not answer: the question behind the latest of
 * - the customer message the last answer with a confidence below `threshold` replied to
 *   (by `replyTo`, else the customer message before the answer);
 * - the customer's last ask for a human (a question in the same message, else the one before it);
 * - a question in the last customer message, when the bot has not answered it yet.
 *
 * "The question behind" a message is its last question-like sentence, else the nearest earlier
 * customer question (up to 5 messages back) that the bot's latest reply to did not answer with
 * confidence at or above `threshold` (unless a message since disputes the answers: a complaint,
 * shouting, a repeat), else the message itself when it is a plain statement ("My lamp arrived
 * broken") rather than a complaint or an ask for a human. So "How long does shipping take?", answered
 * with confidence, then "I want a person about order 1042" has no unanswered question.
 *
 * `messages` are oldest first without retracted ones; `confidenceOf` gives a bot message's confidence
 * (`undefined` when unknown, which never counts as low). Returns the question sentence, at most 200
 * characters, or `undefined`.
 */
export function findUnansweredQuestion(
  messages: readonly Message[],
  confidenceOf: (message: Message) => number | undefined,
  threshold: number,
  locale?: string,
): string | undefined {
  const indexById = new Map<string, number>();
  let lastUser = -1;
  let lastBot = -1;
  let lowAnswered = -1;
  let lastAsk = -1;
  // Customer messages whose latest bot reply was confident (or of unknown confidence).
  const answered = new Set<number>();
  messages.forEach((message, index) => {
    indexById.set(message.id, index);
    if (message.role === 'user') {
      lastUser = index;
      if (asksForHuman(message.text)) lastAsk = index;
    } else if (message.role === 'bot') {
      lastBot = index;
      const confidence = confidenceOf(message);
      const replied = message.replyTo === undefined ? undefined : indexById.get(message.replyTo);
      const target = replied !== undefined && messages[replied]?.role === 'user' ? replied : lastUser;
      if (confidence !== undefined && confidence < threshold) {
        lowAnswered = target;
        answered.delete(target);
      } else if (target >= 0) {
        answered.add(target);
      }
    }
  });

  const candidates: { index: number; question: string }[] = [];
  const consider = (index: number): void => {
    if (index < 0 || messages[index]?.role !== 'user') return;
    const found = questionAt(messages, index, locale, answered);
    // Ranked by the message that raised the need, so a later ask outranks an older low answer.
    if (found !== undefined) candidates.push({ index, question: found.question });
  };
  consider(lowAnswered);
  consider(lastAsk);
  const pending = lastUser > lastBot ? messages[lastUser] : undefined;
  const pendingQuestion = pending === undefined ? undefined : questionIn(pending.text, locale);
  if (pendingQuestion !== undefined) candidates.push({ index: lastUser, question: pendingQuestion });
  return candidates.sort((a, b) => b.index - a.index)[0]?.question;
}
