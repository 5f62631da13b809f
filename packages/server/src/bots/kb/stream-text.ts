/**
 * Cuts a text into word-sized pieces for streaming: each piece is one word with the spaces and
 * punctuation after it (leading punctuation stays with the first word). Words come from
 * `Intl.Segmenter`, so Chinese and Japanese stream word by word too. The pieces join back to
 * exactly `text`.
 */
export function splitIntoDeltas(text: string, locale: string): string[] {
  const pieces: string[] = [];
  let current = '';
  let hasWord = false;
  for (const { segment, isWordLike } of new Intl.Segmenter(locale, { granularity: 'word' }).segment(text)) {
    if (isWordLike && hasWord) {
      pieces.push(current);
      current = '';
    }
    if (isWordLike) hasWord = true;
    current += segment;
  }
  if (current !== '') pieces.push(current);
  return pieces;
}
