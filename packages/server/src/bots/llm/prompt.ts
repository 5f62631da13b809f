import type { Message } from '@baton-chat/protocol';

/** One retrieved passage as the LLM bot puts it in the prompt and in citations. */
export interface LlmSource {
  title: string;
  url: string;
  /** Section heading of the passage, when it differs from the title. */
  heading?: string;
  /** Short excerpt, used as the citation snippet. */
  snippet?: string;
  /** The passage in full; preferred over `snippet` in the prompt. */
  text?: string;
}

/** Longest passage text put in the prompt, in characters. */
const SOURCE_CHARS = 1500;

/** A chat message as the chat-completions API takes it. */
export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string };

/** Names a BCP 47 tag in English (`de` -> German), or returns the tag itself. */
function languageName(locale: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' }).of(locale) ?? locale;
  } catch {
    return locale;
  }
}

function clip(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max).trimEnd()}…` : t;
}

/**
 * The system prompt: the persona, then (with a knowledge base) the grounding rules and the sources
 * numbered `[1]`, `[2]`... with title, URL and passage.
 */
export function buildSystemPrompt(options: {
  persona: string;
  grounded: boolean;
  sources: readonly LlmSource[];
  locale: string | undefined;
}): string {
  const parts = [options.persona.trim()];
  const language = options.locale
    ? `Reply in ${languageName(options.locale)} (${options.locale}) unless the customer writes in another language; then reply in theirs.`
    : "Reply in the language of the customer's last message.";
  if (!options.grounded) {
    parts.push(language);
    return parts.join('\n\n');
  }
  parts.push(
    [
      'Rules:',
      '- Answer only from the numbered help-center sources below. Do not use outside knowledge and do not invent policies, prices, dates, links or steps.',
      '- Cite every source you use with its number in square brackets, such as [1].',
      '- If the sources do not answer the question, say plainly that you are not sure and offer to connect the customer with a person. Do not guess.',
      '- Be brief and friendly: a few sentences, or short numbered steps.',
      `- ${language}`,
    ].join('\n'),
  );
  if (options.sources.length === 0) {
    parts.push(
      'Sources: none. No help-center article matched this question, so say you are not sure and offer a person.',
    );
  } else {
    const listed = options.sources.map((s, i) => {
      const heading = s.heading && s.heading !== s.title ? `\nSection: ${s.heading}` : '';
      const body = clip(s.text || s.snippet || '', SOURCE_CHARS);
      return `[${i + 1}] ${s.title}\nURL: ${s.url}${heading}\n${body}`;
    });
    parts.push(`Sources:\n\n${listed.join('\n\n')}`);
  }
  return parts.join('\n\n');
}

/**
 * The conversation as chat messages: the last `limit` messages of the history (customer messages as
 * `user`, bot and agent messages as `assistant`; system notices, retracted and empty messages left out),
 * then the question.
 */
export function chatHistory(history: readonly Message[], question: string, limit: number): ChatMessage[] {
  const kept: ChatMessage[] = [];
  for (const m of history) {
    if (m.status === 'retracted' || m.text.trim() === '') continue;
    if (m.role === 'user') kept.push({ role: 'user', content: m.text });
    else if (m.role === 'bot' || m.role === 'agent') kept.push({ role: 'assistant', content: m.text });
  }
  return [...(limit > 0 ? kept.slice(-limit) : []), { role: 'user', content: question }];
}

/** Source numbers (1-based, in order of first mention) cited in `text` as `[1]`, `[2, 3]` or `[1][2]`. */
export function citedSources(text: string, count: number): number[] {
  const seen: number[] = [];
  for (const match of text.matchAll(/\[(\d+(?:\s*,\s*\d+)*)\]/g)) {
    for (const part of match[1]!.split(',')) {
      const n = Number(part.trim());
      if (Number.isInteger(n) && n >= 1 && n <= count && !seen.includes(n)) seen.push(n);
    }
  }
  return seen;
}
