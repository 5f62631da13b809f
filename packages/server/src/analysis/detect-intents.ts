import type { MessageAnalysis } from './analyze-user-message.js';
import { bounded } from './segment-text.js';

/** A detected customer intent with a confidence from 0 to 1. */
export interface Intent {
  /** Dotted topic name, such as `order.status` or `billing.double_charge`. */
  name: string;
  confidence: number;
}

/** One phrase (English, matched on word boundaries) or substring (Chinese, Japanese) with its weight. */
type Cue = readonly [phrase: string, weight: number];

interface IntentRule {
  name: string;
  /** How the summary names the topic. */
  label: string;
  cues: readonly Cue[];
}

const STRONG = 1;
const WEAK = 0.5;

function strong(...phrases: string[]): Cue[] {
  return phrases.map((phrase) => [phrase, STRONG] as const);
}

function weak(...phrases: string[]): Cue[] {
  return phrases.map((phrase) => [phrase, WEAK] as const);
}

/** The topics of the Larkspur & Co. help center (packages/server/help-center), with customer phrasings. */
const RULES: readonly IntentRule[] = [
  {
    name: 'order.status',
    label: 'where an order is',
    cues: [
      ...strong('where is my order', 'where is my parcel', 'where is my package', 'where is my stuff'),
      ...strong('order status', 'delivery status', 'track my order', 'track my parcel', 'tracking number'),
      ...strong('when will it arrive', 'when will my order arrive', 'has it shipped', 'has my order shipped'),
      ...weak('tracking', 'track', 'shipped', 'out for delivery'),
      ...strong('订单状态', '物流', '到哪了', '查询订单', '什么时候到', '快递到'),
      ...strong('注文状況', '配送状況', '追跡', 'いつ届', 'どこにあ'),
    ],
  },
  {
    name: 'order.cancel',
    label: 'cancelling an order',
    cues: [
      ...strong('cancel my order', 'cancel the order', 'cancel an order', 'cancellation', 'changed my mind'),
      ...strong('stop my order', 'stop the order', "don't want it anymore", 'do not want it anymore'),
      ...weak('cancel'),
      ...strong('取消订单', '不想要了', 'キャンセル', '注文を取り消'),
      ...weak('取消'),
    ],
  },
  {
    name: 'order.change',
    label: 'changing an order',
    cues: [
      ...strong(
        'change my order',
        'edit my order',
        'edit order',
        'modify my order',
        'add an item',
        'add item',
      ),
      ...strong('wrong address', 'change the address', 'change my address', 'update delivery address'),
      ...strong('修改订单', '改地址', '修改地址', '注文を変更', '住所を変更', '住所変更'),
    ],
  },
  {
    name: 'order.place',
    label: 'placing an order',
    cues: [
      ...strong('place an order', 'how do i order', 'how to order', 'guest checkout', 'order confirmation'),
      ...strong('confirmation email', 'no confirmation'),
      ...weak('checkout', 'buy'),
      ...strong('怎么下单', '下单', '确认邮件', '注文方法', '注文確認'),
    ],
  },
  {
    name: 'shipping.delivery_time',
    label: 'delivery times',
    cues: [
      ...strong('how long does delivery', 'how long does shipping', 'delivery time', 'shipping time'),
      ...strong('when will you ship', 'when do you ship', 'dispatch', 'express delivery', 'business days'),
      ...weak('how long', 'express'),
      ...strong('多久能到', '配送时间', '什么时候发货', '发货', '配送日数', 'いつ発送', 'お届け日', '何日'),
    ],
  },
  {
    name: 'shipping.cost',
    label: 'shipping costs',
    cues: [
      ...strong('shipping cost', 'shipping fee', 'delivery cost', 'how much is shipping', 'free shipping'),
      ...strong('free delivery', 'postage'),
      ...strong('运费', '包邮', '送料'),
    ],
  },
  {
    name: 'shipping.countries',
    label: 'countries we ship to',
    cues: [
      ...strong('do you ship to', 'ship to my country', 'international shipping', 'worldwide', 'po box'),
      ...weak('abroad', 'overseas', 'international'),
      ...strong('寄到', '国际运输', '海外配送', '海外発送', '発送できますか'),
    ],
  },
  {
    name: 'shipping.lost_parcel',
    label: 'a missing parcel',
    cues: [
      ...strong('never arrived', 'not arrived', "hasn't arrived", 'has not arrived', "didn't arrive"),
      ...strong('did not arrive', 'not received', "haven't received", 'have not received', 'never received'),
      ...strong('missing parcel', 'missing package', 'lost parcel', 'lost package', 'was stolen'),
      ...strong('tracking not updating', 'tracking has not changed', 'says delivered', 'still not here'),
      ...weak('lost', 'stuck', 'late', 'stolen', 'not here'),
      ...strong(
        '没收到',
        '还没到',
        '没到',
        '丢件',
        '包裹丢',
        '届かない',
        '届いていない',
        '届いてない',
        '紛失',
      ),
    ],
  },
  {
    name: 'shipping.damaged_item',
    label: 'a damaged or wrong item',
    cues: [
      ...strong('broken', 'damaged', 'defective', 'faulty', 'wrong item', 'missing item', 'cracked', 'torn'),
      ...strong('arrived broken', 'sent the wrong', 'not what i ordered'),
      ...strong('坏了', '破损', '损坏', '发错', '碎了', '壊れ', '破損', '不良品', '間違った商品', '違う商品'),
      ...weak('傷'),
    ],
  },
  {
    name: 'returns.return',
    label: 'returning an item',
    cues: [
      ...strong(
        'return an item',
        'return it',
        'return this',
        'how do i return',
        'how to return',
        'return label',
      ),
      ...strong(
        'returns portal',
        'send it back',
        'send back',
        'ship back',
        'start a return',
        'return policy',
      ),
      ...weak('return', 'returns'),
      ...strong('退货', '退回', '返品', '送り返'),
    ],
  },
  {
    name: 'returns.exchange',
    label: 'an exchange',
    cues: [
      ...strong('exchange', 'swap', 'different size', 'another size', 'another colour', 'another color'),
      ...strong('too small', 'too big', "doesn't fit", 'does not fit'),
      ...strong('换货', '换尺码', '尺码不合适', '交換', 'サイズが合わない'),
    ],
  },
  {
    name: 'returns.refund',
    label: 'a refund',
    cues: [
      ...strong('refund', 'money back', 'reimburse', 'reimbursement', 'where is my refund'),
      ...strong('退款', '退钱', '返金'),
    ],
  },
  {
    name: 'billing.double_charge',
    label: 'a double charge',
    cues: [
      ...strong('charged twice', 'charged two times', 'double charge', 'double charged', 'duplicate payment'),
      ...strong('duplicate charge', 'two charges', 'billed twice', 'overcharged', 'extra charge'),
      ...strong('扣了两次', '重复扣款', '多扣', '扣款两次', '二重請求', '二重に請求', '2回請求', '二回請求'),
    ],
  },
  {
    name: 'billing.payment_failed',
    label: 'a failed payment',
    cues: [
      ...strong('declined', 'payment failed', 'payment error', "can't pay", 'cannot pay', 'payment pending'),
      ...strong('payment not going through', "payment won't go through", '3-d secure', 'checkout error'),
      ...strong(
        '支付失败',
        '付款失败',
        '无法支付',
        '付不了',
        '決済エラー',
        '支払いができない',
        '決済できない',
      ),
      ...strong('カードが使えない'),
    ],
  },
  {
    name: 'billing.payment_methods',
    label: 'payment methods',
    cues: [
      ...strong('how can i pay', 'pay with', 'payment methods', 'paypal', 'apple pay', 'klarna', 'pay later'),
      ...strong('installments', 'instalments'),
      ...weak('credit card', 'debit card'),
      ...strong('支付方式', '支付宝', '微信支付', '支払い方法', '支払方法'),
    ],
  },
  {
    name: 'billing.invoice',
    label: 'an invoice',
    cues: [
      ...strong('invoice', 'receipt', 'vat'),
      ...weak('tax'),
      ...strong('发票', '收据', '領収書', '請求書', 'インボイス'),
    ],
  },
  {
    name: 'billing.gift_card',
    label: 'a gift card or code',
    cues: [
      ...strong('gift card', 'gift voucher', 'voucher', 'promo code', 'discount code', 'coupon', 'redeem'),
      ...strong('礼品卡', '优惠码', '优惠券', 'ギフトカード', 'クーポン'),
    ],
  },
  {
    name: 'account.password',
    label: 'a password',
    cues: [...strong('password', 'reset link', 'forgot my password'), ...strong('密码', 'パスワード')],
  },
  {
    name: 'account.sign_in',
    label: 'signing in',
    cues: [
      ...strong("can't log in", 'cannot log in', "can't sign in", 'cannot sign in', 'locked out'),
      ...strong('account locked', 'magic link'),
      ...weak('log in', 'login', 'sign in'),
      ...strong('登录', '登不上', 'ログイン', 'サインイン'),
    ],
  },
  {
    name: 'account.email',
    label: 'the account email',
    cues: [
      ...strong('change my email', 'update my email', 'new email address', 'wrong email', 'change email'),
      ...strong('修改邮箱', '更换邮箱', 'メールアドレスを変更', 'メールアドレスの変更'),
    ],
  },
  {
    name: 'account.delete',
    label: 'deleting the account',
    cues: [
      ...strong(
        'delete my account',
        'close my account',
        'remove my account',
        'delete my data',
        'erase my data',
      ),
      ...strong('注销', '删除账户', '删除账号', '退会', 'アカウントを削除', 'アカウント削除'),
    ],
  },
  {
    name: 'account.privacy',
    label: 'personal data',
    cues: [
      ...strong('personal data', 'gdpr', 'ccpa', 'data export', 'download my data', 'privacy'),
      ...weak('cookies'),
      ...strong('隐私', '个人信息', '個人情報', 'プライバシー'),
    ],
  },
  {
    name: 'complaint',
    label: 'a complaint',
    cues: [
      ...strong('complaint', 'complain', 'unacceptable', 'worst service', 'terrible service', 'disgraceful'),
      ...strong('speak to a manager', 'speak to your manager', 'talk to a manager'),
      ...strong('投诉', '差评', '太差', '苦情', 'クレーム', '最悪'),
    ],
  },
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface CompiledCue {
  test: (lowerText: string) => boolean;
  weight: number;
}

const COMPILED: readonly { rule: IntentRule; cues: readonly CompiledCue[] }[] = RULES.map((rule) => ({
  rule,
  cues: rule.cues.map(([phrase, weight]): CompiledCue => {
    if (/^[\x20-\x7e]+$/.test(phrase)) {
      const pattern = new RegExp(`\\b${escapeRegExp(phrase).replace(/ /g, '\\s+').replace(/'/g, "['’]")}\\b`);
      return { test: (text) => pattern.test(text), weight };
    }
    return { test: (text) => text.includes(phrase), weight };
  }),
}));

const LABELS: ReadonlyMap<string, string> = new Map(RULES.map((rule) => [rule.name, rule.label]));

/** How the summary names an intent ("a double charge"); the name itself when unknown. */
export function intentLabel(name: string): string {
  return LABELS.get(name) ?? name;
}

/** Intents below this confidence are left out. */
const MIN_CONFIDENCE = 0.3;
const MAX_INTENTS = 4;
/** Each older message counts this much less than the one after it. */
const DECAY = 0.8;

/**
 * Detects what the customer is asking about, from keyword and phrase rules for the demo shop's topics.
 *
 * `userTexts` are the customer's messages, oldest first; the last 20 are read and each older message
 * weighs 0.8 times the next. A rule's cues found in a message add up (a strong phrase 1, a weak
 * word 0.5), and confidence is `1 - e^(-1.2 × total)`, rounded to two decimals and at most 0.95, so one
 * strong phrase in the latest message gives 0.7. Strongly negative messages or profanity (from
 * `analyses`, aligned with `userTexts`) add to `complaint`. Returns at most 4 intents at 0.3 or above,
 * most likely first. Topic names follow the help center: `order.status`, `order.cancel`,
 * `order.change`, `order.place`, `shipping.delivery_time`, `shipping.cost`, `shipping.countries`,
 * `shipping.lost_parcel`, `shipping.damaged_item`, `returns.return`, `returns.exchange`,
 * `returns.refund`, `billing.double_charge`, `billing.payment_failed`, `billing.payment_methods`,
 * `billing.invoice`, `billing.gift_card`, `account.password`, `account.sign_in`, `account.email`,
 * `account.delete`, `account.privacy`, `complaint`.
 */
export function detectIntents(
  userTexts: readonly string[],
  analyses: readonly MessageAnalysis[] = [],
): Intent[] {
  const texts = userTexts.slice(-20);
  const offset = userTexts.length - texts.length;
  const totals = new Map<string, number>();
  texts.forEach((text, index) => {
    const lower = bounded(text).normalize('NFKC').toLowerCase();
    const recency = DECAY ** (texts.length - 1 - index);
    for (const { rule, cues } of COMPILED) {
      let sum = 0;
      for (const cue of cues) if (cue.test(lower)) sum += cue.weight;
      if (sum > 0) totals.set(rule.name, (totals.get(rule.name) ?? 0) + sum * recency);
    }
    const analysis = analyses[offset + index];
    if (analysis !== undefined && (analysis.sentiment <= -0.5 || analysis.cues.includes('profanity'))) {
      totals.set('complaint', (totals.get('complaint') ?? 0) + WEAK * recency);
    }
  });
  return [...totals]
    .map(([name, total]) => ({
      name,
      confidence: Math.min(0.95, Math.round((1 - Math.exp(-1.2 * total)) * 100) / 100),
    }))
    .filter((intent) => intent.confidence >= MIN_CONFIDENCE)
    .sort((a, b) => b.confidence - a.confidence || a.name.localeCompare(b.name))
    .slice(0, MAX_INTENTS);
}
