/**
 * A small, team-written sentiment lexicon for Chinese (zh-CN) and Japanese, in the AFINN style
 * (integers from -5 to 5). English lexicon libraries score nothing in these languages; this list covers
 * what customers of a shop write when they are pleased or upset, not the languages at large.
 */
const ENTRIES: Readonly<Record<string, number>> = {
  // zh-CN, negative
  太差: -3,
  很差: -3,
  差劲: -3,
  差评: -2,
  垃圾: -3,
  // A bin and bin bags, sold by the shop.
  垃圾桶: 0,
  垃圾袋: 0,
  糟糕: -3,
  生气: -3,
  愤怒: -4,
  气死: -4,
  火大: -3,
  失望: -2,
  不满意: -2,
  不满: -2,
  投诉: -2,
  骗子: -4,
  欺骗: -3,
  坑人: -3,
  烂: -2,
  太慢: -2,
  没用: -2,
  无语: -2,
  受不了: -3,
  恶心: -3,
  坏了: -2,
  损坏: -2,
  破损: -2,
  丢了: -2,
  着急: -2,
  麻烦: -1,
  离谱: -3,
  过分: -2,
  退款: -1,
  // zh-CN, positive
  谢谢: 2,
  感谢: 2,
  多谢: 2,
  满意: 2,
  很好: 2,
  不错: 2,
  太好了: 3,
  棒: 2,
  好的: 1,
  解决了: 2,
  // ja, negative
  最悪: -3,
  怒: -3,
  ひどい: -3,
  酷い: -3,
  腹が立: -3,
  腹立: -3,
  むかつ: -3,
  ムカつ: -3,
  不満足: -2,
  不満: -2,
  残念: -2,
  がっかり: -2,
  困って: -2,
  困る: -2,
  遅い: -2,
  壊れ: -2,
  破損: -2,
  不良品: -2,
  届かない: -2,
  届いていない: -2,
  届いてない: -2,
  苦情: -2,
  クレーム: -2,
  詐欺: -4,
  使えない: -2,
  役に立たない: -3,
  ふざけ: -3,
  いい加減: -2,
  迷惑: -2,
  返金: -1,
  // ja, positive
  ありがとう: 2,
  感謝: 2,
  助かりま: 2,
  助かった: 2,
  満足: 2,
  素晴らしい: 3,
  良かった: 2,
  よかった: 2,
  嬉しい: 2,
  うれしい: 2,
  解決しました: 2,
};

/** Terms grouped by first character, longest first, so "不满意" wins over "满意" at the same place. */
const BY_FIRST_CHAR: ReadonlyMap<string, readonly (readonly [string, number])[]> = (() => {
  const map = new Map<string, [string, number][]>();
  for (const [term, score] of Object.entries(ENTRIES)) {
    const first = term[0] ?? '';
    const list = map.get(first) ?? [];
    list.push([term, score]);
    map.set(first, list);
  }
  for (const list of map.values()) list.sort((a, b) => b[0].length - a[0].length);
  return map;
})();

/**
 * Sums the lexicon scores of the Chinese and Japanese cue words found in the text.
 *
 * Matching is longest-first and non-overlapping, so "不满意" counts once as negative and its inner
 * "满意" does not count as positive. Negation is not modelled (the English library's only goes one word
 * back, and these cue words mostly carry it themselves). Returns 0 for text without such words.
 */
export function scoreCjkCues(text: string): number {
  let score = 0;
  let index = 0;
  while (index < text.length) {
    const candidates = BY_FIRST_CHAR.get(text[index] ?? '');
    const hit = candidates?.find(([term]) => text.startsWith(term, index));
    if (hit === undefined) {
      index += 1;
    } else {
      score += hit[1];
      index += hit[0].length;
    }
  }
  return score;
}
