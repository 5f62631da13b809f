import OpenAI from 'openai';
import type { Citation, Message, Suggestion } from '@baton-chat/protocol';
import type { Bot, BotChunk, BotTurn } from '../bot.js';
import { hasMessages, messagesFor } from '../kb/messages.js';
import { detectLanguage, languageOf } from '../kb/tokenizer.js';
import { LlmBotError, timeoutError, toLlmBotError } from './errors.js';
import { buildSystemPrompt, chatHistory, citedSources, type LlmSource } from './prompt.js';

export { LlmBotError } from './errors.js';
export type { LlmBotErrorCode } from './errors.js';
export type { LlmSource } from './prompt.js';

/** What {@link LlmKnowledgeBase.search} returns; the knowledge-base bot's `search()` result fits. */
export interface LlmSearchResult {
  /** How sure retrieval is that the first hit answers the query, 0..1. */
  confidence: number;
  /** Matching passages, best first. */
  hits: readonly LlmSource[];
}

/** Where the LLM bot retrieves passages from, such as the bot of `createKnowledgeBaseBot()`. */
export interface LlmKnowledgeBase {
  search(query: string, locale?: string): LlmSearchResult | Promise<LlmSearchResult>;
}

/** Options of {@link createLlmBot}. */
export interface LlmBotOptions {
  /**
   * Base URL of the OpenAI-compatible API, the part before `/chat/completions`: `https://api.openai.com/v1`,
   * `https://RESOURCE.openai.azure.com/openai/v1`, `http://localhost:11434/v1` (Ollama),
   * `http://localhost:8000/v1` (vLLM), `http://localhost:8080/v1` (llama.cpp server).
   */
  baseURL: string;
  /** Model name (on Azure, the deployment name). */
  model: string;
  /** API key, sent as `Authorization: Bearer`. Omit for local servers that need none (no header is sent). */
  apiKey?: string;
  /** Grounds answers: its top passages go into the system prompt as numbered sources. */
  knowledgeBase?: LlmKnowledgeBase;
  /** Display name shown to customers. Default `Assistant`. */
  name?: string;
  /** Author id of its messages. Default `llm-bot`. */
  id?: string;
  /** Persona and house rules; the grounding rules and the sources are appended after it. */
  systemPrompt?: string;
  /** Sampling temperature; not sent when undefined (the model's default). */
  temperature?: number;
  /** Upper bound of the answer's tokens (`max_tokens`); not sent when undefined. */
  maxTokens?: number;
  /**
   * Milliseconds allowed until the first token, and then between two chunks of the stream; past it the
   * request is aborted and the turn fails. Default 60000.
   */
  timeoutMs?: number;
  /** Retries of a failed request before the first token (connection errors, 408/409/429/5xx). Default 0. */
  maxRetries?: number;
  /** Passages put in the prompt. Default 4. */
  maxSources?: number;
  /** Earlier messages of the conversation sent along. Default 10. */
  historyMessages?: number;
  /**
   * Retrieval confidence (0..1) below which the answer offers a person (`action: 'handoff'`) and sets
   * `wantsHuman`. Default 0.35, the knowledge-base bot's threshold.
   */
  threshold?: number;
  /** The fetch the client uses (tests, proxies). Default: the global fetch. */
  fetch?: typeof fetch;
}

const DEFAULT_PERSONA =
  'You are a customer-service assistant for an online shop, chatting with a customer in a support widget.';

