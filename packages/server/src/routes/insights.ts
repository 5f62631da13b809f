import type { Context } from 'hono';
import type { AgentRecord } from '../agents/agent-store.js';
import { BatonError } from '../errors.js';
import { invalid, json, readJsonBody } from '../http/http.js';
import { parseDayRange } from '../insights/date-range.js';
import type { InsightsSource } from '../insights/insights-query.js';
import { checkSlug, listArticles, readArticle, writeArticle } from '../insights/kb-articles.js';

/** The agent API's route helper: session, CSRF check on writes (all but GET), `admin` role, rate limit. */
export type AgentRoute = (
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  handler: (c: Context, agent: AgentRecord) => Response | Promise<Response>,
  rules?: { admin?: boolean },
) => void;

/** What the insights and knowledge-base editing endpoints need. */
export interface InsightsOptions {
  /** The reader of insights and exports over the server's database; without it those endpoints answer 404. */
  insights?: InsightsSource;
  /** The knowledge base: its folder and `reload` enable the editor; without them those endpoints answer 404. */
  knowledgeBase?: { dir?: string; reload?(): Promise<void> };
  /** Largest request body in bytes. Default 65536. */
  maxBodyBytes?: number;
}

const encoder = new TextEncoder();

/**
 * Mounts the endpoints for the people who train the bot and run the team (docs/agent-api.md):
 * `GET /v1/agent/insights` (any agent), the training export `GET /v1/agent/export.jsonl` (admin,
 * streamed a page at a time), and the knowledge-base editor (admin): list, read and write articles,
 * and re-index without a restart.
 */
export function mountInsights(route: AgentRoute, options: InsightsOptions): void {
  const source = (): InsightsSource => {
    if (!options.insights)
      throw new BatonError('not-found', 'Insights need the server’s own database (this server has none).');
    return options.insights;
  };
  const kbDir = (): string => {
    const dir = options.knowledgeBase?.dir;
    if (!dir) throw new BatonError('not-found', 'This server has no knowledge-base folder to edit.');
    return dir;
  };
  const range = (c: Context) => parseDayRange(c.req.query('from'), c.req.query('to'));

  route('GET', '/v1/agent/insights', async (c) =>
    json(200, await source().report(range(c)), { 'cache-control': 'no-store' }),
  );

  route(
    'GET',
    '/v1/agent/export.jsonl',
    (c) => {
      const days = range(c);
      const pages = source().exportPages(days);
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { value, done } = await pages.next();
          if (done) controller.close();
          else controller.enqueue(encoder.encode(value.map((line) => `${JSON.stringify(line)}\n`).join('')));
        },
        async cancel() {
          await pages.return(undefined);
        },
      });
      return new Response(body, {
        status: 200,
        headers: {
          'content-type': 'application/jsonl; charset=utf-8',
          'content-disposition': `attachment; filename="baton-conversations-${days.from}-to-${days.to}.jsonl"`,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        },
      });
    },
    { admin: true },
  );

  route(
    'GET',
    '/v1/agent/kb/articles',
    async () => json(200, await listArticles(kbDir()), { 'cache-control': 'no-store' }),
    { admin: true },
  );

  route(
    'GET',
    '/v1/agent/kb/articles/:slug{.+}',
    async (c) =>
      json(
        200,
        { article: await readArticle(kbDir(), checkSlug(c.req.param('slug') ?? '')) },
        {
          'cache-control': 'no-store',
        },
      ),
    { admin: true },
  );

  route(
    'POST',
    '/v1/agent/kb/articles/:slug{.+}',
    async (c) => {
      const dir = kbDir();
      const slug = checkSlug(c.req.param('slug') ?? '');
      const input = await readJsonBody(c, options.maxBodyBytes ?? 65_536);
      if (typeof input.markdown !== 'string' || input.markdown.trim() === '')
        throw invalid('markdown must be the article: front matter (title, slug) and its text.');
      if (input.version !== undefined && typeof input.version !== 'string')
        throw invalid('version must be the string read with the article.');
      const { article, created } = await writeArticle(
        dir,
        slug,
        input.markdown,
        input.version as string | undefined,
      );
      return json(created ? 201 : 200, { article });
    },
    { admin: true },
  );

  route(
    'POST',
    '/v1/agent/kb/reindex',
    async (c) => {
      const dir = kbDir();
      await readJsonBody(c, options.maxBodyBytes ?? 65_536);
      const reload = options.knowledgeBase?.reload;
      if (!reload) throw new BatonError('not-found', 'This server’s bot has no index to rebuild.');
      const started = performance.now();
      try {
        await reload();
      } catch (error) {
        // The bot keeps answering from the index it had.
        throw new BatonError(
          'validation-failed',
          `Re-indexing failed, nothing changed: ${(error as Error).message}`,
        );
      }
      const { articles } = await listArticles(dir);
      return json(200, { articles: articles.length, ms: Math.round(performance.now() - started) });
    },
    { admin: true },
  );
}
