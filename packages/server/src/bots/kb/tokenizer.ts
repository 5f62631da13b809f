import { STOP_WORDS } from './stop-words.js';

const segmenters = new Map<string, Intl.Segmenter>();

function segmenterFor(locale: string): Intl.Segmenter {
  let segmenter = segmenters.get(locale);
  if (!segmenter) {
    segmenter = new Intl.Segmenter(locale, { granularity: 'word' });
    segmenters.set(locale, segmenter);
  }
  return segmenter;
}

/**
 * The primary language subtag of a BCP 47 tag, lower-cased (`zh-CN` -> `zh`), or undefined for an
 * empty or malformed tag.
 */
export function languageOf(locale: string | undefined): string | undefined {
  const language = locale?.trim().split(/[-_]/)[0]?.toLowerCase();
  return language && /^[a-z]{2,3}$/.test(language) ? language : undefined;
}

/**
 * Guesses the language of a text from its script: kana means Japanese, other Han characters mean
 * Chinese. Latin and other scripts give undefined (the caller falls back to the customer's locale).
 */
export function detectLanguage(text: string): string | undefined {
  if (/[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(text)) return 'ja';
  if (/\p{Script=Han}/u.test(text)) return 'zh';
  return undefined;
}

/**
 * Splits text into word-like segments with `Intl.Segmenter`, which finds word boundaries in scripts
 * without spaces (Chinese, Japanese, Thai) as well as in spaced ones. Punctuation and spaces are dropped.
 */
export function segmentWords(text: string, locale: string): string[] {
  const words: string[] = [];
  for (const { segment, isWordLike } of segmenterFor(locale).segment(text.normalize('NFKC'))) {
    if (isWordLike) words.push(segment);
  }
  return words;
}

/**
 * Turns one segmented word into an index term: NFKC, lower case, straight apostrophes, stop words
 * removed (null), and a light suffix stemmer for English so "parcels", "charged" and "cancelling"
 * meet "parcel", "charge" and "cancel". Applied identically to articles and questions.
 */
export function normalizeTerm(word: string, language: string): string | null {
  let term = word
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'");
  const stops = STOP_WORDS[language];
  if (stops?.has(term)) return null;
  // Japanese content words are written in kanji or katakana; short all-hiragana segments are
  // particles and verb endings that the segmenter splits off ("し", "たい", "ば").
  if (language === 'ja' && /^\p{Script=Hiragana}{1,3}$/u.test(term)) return null;
  if (language !== 'en') return term;
  term = term.replace(/'s$/, '').replace(/'/g, '');
  if (term === '' || stops?.has(term)) return null;
  return stemEnglish(term);
}

/**
 * A deliberately small English stemmer: plural, past and gerund endings, a final silent "e" and a
 * doubled final consonant. It over-stems some words, which is harmless because both sides of the
 * match go through it.
 */
export function stemEnglish(word: string): string {
  if (word.length <= 3 || !/^[a-z]+$/.test(word)) return word;
  let w = word;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith('ied') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('ed') && w.length > 4) w = w.slice(0, -2);
  else if (w.endsWith('ing') && w.length > 5) w = w.slice(0, -3);
  if (w.endsWith('e') && w.length > 4) w = w.slice(0, -1);
  if (/([b-df-hj-np-tv-z])\1$/.test(w)) w = w.slice(0, -1);
  return w;
}
