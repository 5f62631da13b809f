import assert from 'node:assert/strict';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { after, afterEach, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type {
  BatonEvent,
  ErrorEventData,
  Message,
  MessageCompletedData,
  MessageDeltaData,
  ProgressData,
} from '@baton-chat/protocol';
import type { BotChunk, BotTurn } from '../src/bots/bot.js';
import { createKnowledgeBaseBot, type KnowledgeBaseBot } from '../src/bots/kb/index.js';
import { createLlmBot, LlmBotError, type LlmBotOptions } from '../src/bots/llm/index.js';
import { startServer, type RunningServer } from '../src/node.js';
import { call, createConversation, history, openStream, send, sleep } from './helpers.js';

const HELP_CENTER = fileURLToPath(new URL('../help-center', import.meta.url));
const KB_URL = 'https://larkspur.example/help';
const MODEL = 'test-model-7b';
const API_KEY = 'sk-test-SECRET-0123456789abcdef';

type Final = Extract<BotChunk, { type: 'final' }>;

// ---------------------------------------------------------------------------------------------
// A real OpenAI-compatible upstream on 127.0.0.1
// ---------------------------------------------------------------------------------------------

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the request body as JSON
  body: any;
  /** performance.now() when the server saw the response's connection close before it ended it; else undefined. */
  closedEarlyAt: number | undefined;
  /** Resolves when the response's connection closes (early or not). */
  closed: Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, recorded: Recorded) => void | Promise<void>;

class FakeLlm {
  readonly requests: Recorded[] = [];
  handler: Handler = (_req, res) => streamAnswer(res, ['Hello', ' there.']);
  #server: Server | undefined;
  #url = '';

  get url(): string {
    return this.#url;
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (b: Buffer) => parts.push(b));
      req.on('end', () => {
        const raw = Buffer.concat(parts).toString('utf8');
        let closeResolve!: () => void;
        const recorded: Recorded = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: raw ? JSON.parse(raw) : undefined,
          closedEarlyAt: undefined,
          closed: new Promise<void>((resolve) => (closeResolve = resolve)),
        };
        res.on('close', () => {
          if (!res.writableFinished) recorded.closedEarlyAt = performance.now();
          closeResolve();
        });
        this.requests.push(recorded);
        void Promise.resolve(this.handler(req, res, recorded)).catch(() => undefined);
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    this.#url = `http://127.0.0.1:${port}/v1`;
  }

  reset(): void {
    this.requests.length = 0;
    this.handler = (_req, res) => streamAnswer(res, ['Hello', ' there.']);
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}

function chunkLine(delta: Record<string, unknown>, finishReason: string | null = null): string {
  const chunk = {
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: MODEL,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

function startSse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(chunkLine({ role: 'assistant', content: '' }));
}

/** Streams `pieces` as content deltas, pausing `gapMs` (or awaiting `gate` after the first), then `[DONE]`. */
async function streamAnswer(
  res: ServerResponse,
  pieces: readonly string[],
  options: { gapMs?: number; gate?: Promise<void> } = {},
): Promise<void> {
  startSse(res);
  for (const [i, piece] of pieces.entries()) {
    if (i === 1 && options.gate) await options.gate;
    else if (i > 0 && options.gapMs) await sleep(options.gapMs);
    if (res.destroyed) return;
    res.write(chunkLine({ content: piece }));
  }
  res.write(chunkLine({}, 'stop'));
  res.end('data: [DONE]\n\n');
}

function jsonError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type: 'server_error', code: null } }));
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function turn(question: string, options: Partial<BotTurn> = {}): BotTurn {
  return {
    conversationId: 'c-1',
    turnId: 't-1',
    question,
    history: [],
    signal: new AbortController().signal,
    ...options,
  };
}

async function collect(iterable: AsyncIterable<BotChunk>): Promise<BotChunk[]> {
  const chunks: BotChunk[] = [];
  for await (const chunk of iterable) chunks.push(chunk);
  return chunks;
}

/** Runs a turn that must fail; returns the chunks yielded before the error and the error. */
async function failing(
  iterable: AsyncIterable<BotChunk>,
): Promise<{ chunks: BotChunk[]; error: LlmBotError }> {
  const chunks: BotChunk[] = [];
  try {
    for await (const chunk of iterable) chunks.push(chunk);
  } catch (error) {
    assert.ok(error instanceof LlmBotError, `expected an LlmBotError, got ${String(error)}`);
    return { chunks, error };
  }
  assert.fail(`the turn did not fail; chunks: ${JSON.stringify(chunks)}`);
}

