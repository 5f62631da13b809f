import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { HANDOFF_REASONS, type HandoffReason, type Message } from '@baton-chat/protocol';
import {
  CUES,
  DEFAULT_ESCALATION_POLICY,
  MAX_PRIORITY,
  analyzeUserMessage,
  buildAiContext,
  decideEscalation,
  detectIntents,
  extractEntities,
  scoreSentiment,
  sentimentTrend,
  type EscalationDecision,
  type EscalationPolicy,
  type KnowledgeSearch,
  type MessageAnalysis,
} from '../src/analysis/index.js';

// ---------------------------------------------------------------------------------------------
// Helpers: a conversation as the server would see it, one user or bot message at a time.
// ---------------------------------------------------------------------------------------------

type Turn = { user: string; name?: string } | { bot: string; confidence?: number };

interface Played {
  messages: Message[];
  analyses: MessageAnalysis[];
  botConfidences: (number | undefined)[];
  /** The decision after each message, user and bot, in order. */
  decisions: EscalationDecision[];
  /** The first handoff decided, if any. */
  handoff: Extract<EscalationDecision, { action: 'handoff' }> | undefined;
}

function play(turns: readonly Turn[], options: { locale?: string; policy?: EscalationPolicy } = {}): Played {
  const messages: Message[] = [];
  const analyses: MessageAnalysis[] = [];
  const botConfidences: (number | undefined)[] = [];
  const decisions: EscalationDecision[] = [];
  const userTexts: string[] = [];
  let lastUserId: string | undefined;
  turns.forEach((turn, index) => {
    const seq = index + 1;
    const base = {
      id: `msg_${seq}`,
      seq,
      status: 'complete' as const,
      createdAt: '2026-11-24T09:30:00.000Z',
    };
    if ('user' in turn) {
      analyses.push(analyzeUserMessage(turn.user, { userTexts }, options.locale));
      userTexts.push(turn.user);
      messages.push({
        ...base,
        role: 'user',
        author: { id: 'user-42', role: 'user', ...(turn.name === undefined ? {} : { name: turn.name }) },
        text: turn.user,
      });
      lastUserId = base.id;
    } else {
      botConfidences.push(turn.confidence);
      messages.push({
        ...base,
        role: 'bot',
        author: { id: 'kb-bot', role: 'bot', name: 'Baton Assistant' },
        text: turn.bot,
        finishReason: 'stop',
        ...(turn.confidence === undefined ? {} : { confidence: turn.confidence }),
        ...(lastUserId === undefined ? {} : { replyTo: lastUserId }),
      });
    }
    decisions.push(decideEscalation({ analyses, botConfidences }, options.policy));
  });
  const handoff = decisions.find(
    (decision): decision is Extract<EscalationDecision, { action: 'handoff' }> =>
      decision.action === 'handoff',
  );
  return { messages, analyses, botConfidences, decisions, handoff };
}

function first(text: string, locale?: string): EscalationDecision {
  return decideEscalation({
    analyses: [analyzeUserMessage(text, { userTexts: [] }, locale)],
    botConfidences: [],
  });
}

function reasonOf(decision: EscalationDecision): HandoffReason | 'none' {
  return decision.action === 'handoff' ? decision.reason : 'none';
}

const helpCenter: KnowledgeSearch = (query) =>
  /refund|money back|broken|damaged/i.test(query)
    ? [
        {
          title: 'Damaged, faulty or wrong items',
          url: 'https://larkspur.example/help/damaged-items',
          snippet:
            'Report it within 14 days with a photo. We send a replacement or refund you in full; you never have to send a damaged item back.',
        },
      ]
    : [];

// ---------------------------------------------------------------------------------------------
// Sentiment
// ---------------------------------------------------------------------------------------------

describe('scoreSentiment', () => {
  test('a neutral question is 0, thanks are positive, complaints are negative', () => {
    assert.equal(scoreSentiment('Where is my order LC-20418837?'), 0);
    assert.ok(scoreSentiment('Thanks, that was really helpful!') > 0.3);
    assert.ok(scoreSentiment('This is terrible and useless') <= -0.5);
  });

  test('negation follows the library: "not helpful" is negative', () => {
    assert.ok(scoreSentiment('helpful') > 0);
    assert.ok(scoreSentiment('not helpful') < 0);
  });

  test('shop words that are neutral in a support chat do not move the score', () => {
    assert.equal(scoreSentiment('I want to cancel my order please'), 0);
    assert.equal(scoreSentiment("I'd like a gift card, does customer support help with that?"), 0);
  });

  test('Chinese and Japanese cue words are scored, longest match first', () => {
    assert.ok(scoreSentiment('太差了，我要投诉') <= -0.5);
    assert.ok(scoreSentiment('最悪です。ひどい') <= -0.5);
    assert.ok(scoreSentiment('非常满意，谢谢') > 0.3);
    assert.ok(scoreSentiment('我不满意') < 0, '不满意 is not read as 满意');
    assert.ok(scoreSentiment('ありがとうございます、助かりました') > 0.3);
  });

  test('scores stay within [-1, 1] however long the rant', () => {
    const rant = 'terrible awful horrible useless disgusting '.repeat(200);
    const praise = 'great wonderful perfect amazing '.repeat(200);
    assert.ok(scoreSentiment(rant) >= -1 && scoreSentiment(rant) < -0.95);
    assert.ok(scoreSentiment(praise) <= 1 && scoreSentiment(praise) > 0.95);
  });
});

