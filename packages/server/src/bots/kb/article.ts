import { readdir, readFile } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { parseFrontMatter } from './front-matter.js';

/** One help center article, parsed from a markdown file. */
export interface Article {
  title: string;
  /** Unique, URL-safe path segment(s): lower-case letters, digits, `-` and `/`. */
  slug: string;
  category: string;
  /** BCP 47 tag; `en` when the front matter has none. */
  locale: string;
  tags: string[];
  /** The markdown after the front matter. */
  body: string;
  /** Path relative to the help center folder, for error messages. */
  file: string;
}

const SLUG = /^[a-z0-9]+(?:[-/][a-z0-9]+)*$/;

/**
 * Parses one article file. Throws an error naming the file and the field to fix when `title` or
 * `slug` is missing or the slug is not URL-safe.
 */
export function parseArticle(source: string, file: string): Article {
  let parsed;
  try {
    parsed = parseFrontMatter(source);
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
  }
  const { data, body } = parsed;
  const text = (key: string): string | undefined => {
    const value = data[key];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const title = text('title');
  const slug = text('slug');
  if (!title) throw new Error(`${file}: add a "title:" line to the front matter.`);
  if (!slug || !SLUG.test(slug)) {
    throw new Error(
      `${file}: "slug:" must be lower-case letters, digits, "-" and "/" (got ${JSON.stringify(slug ?? '')}).`,
    );
  }
  const locale = text('locale') ?? 'en';
  try {
    Intl.getCanonicalLocales(locale);
  } catch (error) {
    throw new Error(
      `${file}: "locale:" must be a BCP 47 tag such as en or zh-CN (got ${JSON.stringify(locale)}).`,
      {
        cause: error,
      },
    );
  }
  const tags = data['tags'];
  return {
    title,
    slug,
    category: text('category') ?? 'General',
    locale,
    tags: Array.isArray(tags)
      ? tags
      : typeof tags === 'string'
        ? tags
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean)
        : [],
    body,
    file,
  };
}

/**
 * Reads every `.md` file under `dir` (recursively, `README.md` excepted) as an article, sorted by
 * path so the result is stable. Throws when two articles share a slug.
 */
export async function loadArticles(dir: string): Promise<Article[]> {
  const files = (await readdir(dir, { recursive: true }))
    .filter((file) => /\.md$/i.test(file) && basename(file).toLowerCase() !== 'readme.md')
    .sort();
  const articles = await Promise.all(
    files.map(async (file) =>
      parseArticle(await readFile(join(dir, file), 'utf8'), file.split(sep).join('/')),
    ),
  );
  const seen = new Map<string, string>();
  for (const article of articles) {
    const other = seen.get(article.slug);
    if (other)
      throw new Error(
        `${article.file}: slug "${article.slug}" is already used by ${other}; slugs must be unique.`,
      );
    seen.set(article.slug, article.file);
  }
  return articles;
}
