import { bounded, wordTokens } from './segment-text.js';

/** The named signs of frustration the analyzer looks for in a customer message, in report order. */
export const CUES = [
  'asks_for_human',
  'all_caps',
  'repeated_question',
  'excessive_punctuation',
  'profanity',
  'negative_phrase',
] as const;

/**
 * One sign of frustration in a customer message:
 * - `asks_for_human`: asks for an agent, a person, 人工, オペレーター, ...
 * - `all_caps`: shouting in capitals (acronyms and short words do not count)
 * - `repeated_question`: nearly the same words as one of the customer's recent messages
 * - `excessive_punctuation`: "!!", "???", "?!?"
 * - `profanity`: swearing or insults
 * - `negative_phrase`: "this is useless", "not helpful", "still not", "again", 没用, 役に立たない, ...
 */
export type Cue = (typeof CUES)[number];

/** How many earlier messages a new one is compared with; keeps a long conversation linear. */
export const REPEAT_LOOKBACK = 10;

/** Token Jaccard similarity from which a message counts as a repeat. */
export const REPEAT_SIMILARITY = 0.6;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One case-insensitive regex for a list of English phrases, each matched on word boundaries. */
function phrases(list: readonly string[]): RegExp {
  const alternatives = list.map((phrase) => escapeRegExp(phrase).replace(/ /g, "[\\s'’]+"));
  return new RegExp(`\\b(?:${alternatives.join('|')})\\b`, 'i');
}

function containsAny(text: string, list: readonly string[]): boolean {
  return list.some((term) => text.includes(term));
}

const HUMAN_NOUN =
  '(?:a |an |the |your |some |real |live |actual )*(?:human|person|people|agent|someone|somebody|representative|rep|operator|manager|supervisor|staff|employee)s?';
