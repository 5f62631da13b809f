import { bounded } from './segment-text.js';

/** Kinds of values the analyzer extracts from customer messages. */
export type EntityType = 'order_id' | 'email' | 'phone' | 'tracking_number' | 'amount' | 'date';

/** One extracted value, such as `{ type: 'order_id', value: 'LC-20418837' }`. */
export interface Entity {
  type: EntityType;
  value: string;
}

interface Extractor {
  type: EntityType;
  pattern: RegExp;
  /** The entity value of a match, or `undefined` to drop it (its text is still masked). */
  value: (
    match: RegExpExecArray,
    context: { before: string; locale: string | undefined },
  ) => string | undefined;
}

const MONTHS =
  'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';

const CURRENCY_CODES: Readonly<Record<string, string>> = {
  '€': 'EUR',
  $: 'USD',
  us$: 'USD',
  ca$: 'CAD',
  a$: 'AUD',
  '£': 'GBP',
  eur: 'EUR',
  euro: 'EUR',
  euros: 'EUR',
  usd: 'USD',
  dollar: 'USD',
  dollars: 'USD',
  bucks: 'USD',
  gbp: 'GBP',
  pound: 'GBP',
  pounds: 'GBP',
  cad: 'CAD',
  jpy: 'JPY',
  cny: 'CNY',
  rmb: 'CNY',
  元: 'CNY',
  块: 'CNY',
  欧元: 'EUR',
  美元: 'USD',
  英镑: 'GBP',
  円: 'JPY',
  ドル: 'USD',
  ユーロ: 'EUR',
  ポンド: 'GBP',
};

function currencyCode(symbol: string, locale: string | undefined): string {
  const key = symbol.toLowerCase();
  if (key === '¥' || key === '￥') return locale?.toLowerCase().startsWith('zh') === true ? 'CNY' : 'JPY';
  return CURRENCY_CODES[key] ?? symbol.toUpperCase();
}

/** "1,299.00" and "1.299,00" become "1299.00"; "24,90" becomes "24.90". */
function normalizeNumber(raw: string): string {
  const compact = raw.replace(/\s/g, '');
  if (/^\d{1,3}(,\d{3})+(\.\d{1,2})?$/.test(compact)) return compact.replace(/,/g, '');
  if (/^\d{1,3}(\.\d{3})+(,\d{1,2})?$/.test(compact)) return compact.replace(/\./g, '').replace(',', '.');
  if (/^\d+,\d{1,2}$/.test(compact)) return compact.replace(',', '.');
  return compact;
}

const NUMBER = String.raw`\d{1,3}(?:[,.]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?`;
const PHONE_CONTEXT =
  /(?:phone|call|tel|mobile|cell|whatsapp|number is|reach me|电话|手机|電話|携帯)[^\d+]{0,20}$/i;

