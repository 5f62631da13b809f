import { hasCjk } from './segment-text.js';
import { clip } from './unanswered-question.js';

/** One knowledge-base passage found for a query. */
export interface KnowledgeSearchResult {
  title: string;
  url: string;
  snippet: string;
}

/** Searches the knowledge base; best match first. May return nothing. */
export type KnowledgeSearch = (query: string) => readonly KnowledgeSearchResult[];

/** What a suggested reply is drafted from. */
export interface SuggestReplyInput {
  /** The question to address: the unanswered question, else the customer's last question. */
  question?: string;
  /** The customer's name, if known; the reply uses the first name in English. */
  customerName?: string;
  /** An order number to mention ("I'm looking at order LC-20418837 now"). */
  orderId?: string;
  /** The customer's recent sentiment (the context uses the lowest of the last 3); at -0.2 or below the opener apologises. */
  sentiment: number;
  /** The customer's locale: `zh*` and `ja*` get Chinese and Japanese drafts, anything else English. */
  locale?: string;
  /** Knowledge-base search; its best passage is cited. Its errors are caught. */
  search?: KnowledgeSearch;
}

type Language = 'en' | 'zh' | 'ja';

function languageFor(locale: string | undefined, sample: string | undefined): Language {
  const primary = locale?.toLowerCase().split(/[-_]/)[0];
  if (primary === 'zh' || primary === 'ja') return primary;
  if (primary !== undefined && primary !== '') return 'en';
  if (sample !== undefined && /[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(sample)) return 'ja';
  return sample !== undefined && hasCjk(sample) ? 'zh' : 'en';
}

const SNIPPET = 220;

function bestPassage(
  search: KnowledgeSearch | undefined,
  query: string | undefined,
): KnowledgeSearchResult | undefined {
  if (search === undefined || query === undefined) return undefined;
  try {
    const best = search(query)[0];
    return best !== undefined && best.snippet.trim() !== '' ? best : undefined;
  } catch {
    // A failing search must not cost the agent the rest of the context package.
    return undefined;
  }
}

/**
 * Drafts a short, empathetic reply for the agent to edit; it is never sent on its own.
 *
 * The draft greets the customer by name when known, apologises when the sentiment is at -0.2 or below
 * (else thanks them for waiting), mentions the order number, and addresses the question: with `search`,
 * by quoting the best passage (at most 220 characters) and citing its title and URL; without, by saying
 * the agent is looking into it. With nothing to go on, it ends with an open "How can I help?". Written
 * in English, Chinese or Japanese after `locale` (or the question's script when there is no locale).
 */
export function suggestReply(input: SuggestReplyInput): string {
  const language = languageFor(input.locale, input.question);
  const name = input.customerName?.trim() === '' ? undefined : input.customerName?.trim();
  const upset = input.sentiment <= -0.2;
  const question = input.question === undefined ? undefined : clip(input.question, 160);
  const passage = bestPassage(input.search, input.question);
  const snippet = passage === undefined ? undefined : clip(passage.snippet, SNIPPET);

  if (language === 'zh') {
    const parts = [
      name === undefined ? '您好，' : `${name}，您好！`,
      upset ? '非常抱歉给您带来不便，感谢您的耐心等待。' : '感谢您的耐心等待，接下来由我为您服务。',
      input.orderId === undefined ? '' : `我正在查看订单 ${input.orderId}。`,
      passage !== undefined && question !== undefined
        ? `关于您的问题「${question}」：${snippet}（参见《${passage.title}》：${passage.url}）`
        : question !== undefined
          ? `关于「${question}」，我马上为您核实。`
          : '请问有什么可以帮您？',
    ];
    return parts.join('');
  }
  if (language === 'ja') {
    const parts = [
      name === undefined
        ? 'お問い合わせありがとうございます。'
        : `${name}様、お問い合わせありがとうございます。`,
      upset ? 'ご不便をおかけして大変申し訳ございません。' : 'お待たせいたしました。担当者が引き継ぎます。',
      input.orderId === undefined ? '' : `ご注文 ${input.orderId} を確認しております。`,
      passage !== undefined && question !== undefined
        ? `「${question}」について：${snippet}（詳しくは「${passage.title}」${passage.url} をご覧ください）`
        : question !== undefined
          ? `「${question}」について、すぐにお調べいたします。`
          : 'どのようなご用件でしょうか。',
    ];
    return parts.join('');
  }
  const first = name?.split(/\s+/)[0];
  const parts = [
    first === undefined ? 'Hi,' : `Hi ${first},`,
    upset
      ? "I'm really sorry about the trouble, and thank you for your patience."
      : "thanks for waiting, I'm taking over from our assistant.",
    input.orderId === undefined ? '' : `I'm looking at order ${input.orderId} now.`,
    passage !== undefined && question !== undefined
      ? `About "${question}": ${snippet} (from "${passage.title}": ${passage.url})`
      : question !== undefined
        ? `I'll look into "${question}" for you right away.`
        : 'How can I help?',
  ];
  return parts.filter((part) => part !== '').join(' ');
}
