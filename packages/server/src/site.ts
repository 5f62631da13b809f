import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { Context, Hono } from 'hono';
import { Marked } from 'marked';
import { loadArticles, type Article } from './bots/kb/article.js';

/** What the server serves besides the API: static folders and the published help center. */
export interface SiteOptions {
  /**
   * Folders served as static files, by URL prefix: `{ '/': 'site', '/assets/widget': 'node_modules/...' }`.
   * `index.html` answers a folder's URL. Only GET and HEAD; dot-files and paths leaving the folder are 404.
   * HTML gets a strict Content-Security-Policy (scripts, styles and connections from this origin only).
   */
  static?: Readonly<Record<string, string>>;
  /** A folder of help center articles (the kb bot's) published at `/help` and `/help/<slug>`. */
  helpCenterDir?: string;
  /** Name shown on the help center pages. Default "Help center". */
  helpCenterName?: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The strict policy of pages the server renders itself: no inline script or style at all. */
const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'";

const HELP_CSS = `body{font:16px/1.6 system-ui,sans-serif;max-width:46rem;margin:0 auto;padding:1.5rem;color:#1f2328;background:#fff}
a{color:#0b57d0}header{border-bottom:1px solid #d0d7de;margin-bottom:1.5rem}nav ul{padding-left:1.2rem}
h1{font-size:1.8rem;line-height:1.25}code{background:#f6f8fa;padding:.1em .3em;border-radius:4px}
@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}a{color:#7cb7ff}code{background:#161b22}}`;

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function page(title: string, lang: string, body: string, siteName: string, status = 200): Response {
  const html = `<!doctype html><html lang="${escapeHtml(lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ${escapeHtml(siteName)}</title><link rel="stylesheet" href="/help/help.css"></head>
<body><header><p><a href="/help">${escapeHtml(siteName)}</a></p></header><main>${body}</main></body></html>`;
  return new Response(html, {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': PAGE_CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    },
  });
}

/**
 * Publishes a help center: `/help` lists the articles by language and category, `/help/<slug>`
 * renders one. Articles are the team's own markdown, but raw HTML in them is escaped anyway.
 * Re-read from disk at most every 5 s, so edits show without a restart.
 */
function mountHelpCenter(app: Hono, dir: string, siteName: string): void {
  const marked = new Marked({
    gfm: true,
    renderer: {
      html: ({ text }) => escapeHtml(text),
    },
  });
  let cache: { at: number; articles: Article[] } | undefined;
  const articles = async () => {
    if (!cache || Date.now() - cache.at > 5_000)
      cache = { at: Date.now(), articles: await loadArticles(dir) };
    return cache.articles;
  };
  app.get(
    '/help/help.css',
    () => new Response(HELP_CSS, { headers: { 'content-type': 'text/css; charset=utf-8' } }),
  );
  app.get('/help', async () => {
    const all = await articles();
    const groups = new Map<string, Article[]>();
    for (const a of all) {
      const key = `${a.locale} · ${a.category}`;
      groups.set(key, [...(groups.get(key) ?? []), a]);
    }
    const sections = [...groups]
      .map(
        ([key, list]) =>
          `<section><h2>${escapeHtml(key)}</h2><nav><ul>${list
            .map(
              (a) =>
                `<li><a href="/help/${a.slug}" lang="${escapeHtml(a.locale)}">${escapeHtml(a.title)}</a></li>`,
            )
            .join('')}</ul></nav></section>`,
      )
      .join('');
    return page(siteName, 'en', `<h1>${escapeHtml(siteName)}</h1>${sections}`, siteName);
  });
  app.get('/help/*', async (c: Context) => {
    const slug = c.req.path.slice('/help/'.length).replace(/\/+$/, '');
    const article = (await articles()).find((a) => a.slug === slug);
    if (!article) {
      const body = '<h1>No such article</h1><p><a href="/help">See every article</a>.</p>';
      return page('Not found', 'en', body, siteName, 404);
    }
    const html = await marked.parse(article.body);
    return page(
      article.title,
      article.locale,
      `<article><h1>${escapeHtml(article.title)}</h1>${html}</article>`,
      siteName,
    );
  });
}

async function fileResponse(root: string, relative: string, method: string): Promise<Response | undefined> {
  const parts = relative.split('/').filter(Boolean);
  if (parts.some((p) => p.startsWith('.') || p.includes('\\') || p.includes('\0'))) return undefined;
  let file = resolve(root, ...parts);
  if (file !== root && !file.startsWith(root + sep)) return undefined;
  let info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) {
    file = join(file, 'index.html');
    info = await stat(file).catch(() => undefined);
  }
  if (!info?.isFile()) return undefined;
  const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  return new Response(method === 'HEAD' ? null : await readFile(file), {
    headers: {
      'content-type': type,
      'content-length': String(info.size),
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      // Pages served here (the demo, the console) run no inline script or style; a header can also
      // refuse framing by other sites, which a <meta> policy cannot.
      ...(type.startsWith('text/html') && { 'content-security-policy': PAGE_CSP }),
    },
  });
}

/**
 * Mounts the site around the API: static folders and the help center. Called after the API routes,
 * so `/v1` always wins.
 */
export function mountSite(app: Hono, options: SiteOptions): void {
  if (options.helpCenterDir)
    mountHelpCenter(app, options.helpCenterDir, options.helpCenterName ?? 'Help center');
  const mounts = Object.entries(options.static ?? {})
    .map(
      ([prefix, dir]) => [`/${prefix.replace(/^\/+|\/+$/g, '')}`.replace(/^\/$/, ''), resolve(dir)] as const,
    )
    // Longest prefix first, so `/assets/widget` wins over `/`.
    .sort((a, b) => b[0].length - a[0].length);
  if (mounts.length === 0) return;
  app.on(['GET', 'HEAD'], '*', async (c, next) => {
    let path: string;
    try {
      path = decodeURIComponent(c.req.path);
    } catch {
      return next();
    }
    for (const [prefix, root] of mounts) {
      if (prefix !== '' && path !== prefix && !path.startsWith(`${prefix}/`)) continue;
      const response = await fileResponse(root, path.slice(prefix.length), c.req.method);
      if (response) return response;
    }
    await next();
  });
}