// ---------------------------------------------------------------------------------------------
// Frustration cues and analyzeUserMessage
// ---------------------------------------------------------------------------------------------

describe('analyzeUserMessage', () => {
  test('a calm question has no cues and does not ask for a human', () => {
    const analysis = analyzeUserMessage('Hi, how long does delivery to Germany take?', { userTexts: [] });
    assert.deepEqual(analysis, { sentiment: 0, cues: [], asksForHuman: false });
  });

  test('"I WANT A HUMAN NOW" asks for a human and shouts', () => {
    const analysis = analyzeUserMessage('I WANT A HUMAN NOW', { userTexts: [] });
    assert.equal(analysis.asksForHuman, true);
    assert.deepEqual(analysis.cues, ['asks_for_human', 'all_caps']);
  });

  test('asks for a human in English, Chinese and Japanese', () => {
    for (const text of [
      'Can I talk to someone?',
      'agent please',
      'Please transfer me to a representative',
      'I need a real person',
      'Is there a human I can speak with?',
      '转人工',
      '我要人工客服',
      '客服',
      'オペレーターと話したい',
      '担当者に代わってください',
      '人と話したいです',
    ]) {
      assert.equal(analyzeUserMessage(text, { userTexts: [] }).asksForHuman, true, text);
    }
  });

  test('mentions that are not asks for a human', () => {
    for (const text of [
      "I don't need an agent, just tell me the return window",
      'Are you a bot?',
      '你是人工智能吗？',
      '你们客服的电话是多少？我想查一下订单',
      'The delivery person left it at the door',
    ]) {
      assert.equal(analyzeUserMessage(text, { userTexts: [] }).asksForHuman, false, text);
    }
  });

  test('acronyms, order numbers and short words in capitals are not shouting', () => {
    for (const text of [
      'Sent with UPS or DHL? OK, thanks.',
      'My order LC-20418837 has VAT on the PDF invoice',
    ]) {
      assert.ok(!analyzeUserMessage(text, { userTexts: [] }).cues.includes('all_caps'), text);
    }
    assert.ok(analyzeUserMessage('This is UNACCEPTABLE', { userTexts: [] }).cues.includes('all_caps'));
  });

  test('a rephrased question repeats an earlier one; a new question does not', () => {
    const earlier = { userTexts: ['How do I return an item?', 'Where is my order LC-20418837?'] };
    assert.ok(analyzeUserMessage('how can I return this item??', earlier).cues.includes('repeated_question'));
    assert.ok(analyzeUserMessage('WHERE IS MY ORDER', earlier).cues.includes('repeated_question'));
    assert.ok(!analyzeUserMessage('Can I order again?', earlier).cues.includes('repeated_question'));
    assert.ok(!analyzeUserMessage('Do you ship to Canada?', earlier).cues.includes('repeated_question'));
    assert.ok(!analyzeUserMessage('Where is my refund?', earlier).cues.includes('repeated_question'));
    assert.ok(!analyzeUserMessage('How do I exchange an item?', earlier).cues.includes('repeated_question'));
  });

  test('Chinese repeats are found through Intl.Segmenter words', () => {
    const earlier = { userTexts: ['我的订单还没到'] };
    const analysis = analyzeUserMessage('我的订单为什么还没到？', earlier, 'zh-CN');
    assert.ok(analysis.cues.includes('repeated_question'));
    assert.ok(!analyzeUserMessage('运费多少钱？', earlier, 'zh-CN').cues.includes('repeated_question'));
  });

  test('only the last 10 earlier messages are compared', () => {
    const old = [
      'How do I return an item?',
      ...Array.from({ length: 10 }, (_, i) => `Unrelated note number ${i}`),
    ];
    assert.ok(
      !analyzeUserMessage('How do I return an item?', { userTexts: old }).cues.includes('repeated_question'),
    );
  });

  test('punctuation, profanity and negative phrases are named cues', () => {
    assert.deepEqual(analyzeUserMessage('Where is it?!?', { userTexts: [] }).cues, ['excessive_punctuation']);
    assert.deepEqual(analyzeUserMessage('your bot is stupid', { userTexts: [] }).cues, ['profanity']);
    assert.deepEqual(analyzeUserMessage('This is useless.', { userTexts: [] }).cues, ['negative_phrase']);
    assert.deepEqual(analyzeUserMessage('It failed again.', { userTexts: [] }).cues, ['negative_phrase']);
    assert.deepEqual(analyzeUserMessage('Still not here', { userTexts: [] }).cues, ['negative_phrase']);
    assert.deepEqual(analyzeUserMessage('还是没用', { userTexts: [] }).cues, ['negative_phrase']);
    assert.deepEqual(analyzeUserMessage('Can I order again?', { userTexts: [] }).cues, []);
    assert.deepEqual(analyzeUserMessage('Do you sell trash cans? 我想买垃圾桶', { userTexts: [] }).cues, []);
  });

  test('cues come in the documented order, each once', () => {
    const analysis = analyzeUserMessage('THIS IS USELESS, I WANT A HUMAN!!! damn it, not helpful', {
      userTexts: ['this is useless, I want a human, damn, not helpful'],
    });
    assert.deepEqual(analysis.cues, [...CUES]);
  });
});