/**
 * Creates a bot answering with a language model behind any OpenAI-compatible chat-completions endpoint
 * (OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp server) through the official `openai` package, grounded
 * on a knowledge base. Per turn it yields a `progress` chunk, searches the knowledge base, puts the top
 * passages in the system prompt as numbered sources with the rule to answer only from them, sends the
 * last messages of the conversation, streams the model's tokens as `delta` chunks and ends with a
 * `final` chunk: the sources the answer cites (`[1]`) as citations (the top source when it cites none
 * and retrieval was confident), retrieval's confidence, and below `threshold` a "Talk to a person"
 * suggestion with `wantsHuman`. Aborting `turn.signal` aborts the HTTP request at once. An upstream
 * failure (HTTP error, connection refused, no token within `timeoutMs`, malformed stream) throws an
 * {@link LlmBotError} whose message is safe to show, which the server turns into `finishReason: "error"`
 * plus an `error` event.
 *
 * @example
 * const kb = await createKnowledgeBaseBot({ dir: 'help-center' });
 * const bot = createLlmBot({
 *   baseURL: 'http://localhost:11434/v1',
 *   model: 'llama3.1',
 *   knowledgeBase: kb,
 * });
 * await startServer({ bot });
 */
/** An LLM bot: a {@link Bot} that can also summarize a conversation for the agent who takes over. */
export interface LlmBot extends Bot {
  /**
   * Summarizes a transcript in two or three sentences for an agent (what the customer wants, what was
   * tried, what is still open), in the language of the transcript. One non-streamed request, aborted by
   * `signal` or after the bot's `timeoutMs`.
   * @throws LlmBotError with a safe message when the endpoint fails or answers nothing.
   */
  summarize(transcript: readonly Message[], signal?: AbortSignal): Promise<string>;
}

const SUMMARY_PROMPT =
  'You write handover notes for customer-service agents. Summarize the conversation below in at most ' +
  'three short sentences: what the customer wants, what the assistant already answered or tried, and ' +
  'what is still open. Keep order numbers and amounts exactly. Write in the language the customer used. ' +
  'Do not address the customer; do not invent facts.';

const SPEAKER: Record<Message['role'], string> = {
  user: 'Customer',
  bot: 'Assistant',
  agent: 'Agent',
  system: 'System',
};