const deltas = (chunks: BotChunk[]) => chunks.flatMap((c) => (c.type === 'delta' ? [c.text] : []));

function finalOf(chunks: BotChunk[]): Final {
  const last = chunks[chunks.length - 1];
  assert.equal(last?.type, 'final', 'the last chunk is the final one');
  assert.equal(chunks.filter((c) => c.type === 'final').length, 1, 'exactly one final chunk');
  return last as Final;
}

let seq = 0;
function message(role: Message['role'], text: string, extra: Partial<Message> = {}): Message {
  seq += 1;
  return {
    id: `m-${seq}`,
    seq,
    role,
    author: { id: role, role, name: role },
    text,
    status: 'complete',
    createdAt: new Date(0).toISOString(),
    ...extra,
  } as Message;
}

// ---------------------------------------------------------------------------------------------
// The bot against the fake upstream
// ---------------------------------------------------------------------------------------------

describe('LLM bot against a real OpenAI-compatible HTTP server', () => {
  const upstream = new FakeLlm();
  let kb: KnowledgeBaseBot;
  const bot = (options: Partial<LlmBotOptions> = {}) =>
    createLlmBot({ baseURL: upstream.url, model: MODEL, apiKey: API_KEY, knowledgeBase: kb, ...options });

  before(async () => {
    await upstream.start();
    kb = await createKnowledgeBaseBot({ dir: HELP_CENTER, baseUrl: KB_URL, delayMs: 0 });
  });
  after(() => upstream.stop());
  afterEach(() => upstream.reset());

  test('yields each upstream delta in order, as it arrives, and they join to the upstream text', async () => {
    const pieces = ['You can ', 'return most items ', 'within 30 days', ' [1]', '.'];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    upstream.handler = (_req, res) => streamAnswer(res, pieces, { gate, gapMs: 5 });
    const iterator = bot().answer(turn('how do I return something'))[Symbol.asyncIterator]();
    const chunks: BotChunk[] = [];
    // The first delta must arrive while the upstream still holds the rest back.
    for (;;) {
      const step = await iterator.next();
      assert.equal(step.done, false, 'the stream ended before the first delta');
      chunks.push(step.value as BotChunk);
      if ((step.value as BotChunk).type === 'delta') break;
    }
    assert.deepEqual(chunks, [
      { type: 'progress', stage: 'searching', label: 'Searching the help center...' },
      { type: 'delta', text: 'You can ' },
    ]);
    open();
    for (let step = await iterator.next(); !step.done; step = await iterator.next()) chunks.push(step.value);
    assert.deepEqual(deltas(chunks), pieces);
    assert.equal(deltas(chunks).join(''), 'You can return most items within 30 days [1].');
    const final = finalOf(chunks);
    const expected = kb.search('how do I return something');
    assert.ok(expected.hits.length > 0);
    assert.equal(final.text, undefined, 'the deltas are the answer');
    assert.deepEqual(final.citations, [
      { title: expected.hits[0]!.title, url: expected.hits[0]!.url, snippet: expected.hits[0]!.snippet },
    ]);
    assert.equal(final.confidence, Math.round(expected.confidence * 100) / 100);
    assert.ok(final.confidence! >= 0.35);
    assert.equal(final.wantsHuman, undefined);
    assert.equal(final.suggestions, undefined);
  });

  test('sends the model, the grounded system prompt with numbered sources, the last 10 messages and the question', async () => {
    const question = 'I was charged two times';
    const earlier = [
      message('user', 'old-1'),
      message('bot', 'old-2'),
      message('user', 'kept-1'),
      message('bot', 'kept-2'),
      message('system', 'An agent joined'),
      message('user', 'retracted text', { status: 'retracted' }),
      message('agent', 'kept-3 from an agent'),
      message('user', 'kept-4'),
      message('bot', 'kept-5'),
      message('user', 'kept-6'),
      message('bot', 'kept-7'),
      message('user', 'kept-8'),
      message('bot', ''),
      message('bot', 'kept-9'),
      message('user', 'kept-10'),
    ];
    const chunks = await collect(
      bot({ temperature: 0.2, maxTokens: 300 }).answer(turn(question, { history: earlier })),
    );
    assert.equal(deltas(chunks).join(''), 'Hello there.');
    assert.equal(upstream.requests.length, 1);
    const request = upstream.requests[0]!;
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/v1/chat/completions');
    assert.equal(request.headers.authorization, `Bearer ${API_KEY}`);
    assert.equal(request.headers['openai-organization'], undefined);
    assert.equal(request.body.model, MODEL);
    assert.equal(request.body.stream, true);
    assert.equal(request.body.temperature, 0.2);
    assert.equal(request.body.max_tokens, 300);

    const [system, ...rest] = request.body.messages as { role: string; content: string }[];
    assert.equal(system!.role, 'system');
    assert.match(system!.content, /Answer only from the numbered help-center sources below/);
    assert.match(
      system!.content,
      /say plainly that you are not sure and offer to connect the customer with a person/,
    );
    const hits = kb.search(question).hits.slice(0, 4);
    assert.equal(hits.length, 4);
    hits.forEach((hit, i) => {
      assert.ok(
        system!.content.includes(`[${i + 1}] ${hit.title}\nURL: ${hit.url}\n`),
        `source ${i + 1} missing`,
      );
    });
    assert.ok(!system!.content.includes('[5] '), 'at most four sources');
    // The passage itself is in the prompt, not only its title.
    assert.ok(system!.content.includes(hits[0]!.text.slice(0, 60)), 'the best passage text is in the prompt');
    assert.equal(hits[0]!.url, `${KB_URL}/charged-twice`);

    assert.deepEqual(rest, [
      { role: 'user', content: 'kept-1' },
      { role: 'assistant', content: 'kept-2' },
      { role: 'assistant', content: 'kept-3 from an agent' },
      { role: 'user', content: 'kept-4' },
      { role: 'assistant', content: 'kept-5' },
      { role: 'user', content: 'kept-6' },
      { role: 'assistant', content: 'kept-7' },
      { role: 'user', content: 'kept-8' },
      { role: 'assistant', content: 'kept-9' },
      { role: 'user', content: 'kept-10' },
      { role: 'user', content: question },
    ]);
  });

  test('without an API key no Authorization header is sent; without settings no temperature or max_tokens', async () => {
    await collect(bot({ apiKey: undefined }).answer(turn('hello')));
    const request = upstream.requests[0]!;
    assert.equal(request.headers.authorization, undefined);
    assert.equal('temperature' in request.body, false);
    assert.equal('max_tokens' in request.body, false);
  });

  test('cites the sources the answer references, by their number', async () => {
    const question = 'I was charged two times';
    upstream.handler = (_req, res) => streamAnswer(res, ['See [2] and ', '[3, 2].']);
    const final = finalOf(await collect(bot().answer(turn(question))));
    const hits = kb.search(question).hits;
    assert.deepEqual(
      final.citations?.map((c) => c.url),
      [hits[1]!.url, hits[2]!.url],
    );
  });

  test('weak retrieval: the answer offers a person and wants a human, and cites nothing unreferenced', async () => {
    upstream.handler = (_req, res) => streamAnswer(res, ["I'm not sure about that."]);
    const question = 'what is the capital of Mongolia';
    const final = finalOf(await collect(bot().answer(turn(question))));
    assert.ok((final.confidence ?? 1) < 0.35, `confidence ${final.confidence}`);
    assert.equal(final.wantsHuman, true);
    assert.deepEqual(final.suggestions, [{ label: 'Talk to a person', action: 'handoff' }]);
    assert.equal(final.citations, undefined);
  });

  test('answers in the customer language labels (ja) and tells the model the locale', async () => {
    const chunks = await collect(bot().answer(turn('返品したい', { locale: 'ja' })));
    assert.deepEqual(chunks[0], {
      type: 'progress',
      stage: 'searching',
      label: 'ヘルプセンターを検索しています...',
    });
    assert.match(upstream.requests[0]!.body.messages[0].content, /Reply in Japanese \(ja\)/);
  });

  test('cancel mid-stream: the iteration ends without a final chunk and the upstream socket closes within 100 ms', async (t) => {
    upstream.handler = (_req, res) => {
      startSse(res);
      res.write(chunkLine({ content: 'Partial' }));
      // ...and then nothing: only the client's abort ends this response.
    };
    const controller = new AbortController();
    const chunks: BotChunk[] = [];
    let abortedAt = 0;
    for await (const chunk of bot().answer(
      turn('how do I return something', { signal: controller.signal }),
    )) {
      chunks.push(chunk);
      if (chunk.type === 'delta') {
        abortedAt = performance.now();
        controller.abort();
      }
    }
    const endedAt = performance.now();
    assert.deepEqual(deltas(chunks), ['Partial']);
    assert.equal(
      chunks.some((c) => c.type === 'final'),
      false,
    );
    const request = upstream.requests[0]!;
    await Promise.race([request.closed, sleep(1000)]);
    assert.ok(request.closedEarlyAt !== undefined, 'the upstream saw its connection close');
    t.diagnostic(`upstream socket closed ${(request.closedEarlyAt - abortedAt).toFixed(1)} ms after abort`);
    assert.ok(
      request.closedEarlyAt - abortedAt < 100,
      `socket closed ${request.closedEarlyAt - abortedAt} ms after abort`,
    );
    assert.ok(endedAt - abortedAt < 100, `iteration ended ${endedAt - abortedAt} ms after abort`);
  });

  test('cancel before the upstream answers: the pending request is aborted within 100 ms', async (t) => {
    let received!: () => void;
    const requested = new Promise<void>((resolve) => (received = resolve));
    upstream.handler = () => received(); // never answers
    const controller = new AbortController();
    const run = collect(bot().answer(turn('hello', { signal: controller.signal })));
    await requested;
    const abortedAt = performance.now();
    controller.abort();
    const chunks = await run;
    assert.deepEqual(
      chunks.map((c) => c.type),
      ['progress'],
    );
    const request = upstream.requests[0]!;
    await Promise.race([request.closed, sleep(1000)]);
    assert.ok(request.closedEarlyAt !== undefined, 'the upstream saw its connection close');
    t.diagnostic(`upstream socket closed ${(request.closedEarlyAt - abortedAt).toFixed(1)} ms after abort`);
    assert.ok(
      request.closedEarlyAt - abortedAt < 100,
      `socket closed ${request.closedEarlyAt - abortedAt} ms after abort`,
    );
  });

  test('upstream 500: throws a safe error without the upstream text', async () => {
    upstream.handler = (_req, res) =>
      jsonError(res, 500, 'internal stack trace at db.query(secret-host:5432)');
    const { chunks, error } = await failing(bot().answer(turn('hello')));
    assert.deepEqual(
      chunks.map((c) => c.type),
      ['progress'],
    );
    assert.equal(error.code, 'upstream_error');
    assert.equal(error.status, 500);
    assert.equal(error.message, 'The language model service failed (HTTP 500).');
    assert.equal(upstream.requests.length, 1, 'no retries by default');
  });

  test('upstream 401: throws a safe error; neither message nor detail carries the API key', async () => {
    upstream.handler = (_req, res) => jsonError(res, 401, `Incorrect API key provided: ${API_KEY}.`);
    const { error } = await failing(bot().answer(turn('hello')));
    assert.equal(error.code, 'unauthorized');
    assert.equal(error.status, 401);
    assert.equal(error.message, 'The language model service refused the credentials (HTTP 401).');
    assert.ok(!error.message.includes('SECRET'));
    assert.ok(error.detail !== undefined && !error.detail.includes('SECRET'), `detail: ${error.detail}`);
    assert.ok(!String(error.stack).includes('SECRET'));
  });

  test('connection refused: throws a safe error at once', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const started = performance.now();
    const { error } = await failing(bot({ baseURL: `http://127.0.0.1:${port}/v1` }).answer(turn('hello')));
    assert.equal(error.code, 'unreachable');
    assert.equal(error.message, 'Could not reach the language model service.');
    assert.ok(!error.message.includes(String(port)));
    assert.ok(performance.now() - started < 1000, 'no retry back-off');
  });

  test('a stream that stops sending: times out after timeoutMs and closes the upstream connection', async () => {
    upstream.handler = (_req, res) => {
      startSse(res);
      res.write(chunkLine({ content: 'Partial' }));
    };
    const started = performance.now();
    const { chunks, error } = await failing(bot({ timeoutMs: 200 }).answer(turn('hello')));
    const elapsed = performance.now() - started;
    assert.deepEqual(deltas(chunks), ['Partial']);
    assert.equal(error.code, 'timeout');
    assert.equal(error.message, 'The language model service did not answer in time.');
    assert.ok(elapsed >= 190 && elapsed < 1000, `failed after ${elapsed} ms`);
    const request = upstream.requests[0]!;
    await Promise.race([request.closed, sleep(500)]);
    assert.ok(request.closedEarlyAt !== undefined, 'the upstream connection was closed');
  });

  test('no first token within timeoutMs (headers and a role chunk only): times out', async () => {
    upstream.handler = (_req, res) => startSse(res);
    const started = performance.now();
    const { chunks, error } = await failing(bot({ timeoutMs: 200 }).answer(turn('hello')));
    const elapsed = performance.now() - started;
    assert.deepEqual(deltas(chunks), []);
    assert.equal(error.code, 'timeout');
    assert.ok(elapsed >= 190 && elapsed < 1000, `failed after ${elapsed} ms`);
  });

  test('no response at all within timeoutMs: times out', async () => {
    upstream.handler = () => undefined;
    const started = performance.now();
    const { error } = await failing(bot({ timeoutMs: 200 }).answer(turn('hello')));
    const elapsed = performance.now() - started;
    assert.equal(error.code, 'timeout');
    assert.ok(elapsed >= 190 && elapsed < 1000, `failed after ${elapsed} ms`);
  });

  test('malformed JSON chunk: throws a safe error after the deltas before it', async () => {
    upstream.handler = (_req, res) => {
      startSse(res);
      res.write(chunkLine({ content: 'Good start' }));
      res.write('data: {"choices": [{"delta": {"content": "bro\n\n');
      res.end('data: [DONE]\n\n');
    };
    const { chunks, error } = await failing(bot().answer(turn('hello')));
    assert.deepEqual(deltas(chunks), ['Good start']);
    assert.equal(error.code, 'malformed');
    assert.equal(error.message, 'The language model service sent a malformed response.');
  });

  test('an error object inside the stream: throws a safe error', async () => {
    upstream.handler = (_req, res) => {
      startSse(res);
      res.end(`data: ${JSON.stringify({ error: { message: 'model crashed on GPU 3' } })}\n\n`);
    };
    const { error } = await failing(bot().answer(turn('hello')));
    assert.equal(error.code, 'upstream_error');
    assert.equal(error.message, 'The language model service reported an error while answering.');
  });

  test('a connection cut mid-stream: throws a safe error', async () => {
    upstream.handler = (_req, res) => {
      startSse(res);
      res.write(chunkLine({ content: 'Half' }), () => setTimeout(() => res.socket?.destroy(), 20));
    };
    const { chunks, error } = await failing(bot().answer(turn('hello')));
    assert.deepEqual(deltas(chunks), ['Half']);
    assert.equal(error.code, 'connection_lost');
    assert.equal(error.message, 'The connection to the language model service was lost.');
  });

  test('an empty answer: throws a safe error', async () => {
    upstream.handler = (_req, res) => streamAnswer(res, []);
    const { error } = await failing(bot().answer(turn('hello')));
    assert.equal(error.code, 'empty');
    assert.equal(error.message, 'The language model returned an empty answer.');
  });

  test('without a knowledge base: a thinking progress, no sources in the prompt, no confidence', async () => {
    const chunks = await collect(
      bot({ knowledgeBase: undefined, systemPrompt: 'You are Larkspur support.' }).answer(turn('hello')),
    );
    assert.deepEqual(chunks[0], { type: 'progress', stage: 'thinking', label: 'Thinking...' });
    const final = finalOf(chunks);
    assert.deepEqual(final, { type: 'final' });
    const system = upstream.requests[0]!.body.messages[0].content as string;
    assert.ok(system.startsWith('You are Larkspur support.'));
    assert.ok(!system.includes('Sources'));
  });
});