// ---------------------------------------------------------------------------------------------
// Escalation policy
// ---------------------------------------------------------------------------------------------

describe('decideEscalation', () => {
  test('"I WANT A HUMAN NOW" hands off as user_requested', () => {
    const decision = first('I WANT A HUMAN NOW');
    assert.equal(reasonOf(decision), 'user_requested');
    assert.ok(decision.action === 'handoff' && /asked for a person/.test(decision.explanation));
  });

  test('转人工 and オペレーターと話したい hand off as user_requested', () => {
    assert.equal(reasonOf(first('转人工', 'zh-CN')), 'user_requested');
    assert.equal(reasonOf(first('オペレーターと話したい', 'ja')), 'user_requested');
  });

  test('a calm question keeps the bot at priority 0', () => {
    assert.deepEqual(first('Can I change the delivery address of my order?'), {
      action: 'none',
      priority: 0,
    });
  });

  test('no user message yet: nothing to decide', () => {
    assert.deepEqual(decideEscalation({ analyses: [], botConfidences: [] }), { action: 'none', priority: 0 });
  });

  test('a conversation that sours over three messages hands off for negative sentiment, with priority', () => {
    const played = play([
      { user: 'Hi, where is my order LC-20418837?' },
      { bot: 'Your order shipped on Monday and should arrive by Thursday.', confidence: 0.82 },
      { user: 'It is Saturday and tracking has not moved, I am worried' },
      { bot: 'Tracking can take up to 24 hours to update.', confidence: 0.7 },
      { user: 'This is ridiculous, still nothing!!' },
    ]);
    const last = played.decisions.at(-1);
    assert.ok(last?.action === 'handoff', JSON.stringify(last));
    assert.equal(last.reason, 'negative_sentiment');
    assert.ok(last.priority >= 2, `priority ${last.priority}`);
    assert.match(last.explanation, /^Sentiment fell from 0\.0 to -0\.\d/);
    assert.equal(played.decisions.slice(0, -1).filter((d) => d.action === 'handoff').length, 0);
  });

  test('one strongly negative message is enough', () => {
    const decision = first('This is terrible and completely useless');
    assert.equal(reasonOf(decision), 'negative_sentiment');
    assert.ok(decision.action === 'handoff' && /strongly negative \(-0\.6\)/.test(decision.explanation));
  });

  test('a worsening trend without any frustration cue raises priority but keeps the bot', () => {
    const played = play([
      { user: 'Thanks, the delivery time is great' },
      { bot: 'Glad to help!', confidence: 0.9 },
      { user: 'Ok, how do I reset my password' },
      { bot: 'Use Forgot password on the sign-in page.', confidence: 0.9 },
      { user: 'I am a bit worried about my data' },
    ]);
    const last = played.decisions.at(-1);
    assert.equal(last?.action, 'none');
    assert.ok((last?.priority ?? 0) >= 1);
  });

  test('two low-confidence answers in a row hand off as repeated_failure', () => {
    const played = play([
      { user: 'Can I use two gift cards and Klarna on one order?' },
      { bot: 'Gift cards can be redeemed at checkout.', confidence: 0.22 },
      { user: 'But together with Klarna?' },
      { bot: 'We accept Klarna in the EU, UK and US.', confidence: 0.18 },
    ]);
    assert.equal(played.handoff?.reason, 'repeated_failure');
    assert.match(played.handoff?.explanation ?? '', /last 2 answers had low confidence \(0\.22, 0\.18\)/);
    // The decision came right after the second weak answer, not before.
    assert.equal(
      played.decisions.findIndex((d) => d.action === 'handoff'),
      3,
    );
  });

  test('answers of unknown confidence never count as low', () => {
    const played = play([
      { user: 'Can I pay with a company card?' },
      { bot: 'Yes.' },
      { user: 'And get a VAT invoice?' },
      { bot: 'Yes.' },
    ]);
    assert.equal(played.handoff, undefined);
  });

  test('a repeated question right after a low-confidence answer hands off as low_confidence', () => {
    const played = play([
      { user: 'How do I return an item I bought in the Antwerp store?' },
      { bot: 'Returns are free in the EU.', confidence: 0.2 },
      { user: 'how do I return an item bought in the Antwerp store' },
    ]);
    assert.equal(played.handoff?.reason, 'low_confidence');
    assert.match(
      played.handoff?.explanation ?? '',
      /repeated a question after a low-confidence answer \(0\.20\)/,
    );
  });

  test('the same question a third time hands off as repeated_failure whatever the confidence', () => {
    const played = play([
      { user: 'Where is my refund for LC-20418837?' },
      { bot: 'Refunds take 3 to 5 business days.', confidence: 0.8 },
      { user: 'where is my refund' },
      { bot: 'Refunds take 3 to 5 business days.', confidence: 0.8 },
      { user: 'WHERE is my refund' },
    ]);
    assert.equal(played.handoff?.reason, 'repeated_failure');
  });

  test('the explanation tells the agent about repeated asks and the sentiment fall', () => {
    const played = play([
      { user: 'Thanks, I will wait for the parcel' },
      { bot: 'Great!', confidence: 0.9 },
      { user: 'can I talk to a person? this is not helpful' },
      { bot: 'Sorry, no agent is free right now.', confidence: 0.9 },
      { user: 'I asked for a human, this is terrible and useless' },
    ]);
    const last = played.decisions.at(-1);
    assert.ok(last?.action === 'handoff');
    assert.equal(last.reason, 'user_requested');
    assert.match(last.explanation, /^Customer asked for a person twice; sentiment fell from 0\.\d to -0\.\d/);
  });

  test('the policy is configurable', () => {
    const analyses = [analyzeUserMessage('agent please', { userTexts: [] })];
    const noAsk: EscalationPolicy = { ...DEFAULT_ESCALATION_POLICY, handoffOnAskForHuman: false };
    assert.equal(decideEscalation({ analyses, botConfidences: [] }, noAsk).action, 'none');

    const rant = [analyzeUserMessage('This is terrible and completely useless', { userTexts: [] })];
    const lenient: EscalationPolicy = { ...DEFAULT_ESCALATION_POLICY, negativeSentimentThreshold: -0.9 };
    assert.equal(decideEscalation({ analyses: rant, botConfidences: [] }, lenient).action, 'none');

    const strict: EscalationPolicy = { ...DEFAULT_ESCALATION_POLICY, lowConfidenceRun: 1 };
    const calm = [analyzeUserMessage('Do you ship to Norway?', { userTexts: [] })];
    const once = decideEscalation({ analyses: calm, botConfidences: [0.3] }, strict);
    assert.equal(reasonOf(once), 'repeated_failure');
    assert.ok(
      once.action === 'handoff' && once.explanation === "The bot's last answer had low confidence (0.30).",
    );
    assert.equal(reasonOf(decideEscalation({ analyses: calm, botConfidences: [0.3] })), 'none');
  });

  test('every reason is a protocol reason and priority stays within 0..3', () => {
    const worst = play([
      { user: 'WHERE IS MY ORDER??? this is useless' },
      { bot: 'Sorry.', confidence: 0.1 },
      { user: 'WHERE IS MY ORDER??? fucking useless garbage, terrible!!!' },
    ]);
    for (const decision of worst.decisions) {
      assert.ok(
        Number.isInteger(decision.priority) && decision.priority >= 0 && decision.priority <= MAX_PRIORITY,
      );
      if (decision.action === 'handoff') assert.ok(HANDOFF_REASONS.includes(decision.reason));
    }
    assert.equal(worst.decisions.at(-1)?.priority, MAX_PRIORITY);
  });
});

