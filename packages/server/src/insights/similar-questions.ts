import type { QuestionGroup, UnansweredSignal } from '@baton-chat/protocol/agent';
import { contentTokens, tokenJaccard } from '../analysis/frustration-cues.js';

export type { QuestionGroup, UnansweredSignal };

/** One customer question the bot did not answer well. */
export interface UnansweredQuestion {
  conversationId: string;
  /** Id of the customer message. */
  messageId: string;
  text: string;
  locale?: string;
  /** When the customer asked (ISO timestamp). */
  at: string;
  /** The bot's confidence in its answer to it, when the bot answered with one. */
  confidence?: number;
  signals: readonly UnansweredSignal[];
}

/** Two questions are grouped when the Jaccard of their content words is at least this. */
export const SIMILARITY_THRESHOLD = 0.5;

interface Building {
  tokens: ReadonlySet<string>;
  members: UnansweredQuestion[];
}

/**
 * Groups questions by similarity: content words from `Intl.Segmenter` (stop words, numbers and short
 * Latin words dropped, a light plural stem), compared by Jaccard with each group's first question
 * (at least {@link SIMILARITY_THRESHOLD}); a question joins the most similar group, else starts one.
 * Questions without content words are grouped by their exact lower-cased text. Candidates are found
 * through an index of words, so the cost grows with the number of questions, not its square.
 * Returns groups by size, then by the newest question, at most `limit`.
 */
export function groupSimilarQuestions(questions: readonly UnansweredQuestion[], limit = 50): QuestionGroup[] {
  const groups: Building[] = [];
  const byToken = new Map<string, number[]>();
  const byText = new Map<string, number>();
  const ordered = [...questions].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  for (const question of ordered) {
    const tokens = contentTokens(question.text, question.locale);
    if (tokens.size === 0) {
      const key = question.text.normalize('NFKC').trim().toLowerCase();
      const at = byText.get(key);
      if (at !== undefined) groups[at]!.members.push(question);
      else {
        byText.set(key, groups.length);
        groups.push({ tokens, members: [question] });
      }
      continue;
    }
    let best = -1;
    let bestScore = 0;
    const seen = new Set<number>();
    for (const token of tokens) {
      for (const index of byToken.get(token) ?? []) {
        if (seen.has(index)) continue;
        seen.add(index);
        const score = tokenJaccard(tokens, groups[index]!.tokens);
        if (score > bestScore) {
          best = index;
          bestScore = score;
        }
      }
    }
    if (best >= 0 && bestScore >= SIMILARITY_THRESHOLD) {
      groups[best]!.members.push(question);
      continue;
    }
    const index = groups.length;
    groups.push({ tokens, members: [question] });
    for (const token of tokens) {
      const list = byToken.get(token);
      if (list) list.push(index);
      else byToken.set(token, [index]);
    }
  }
  return groups
    .map(summarize)
    .sort((a, b) => b.count - a.count || (a.lastAt < b.lastAt ? 1 : a.lastAt > b.lastAt ? -1 : 0))
    .slice(0, limit);
}

function summarize({ members }: Building): QuestionGroup {
  const newest = [...members].reverse();
  const wordings = new Map<string, number>();
  for (const m of newest) wordings.set(m.text, (wordings.get(m.text) ?? 0) + 1);
  let example = newest[0]!.text;
  for (const [text, n] of wordings) if (n > (wordings.get(example) ?? 0)) example = text;
  const confidences = members.flatMap((m) => (m.confidence === undefined ? [] : [m.confidence]));
  const signals: Record<UnansweredSignal, number> = { low_confidence: 0, thumbs_down: 0, escalation: 0 };
  for (const m of members) for (const s of m.signals) signals[s] += 1;
  const conversationIds: string[] = [];
  for (const m of newest) {
    if (conversationIds.length === 5) break;
    if (!conversationIds.includes(m.conversationId)) conversationIds.push(m.conversationId);
  }
  return {
    count: members.length,
    example,
    variants: [...wordings.keys()].filter((t) => t !== example).slice(0, 3),
    confidence:
      confidences.length === 0
        ? null
        : Math.round((confidences.reduce((s, c) => s + c, 0) / confidences.length) * 100) / 100,
    signals,
    conversationIds,
    lastAt: newest[0]!.at,
  };
}
