import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BotChunk, BotTurn } from '../src/bots/bot.js';
import { parseFrontMatter } from '../src/bots/kb/front-matter.js';
import { createKnowledgeBaseBot, type KnowledgeBaseBot } from '../src/bots/kb/index.js';
import { splitIntoDeltas } from '../src/bots/kb/stream-text.js';

const HELP_CENTER = fileURLToPath(new URL('../help-center', import.meta.url));
const BASE_URL = 'https://larkspur.example/help';
const THRESHOLD = 0.35;

type Final = Extract<BotChunk, { type: 'final' }>;

function turn(question: string, options: { locale?: string; signal?: AbortSignal } = {}): BotTurn {
  return {
    conversationId: 'c-1',
    turnId: 't-1',
    question,
    history: [],
    ...(options.locale === undefined ? {} : { locale: options.locale }),
    signal: options.signal ?? new AbortController().signal,
  };
}

async function collect(bot: KnowledgeBaseBot, t: BotTurn): Promise<BotChunk[]> {
  const chunks: BotChunk[] = [];
  for await (const chunk of bot.answer(t)) chunks.push(chunk);
  return chunks;
}

function finalOf(chunks: BotChunk[]): Final {
  const last = chunks[chunks.length - 1];
  assert.equal(last?.type, 'final', 'the last chunk is the final one');
  assert.equal(chunks.filter((c) => c.type === 'final').length, 1, 'exactly one final chunk');
  return last as Final;
}

function deltasOf(chunks: BotChunk[]): string {
  return chunks.map((c) => (c.type === 'delta' ? c.text : '')).join('');
}

/** Customer questions, worded the way people write in a chat, and the article that answers each. */
const CONFIDENT: ReadonlyArray<readonly [question: string, slug: string]> = [
  ['my parcel never arrived', 'lost-parcel'],
  ['my package shows delivered but it is not here', 'lost-parcel'],
  ['can I send back shoes I wore once?', 'return-policy'],
  ['I was charged two times', 'charged-twice'],
  ['how do I change my email address', 'change-email'],
  ["where's my stuff", 'track-your-order'],
  ['where is my parcel', 'track-your-order'],
  ['how long does delivery to Germany take?', 'shipping-times'],
  ['do you ship to Australia?', 'shipping-countries'],
  ['how much is shipping to the US', 'shipping-costs'],
  ['the vase I got is cracked', 'damaged-items'],
  ['I ordered the wrong size, can I swap it', 'exchanges'],
  ['when will I get my money back', 'refund-timing'],
  ['my card keeps getting declined', 'failed-payment'],
  ['your payment page keeps failing', 'failed-payment'],
  ['do you take Apple Pay', 'payment-methods'],
  ['I need a VAT invoice for my company', 'invoices'],
  ['can I get a receipt for my order', 'invoices'],
  ['how do I check my gift card balance', 'gift-cards'],
  ['I forgot my password', 'reset-password'],
  ['the reset link never came', 'reset-password'],
  ["I can't log in to my account", 'sign-in-problems'],
  ['please remove my account and all my data', 'delete-account'],
  ['can I download the data you have about me', 'privacy'],
  ["I changed my mind and don't want the order anymore", 'cancel-an-order'],
  ['can I change the delivery address on my order', 'change-an-order'],
  ['how do I return something', 'how-to-return'],
  ["I didn't get an order confirmation email", 'place-an-order'],
  ['the mug I got is chipped', 'damaged-items'],
  // The examples the demo page suggests to try.
  ['Where is my order?', 'track-your-order'],
  ['How do I return a damaged mug?', 'damaged-items'],
];

/** Off-topic, vague or not covered: the bot must say it is unsure and offer a person. */
const UNSURE: readonly string[] = [
  'what is the capital of Mongolia',
  'asdf qwer',
  'I need help',
  'hello',
  'can I pay with bitcoin',
  'do you sell bicycles',
  'can you gift wrap my order?',
];

