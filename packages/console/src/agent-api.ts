import type { HandoffSnapshot, Message } from '@baton-chat/protocol';
import type {
  Agent,
  AgentPresence,
  CannedReply,
  CannedReplyInput,
  ConversationDetail,
  InsightsReport,
  KbArticle,
  KbArticleListing,
  KbHit,
  TransferTarget,
  WorkItem,
} from '@baton-chat/protocol/agent';

/** A range of whole UTC days (`YYYY-MM-DD`, both included); either end may be left to the server. */
export interface DayRange {
  from?: string;
  to?: string;
}

/**
 * A failed agent API call: `status` is the HTTP status (0 when the network failed), `code` the
 * problem code (`unauthorized`, `stale-control`, `rate-limited`, ...) and `message` the server's
 * explanation, which is written to be shown to the agent.
 */
export class AgentApiError extends Error {
  /** HTTP status, or 0 when the request never got an answer. */
  readonly status: number;
  /** The problem code of the answer (`network` when there was none). */
  readonly code: string;
  /** Seconds to wait before retrying, from `Retry-After`. */
  readonly retryAfter: number | undefined;

  constructor(status: number, code: string, message: string, retryAfter?: number, cause?: unknown) {
    super(message, { cause });
    this.name = 'AgentApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** Settings of {@link createAgentApi}. */
export interface AgentApiOptions {
  /** Origin and path before `/v1`, without a trailing slash. Default `''`: the page's own origin. */
  baseUrl?: string;
  /** The fetch to use (tests). Default `globalThis.fetch`. */
  fetch?: typeof fetch;
}

/** The console's typed client of the agent API (docs/agent-api.md). Every call rejects with {@link AgentApiError}. */
export interface AgentApi {
  /** Signs in; the session cookie is set by the server (HttpOnly), the app never sees it. */
  login(email: string, password: string): Promise<Agent>;
  logout(): Promise<void>;
  /** The signed-in agent, or rejects with status 401. */
  me(): Promise<Agent>;
  setStatus(status: 'available' | 'away'): Promise<Agent>;
  agents(): Promise<AgentPresence[]>;
  work(): Promise<WorkItem[]>;
  /** Opens the agent event stream; the caller reads and closes the body. */
  events(signal: AbortSignal): Promise<Response>;
  conversation(id: string): Promise<ConversationDetail>;
  /** A page of a transcript: messages before (or after) a seq, oldest first. */
  messages(
    id: string,
    page: { before?: number; after?: number; limit?: number },
  ): Promise<{ messages: Message[]; hasMore: boolean }>;
  claim(id: string): Promise<HandoffSnapshot>;
  decline(id: string): Promise<HandoffSnapshot>;
  /** Sends an agent message; `clientMessageId` is also the `Idempotency-Key`. */
  send(
    id: string,
    input: { clientMessageId: string; text: string; controlVersion?: number },
  ): Promise<Message>;
  typing(id: string, isTyping: boolean): Promise<void>;
  transfer(id: string, target: TransferTarget): Promise<HandoffSnapshot>;
  returnToBot(id: string, summary?: string): Promise<HandoffSnapshot>;
  resolve(id: string, summary?: string): Promise<HandoffSnapshot>;
  searchKb(query: string, locale?: string): Promise<KbHit[]>;
  /** Insights of a range of days (default: the last 7). */
  insights(range: DayRange): Promise<InsightsReport>;
  /** The URL of the JSON Lines export of a range (admins; a download link, the cookie goes along). */
  exportUrl(range: DayRange): string;
  /** Knowledge-base articles, and files that do not parse (admins). */
  kbArticles(): Promise<{ articles: KbArticleListing[]; broken: { file: string; error: string }[] }>;
  kbArticle(slug: string): Promise<KbArticle>;
  /** Saves an article; with `version`, refuses (409) when it changed since it was read. */
  saveKbArticle(slug: string, markdown: string, version?: string): Promise<KbArticle>;
  /** Rebuilds the bot's index from the folder. */
  reindexKb(): Promise<{ articles: number; ms: number }>;
  /** The team's canned replies, by shortcut. */
  cannedReplies(): Promise<CannedReply[]>;
  /** Adds a canned reply (admins); a taken shortcut or a field too long is refused (400). */
  createCannedReply(input: CannedReplyInput): Promise<CannedReply>;
  /** Replaces a canned reply's fields (admins). */
  updateCannedReply(id: string, input: CannedReplyInput): Promise<CannedReply>;
  /** Deletes a canned reply (admins). */
  deleteCannedReply(id: string): Promise<void>;
}

function rangeQuery(range: DayRange): string {
  const params = new URLSearchParams();
  if (range.from) params.set('from', range.from);
  if (range.to) params.set('to', range.to);
  const query = params.toString();
  return query ? `?${query}` : '';
}

async function problemOf(res: Response): Promise<AgentApiError> {
  let code = `http-${res.status}`;
  let message = `The server answered ${res.status} ${res.statusText}.`;
  try {
    const body = (await res.json()) as { code?: unknown; detail?: unknown; title?: unknown };
    if (typeof body.code === 'string') code = body.code;
    if (typeof body.detail === 'string') message = body.detail;
    else if (typeof body.title === 'string') message = body.title;
  } catch {
    // Not a problem document: keep the status line.
  }
  const retry = Number(res.headers.get('retry-after'));
  return new AgentApiError(
    res.status,
    code,
    message,
    Number.isFinite(retry) && retry > 0 ? retry : undefined,
  );
}

/**
 * Creates the agent API client. Requests go to the page's own origin with the session cookie
 * (`credentials: 'same-origin'`); the browser adds `Origin` and `Sec-Fetch-Site`, which the server
 * checks against cross-site requests.
 *
 * @example
 * ```ts
 * const api = createAgentApi();
 * const agent = await api.login('ana@example.com', 'a long password');
 * const { messages } = await api.conversation('cv_01JDGZ4Q8M');
 * ```
 */
export function createAgentApi(options: AgentApiOptions = {}): AgentApi {
  const base = `${options.baseUrl ?? ''}/v1/agent`;
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(base + path, {
        method,
        credentials: 'same-origin',
        headers: {
          accept: 'application/json',
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new AgentApiError(
        0,
        'network',
        'The server cannot be reached. Check your connection.',
        undefined,
        error,
      );
    }
    if (!res.ok) throw await problemOf(res);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }
  const path = (id: string, action = '') => `/conversations/${encodeURIComponent(id)}${action}`;

  return {
    login: async (email, password) =>
      (await request<{ agent: Agent }>('POST', '/login', { email, password })).agent,
    logout: () => request<void>('POST', '/logout', {}),
    me: async () => (await request<{ agent: Agent }>('GET', '/me')).agent,
    setStatus: async (status) => (await request<{ agent: Agent }>('POST', '/me/status', { status })).agent,
    agents: async () => (await request<{ agents: AgentPresence[] }>('GET', '/agents')).agents,
    work: async () => (await request<{ items: WorkItem[] }>('GET', '/work')).items,
    async events(signal) {
      let res: Response;
      try {
        res = await doFetch(`${base}/events`, {
          credentials: 'same-origin',
          headers: { accept: 'text/event-stream' },
          cache: 'no-store',
          signal,
        });
      } catch (error) {
        if (signal.aborted) throw error;
        throw new AgentApiError(0, 'network', 'The server cannot be reached.', undefined, error);
      }
      if (!res.ok || !res.body) throw await problemOf(res);
      return res;
    },
    conversation: (id) => request<ConversationDetail>('GET', path(id)),
    messages: (id, page) => {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(page))
        if (value !== undefined) params.set(key, String(value));
      return request<{ messages: Message[]; hasMore: boolean }>('GET', path(id, `/messages?${params}`));
    },
    claim: async (id) =>
      (await request<{ handoff: HandoffSnapshot }>('POST', path(id, '/claim'), {})).handoff,
    decline: async (id) =>
      (await request<{ handoff: HandoffSnapshot }>('POST', path(id, '/decline'), {})).handoff,
    send: async (id, input) =>
      (
        await request<{ message: Message }>('POST', path(id, '/messages'), input, {
          'idempotency-key': input.clientMessageId,
        })
      ).message,
    typing: (id, isTyping) => request<void>('POST', path(id, '/typing'), { isTyping }),
    transfer: async (id, target) =>
      (await request<{ handoff: HandoffSnapshot }>('POST', path(id, '/transfer'), target)).handoff,
    returnToBot: async (id, summary) =>
      (
        await request<{ handoff: HandoffSnapshot }>(
          'POST',
          path(id, '/return-to-bot'),
          summary ? { summary } : {},
        )
      ).handoff,
    resolve: async (id, summary) =>
      (await request<{ handoff: HandoffSnapshot }>('POST', path(id, '/resolve'), summary ? { summary } : {}))
        .handoff,
    searchKb: async (query, locale) => {
      const params = new URLSearchParams({ q: query });
      if (locale) params.set('locale', locale);
      return (await request<{ hits: KbHit[] }>('GET', `/kb/search?${params}`)).hits;
    },
    insights: (range) => request<InsightsReport>('GET', `/insights${rangeQuery(range)}`),
    exportUrl: (range) => `${base}/export.jsonl${rangeQuery(range)}`,
    kbArticles: () => request('GET', '/kb/articles'),
    kbArticle: async (slug) => (await request<{ article: KbArticle }>('GET', `/kb/articles/${slug}`)).article,
    saveKbArticle: async (slug, markdown, version) =>
      (
        await request<{ article: KbArticle }>('POST', `/kb/articles/${slug}`, {
          markdown,
          ...(version !== undefined && { version }),
        })
      ).article,
    reindexKb: () => request('POST', '/kb/reindex', {}),
    cannedReplies: async () => (await request<{ replies: CannedReply[] }>('GET', '/canned-replies')).replies,
    createCannedReply: async (input) =>
      (await request<{ reply: CannedReply }>('POST', '/canned-replies', input)).reply,
    updateCannedReply: async (id, input) =>
      (await request<{ reply: CannedReply }>('PUT', `/canned-replies/${encodeURIComponent(id)}`, input))
        .reply,
    deleteCannedReply: (id) => request<void>('DELETE', `/canned-replies/${encodeURIComponent(id)}`),
  };
}