// ---------------------------------------------------------------------------------------------
// A labelled table of demo-shop messages, each the first message of a conversation.
// ---------------------------------------------------------------------------------------------

const LABELLED: readonly [text: string, expected: HandoffReason | 'none'][] = [
  ['Hi! Where is my order LC-20418837?', 'none'],
  ['How long does delivery to Germany take?', 'none'],
  ['Can I return a sweater I wore once?', 'none'],
  ['Do you ship to Canada?', 'none'],
  ['I forgot my password, how do I reset it?', 'none'],
  ['Thanks, that was helpful!', 'none'],
  ['Is PayPal accepted?', 'none'],
  ["I'd like to cancel my order please.", 'none'],
  ["My parcel says delivered but I can't find it. What should I do?", 'none'],
  ['The mug I received is cracked, can you send a new one?', 'none'],
  ['I was charged twice for order LC-20418837, can you check?', 'none'],
  ['Can I change the delivery address?', 'none'],
  ['How do I get an invoice with VAT for my company?', 'none'],
  ["I'm not happy with the colour, can I exchange it?", 'none'],
  ['My payment was declined twice, what is wrong?', 'none'],
  ["The tracking hasn't changed for a week, is it lost?", 'none'],
  ['Do you sell trash cans?', 'none'],
  ['Unacceptable. I have been waiting for three weeks and still nothing!!', 'none'],
  ['我的包裹什么时候到？', 'none'],
  ['运费多少钱？', 'none'],
  ['我想买一个垃圾桶', 'none'],
  ['返品の方法を教えてください。', 'none'],
  ['ありがとうございます、助かりました！', 'none'],
  ['I WANT A HUMAN NOW', 'user_requested'],
  ['Can I speak to a real person please?', 'user_requested'],
  ['agent', 'user_requested'],
  ['转人工', 'user_requested'],
  ['我要人工客服', 'user_requested'],
  ['オペレーターと話したい', 'user_requested'],
  ['担当者に代わってください', 'user_requested'],
  ['This is terrible and completely useless', 'negative_sentiment'],
  ['Your shop is a scam, worst service ever!!!', 'negative_sentiment'],
  ['太差了，我要投诉，气死我了', 'negative_sentiment'],
  ['最悪です。本当にひどい。', 'negative_sentiment'],
  ['What the fuck, where is my stuff', 'negative_sentiment'],
  ['I am very angry, this is ridiculous', 'negative_sentiment'],
];