describe('knowledge-base bot on the demo help center', () => {
  let bot: KnowledgeBaseBot;

  before(async () => {
    bot = await createKnowledgeBaseBot({ dir: HELP_CENTER, baseUrl: BASE_URL, delayMs: 0 });
  });

  test('indexes every article and reports the build time', (t) => {
    const { articles, passages, languages, buildMs } = bot.info;
    t.diagnostic(`index build: ${buildMs.toFixed(1)} ms for ${articles} articles, ${passages} passages`);
    assert.ok(articles >= 20, `expected about 20 articles, got ${articles}`);
    assert.deepEqual([...languages].sort(), ['en', 'ja', 'zh']);
    assert.ok(passages > articles, 'articles are split into several passages');
  });

  for (const [question, slug] of CONFIDENT) {
    test(`answers "${question}" from ${slug}`, async (t) => {
      const chunks = await collect(bot, turn(question));
      const final = finalOf(chunks);
      t.diagnostic(
        `${JSON.stringify(question)} -> ${final.citations?.[0]?.url} confidence ${final.confidence}`,
      );
      assert.deepEqual(chunks[0], {
        type: 'progress',
        stage: 'searching',
        label: 'Searching the help center...',
      });
      assert.equal(final.citations?.[0]?.url, `${BASE_URL}/${slug}`);
      assert.equal(final.citations?.length, 1);
      assert.ok((final.citations[0]?.snippet ?? '').length > 20, 'the citation carries the passage');
      assert.ok((final.confidence ?? 0) >= THRESHOLD, `confidence ${final.confidence} is below ${THRESHOLD}`);
      assert.equal(final.wantsHuman, undefined);
      assert.equal(deltasOf(chunks), final.text);
      assert.ok((final.text ?? '').length > 40, 'the answer has substance');
      const suggestions = final.suggestions ?? [];
      assert.ok(suggestions.length >= 1 && suggestions.length <= 2, 'one or two follow-ups');
      for (const s of suggestions) {
        assert.notEqual(s.action, 'handoff');
        assert.ok(s.text && s.text.length > 0);
      }
    });
  }

  for (const question of UNSURE) {
    test(`is honest about not knowing: "${question}"`, async (t) => {
      const chunks = await collect(bot, turn(question));
      const final = finalOf(chunks);
      t.diagnostic(`${JSON.stringify(question)} -> unsure, confidence ${final.confidence}`);
      assert.equal(final.wantsHuman, true);
      assert.ok((final.confidence ?? 1) < THRESHOLD);
      assert.deepEqual(final.suggestions?.[0], { label: 'Talk to a person', action: 'handoff' });
      assert.equal(final.citations, undefined, 'no source is claimed for a guess');
      assert.match(final.text ?? '', /not sure/);
      assert.equal(deltasOf(chunks), final.text);
    });
  }

  test('points at the closest article when unsure but the question is on topic', async () => {
    const final = finalOf(await collect(bot, turn('order')));
    assert.equal(final.wantsHuman, true);
    assert.equal(final.suggestions?.[0]?.action, 'handoff');
    assert.equal(final.suggestions?.length, 2);
    assert.match(final.text ?? '', /closest article/);
  });

  test('answers a Chinese question from the Chinese article, in Chinese', async (t) => {
    const chunks = await collect(bot, turn('我的包裹多久能到？', { locale: 'zh-CN' }));
    const final = finalOf(chunks);
    t.diagnostic(`"我的包裹多久能到？" -> ${final.citations?.[0]?.url} confidence ${final.confidence}`);
    assert.equal(final.citations?.[0]?.url, `${BASE_URL}/zh-cn/shipping-times`);
    assert.match(final.text ?? '', /工作日/);
    assert.equal(chunks[0]?.type === 'progress' && chunks[0].label, '正在搜索帮助中心...');
    assert.ok(chunks.filter((c) => c.type === 'delta').length > 20, 'Chinese streams word by word too');
    assert.equal(deltasOf(chunks), final.text);
  });

  test("answers the demo page's Chinese example from the Chinese tracking article", async () => {
    const final = finalOf(await collect(bot, turn('我的包裹在哪里？', { locale: 'zh-CN' })));
    assert.equal(final.citations?.[0]?.url, `${BASE_URL}/zh-cn/track-your-order`);
    assert.match(final.text ?? '', /物流单号/);
    assert.equal(final.wantsHuman, undefined);
  });

  test('answers a Japanese question from the Japanese article, in Japanese', async (t) => {
    const chunks = await collect(
      bot,
      turn('返品したいのですが、どうすればいいですか？', { locale: 'ja-JP' }),
    );
    const final = finalOf(chunks);
    t.diagnostic(
      `"返品したいのですが、どうすればいいですか？" -> ${final.citations?.[0]?.url} confidence ${final.confidence}`,
    );
    assert.equal(final.citations?.[0]?.url, `${BASE_URL}/ja/returns`);
    assert.match(final.text ?? '', /返品/);
    assert.equal(final.wantsHuman, undefined);
    assert.equal(deltasOf(chunks), final.text);
  });

  test('finds the Japanese article from the script when the locale is unknown', async () => {
    const final = finalOf(await collect(bot, turn('返金はいつになりますか')));
    assert.equal(final.citations?.[0]?.url, `${BASE_URL}/ja/returns`);
    assert.match(final.text ?? '', /営業日/);
  });

  test('answers in English when no article in the customer language matches', async () => {
    const final = finalOf(await collect(bot, turn('I forgot my password', { locale: 'zh-CN' })));
    assert.equal(final.citations?.[0]?.url, `${BASE_URL}/reset-password`);
  });

  test('says it is unsure in the customer language', async () => {
    const chunks = await collect(bot, turn('今天天气怎么样', { locale: 'zh-CN' }));
    const final = finalOf(chunks);
    assert.equal(final.wantsHuman, true);
    assert.equal(final.suggestions?.[0]?.action, 'handoff');
    assert.match(final.text ?? '', /抱歉/);
  });

  test('answers with steps as a markdown list', async () => {
    const final = finalOf(await collect(bot, turn('I forgot my password')));
    assert.match(final.text ?? '', /^1\. .*Forgot password\?/m);
    assert.match(final.text ?? '', /^4\. /m);
  });

  test('search ranks articles for the agent console', () => {
    const result = bot.search('charged twice for one order');
    assert.equal(result.language, 'en');
    assert.ok(result.confidence >= THRESHOLD);
    assert.equal(result.hits[0]?.slug, 'charged-twice');
    assert.equal(result.hits[0]?.url, `${BASE_URL}/charged-twice`);
    assert.equal(new Set(result.hits.map((h) => h.slug)).size, result.hits.length, 'each article once');
    assert.deepEqual(bot.search('asdf qwer').hits, []);
  });
});