// ---------------------------------------------------------------------------------------------
// End to end: the customer's event stream through the reference server
// ---------------------------------------------------------------------------------------------

describe('LLM bot end to end through the reference server', () => {
  const upstream = new FakeLlm();
  let kb: KnowledgeBaseBot;
  const logs: { message: string; error: unknown }[] = [];

  /** The timeout of the shared server's bot: short, so the hang cases end fast. */
  const E2E_TIMEOUT_MS = 500;
  let shared: RunningServer;

  const start = (options: Partial<LlmBotOptions>) =>
    startServer({
      port: 0,
      dataDir: 'memory://',
      bot: createLlmBot({
        baseURL: upstream.url,
        model: MODEL,
        apiKey: API_KEY,
        knowledgeBase: kb,
        timeoutMs: E2E_TIMEOUT_MS,
        ...options,
      }),
      rateLimits: { conversationsPerIp: { perMinute: 0 }, commandsPerConversation: { perMinute: 0 } },
      log: (message, error) => logs.push({ message, error }),
    });

  before(async () => {
    await upstream.start();
    kb = await createKnowledgeBaseBot({ dir: HELP_CENTER, baseUrl: KB_URL, delayMs: 0 });
    shared = await start({});
  });
  after(async () => {
    await shared.close();
    await upstream.stop();
  });
  afterEach(() => {
    upstream.reset();
    logs.length = 0;
  });

  /** Runs `fn` on the shared server, or on a server of its own when the bot needs another `baseURL`. */
  async function withServer(
    options: Partial<LlmBotOptions>,
    fn: (s: RunningServer) => Promise<void>,
  ): Promise<void> {
    if (options.baseURL === undefined) return fn(shared);
    const s = await start(options);
    try {
      await fn(s);
    } finally {
      await s.close();
    }
  }

  const ofType = <T>(events: BatonEvent[], type: string) =>
    events.filter((e) => e.type === type).map((e) => (e as unknown as { data: T }).data);

  test('a grounded answer streams as deltas and completes with citations', async () => {
    upstream.handler = (_req, res) =>
      streamAnswer(res, ['Refunds ', 'reach your card ', 'in 5-10 days [1].'], { gapMs: 30 });
    await withServer({}, async (s) => {
      const c = await createConversation(s.url);
      const stream = await openStream(s.url, c);
      await send(s.url, c, 'when will I get my money back');
      const done = await stream.waitFor((e) => e.type === 'message.completed', 5000);
      const completed = (done as unknown as { data: MessageCompletedData }).data;
      assert.equal(completed.finishReason, 'stop');
      assert.equal(completed.text, 'Refunds reach your card in 5-10 days [1].');
      const best = kb.search('when will I get my money back').hits[0]!;
      assert.deepEqual(
        completed.citations?.map((x) => x.url),
        [best.url],
      );
      assert.equal(best.url, `${KB_URL}/refund-timing`);
      const progress = ofType<ProgressData>(stream.events, 'progress');
      assert.equal(progress[0]?.label, 'Searching the help center...');
      const streamed = ofType<MessageDeltaData>(stream.events, 'message.delta')
        .map((d) => d.text)
        .join('');
      assert.equal(streamed, completed.text);
      assert.equal(ofType<ErrorEventData>(stream.events, 'error').length, 0);
      // The customer's question went upstream.
      const messages = upstream.requests[0]!.body.messages as { role: string; content: string }[];
      assert.deepEqual(messages.at(-1), { role: 'user', content: 'when will I get my money back' });
      stream.close();
    });
  });

  for (const [name, handler, options] of [
    [
      'malformed JSON mid-stream',
      (_req: IncomingMessage, res: ServerResponse) => {
        startSse(res);
        res.write(chunkLine({ content: 'Let me check' }));
        setTimeout(() => res.end('data: {not json}\n\n'), 50);
      },
      {},
    ],
    [
      'a stream that stops sending',
      (_req: IncomingMessage, res: ServerResponse) => {
        startSse(res);
        res.write(chunkLine({ content: 'Let me check' }));
      },
      {},
    ],
  ] as const) {
    test(`${name} after the first token: message.completed with finishReason "error" plus an error event`, async () => {
      upstream.handler = handler;
      await withServer(options, async (s) => {
        const c = await createConversation(s.url);
        const stream = await openStream(s.url, c);
        await send(s.url, c, 'hello');
        const done = await stream.waitFor((e) => e.type === 'message.completed', 5000);
        const completed = (done as unknown as { data: MessageCompletedData }).data;
        assert.equal(completed.finishReason, 'error');
        assert.equal(completed.text, 'Let me check');
        const error = (await stream.waitFor((e) => e.type === 'error', 2000)) as unknown as {
          data: ErrorEventData;
        };
        assert.equal(error.data.code, 'bot_failed');
        assert.equal(error.data.message, 'The assistant could not answer. Please try again.');
        assert.equal(error.data.retryable, true);
        assert.equal(logs.length, 1);
        assert.ok(logs[0]!.error instanceof LlmBotError);
        const page = await history(s.url, c);
        assert.deepEqual(
          page.messages.map((m) => [m.role, m.status, m.finishReason]),
          [
            ['user', 'complete', undefined],
            ['bot', 'complete', 'error'],
          ],
        );
        stream.close();
      });
    });
  }

  const closedPort = async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    return port;
  };

  for (const [name, setup] of [
    [
      'upstream 500',
      () => ({ handler: (_q: IncomingMessage, r: ServerResponse) => jsonError(r, 500, 'boom') }),
    ],
    [
      'upstream 401',
      () => ({
        handler: (_q: IncomingMessage, r: ServerResponse) => jsonError(r, 401, `bad key ${API_KEY}`),
      }),
    ],
    ['connection refused', async () => ({ baseURL: `http://127.0.0.1:${await closedPort()}/v1` })],
    ['no answer within timeoutMs', () => ({ handler: () => undefined })],
    [
      'malformed JSON as the first chunk',
      () => ({
        handler: (_q: IncomingMessage, r: ServerResponse) => {
          startSse(r);
          r.end('data: {"choices": [\n\n');
        },
      }),
    ],
  ] as const) {
    test(`${name} before any token: a completed "error" message with the safe text and a handoff offer, an error event, and the next question is answered`, async () => {
      const { handler, ...options } = (await setup()) as {
        handler?: (q: IncomingMessage, r: ServerResponse) => void;
        baseURL?: string;
      };
      if (handler) upstream.handler = handler;
      await withServer(options, async (s) => {
        const c = await createConversation(s.url);
        const stream = await openStream(s.url, c);
        const sent = await send(s.url, c, 'hello');
        const error = (await stream.waitFor((e) => e.type === 'error', 5000)) as unknown as {
          data: ErrorEventData;
        };
        assert.deepEqual(error.data, {
          code: 'bot_failed',
          message: 'The assistant could not answer. Please try again.',
          turnId: sent.turnId,
          retryable: true,
        });
        const failed = (await stream.waitFor((e) => e.type === 'message.completed', 5000)) as unknown as {
          data: MessageCompletedData;
        };
        assert.deepEqual(
          [failed.data.finishReason, failed.data.text, failed.data.suggestions],
          [
            'error',
            'The assistant could not answer. Please try again.',
            [{ label: 'Talk to a person', action: 'handoff' }],
          ],
        );
        assert.equal(ofType(stream.events, 'message.started').length, 1);
        assert.equal(logs.length, 1);
        const logged = logs[0]!.error;
        assert.ok(logged instanceof LlmBotError, `logged ${String(logged)}`);
        assert.ok(!logged.message.includes('SECRET') && !String(logged.detail).includes('SECRET'));
        const page = await history(s.url, c);
        assert.deepEqual(
          page.messages.map((m) => [m.role, m.status, m.finishReason ?? null]),
          [
            ['user', 'complete', null],
            ['bot', 'complete', 'error'],
          ],
        );

        // The conversation is not stuck: with the upstream healthy again the next question is answered.
        if (options.baseURL) return stream.close();
        upstream.handler = (_req, res) => streamAnswer(res, ['Back ', 'again.']);
        await send(s.url, c, 'hello again');
        const done = await stream.waitFor(
          (e) => e.type === 'message.completed' && (e.data as MessageCompletedData).finishReason === 'stop',
          5000,
        );
        const completed = (done as unknown as { data: MessageCompletedData }).data;
        assert.equal(completed.finishReason, 'stop');
        assert.equal(completed.text, 'Back again.');
        stream.close();
      });
    });
  }

  test('the customer cancels the turn: the upstream connection closes within 100 ms, finishReason "cancelled"', async (t) => {
    upstream.handler = (_req, res) => {
      startSse(res);
      res.write(chunkLine({ content: 'Working on it' }));
    };
    await withServer({}, async (s) => {
      const c = await createConversation(s.url);
      const stream = await openStream(s.url, c);
      const sent = await send(s.url, c, 'hello');
      await stream.waitFor((e) => e.type === 'message.delta', 5000);
      const cancelledAt = performance.now();
      const res = await call(s.url, 'POST', `/v1/conversations/${c.id}/turns/${sent.turnId}/cancel`, {
        token: c.token,
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.result, 'cancelled');
      const request = upstream.requests[0]!;
      await Promise.race([request.closed, sleep(1000)]);
      assert.ok(request.closedEarlyAt !== undefined, 'the upstream saw its connection close');
      t.diagnostic(
        `upstream socket closed ${(request.closedEarlyAt - cancelledAt).toFixed(1)} ms after the cancel request`,
      );
      assert.ok(
        request.closedEarlyAt - cancelledAt < 100,
        `upstream closed ${request.closedEarlyAt - cancelledAt} ms after the cancel request`,
      );
      const done = await stream.waitFor((e) => e.type === 'message.completed', 2000);
      assert.equal((done as unknown as { data: MessageCompletedData }).data.finishReason, 'cancelled');
      assert.equal(ofType(stream.events, 'error').length, 0);
      assert.equal(logs.length, 0);
      stream.close();
    });
  });
});

