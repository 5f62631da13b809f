/**
 * Word and sentence segmentation with `Intl.Segmenter`, so Chinese and Japanese need no spaces.
 * Segmenters are cached per primary language subtag (a handful at most).
 */

const MAX_CACHED = 32;

/**
 * Only this many leading characters of a text are analysed: the reference server's default
 * `maxMessageChars`. `Intl.Segmenter` slows down more than linearly on long inputs, and a pasted
 * log should cost no more than a long message.
 */
export const MAX_ANALYZED_CHARS = 4000;

/** The part of a text that is analysed: its first {@link MAX_ANALYZED_CHARS} characters. */
export function bounded(text: string): string {
  return text.length > MAX_ANALYZED_CHARS ? text.slice(0, MAX_ANALYZED_CHARS) : text;
}
const wordSegmenters = new Map<string, Intl.Segmenter>();
const sentenceSegmenters = new Map<string, Intl.Segmenter>();

function languageOf(locale: string | undefined): string {
  const primary = locale?.split(/[-_]/)[0]?.toLowerCase();
  return primary !== undefined && /^[a-z]{2,3}$/.test(primary) ? primary : 'en';
}

function segmenter(
  cache: Map<string, Intl.Segmenter>,
  granularity: 'word' | 'sentence',
  locale: string | undefined,
): Intl.Segmenter {
  const language = languageOf(locale);
  const cached = cache.get(language);
  if (cached !== undefined) return cached;
  let created: Intl.Segmenter;
  try {
    created = new Intl.Segmenter(language, { granularity });
  } catch {
    created = new Intl.Segmenter('en', { granularity });
  }
  // Locales come from clients; the bound keeps odd tags from growing the cache.
  if (cache.size < MAX_CACHED) cache.set(language, created);
  return created;
}

/**
 * Splits text into lower-cased, NFKC-normalised words.
 *
 * Punctuation and spaces are dropped; Chinese and Japanese are split by the ICU dictionary. Reads the
 * first {@link MAX_ANALYZED_CHARS} characters.
 */
export function wordTokens(text: string, locale?: string): string[] {
  const words: string[] = [];
  for (const part of segmenter(wordSegmenters, 'word', locale).segment(bounded(text).normalize('NFKC'))) {
    if (part.isWordLike === true) words.push(part.segment.toLowerCase());
  }
  return words;
}

/**
 * Splits text into trimmed sentences; line breaks also end a sentence. Reads the first
 * {@link MAX_ANALYZED_CHARS} characters.
 */
export function splitSentences(text: string, locale?: string): string[] {
  const sentences: string[] = [];
  for (const line of bounded(text).split(/\r?\n/)) {
    for (const part of segmenter(sentenceSegmenters, 'sentence', locale).segment(line)) {
      const sentence = part.segment.trim();
      if (sentence !== '') sentences.push(sentence);
    }
  }
  return sentences;
}

/** True when the text contains Han, Hiragana or Katakana characters. */
export function hasCjk(text: string): boolean {
  return /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(text);
}