describe('streaming', () => {
  test('deltas are word sized and join back to the exact text', () => {
    const text = 'Go to **Account > Orders**.\n\n1. Open it.\n2.  Select  **Track**.\n';
    const pieces = splitIntoDeltas(text, 'en');
    assert.equal(pieces.join(''), text);
    assert.ok(pieces.length >= 9);
    assert.equal(splitIntoDeltas('返品の方法', 'ja').join(''), '返品の方法');
  });

  test('an aborted signal stops the stream within one chunk', async () => {
    const bot = await createKnowledgeBaseBot({ dir: HELP_CENTER, delayMs: 0 });
    const controller = new AbortController();
    const stream = bot.answer(turn('I forgot my password', { signal: controller.signal }));
    const iterator = stream[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value?.type, 'progress');
    assert.equal((await iterator.next()).value?.type, 'delta');
    controller.abort();
    assert.deepEqual(await iterator.next(), { done: true, value: undefined });
  });

  test('an abort during the pause between words ends the stream at once', async () => {
    const bot = await createKnowledgeBaseBot({ dir: HELP_CENTER, delayMs: 5_000 });
    const controller = new AbortController();
    const stream = bot.answer(turn('I forgot my password', { signal: controller.signal }));
    const iterator = stream[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value?.type, 'progress');
    const pending = iterator.next();
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    assert.deepEqual(await pending, { done: true, value: undefined });
    assert.ok(Date.now() - started < 1_000, 'did not wait for the 5 s pause');
  });

  test('a turn aborted before it starts yields no answer', async () => {
    const bot = await createKnowledgeBaseBot({ dir: HELP_CENTER, delayMs: 0 });
    const chunks = await collect(bot, turn('I forgot my password', { signal: AbortSignal.abort() }));
    assert.ok(chunks.every((c) => c.type === 'progress'));
    assert.ok(chunks.length <= 1);
  });

  test('delayMs paces the words', async () => {
    const bot = await createKnowledgeBaseBot({ dir: HELP_CENTER, delayMs: 15 });
    const started = Date.now();
    const chunks = await collect(bot, turn('asdf qwer'));
    const words = chunks.filter((c) => c.type === 'delta').length;
    assert.ok(Date.now() - started >= words * 15 * 0.8, `${words} words streamed too fast`);
  });
});