/** Extractors run in this order; each one's matches are masked before the next runs. */
const EXTRACTORS: readonly Extractor[] = [
  {
    type: 'email',
    // The lookbehind starts a match only where a run starts, which keeps long runs linear.
    pattern: /(?<![a-z0-9._%+-])[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/gi,
    value: (match) => match[0].toLowerCase(),
  },
  {
    // Larkspur order numbers are "LC-" and eight digits (help center: Placing an order).
    type: 'order_id',
    pattern: /\bLC[-\s]?(\d{8})\b/gi,
    value: (match) => `LC-${match[1] ?? ''}`,
  },
  {
    type: 'order_id',
    pattern:
      /(?:\border(?:\s+(?:number|no\.?|nr\.?|id))?\s*[:#]?\s*#?|订单(?:号|编号)?\s*[:：是]?\s*|注文(?:番号)?\s*[:：は]?\s*|#)(\d{4,12})\b(?![-./]\d)/gi,
    value: (match) => match[1],
  },
  {
    // UPS, the UPU S10 format used by postal services, PostNL.
    type: 'tracking_number',
    pattern: /\b(?:1Z[0-9A-Z]{16}|[A-Z]{2}\d{9}[A-Z]{2}|3S[A-Z0-9]{8,13})\b/g,
    value: (match) => match[0].toUpperCase(),
  },
  {
    type: 'tracking_number',
    pattern:
      /(?:\btracking(?:\s+(?:number|no\.?|code|id))?|运单号|快递单号|物流单号|追跡番号|お問い合わせ番号|伝票番号)\s*(?:is|:|：|#|是|は)?\s*([A-Z0-9]{8,30})\b/gi,
    value: (match) => (/\d/.test(match[1] ?? '') ? match[1]?.toUpperCase() : undefined),
  },
  {
    type: 'date',
    pattern:
      /\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}[./]\d{1,2}[./](?:\d{4}|\d{2})\b|(?:\d{4}年)?\d{1,2}月\d{1,2}[日号]/g,
    value: (match) => match[0],
  },
  {
    type: 'date',
    pattern: new RegExp(
      `\\b\\d{1,2}(?:st|nd|rd|th)?(?:\\s+of)?\\s+(?:${MONTHS})\\b\\.?(?:,?\\s+\\d{4})?|\\b(?:${MONTHS})\\b\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?\\b(?:,?\\s+\\d{4})?`,
      'gi',
    ),
    // "may 3 items" is not a date; a month written first must be capitalised.
    value: (match) => (/^\d/.test(match[0]) || /^[A-Z]/.test(match[0]) ? match[0] : undefined),
  },
  {
    type: 'amount',
    pattern: new RegExp(
      `(CA\\$|US\\$|A\\$|[€$£¥￥]|\\b(?:EUR|USD|GBP|CAD|JPY|CNY|RMB)\\b)\\s?(${NUMBER})`,
      'gi',
    ),
    value: (match, { locale }) =>
      `${normalizeNumber(match[2] ?? '')} ${currencyCode(match[1] ?? '', locale)}`,
  },
  {
    type: 'amount',
    pattern: new RegExp(
      `(?<![\\d.,])(${NUMBER})\\s?(EUR|USD|GBP|CAD|JPY|CNY|RMB|euros?|dollars?|bucks|pounds?|欧元|美元|英镑|元|块|円|ドル|ユーロ|ポンド)(?![a-z])`,
      'gi',
    ),
    value: (match, { locale }) =>
      `${normalizeNumber(match[1] ?? '')} ${currencyCode(match[2] ?? '', locale)}`,
  },
  {
    type: 'phone',
    pattern: /(?<![\d+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d[\d\s.-]{5,17}\d/g,
    value: (match, { before }) => {
      const text = match[0];
      const digits = text.replace(/\D/g, '').length;
      if (digits < 8 || digits > 15) return undefined;
      const separators = (text.match(/[\s.-]/g) ?? []).length;
      const plausible = /^[+(]/.test(text) || PHONE_CONTEXT.test(before) || (separators >= 2 && digits >= 9);
      return plausible ? text.replace(/\s+/g, ' ') : undefined;
    },
  },
];

/**
 * Extracts order numbers, emails, phone numbers, tracking numbers, amounts and dates from text.
 *
 * Order numbers are Larkspur's `LC-` plus eight digits (normalised to `LC-20418837`), or digits after
 * "order", "#", 订单号 or 注文番号. Tracking numbers are UPS (`1Z...`), postal S10 (`RR123456789NL`),
 * PostNL (`3S...`) or whatever follows "tracking number". Amounts become `<number> <ISO code>`
 * (`€24,90` is `24.90 EUR`; `¥` is CNY for a `zh` locale, else JPY). Dates are kept as written
 * (`2026-11-20`, `20/11/2026`, `Nov 20`, `11月20日`); relative dates ("yesterday") are not extracted.
 * Phone numbers need a `+`, brackets, a word such as "phone" before them, or separators and 9+ digits,
 * so order and tracking numbers are not mistaken for them. Each span is claimed by the first extractor
 * that matches it. Results are in the order found, without duplicates. Reads the first 4,000 characters.
 */
export function extractEntities(text: string, locale?: string): Entity[] {
  let rest = bounded(text).normalize('NFKC');
  const found: { index: number; entity: Entity }[] = [];
  for (const extractor of EXTRACTORS) {
    const pattern = new RegExp(extractor.pattern.source, extractor.pattern.flags);
    let masked = rest;
    for (let match = pattern.exec(rest); match !== null; match = pattern.exec(rest)) {
      const value = extractor.value(match, {
        before: rest.slice(Math.max(0, match.index - 30), match.index),
        locale,
      });
      if (value !== undefined && value !== '') {
        found.push({ index: match.index, entity: { type: extractor.type, value } });
        masked =
          masked.slice(0, match.index) +
          ' '.repeat(match[0].length) +
          masked.slice(match.index + match[0].length);
      }
    }
    rest = masked;
  }
  found.sort((a, b) => a.index - b.index);
  return dedupeEntities(found.map(({ entity }) => entity));
}

/** Drops repeated entities (same type and value), keeping the first. */
export function dedupeEntities(entities: readonly Entity[]): Entity[] {
  const seen = new Set<string>();
  return entities.filter((entity) => {
    const key = `${entity.type}\u0000${entity.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
