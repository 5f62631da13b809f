import type { ContextPackage, HandoffSnapshot, Message } from '@baton-chat/protocol';
import {
  DEFAULT_ESCALATION_POLICY,
  analyzeUserMessage,
  buildAiContext,
  decideEscalation,
  type EscalationDecision,
  type EscalationPolicy,
  type KnowledgeSearch,
  type MessageAnalysis,
} from '../analysis/index.js';
import type { ServerContext } from '../context.js';

/** Messages the analyzer reads back from a conversation for one decision. */
const LOOKBACK_MESSAGES = 60;
/** Transcript length in the context package. */
const TRANSCRIPT_MESSAGES = 20;

/**
 * Scores every customer message of a transcript (each against the ones before it) and decides what
 * the escalation policy does after the last one.
 */
export function assess(
  messages: readonly Message[],
  policy: Readonly<EscalationPolicy>,
  locale?: string,
): { analyses: MessageAnalysis[]; decision: EscalationDecision } {
  const live = messages.filter((m) => m.status !== 'retracted');
  const analyses: MessageAnalysis[] = [];
  const earlier: string[] = [];
  for (const m of live) {
    if (m.role !== 'user') continue;
    analyses.push(analyzeUserMessage(m.text, { userTexts: earlier }, locale));
    earlier.push(m.text);
  }
  const botConfidences = live.filter((m) => m.role === 'bot').map((m) => m.confidence);
  return { analyses, decision: decideEscalation({ analyses, botConfidences }, policy) };
}

/**
 * The decision after a new customer message, read from the stored transcript plus `text`. Read
 * outside the conversation's transaction (PGlite has one connection), so it may miss a message that
 * lands at the same moment; the next message corrects it.
 */
export async function decideAfter(
  ctx: ServerContext,
  conversationId: string,
  text: string | undefined,
  locale?: string,
): Promise<EscalationDecision | undefined> {
  if (!ctx.escalation) return undefined;
  const page = await ctx.store.history(conversationId, { limit: LOOKBACK_MESSAGES });
  const messages: Message[] = [...page.messages];
  if (text !== undefined) {
    messages.push({
      id: 'pending',
      role: 'user',
      author: { role: 'user' },
      text,
      status: 'complete',
      seq: Number.MAX_SAFE_INTEGER,
      createdAt: new Date().toISOString(),
    });
  }
  return assess(messages, ctx.escalation, locale).decision;
}

/** Writes a summary of a transcript, or undefined to keep the extractive one. */
export type Summarizer = (
  conversationId: string,
  lastSeq: number,
  transcript: readonly Message[],
) => Promise<string | undefined>;

/**
 * Wraps a language model's summarize function for the context package: at most `timeoutMs` per call,
 * one call per conversation state (cached by its last seq), and undefined instead of an error, so the
 * agent gets the extractive summary when the model is slow or down.
 */
export function cachedSummarizer(
  summarize: (transcript: readonly Message[], signal?: AbortSignal) => Promise<string>,
  log: (message: string, error?: unknown) => void,
  timeoutMs = 8000,
): Summarizer {
  const cache = new Map<string, { lastSeq: number; summary: Promise<string | undefined> }>();
  return (conversationId, lastSeq, transcript) => {
    const hit = cache.get(conversationId);
    if (hit && hit.lastSeq === lastSeq) return hit.summary;
    const summary = summarize(transcript, AbortSignal.timeout(timeoutMs)).catch((error: unknown) => {
      log(`LLM summary failed for ${conversationId}; the extractive one is used`, error);
      cache.delete(conversationId);
      return undefined;
    });
    cache.delete(conversationId);
    cache.set(conversationId, { lastSeq, summary });
    if (cache.size > 500) cache.delete(cache.keys().next().value!);
    return summary;
  };
}

/** The escalation policy from options: defaults, overridden field by field; `false` switches it off. */
export function escalationPolicy(
  option: Partial<EscalationPolicy> | false | undefined,
): Readonly<EscalationPolicy> | undefined {
  if (option === false) return undefined;
  return { ...DEFAULT_ESCALATION_POLICY, ...option };
}

/**
 * The agent context package of a conversation (protocol section 13): who, where, the machine-made
 * analysis and the last messages. Null when the conversation has never had a handoff.
 */
export async function buildContextPackage(
  ctx: ServerContext,
  conversationId: string,
  search?: KnowledgeSearch,
  summarize?: Summarizer,
): Promise<ContextPackage | null> {
  const conversation = await ctx.store.getConversation(conversationId);
  if (!conversation?.handoffId) return null;
  const page = await ctx.store.history(conversationId, { limit: LOOKBACK_MESSAGES });
  const handoff = page.handoff as HandoffSnapshot;
  const routing = (await ctx.agents?.routing(conversationId, handoff.id)) ?? { priority: 0 };
  const policy = ctx.escalation ?? DEFAULT_ESCALATION_POLICY;
  const { analyses } = assess(page.messages, policy, conversation.locale);
  const ai = buildAiContext({
    messages: page.messages,
    analyses,
    ...(conversation.locale !== undefined && { locale: conversation.locale }),
    ...(conversation.user.name !== undefined && { customerName: conversation.user.name }),
    ...(search && { search }),
    lowConfidenceThreshold: policy.lowConfidenceThreshold,
  });
  if (summarize) {
    const llm = await summarize(conversationId, conversation.lastSeq, page.messages);
    if (llm) ai.summary = llm;
  }
  const { id, verified, name, email, attributes } = conversation.user;
  return {
    conversationId,
    handoffId: handoff.id,
    reason: handoff.reason,
    routing,
    customer: {
      id,
      verified,
      ...(name !== undefined && { name }),
      ...(email !== undefined && { email }),
      ...(attributes !== undefined && { attributes }),
    },
    session: conversation.session ?? {},
    ai,
    transcript: page.messages.slice(-TRANSCRIPT_MESSAGES),
    transcriptUrl: `/v1/agent/conversations/${conversationId}/messages`,
  };
}
