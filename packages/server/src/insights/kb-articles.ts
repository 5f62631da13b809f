import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { KbArticle, KbArticleListing, KbBrokenArticle } from '@baton-chat/protocol/agent';
import { parseArticle } from '../bots/kb/article.js';
import { BatonError } from '../errors.js';

/** An article file as the KB editor lists it. */
export type ArticleListing = KbArticleListing;
/** A file of the folder that does not parse; listed so an admin can see what to fix. */
export type BrokenArticle = KbBrokenArticle;
/** One article with its source, as the editor reads and writes it. */
export type ArticleSource = KbArticle;

const SLUG = /^[a-z0-9]+(?:[-/][a-z0-9]+)*$/;
const versionOf = (markdown: string) => createHash('sha256').update(markdown).digest('hex').slice(0, 16);

/** Checks a slug from a URL; throws `not-found` when it cannot name an article. */
export function checkSlug(slug: string): string {
  if (slug.length > 200 || !SLUG.test(slug))
    throw new BatonError('not-found', 'No such article: slugs are lower-case letters, digits, "-" and "/".');
  return slug;
}

/** The markdown files of a knowledge-base folder (README.md excepted), relative and sorted. */
async function articleFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true }))
    .filter((f) => /\.md$/i.test(f) && basename(f).toLowerCase() !== 'readme.md')
    .map((f) => f.split(sep).join('/'))
    .sort();
}

/** Resolves a relative path inside `dir`; refuses anything that would leave it. */
function inside(dir: string, file: string): string {
  const root = resolve(dir);
  const full = resolve(root, file);
  const rel = relative(root, full);
  if (rel === '' || rel.startsWith('..') || rel.includes(`..${sep}`) || resolve(root, rel) !== full)
    throw new BatonError('forbidden', 'Articles live inside the knowledge-base folder.');
  return full;
}

/**
 * Lists every article of the folder, sorted by file, and the files that fail to parse (with the
 * parser's message), so one bad file does not hide the others.
 */
export async function listArticles(
  dir: string,
): Promise<{ articles: ArticleListing[]; broken: BrokenArticle[] }> {
  const articles: ArticleListing[] = [];
  const broken: BrokenArticle[] = [];
  for (const file of await articleFiles(dir)) {
    try {
      const a = parseArticle(await readFile(inside(dir, file), 'utf8'), file);
      articles.push({ slug: a.slug, title: a.title, category: a.category, locale: a.locale, file });
    } catch (error) {
      broken.push({ file, error: (error as Error).message });
    }
  }
  return { articles, broken };
}

async function find(dir: string, slug: string): Promise<ArticleSource | undefined> {
  const { articles } = await listArticles(dir);
  const listed = articles.find((a) => a.slug === slug);
  if (!listed) return undefined;
  const markdown = await readFile(inside(dir, listed.file), 'utf8');
  const { tags } = parseArticle(markdown, listed.file);
  return { ...listed, tags, markdown, version: versionOf(markdown) };
}

/** Reads one article by slug; throws `not-found`. */
export async function readArticle(dir: string, slug: string): Promise<ArticleSource> {
  const article = await find(dir, checkSlug(slug));
  if (!article) throw new BatonError('not-found', `No article with slug "${slug}".`);
  return article;
}

/**
 * Writes one article: validates the source with the help center's own parser (title, a URL-safe slug
 * equal to `slug`, locale), then writes a temporary file next to the target and renames it over, so
 * readers (the bot's reload, the published help center) never see half a file. An existing article is
 * rewritten in its file; a new one becomes `<slug>.md`. With `version`, refuses (`stale-control`) when
 * the file changed since it was read. Returns the article as stored and whether it was created.
 */
export async function writeArticle(
  dir: string,
  slug: string,
  markdown: string,
  version?: string,
): Promise<{ article: ArticleSource; created: boolean }> {
  checkSlug(slug);
  const existing = await find(dir, slug);
  const file = existing?.file ?? `${slug}.md`;
  const target = inside(dir, file);
  let parsed;
  try {
    parsed = parseArticle(markdown, file);
  } catch (error) {
    throw new BatonError('validation-failed', (error as Error).message);
  }
  if (parsed.slug !== slug)
    throw new BatonError(
      'validation-failed',
      `${file}: the front matter says slug "${parsed.slug}"; it must be "${slug}" (save it under the new slug to rename).`,
    );
  if (existing && version !== undefined && version !== existing.version)
    throw new BatonError(
      'stale-control',
      'The article changed since you opened it: reload it, apply your edit again and save.',
    );
  if (!existing && version !== undefined)
    throw new BatonError(
      'not-found',
      `No article with slug "${slug}" any more; save without a version to create it.`,
    );
  await mkdir(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, markdown, { encoding: 'utf8', flag: 'wx' });
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return {
    article: {
      slug,
      title: parsed.title,
      category: parsed.category,
      locale: parsed.locale,
      file,
      tags: parsed.tags,
      markdown,
      version: versionOf(markdown),
    },
    created: !existing,
  };
}