describe('LLM summary for the agent', () => {
  const upstream = new FakeLlm();
  const SUMMARY = 'The customer was charged twice for order LC-20418837 and wants one charge refunded.';
  const completion = (res: ServerResponse, content: string) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'chatcmpl-sum',
        object: 'chat.completion',
        created: 1_700_000_000,
        model: MODEL,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      }),
    );
  };
  before(() => upstream.start());
  after(() => upstream.stop());
  afterEach(() => upstream.reset());

  test('asks the model once, without streaming, with the labelled transcript', async () => {
    upstream.handler = (_req, res) => completion(res, ` ${SUMMARY}\n`);
    const bot = createLlmBot({ baseURL: upstream.url, model: MODEL, apiKey: API_KEY });
    const transcript = [
      {
        id: 'm1',
        seq: 1,
        role: 'user',
        author: { role: 'user' },
        text: 'I was charged twice',
        status: 'complete',
        createdAt: '',
      },
      {
        id: 'm2',
        seq: 2,
        role: 'bot',
        author: { role: 'bot' },
        text: 'Sorry to hear that.',
        status: 'complete',
        createdAt: '',
      },
    ] satisfies Message[];
    assert.equal(await bot.summarize(transcript), SUMMARY);
    assert.equal(upstream.requests.length, 1);
    const body = upstream.requests[0]!.body;
    assert.equal(body.stream, false);
    assert.match(body.messages[0].content, /handover notes/);
    assert.equal(body.messages[1].content, 'Customer: I was charged twice\nAssistant: Sorry to hear that.');
  });

  test('the console gets the model summary, and the extractive one while the model fails', async () => {
    const bot = createLlmBot({ baseURL: upstream.url, model: MODEL, apiKey: API_KEY, timeoutMs: 2000 });
    upstream.handler = (_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"overloaded"}}');
    };
    const s = await startServer({
      port: 0,
      dataDir: 'memory://',
      bot: createLlmBot({ baseURL: 'http://127.0.0.1:9/v1', model: MODEL }),
      summarize: (t, signal) => bot.summarize(t, signal),
      log: () => undefined,
    });
    try {
      await s.server.agents!.createAgent({ email: 'a@example.com', name: 'A', password: 'a long password' });
      const login = await fetch(`${s.url}/v1/agent/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'a@example.com', password: 'a long password' }),
      });
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
      const c = await createConversation(s.url);
      await call(s.url, 'POST', `/v1/conversations/${c.id}/handoff`, { token: c.token, body: {} });
      await send(s.url, c, 'I was charged twice for order LC-20418837');
      const context = async () =>
        (await call(s.url, 'GET', `/v1/agent/conversations/${c.id}`, { headers: { cookie } })).body.context;
      const fallback = await context();
      assert.notEqual(fallback.ai.summary, SUMMARY);
      assert.match(fallback.ai.summary, /LC-20418837/);
      upstream.handler = (_req, res) => completion(res, SUMMARY);
      assert.equal((await context()).ai.summary, SUMMARY);
      const calls = upstream.requests.length;
      await context();
      assert.equal(upstream.requests.length, calls, 'an unchanged conversation is summarized once');
    } finally {
      await s.close();
    }
  });
});