export function createLlmBot(options: LlmBotOptions): LlmBot {
  if (!options.baseURL) throw new Error('createLlmBot: baseURL is required (BATON_LLM_BASE_URL)');
  if (!options.model) throw new Error('createLlmBot: model is required (BATON_LLM_MODEL)');
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxSources = options.maxSources ?? 4;
  const historyMessages = options.historyMessages ?? 10;
  const threshold = options.threshold ?? 0.35;
  const apiKey = options.apiKey || undefined;
  const { knowledgeBase } = options;

  const client = new OpenAI({
    baseURL: options.baseURL,
    // The client insists on a key; without one the Authorization header is removed below.
    apiKey: apiKey ?? 'none',
    // Never forward OPENAI_ORG_ID / OPENAI_PROJECT_ID from the environment to a third-party endpoint.
    organization: null,
    project: null,
    ...(apiKey === undefined && { defaultHeaders: { Authorization: null } }),
    maxRetries: options.maxRetries ?? 0,
    // Our own timer (below) covers the time to first token; this only backs it up.
    timeout: timeoutMs + 1000,
    // The thrown LlmBotError is logged by the server; the client's own console output is noise.
    logLevel: 'off',
    ...(options.fetch && { fetch: options.fetch }),
  });

  return {
    id: options.id ?? 'llm-bot',
    name: options.name ?? 'Assistant',

    async summarize(transcript: readonly Message[], signal?: AbortSignal): Promise<string> {
      const lines = transcript
        .filter((m) => m.status !== 'retracted' && m.text.trim() !== '')
        .slice(-30)
        .map((m) => `${SPEAKER[m.role]}: ${m.text.slice(0, 1500)}`);
      const upstream = new AbortController();
      const onAbort = (): void => upstream.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => upstream.abort(), timeoutMs);
      try {
        const response = await client.chat.completions.create(
          {
            model: options.model,
            messages: [
              { role: 'system', content: SUMMARY_PROMPT },
              { role: 'user', content: lines.join('\n') },
            ],
            stream: false,
            temperature: 0.2,
            max_tokens: 220,
          },
          { signal: upstream.signal },
        );
        const text = response.choices[0]?.message?.content?.trim();
        if (!text) throw new LlmBotError('empty', 'The language model service returned an empty summary.');
        return text;
      } catch (error) {
        if (upstream.signal.aborted && !signal?.aborted) throw timeoutError(timeoutMs);
        throw toLlmBotError(error, apiKey, false);
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      }
    },

    async *answer(turn: BotTurn): AsyncIterable<BotChunk> {
      const { signal, question } = turn;
      const locale = turn.locale ?? turn.session?.locale;
      const language = languageOf(locale) ?? detectLanguage(question);
      const labels = messagesFor(hasMessages(language) ? language : 'en');
      yield knowledgeBase
        ? { type: 'progress', stage: 'searching', label: labels.searching }
        : { type: 'progress', stage: 'thinking', label: 'Thinking...' };
      if (signal.aborted) return;

      let sources: LlmSource[] = [];
      let confidence: number | undefined;
      if (knowledgeBase) {
        const result = await knowledgeBase.search(question, locale);
        if (signal.aborted) return;
        sources = result.hits.slice(0, Math.max(0, maxSources));
        confidence = Math.round(Math.min(1, Math.max(0, result.confidence)) * 100) / 100;
      }
      const system = buildSystemPrompt({
        persona: options.systemPrompt ?? DEFAULT_PERSONA,
        grounded: knowledgeBase !== undefined,
        sources,
        locale,
      });
      const messages = [
        { role: 'system' as const, content: system },
        ...chatHistory(turn.history, question, historyMessages),
      ];

      // One controller for the request: the turn's cancel and our timeout both abort it.
      const upstream = new AbortController();
      const onAbort = (): void => upstream.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      let timedOut = false;
      let timer: NodeJS.Timeout | undefined;
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          timedOut = true;
          upstream.abort();
        }, timeoutMs);
      };
      let text = '';
      let streaming = false;
      try {
        arm();
        const stream = await client.chat.completions.create(
          {
            model: options.model,
            messages,
            stream: true,
            ...(options.temperature !== undefined && { temperature: options.temperature }),
            ...(options.maxTokens !== undefined && { max_tokens: options.maxTokens }),
          },
          { signal: upstream.signal },
        );
        streaming = true;
        for await (const chunk of stream) {
          const piece = chunk.choices?.[0]?.delta?.content;
          // Until the first token only the first-token deadline counts; after it, each chunk restarts the clock.
          if (typeof piece === 'string' && piece !== '') {
            arm();
            text += piece;
            yield { type: 'delta', text: piece };
          } else if (text !== '') {
            arm();
          }
        }
      } catch (error) {
        if (signal.aborted) return;
        if (timedOut) throw timeoutError(timeoutMs);
        throw toLlmBotError(error, apiKey, streaming);
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        // Closes the connection when the consumer stopped early; a no-op after a complete stream.
        upstream.abort();
      }
      // The client's stream ends quietly (no throw) when its request is aborted.
      if (signal.aborted) return;
      if (timedOut) throw timeoutError(timeoutMs);
      if (text.trim() === '') {
        throw new LlmBotError('empty', 'The language model returned an empty answer.');
      }

      const cited = citedSources(text, sources.length).map((n) => sources[n - 1]!);
      const confident = confidence === undefined || confidence >= threshold;
      const used = cited.length > 0 ? cited : confident && sources[0] ? [sources[0]] : [];
      const citations: Citation[] = used.map((s) => ({
        title: s.title,
        url: s.url,
        ...(s.snippet !== undefined && s.snippet !== '' && { snippet: s.snippet }),
      }));
      const suggestions: Suggestion[] = confident ? [] : [{ label: labels.talkToPerson, action: 'handoff' }];
      yield {
        type: 'final',
        ...(citations.length > 0 && { citations }),
        ...(suggestions.length > 0 && { suggestions }),
        ...(confidence !== undefined && { confidence }),
        ...(!confident && { wantsHuman: true }),
      };
    },
  };
}