describe('labelled demo-shop messages', () => {
  for (const [text, expected] of LABELLED) {
    test(`${expected}: ${text}`, () => {
      assert.equal(reasonOf(first(text)), expected);
    });
  }

  test('precision: no polite or neutral message is handed off, and most upset ones are', () => {
    const decided = LABELLED.map(([text, expected]) => ({ expected, got: reasonOf(first(text)) }));
    const handoffs = decided.filter((row) => row.got !== 'none');
    const correct = handoffs.filter((row) => row.got === row.expected);
    const wanted = decided.filter((row) => row.expected !== 'none');
    assert.equal(correct.length / handoffs.length, 1, 'precision');
    assert.ok(correct.length / wanted.length >= 0.9, 'recall');
    assert.ok(decided.filter((row) => row.expected === 'none').length >= 20);
  });

  test('upset messages that stay with the bot get a raised priority', () => {
    const decision = first('Unacceptable. I have been waiting for three weeks and still nothing!!');
    assert.equal(decision.action, 'none');
    assert.ok(decision.priority >= 2);
  });
});

// ---------------------------------------------------------------------------------------------
// Trend, intents, entities
// ---------------------------------------------------------------------------------------------

describe('sentimentTrend', () => {
  test('worsening, improving and steady histories', () => {
    assert.equal(sentimentTrend([0.1, -0.2, -0.6]), 'worsening');
    assert.equal(sentimentTrend([-0.6, -0.2, 0.3]), 'improving');
    assert.equal(sentimentTrend([0.2, 0.1, 0.2]), 'steady');
    assert.equal(sentimentTrend([-0.8]), 'steady');
    assert.equal(sentimentTrend([]), 'steady');
  });

  test('only the recent window counts', () => {
    assert.equal(sentimentTrend([-0.9, -0.9, 0.5, 0.5, 0.5, 0.5]), 'steady');
    assert.equal(sentimentTrend([-0.9, -0.9, 0.5, 0.5, 0.5, 0.5], 6), 'improving');
  });
});

describe('detectIntents', () => {
  test('names the demo shop topics, most likely first', () => {
    const intents = detectIntents(['Where is my parcel?', 'Also I was charged twice and want a refund']);
    assert.deepEqual(
      intents.map((intent) => intent.name),
      ['billing.double_charge', 'returns.refund', 'order.status'],
    );
    for (const intent of intents) assert.ok(intent.confidence > 0 && intent.confidence <= 0.95);
  });

  test('Chinese and Japanese cue words', () => {
    assert.equal(detectIntents(['我想退款'])[0]?.name, 'returns.refund');
    assert.equal(detectIntents(['返品したいです'])[0]?.name, 'returns.return');
    assert.equal(detectIntents(['パスワードを忘れました'])[0]?.name, 'account.password');
  });

  test('small talk has no intent; anger adds to complaint', () => {
    assert.deepEqual(detectIntents(['Hi there', 'thanks!']), []);
    const angry = 'What the fuck is this';
    const intents = detectIntents([angry], [analyzeUserMessage(angry, { userTexts: [] })]);
    assert.equal(intents[0]?.name, 'complaint');
  });
});