describe('reload and article format', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-kb-'));
    await cp(HELP_CENTER, dir, { recursive: true });
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('reload picks up a new article', async () => {
    const bot = await createKnowledgeBaseBot({ dir, delayMs: 0 });
    const question = 'can you gift wrap my order?';
    const before = finalOf(await collect(bot, turn(question)));
    assert.equal(before.wantsHuman, true);

    await writeFile(
      join(dir, 'orders', 'gift-wrapping.md'),
      [
        '---',
        'title: Gift wrapping',
        'slug: gift-wrapping',
        'category: Orders',
        'tags: [wrap, gift wrap, present, gift message]',
        '---',
        '',
        '# Gift wrapping',
        '',
        'Any order can be gift wrapped for €4 in recycled paper with a linen ribbon. Select **Add gift wrap** in the bag,',
        'and add a message of up to 200 characters. Prices are never printed on the packing slip of a wrapped order.',
        '',
      ].join('\n'),
    );
    const count = bot.info.articles;
    await bot.reload();
    assert.equal(bot.info.articles, count + 1);
    const afterReload = finalOf(await collect(bot, turn(question)));
    assert.equal(afterReload.citations?.[0]?.url, '/help/gift-wrapping');
    assert.ok((afterReload.confidence ?? 0) >= THRESHOLD);
    assert.match(afterReload.text ?? '', /€4/);
  });

  test('a malformed article is refused with the file and the fix', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'baton-kb-broken-'));
    try {
      await writeFile(join(broken, 'no-slug.md'), '---\ntitle: Missing slug\n---\nText.\n');
      await assert.rejects(createKnowledgeBaseBot({ dir: broken }), /no-slug\.md: "slug:"/);
      await writeFile(join(broken, 'no-slug.md'), '---\ntitle: A\nslug: same\n---\nA.\n');
      await writeFile(join(broken, 'other.md'), '---\ntitle: B\nslug: same\n---\nB.\n');
      await assert.rejects(createKnowledgeBaseBot({ dir: broken }), /slug "same" is already used/);
      await writeFile(
        join(broken, 'other.md'),
        '---\ntitle: B\nslug: other\nlocale: not a locale\n---\nB.\n',
      );
      await assert.rejects(
        createKnowledgeBaseBot({ dir: broken }),
        /other\.md: "locale:" must be a BCP 47 tag/,
      );
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });

  test('front matter: quoted values, inline and indented lists, defaults', () => {
    const { data, body } = parseFrontMatter(
      '---\ntitle: "Returns: the basics"\nslug: returns\ntags: [a, "b, c"]\naliases:\n  - one\n  - two\n---\n# Body\n',
    );
    assert.deepEqual(data, {
      title: 'Returns: the basics',
      slug: 'returns',
      tags: ['a', 'b, c'],
      aliases: ['one', 'two'],
    });
    assert.equal(body, '# Body\n');
    assert.deepEqual(
      parseFrontMatter('---\ntags:\n  [\n    one,\n    two words,\n  ]\nslug: x\n---\n').data,
      {
        tags: ['one', 'two words'],
        slug: 'x',
      },
    );
    assert.deepEqual(parseFrontMatter('No front matter').data, {});
    assert.throws(() => parseFrontMatter('---\ntitle: x\n'), /not closed/);
  });
});