const ASK_HUMAN_PATTERNS: readonly RegExp[] = [
  new RegExp(
    `\\b(?:talk|speak|chat|connect|transfer|put|pass|escalate|forward)\\b[^.?!]{0,24}?\\b(?:to|with|through)\\s+${HUMAN_NOUN}\\b`,
    'i',
  ),
  new RegExp(`\\b(?:want|need|get|give|request|prefer)\\b(?:\\s+me)?\\s+(?:to\\s+)?${HUMAN_NOUN}\\b`, 'i'),
  new RegExp(`\\bask(?:ed|ing)?\\s+(?:you\\s+)?for\\s+${HUMAN_NOUN}\\b`, 'i'),
  /\b(?:real|live|actual) (?:human|person|people|agent)s?\b/i,
  /\b(?:is|are) there (?:a |any )?(?:human|person|people|agent)s?\b/i,
  /\bhuman (?:agent|support|please)\b/i,
  /\b(?:contact|call|reach)\s+(?:your\s+)?(?:customer service|customer support|support team|a human|someone)\b/i,
  /^\s*(?:an? |the )?(?:human|agent|person|representative|operator|live agent|manager|supervisor)s?(?:\s+(?:please|pls|now|asap))?\s*[.!?]*\s*$/i,
];
const NEGATED_ASK = /\b(?:don['’]?t|do not|no need|not|never|without)\s+(?:\w+\s+){0,2}$/i;
const ASK_HUMAN_ZH = [
  '转人工',
  '人工',
  '真人',
  '找人',
  '跟人说',
  '和人说',
  '有人吗',
  '找客服',
  '联系客服',
  '要客服',
  '转客服',
  '叫客服',
];
const ASK_HUMAN_JA = [
  'オペレーター',
  '担当者',
  '人と話',
  '人間と話',
  '人間に',
  '係の人',
  'スタッフと',
  'スタッフに',
];

/**
 * True when the text asks for a human agent, in English, Chinese or Japanese.
 *
 * "Can I talk to a person?", "I WANT A HUMAN", "agent please", 转人工, 人工客服, オペレーターと話したい,
 * 担当者に代わってください are asks; "Are you a bot?" and "I don't need an agent" are not. A short message
 * that is just 客服 counts; a sentence mentioning 客服 in passing does not.
 */
export function asksForHuman(text: string): boolean {
  // 人工智能 is "artificial intelligence", not 人工 ("a human operator").
  const normalized = bounded(text)
    .normalize('NFKC')
    .replace(/人工智能/g, '');
  for (const pattern of ASK_HUMAN_PATTERNS) {
    const match = pattern.exec(normalized);
    if (match !== null && !NEGATED_ASK.test(normalized.slice(0, match.index))) return true;
  }
  if (containsAny(normalized, ASK_HUMAN_ZH) || containsAny(normalized, ASK_HUMAN_JA)) return true;
  return /^[\s\p{P}]*(?:客服|人工客服|サポート)[\s\p{P}]*(?:在吗)?[\s\p{P}]*$/u.test(normalized);
}

/** Common acronyms and carrier or currency codes that are written in capitals without shouting. */
const ACRONYMS = new Set(
  'ups dhl dpd gls usps fedex tnt usa uk eu eur usd gbp cad jpy cny vat faq eta pdf sms pin id gdpr ccpa asap iban bic qr url ok okay tv diy xl xxl xs led api'.split(
    ' ',
  ),
);

function isShouting(text: string): boolean {
  const words = text.match(/[A-Za-z]+/g) ?? [];
  let considered = 0;
  let capitals = 0;
  for (const word of words) {
    if (word.length < 3 || ACRONYMS.has(word.toLowerCase())) continue;
    considered += 1;
    if (word === word.toUpperCase()) {
      capitals += 1;
      // One long word in capitals is emphasis ("UNACCEPTABLE"); acronyms are rarely this long.
      if (word.length >= 7) return true;
    }
  }
  return capitals >= 2 && capitals / considered >= 0.5;
}

function hasExcessivePunctuation(text: string): boolean {
  const normalized = text.normalize('NFKC');
  if (/!{2,}|[!?]{3,}/.test(normalized)) return true;
  return (normalized.match(/!/g) ?? []).length >= 3;
}

const PROFANITY = phrases([
  'fuck',
  'fucking',
  'fucked',
  'fck',
  'wtf',
  'shit',
  'shitty',
  'bullshit',
  'crap',
  'crappy',
  'damn',
  'idiot',
  'idiots',
  'idiotic',
  'stupid',
  'moron',
  'morons',
  'dumb',
  'pathetic',
  'scam',
  'scammers',
  'screw you',
  'pissed',
  'bastard',
  'bastards',
  'incompetent',
  'clowns',
]);
const PROFANITY_CJK = [
  '垃圾',
  '傻逼',
  '傻b',
  '妈的',
  '他妈',
  '操你',
  '给我滚',
  '骗子',
  '废物',
  '白痴',
  '脑残',
  'クソ',
  'くそ',
  'バカ',
  'ばか',
  '馬鹿',
  'アホ',
  'あほ',
  'ふざけるな',
  '詐欺',
  'ボケ',
  '死ね',
];

const NEGATIVE_PHRASES = phrases([
  'useless',
  'unhelpful',
  'not helpful',
  'no help',
  "doesn't help",
  'does not help',
  "didn't help",
  'did not help',
  'not working',
  "doesn't work",
  'does not work',
  'still not',
  'still no',
  'still nothing',
  "still haven't",
  "still hasn't",
  "still don't",
  "still can't",
  'still waiting',
  'once again',
  'waste of time',
  'wasting my time',
  'ridiculous',
  'unacceptable',
  'not what i asked',
  "that's not what i",
  "you don't understand",
  'not listening',
  'already told you',
  'i already said',
  'how many times',
  'for the second time',
  'for the third time',
  'are you kidding',
  'is this a joke',
  'worst',
  'fed up',
  'sick of',
  'tired of',
  'makes no sense',
  "doesn't make sense",
  'pointless',
  'hopeless',
  'nobody answers',
  'no one answers',
  'no one helps',
  'nobody helps',
]);
/** "It failed again." is exasperation; "order again" mid-sentence and "Can I order again?" are not. */
const AGAIN_AT_END = /\bagain\b\s*(?:[.!。！]|$)/i;
const NEGATIVE_PHRASES_CJK = [
  '投诉',
  '没用',
  '有什么用',
  '还是没',
  '还是不',
  '还没',
  '又没',
  '又是',
  '说了多少遍',
  '说过了',
  '已经说了',
  '答非所问',
  '不是我问的',
  '浪费时间',
  '没解决',
  '解决不了',
  '不管用',
  '受不了',
  '无语',
  '搞什么',
  '役に立たない',
  '苦情',
  '意味がない',
  '意味ない',
  '使えない',
  'まだ届',
  'また同じ',
  '同じ答え',
  '何度も',
  '何回も',
  '答えになって',
  '話にならない',
  'いい加減',
  '解決しない',
  '解決していない',
  'もういい',
];

const STOP_WORDS = new Set(
  (
    'a an the and or but if to of in on at for from by with about as into is are was were be been am do does did ' +
    'have has had i me my mine you your we our us it its this that these those there here what which who ' +
    'can could would should will shall may might must please pls hi hello hey thanks thank ok okay yes no so ' +
    "just also too very really still again now then any some all how where when why not don't dont can't cant " +
    '的 了 吗 呢 吧 啊 呀 我 我的 你 你们 是 在 有 和 也 都 就 么 这 那 个 请 は が を に で と の も か ね よ です ます ' +
    'した い て た な お ご'
  ).split(' '),
);

/** Content words of a message as a set: stop words, numbers, and one- or two-letter Latin words removed. */
export function contentTokens(text: string, locale?: string): Set<string> {
  return contentOf(wordTokens(text, locale));
}

function contentOf(words: readonly string[]): Set<string> {
  const tokens = new Set<string>();
  for (const word of words) {
    if (STOP_WORDS.has(word) || /\d/.test(word)) continue;
    if (/^[a-z']+$/.test(word)) {
      if (word.length < 3) continue;
      // A light stem so "orders" repeats "order".
      tokens.add(word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word);
    } else {
      tokens.add(word);
    }
  }
  return tokens;
}

/** Jaccard similarity of two token sets: shared words over all words, 0 when either is empty. */
export function tokenJaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const token of a) if (b.has(token)) shared += 1;
  return shared / (a.size + b.size - shared);
}

/**
 * Similarity of two messages: the Jaccard of their content words when both have two or more; for
 * shorter messages also the Jaccard of all their words but numbers, whichever is lower. So "Where is
 * my order?" repeats "WHERE IS MY ORDER", but "Where is my refund?" and "Can I order again?" do not.
 */
function similarity(a: MessageWords, b: MessageWords): number {
  const content = tokenJaccard(a.content, b.content);
  return a.content.size >= 2 && b.content.size >= 2 ? content : Math.min(content, tokenJaccard(a.all, b.all));
}

interface MessageWords {
  content: Set<string>;
  all: Set<string>;
}

/** Repeats are judged on the start of a message; questions are short, pasted logs are not. */
const REPEAT_CHARS = 1000;

function messageWords(text: string, locale: string | undefined): MessageWords {
  const words = wordTokens(text.slice(0, REPEAT_CHARS), locale);
  return { content: contentOf(words), all: new Set(words.filter((word) => !/\d/.test(word))) };
}

function repeatsEarlier(text: string, earlierUserTexts: readonly string[], locale?: string): boolean {
  const current = messageWords(text, locale);
  if (current.content.size === 0) return false;
  const start = Math.max(0, earlierUserTexts.length - REPEAT_LOOKBACK);
  for (let index = earlierUserTexts.length - 1; index >= start; index -= 1) {
    const earlier = earlierUserTexts[index];
    if (earlier !== undefined && similarity(current, messageWords(earlier, locale)) >= REPEAT_SIMILARITY) {
      return true;
    }
  }
  return false;
}

/**
 * Finds the frustration cues in one customer message, in the order of {@link CUES}, each at most once.
 *
 * `earlierUserTexts` are the customer's previous messages, oldest first; only the last
 * {@link REPEAT_LOOKBACK} are compared, so the cost per message is bounded. A message repeats an
 * earlier one when the Jaccard similarity of their content words (stop words and numbers dropped,
 * words from `Intl.Segmenter` for Chinese and Japanese; all words when either has fewer than two
 * content words) is at least {@link REPEAT_SIMILARITY}, judged on the first 1,000 characters of each.
 * The other cues read the first 4,000 characters.
 */
export function detectCues(text: string, earlierUserTexts: readonly string[] = [], locale?: string): Cue[] {
  const normalized = bounded(text).normalize('NFKC');
  const lower = normalized.toLowerCase();
  const cues: Cue[] = [];
  if (asksForHuman(normalized)) cues.push('asks_for_human');
  if (isShouting(normalized)) cues.push('all_caps');
  if (repeatsEarlier(normalized, earlierUserTexts, locale)) cues.push('repeated_question');
  if (hasExcessivePunctuation(normalized)) cues.push('excessive_punctuation');
  // 垃圾桶 and 垃圾袋 are a bin and bin bags, which a home-goods shop sells.
  const profanityCjk = containsAny(lower.replace(/垃圾[桶袋]/g, ''), PROFANITY_CJK);
  if (PROFANITY.test(normalized) || profanityCjk) cues.push('profanity');
  if (
    NEGATIVE_PHRASES.test(normalized) ||
    AGAIN_AT_END.test(normalized) ||
    containsAny(lower, NEGATIVE_PHRASES_CJK)
  ) {
    cues.push('negative_phrase');
  }
  return cues;
}