describe('extractEntities', () => {
  test('a realistic message', () => {
    const text =
      'Hi, order LC-20418837 arrived broken on 12 November 2026. I paid €89,90 and was charged twice ' +
      '(EUR 89.90 again on 2026-11-13). Tracking 1Z999AA10123456784. Reach me at Lena.Ortiz@example.org ' +
      'or +31 6 1234 5678.';
    assert.deepEqual(extractEntities(text), [
      { type: 'order_id', value: 'LC-20418837' },
      { type: 'date', value: '12 November 2026' },
      { type: 'amount', value: '89.90 EUR' },
      { type: 'date', value: '2026-11-13' },
      { type: 'tracking_number', value: '1Z999AA10123456784' },
      { type: 'email', value: 'lena.ortiz@example.org' },
      { type: 'phone', value: '+31 6 1234 5678' },
    ]);
  });

  test('other order formats, Chinese and Japanese', () => {
    assert.deepEqual(extractEntities('Where is order #8812? My tracking number is RR123456789NL'), [
      { type: 'order_id', value: '8812' },
      { type: 'tracking_number', value: 'RR123456789NL' },
    ]);
    assert.deepEqual(
      extractEntities('订单号：LC-12345678，付了¥299，11月20日下单，手机 138 0013 8000', 'zh-CN'),
      [
        { type: 'order_id', value: 'LC-12345678' },
        { type: 'amount', value: '299 CNY' },
        { type: 'date', value: '11月20日' },
        { type: 'phone', value: '138 0013 8000' },
      ],
    );
    assert.deepEqual(extractEntities('注文番号 20418837 の返金 5,000円 はいつですか？'), [
      { type: 'order_id', value: '20418837' },
      { type: 'amount', value: '5000 JPY' },
    ]);
  });

  test('numbers are not mistaken for phones, and plain words for dates', () => {
    assert.deepEqual(
      extractEntities('I placed order 2026-11-20 and may 3 items arrive? 12345678 is my code'),
      [{ type: 'date', value: '2026-11-20' }],
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The agent's context package
// ---------------------------------------------------------------------------------------------

const BROKEN_LAMP: readonly Turn[] = [
  { user: 'Hi there', name: 'Lena Ortiz' },
  { bot: 'Hello! How can I help?', confidence: 0.9 },
  {
    user: 'My order LC-20418837 arrived today and the lamp is broken. I paid €89,90 for it.',
    name: 'Lena Ortiz',
  },
  { bot: 'Sorry to hear that. Shipping to the EU costs €4.95.', confidence: 0.4 },
  { user: 'Can I get my money back without sending the broken lamp back?', name: 'Lena Ortiz' },
  { bot: 'Returns are free in the EU.', confidence: 0.21 },
  { user: 'That is not what I asked. This is useless!!', name: 'Lena Ortiz' },
  { bot: 'You can return an item within 30 days.', confidence: 0.18 },
  { user: 'I want to talk to a real person', name: 'Lena Ortiz' },
];

describe('buildAiContext', () => {
  test('summary mentions the order number and the problem; entities are the customer’s', () => {
    const played = play(BROKEN_LAMP);
    const ai = buildAiContext({ ...played, locale: 'en' });
    assert.equal(ai.machineGenerated, true);
    assert.match(ai.summary, /LC-20418837/);
    assert.match(ai.summary, /broken/);
    assert.match(ai.summary, /asked for a person/);
    assert.ok(ai.summary.split(/(?<=[.?!])\s+(?=[A-Z])/).length <= 3, ai.summary);
    assert.deepEqual(ai.entities, [
      { type: 'order_id', value: 'LC-20418837' },
      { type: 'amount', value: '89.90 EUR' },
    ]);
    assert.equal(ai.intents[0]?.name, 'shipping.damaged_item');
    assert.ok(ai.intents.some((intent) => intent.name === 'returns.refund'));
  });

  test('the unanswered question is the one the weak answers missed, not the complaint after it', () => {
    const ai = buildAiContext({ ...play(BROKEN_LAMP), locale: 'en' });
    assert.equal(ai.unansweredQuestion, 'Can I get my money back without sending the broken lamp back?');
    assert.match(ai.summary, /The bot could not answer "Can I get my money back/);
  });

  test('suggested reply: empathetic, by name, citing the best passage when search is given', () => {
    const played = play(BROKEN_LAMP);
    const drafted = buildAiContext({ ...played, locale: 'en', search: helpCenter }).suggestedReply ?? '';
    assert.match(drafted, /^Hi Lena, I'm really sorry/);
    assert.match(drafted, /LC-20418837/);
    assert.match(drafted, /you never have to send a damaged item back/);
    assert.match(drafted, /https:\/\/larkspur\.example\/help\/damaged-items/);

    const generic = buildAiContext({ ...played, locale: 'en' }).suggestedReply ?? '';
    assert.match(generic, /^Hi Lena, I'm really sorry/);
    assert.doesNotMatch(generic, /https:/);
  });

  test('a failing search does not cost the agent the context', () => {
    const ai = buildAiContext({
      ...play(BROKEN_LAMP),
      search: () => {
        throw new Error('index not loaded');
      },
    });
    assert.match(ai.suggestedReply ?? '', /^Hi Lena/);
  });

  test('sentiment history, current value and a worsening trend', () => {
    const played = play([
      { user: 'Hi, where is my order LC-20418837?' },
      { bot: 'It should arrive by Thursday.', confidence: 0.82 },
      { user: 'It is Saturday and tracking has not moved, I am worried' },
      { bot: 'Tracking can take up to 24 hours to update.', confidence: 0.7 },
      { user: 'This is ridiculous, still nothing!!' },
    ]);
    const ai = buildAiContext({ ...played, locale: 'en' });
    assert.equal(ai.sentiment.trend, 'worsening');
    assert.equal(ai.sentiment.history.length, 3);
    assert.equal(ai.sentiment.current, ai.sentiment.history.at(-1));
    assert.ok(ai.sentiment.current < -0.2);
  });

  test('no unanswered question when every answer was confident and nothing is pending', () => {
    const ai = buildAiContext({
      ...play([
        { user: 'Do you ship to Canada?' },
        { bot: 'Yes, from our Ohio warehouse in 5 to 8 business days.', confidence: 0.9 },
        { user: 'Thanks!' },
        { bot: 'You are welcome!', confidence: 0.9 },
      ]),
    });
    assert.equal(ai.unansweredQuestion, undefined);
    assert.ok(!('unansweredQuestion' in ai));
    assert.match(ai.suggestedReply ?? '', /^Hi, thanks for waiting/);
  });

  test('asking for a person after a confident answer: that question is not called unanswered', () => {
    // The demo's first conversation: the bot answered with its source, then the customer asks for a
    // person about something else. Telling the agent "the bot could not answer" the shipping question
    // would be false and would send the draft reply off repeating the bot.
    const ai = buildAiContext({
      ...play([
        { user: 'How long does shipping take?' },
        {
          bot: 'Counted in business days after your order leaves the warehouse: EU 3 to 5 days.',
          confidence: 0.8,
        },
        { user: 'I want to talk to a human about order 1042' },
      ]),
      locale: 'en',
      search: helpCenter,
    });
    assert.equal(ai.unansweredQuestion, undefined);
    assert.doesNotMatch(ai.summary, /could not answer/);
    assert.match(ai.summary, /order 1042/);
    assert.match(ai.summary, /asked for a person/);
    assert.deepEqual(ai.entities, [{ type: 'order_id', value: '1042' }]);
    assert.match(ai.suggestedReply ?? '', /^Hi, thanks for waiting.*order 1042.*How can I help\?$/);
  });

  test('"that is not what I asked" after a confident answer points back to the question', () => {
    const ai = buildAiContext({
      ...play([
        { user: 'Can I change the delivery address of my order?' },
        { bot: 'Shipping is free over €50.', confidence: 0.8 },
        { user: 'That is not what I asked. I want a person.' },
      ]),
      locale: 'en',
    });
    assert.equal(ai.unansweredQuestion, 'Can I change the delivery address of my order?');
  });

  test('analyses and confidences are recomputed when not given, retracted messages are skipped', () => {
    const played = play(BROKEN_LAMP);
    const withRetracted: Message[] = [
      ...played.messages.slice(0, 2),
      { ...played.messages[2]!, id: 'msg_x', text: 'call me at +44 20 7946 0958', status: 'retracted' },
      ...played.messages.slice(2),
    ];
    const given = buildAiContext({ ...played, locale: 'en' });
    const derived = buildAiContext({ messages: withRetracted, locale: 'en' });
    assert.deepEqual(derived, given);
  });

  test('a Chinese conversation gets a Chinese draft', () => {
    const played = play(
      [
        { user: '我的订单LC-12345678还没到，已经两个星期了' },
        { bot: '标准配送需要 3 至 5 个工作日。', confidence: 0.3 },
        { user: '为什么还没到？转人工' },
      ],
      { locale: 'zh-CN' },
    );
    assert.equal(played.handoff?.reason, 'user_requested');
    const ai = buildAiContext({ ...played, locale: 'zh-CN' });
    assert.equal(ai.unansweredQuestion, '为什么还没到？');
    assert.match(ai.suggestedReply ?? '', /^您好，.*LC-12345678/);
    assert.deepEqual(ai.entities, [{ type: 'order_id', value: 'LC-12345678' }]);
    assert.equal(ai.intents[0]?.name, 'shipping.lost_parcel');
  });

  test('a Japanese customer gets a Japanese draft, addressed by name', () => {
    const played = play(
      [
        { user: '注文番号 20418837 の商品が壊れていました。返金できますか？', name: '佐藤 花子' },
        { bot: '返品は 30 日以内に受け付けています。', confidence: 0.2 },
        { user: '担当者に代わってください', name: '佐藤 花子' },
      ],
      { locale: 'ja' },
    );
    assert.equal(played.handoff?.reason, 'user_requested');
    const ai = buildAiContext({ ...played, locale: 'ja' });
    assert.equal(ai.unansweredQuestion, '返金できますか？');
    assert.match(
      ai.suggestedReply ?? '',
      /^佐藤 花子様、.*申し訳ございません.*20418837.*「返金できますか？」/,
    );
    assert.deepEqual(ai.entities, [{ type: 'order_id', value: '20418837' }]);
    assert.deepEqual(ai.intents.map((intent) => intent.name).sort(), [
      'returns.refund',
      'shipping.damaged_item',
    ]);
  });

  test('an empty conversation still gives a valid package', () => {
    const ai = buildAiContext({ messages: [] });
    assert.deepEqual(ai.sentiment, { current: 0, trend: 'steady', history: [] });
    assert.deepEqual(ai.intents, []);
    assert.deepEqual(ai.entities, []);
    assert.equal(typeof ai.summary, 'string');
    assert.match(ai.suggestedReply ?? '', /How can I help\?$/);
  });
});

// ---------------------------------------------------------------------------------------------
// Cost: nothing grows with the square of the conversation.
// ---------------------------------------------------------------------------------------------

describe('cost', () => {
  test('1,000 messages analysed and decided one by one, then one context package', (t) => {
    const lines = [
      'Where is my order LC-20418837?',
      'How long does delivery to Germany take?',
      'This is useless!!',
      '我的包裹什么时候到？',
      'オペレーターと話したい',
      'Can I return a sweater I wore once?',
    ];
    const turns: Turn[] = [];
    for (let i = 0; i < 1000; i += 1) {
      turns.push({ user: `${lines[i % lines.length] ?? ''} (${i})` }, { bot: 'An answer.', confidence: 0.9 });
    }
    const started = performance.now();
    const played = play(turns);
    const ai = buildAiContext({ ...played, locale: 'en' });
    const elapsed = performance.now() - started;
    t.diagnostic(`1,000 user + 1,000 bot messages: ${elapsed.toFixed(0)} ms`);
    assert.equal(played.analyses.length, 1000);
    assert.equal(ai.sentiment.history.length, 50);
    // Not a benchmark: a generous bound that only a quadratic blow-up would cross.
    assert.ok(elapsed < 20_000, `${elapsed} ms`);
  });

  test('a pasted 100,000-character message is read up to its first 4,000 characters', (t) => {
    const text = `My order LC-20418837 is late. ${'a. '.repeat(33_000)} my phone is +31 6 1234 5678`;
    const started = performance.now();
    const analysis = analyzeUserMessage(text, { userTexts: [text, text] });
    const entities = extractEntities(text);
    const ai = buildAiContext({
      ...play([{ user: text }, { bot: 'Sorry?', confidence: 0.1 }, { user: text }]),
    });
    const elapsed = performance.now() - started;
    t.diagnostic(`three 100,000-character messages: ${elapsed.toFixed(0)} ms`);
    assert.ok(analysis.cues.includes('repeated_question'));
    assert.deepEqual(entities, [{ type: 'order_id', value: 'LC-20418837' }]);
    assert.match(ai.summary, /LC-20418837/);
    assert.ok(elapsed < 10_000, `${elapsed} ms`);
  });
});

describe('naughty strings', () => {
  const BLNS = JSON.parse(
    readFileSync(new URL('../../../../shared/corpora/blns/blns.json', import.meta.url), 'utf8'),
  ) as string[];
  const strings = [...BLNS, '\u0000', '\ud800', 'x\udfffy', '\ufeff', '\u{10ffff}'];

  test('every one is analysed without throwing, with a finite score in [-1, 1], alone and in a row', () => {
    const earlier: string[] = [];
    const analyses: MessageAnalysis[] = [];
    for (const text of strings) {
      const analysis = analyzeUserMessage(text, { userTexts: earlier });
      assert.ok(
        Number.isFinite(analysis.sentiment) && Math.abs(analysis.sentiment) <= 1,
        JSON.stringify(text),
      );
      analyses.push(analysis);
      earlier.push(text);
      extractEntities(text);
    }
    const decision = decideEscalation({ analyses, botConfidences: [] });
    assert.ok(decision.priority >= 0 && decision.priority <= MAX_PRIORITY);
    const messages = strings.map((text, i): Message => ({
      id: `m${i}`,
      seq: i + 1,
      role: i % 2 ? 'bot' : 'user',
      author: { role: i % 2 ? 'bot' : 'user' },
      text,
      status: 'complete',
      createdAt: '2026-11-24T10:00:00.000Z',
    }));
    const ai = buildAiContext({ messages });
    assert.equal(ai.machineGenerated, true);
    assert.equal(typeof ai.summary, 'string');
  });
});
