import { HEADERS, SSE_CONTENT_TYPE } from '../constants.js';
import type {
  BatonEvent,
  CapabilitiesResponse,
  CancelTurnResponse,
  CloseResponse,
  DurableEvent,
  EventDataMap,
  Feature,
  FeedbackResponse,
  HandoffResponse,
  HistoryResponse,
  MessageCompletedData,
} from '../types.js';
import {
  check,
  checkEqual,
  validationSummary,
  type ConformanceClient,
  type RecordedStream,
  type TestConversation,
} from './client.js';

/** What every scenario gets. */
export interface ScenarioContext {
  client: ConformanceClient;
  capabilities: CapabilitiesResponse;
}

/** One conformance scenario: a named behaviour a v1 server must show. */
export interface Scenario {
  /** Stable kebab-case id, usable with `--only`. */
  id: string;
  /** What it proves, in one line. */
  title: string;
  /** Features the server must advertise for this scenario to run; otherwise it is skipped. */
  requires?: readonly Feature[];
  run(context: ScenarioContext): Promise<void>;
}

const conv = (c: TestConversation, rest = ''): string => `/v1/conversations/${c.id}${rest}`;

const is =
  <T extends BatonEvent['type']>(type: T, match: (data: EventDataMap[T]) => boolean = () => true) =>
  (event: BatonEvent): event is Extract<BatonEvent, { type: T }> =>
    event.type === type && match(event.data as EventDataMap[T]);

function expectValid(stream: RecordedStream, what: string, history?: readonly DurableEvent[]): void {
  const result = stream.validate(history ? { history } : {});
  check(result.ok, `${what}: stream breaks validator rules: ${validationSummary(result)}`);
}

/** Sends `text` on a fresh conversation and waits for the complete answer on a live stream. */
async function answered(client: ConformanceClient, text = 'Where is my order?') {
  const conversation = await client.createConversation();
  const stream = await client.openStream(conversation);
  await stream.waitFor('hello', is('hello'));
  const sent = await client.send(conversation, text);
  check(sent.turnId, 'a message sent while the bot has control must start a bot turn (turnId)');
  const started = await stream.waitFor(
    'message.started',
    is('message.started', (d) => d.turnId === sent.turnId),
  );
  const completed = await stream.waitFor(
    'message.completed',
    is('message.completed', (d) => d.id === started.data.id),
  );
  return { conversation, stream, sent, started, completed: completed.data as MessageCompletedData };
}

async function history(client: ConformanceClient, c: TestConversation, query = ''): Promise<HistoryResponse> {
  return client.expect<HistoryResponse>('GET', conv(c, `/messages${query}`), 200, 'history', {
    token: c.token,
  });
}

async function lastSeqOf(client: ConformanceClient, c: TestConversation): Promise<number> {
  return (await history(client, c)).lastSeq;
}

/** Gives the server time to (wrongly) emit something, then returns what arrived meanwhile. */
async function quietPeriod(stream: RecordedStream, ms: number): Promise<BatonEvent[]> {
  const before = stream.events.length;
  await new Promise((resolve) => setTimeout(resolve, ms));
  return stream.events.slice(before);
}

/** Starts a long answer and waits for its first delta, for cancel and mid-stream scenarios. */
async function streamingAnswer(client: ConformanceClient) {
  const conversation = await client.createConversation();
  const stream = await client.openStream(conversation);
  const sent = await client.send(conversation, client.longText());
  check(sent.turnId, 'the long message must start a bot turn');
  const started = await stream.waitFor(
    'message.started',
    is('message.started', (d) => d.turnId === sent.turnId),
  );
  await stream.waitFor(
    'first delta',
    is('message.delta', (d) => d.id === started.data.id),
  );
  return { conversation, stream, sent, started };
}

async function requestHuman(client: ConformanceClient, c: TestConversation, stream: RecordedStream) {
  const res = await client.request('POST', conv(c, '/handoff'), {
    token: c.token,
    body: { reason: 'user_requested', note: 'I was charged twice' },
    headers: { [HEADERS.idempotencyKey]: client.newId() },
  });
  check(res.status === 201, `POST /handoff: expected 201, got ${res.status} ${res.text.slice(0, 200)}`);
  const { handoff } = res.body as HandoffResponse;
  check(handoff && typeof handoff.id === 'string', 'POST /handoff must return { handoff }');
  await stream.waitFor(
    'handoff.updated queued',
    is('handoff.updated', (d) => d.id === handoff.id && d.state === 'queued'),
  );
  await stream.waitFor(
    'conversation.updated control none',
    is('conversation.updated', (d) => d.control === 'none'),
  );
  return handoff;
}

/** Every scenario of the kit, in the order they run. */
export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'capabilities',
    title: 'GET /v1/capabilities describes version 1, features and limits',
    async run({ client }) {
      const res = await client.request('GET', '/v1/capabilities');
      check(res.status === 200, `expected 200, got ${res.status}`);
      const caps = res.body as CapabilitiesResponse;
      check(
        caps.versions.some((v) => v.startsWith('1.')),
        `versions ${JSON.stringify(caps.versions)} lack 1.x`,
      );
      check(res.headers.get(HEADERS.protocol)?.startsWith('1.'), 'responses must carry Baton-Protocol: 1.x');
    },
  },
  {
    id: 'create-conversation',
    title: 'POST /v1/conversations creates an open conversation under bot control',
    async run({ client }) {
      const c = await client.createConversation();
      checkEqual(
        { status: c.status, control: c.control, lastSeq: c.lastSeq, handoff: c.handoff },
        { status: 'open', control: 'bot', lastSeq: 0, handoff: null },
        'new conversation',
      );
      checkEqual(c.user.verified, false, 'anonymous user verified flag');
      check(c.token.length >= 16, 'the access token must be long enough to be unguessable');
    },
  },
  {
    id: 'resume-conversation',
    title: 'POST /v1/conversations with id and token resumes the same conversation (200)',
    async run({ client }) {
      const c = await client.createConversation();
      const resumed = await client.expect<{ conversationId: string }>(
        'POST',
        '/v1/conversations',
        200,
        'createConversation',
        {
          token: c.token,
          body: { conversationId: c.id },
        },
      );
      checkEqual(resumed.conversationId, c.id, 'resumed conversation id');
      await client.expectProblem('POST', '/v1/conversations', 401, 'unauthorized', {
        token: 'not-the-token',
        body: { conversationId: c.id },
      });
    },
  },
  {
    id: 'stream-hello',
    title: 'the event stream has SSE headers and starts with hello',
    async run({ client }) {
      const c = await client.createConversation();
      const stream = await client.openStream(c);
      check(stream.status === 200, `expected 200, got ${stream.status}`);
      const type = stream.headers.get('content-type') ?? '';
      check(type.startsWith(SSE_CONTENT_TYPE), `content-type ${type}`);
      check(
        (stream.headers.get('cache-control') ?? '').includes('no-cache'),
        'cache-control must include no-cache',
      );
      check(!stream.headers.get('content-encoding'), 'the stream must not be compressed');
      const hello = await stream.waitFor('hello', is('hello'));
      checkEqual(hello.conversationId, c.id, 'hello conversationId');
      const data = hello.data as EventDataMap['hello'];
      checkEqual(
        { resumeFrom: data.resumeFrom, lastSeq: data.lastSeq },
        { resumeFrom: 0, lastSeq: 0 },
        'hello cursor',
      );
      check(data.heartbeatMs > 0, 'hello.heartbeatMs must be positive');
      stream.close();
      expectValid(stream, 'hello stream');
    },
  },
  {
    id: 'send-and-stream',
    title: 'a sent message is echoed, then the bot streams started, deltas and completed',
    async run({ client }) {
      const { stream, sent, started, completed } = await answered(client);
      checkEqual(sent.message.clientMessageId, sent.key, 'send response clientMessageId');
      const echo = await stream.waitFor(
        'user echo',
        is('message.created', (d) => d.clientMessageId === sent.key),
      );
      checkEqual(echo.data.id, sent.message.id, 'echo id equals the send response message id');
      checkEqual(started.data.replyTo, sent.message.id, 'message.started replyTo');
      const deltas = stream.events.filter(is('message.delta', (d) => d.id === started.data.id));
      check(deltas.length >= 2, `expected a streamed answer (>= 2 deltas), got ${deltas.length}`);
      checkEqual(completed.finishReason, 'stop', 'finishReason');
      check(completed.text.length > 0, 'the answer must not be empty');
      stream.close();
      expectValid(stream, 'answer stream');
    },
  },
  {
    id: 'history',
    title: 'GET messages returns the user message and the completed answer, ordered by seq',
    async run({ client }) {
      const { conversation, stream, sent, started, completed } = await answered(client);
      const h = await history(client, conversation);
      const ids = h.messages.map((m) => m.id);
      checkEqual(ids, [sent.message.id, started.data.id], 'history message ids');
      const bot = h.messages[1]!;
      checkEqual(
        { status: bot.status, text: bot.text },
        { status: 'complete', text: completed.text },
        'bot message',
      );
      const seqs = stream.durable().map((e) => e.seq);
      checkEqual(h.lastSeq, seqs[seqs.length - 1], 'history lastSeq equals the last streamed seq');
      stream.close();
    },
  },
  {
    id: 'history-pagination',
    title: 'history honours after, before and limit and reports hasMore',
    async run({ client }) {
      const { conversation, stream } = await answered(client, 'first question');
      for (const text of ['second question', 'third question']) {
        const sent = await client.send(conversation, text);
        await stream.waitFor(
          `answer to ${text}`,
          is('message.started', (d) => d.turnId === sent.turnId),
        );
        const started = stream.events.find(is('message.started', (d) => d.turnId === sent.turnId))!;
        await stream.waitFor(
          'completed',
          is('message.completed', (d) => d.id === started.data.id),
        );
      }
      stream.close();
      const all = await history(client, conversation, '?limit=200');
      checkEqual(all.messages.length, 6, 'messages after three questions and three answers');
      const seqs = all.messages.map((m) => m.seq);
      const oldest = await history(client, conversation, '?after=0&limit=2');
      checkEqual(
        oldest.messages.map((m) => m.seq),
        seqs.slice(0, 2),
        'after=0&limit=2',
      );
      checkEqual(oldest.hasMore, true, 'hasMore after the first page');
      const newest = await history(client, conversation, `?before=${all.lastSeq + 1}&limit=2`);
      checkEqual(
        newest.messages.map((m) => m.seq),
        seqs.slice(4),
        'before=lastSeq+1&limit=2 (ascending)',
      );
      checkEqual(newest.hasMore, true, 'hasMore before the newest page');
      const rest = await history(client, conversation, `?after=${seqs[3]}`);
      checkEqual(
        rest.messages.map((m) => m.seq),
        seqs.slice(4),
        `after=${seqs[3]}`,
      );
      checkEqual(rest.hasMore, false, 'hasMore on the last page');
    },
  },
  {
    id: 'history-during-answer',
    title: 'history taken mid-answer has the text so far and nextDeltaIndex; the stream continues from there',
    async run({ client }) {
      const { conversation, stream, started } = await streamingAnswer(client);
      stream.close();
      const h = await history(client, conversation);
      const bot = h.messages.find((m) => m.id === started.data.id);
      check(bot, 'history must include the message that is streaming');
      checkEqual(bot.status, 'streaming', 'status of the answer in history');
      check(
        bot.nextDeltaIndex !== undefined && bot.nextDeltaIndex >= 1,
        'a streaming message needs nextDeltaIndex',
      );
      const rest = await client.openStream(conversation, { after: h.lastSeq });
      const completed = await rest.waitFor(
        'completed',
        is('message.completed', (d) => d.id === bot.id),
        client.timeoutMs * 3,
      );
      rest.close();
      const deltas = rest.events.filter(is('message.delta', (d) => d.id === bot.id));
      if (deltas.length > 0)
        checkEqual(deltas[0]!.data.index, bot.nextDeltaIndex, 'first delta index after history');
      checkEqual(
        completed.data.text,
        bot.text + deltas.map((d) => d.data.text).join(''),
        'history text plus the later deltas',
      );
    },
  },
  {
    id: 'bad-cursor-and-media-type',
    title: 'a non-numeric cursor is 400 and a non-JSON body is 415',
    async run({ client }) {
      const c = await client.createConversation();
      await client.expectProblem('GET', conv(c, '/events'), 400, 'bad-request', {
        token: c.token,
        headers: { [HEADERS.lastEventId]: 'yesterday' },
      });
      const key = client.newId();
      await client.expectProblem('POST', conv(c, '/messages'), 415, 'unsupported-media-type', {
        token: c.token,
        raw: 'text=hello',
        headers: { [HEADERS.idempotencyKey]: key, 'content-type': 'application/x-www-form-urlencoded' },
      });
    },
  },
  {
    id: 'resume-every-cursor',
    title: 'resuming with Last-Event-ID from every cursor of a finished answer replays exactly the rest',
    async run({ client }) {
      const { conversation, stream } = await answered(client, 'Can I return shoes I wore once?');
      stream.close();
      const full = stream.durable();
      const lastSeq = full[full.length - 1]!.seq;
      checkEqual(
        full.map((e) => e.seq),
        Array.from({ length: lastSeq }, (_, i) => i + 1),
        'seq values from 1',
      );
      for (let cursor = 0; cursor <= lastSeq; cursor++) {
        const resumed = await client.openStream(conversation, { lastEventId: cursor });
        const hello = await resumed.waitFor('hello', is('hello'));
        checkEqual(
          (hello.data as EventDataMap['hello']).resumeFrom,
          cursor,
          `hello.resumeFrom at cursor ${cursor}`,
        );
        if (cursor < lastSeq) await resumed.waitFor(`seq ${lastSeq}`, (e) => 'seq' in e && e.seq === lastSeq);
        else await quietPeriod(resumed, 150);
        resumed.close();
        checkEqual(resumed.durable(), full.slice(cursor), `events replayed after cursor ${cursor}`);
        expectValid(resumed, `resume at ${cursor}`, full.slice(0, cursor));
      }
    },
  },
  {
    id: 'resume-after-query',
    title: '?after= resumes like Last-Event-ID, and Last-Event-ID wins when both are sent',
    async run({ client }) {
      const { conversation, stream } = await answered(client);
      stream.close();
      const full = stream.durable();
      const lastSeq = full[full.length - 1]!.seq;
      const byQuery = await client.openStream(conversation, { after: 2 });
      await byQuery.waitFor(`seq ${lastSeq}`, (e) => 'seq' in e && e.seq === lastSeq);
      byQuery.close();
      checkEqual(byQuery.durable(), full.slice(2), 'events after ?after=2');
      const both = await client.openStream(conversation, { after: 1, lastEventId: 3 });
      await both.waitFor(`seq ${lastSeq}`, (e) => 'seq' in e && e.seq === lastSeq);
      both.close();
      checkEqual(both.durable()[0]?.seq, 4, 'first seq when Last-Event-ID: 3 and ?after=1');
    },
  },
  {
    id: 'resume-mid-answer',
    title: 'reconnecting in the middle of an answer continues it with no gap and no duplicate',
    async run({ client }) {
      const { conversation, stream, started } = await streamingAnswer(client);
      stream.close();
      const before = stream.durable();
      const cursor = before[before.length - 1]!.seq;
      const resumed = await client.openStream(conversation, { lastEventId: cursor });
      await resumed.waitFor(
        'completed',
        is('message.completed', (d) => d.id === started.data.id),
        client.timeoutMs * 3,
      );
      resumed.close();
      expectValid(resumed, 'resumed mid-answer', before);
      const after = resumed.durable();
      checkEqual(after[0]?.seq, cursor + 1, 'first replayed seq');
    },
  },
  {
    id: 'live-fanout',
    title: 'two open streams of one conversation receive the same events',
    async run({ client }) {
      const c = await client.createConversation();
      const [a, b] = [await client.openStream(c), await client.openStream(c)];
      await a.waitFor('hello', is('hello'));
      await b.waitFor('hello', is('hello'));
      const sent = await client.send(c, 'Do you ship to Canada?');
      for (const s of [a, b])
        await s.waitFor(
          'answer started',
          is('message.started', (d) => d.turnId === sent.turnId),
        );
      const id = a.events.find(is('message.started'))!.data.id;
      await a.waitFor(
        'completed',
        is('message.completed', (d) => d.id === id),
      );
      await b.waitFor(
        'completed',
        is('message.completed', (d) => d.id === id),
      );
      a.close();
      b.close();
      checkEqual(b.durable(), a.durable(), 'events of the second stream');
    },
  },
  {
    id: 'idempotent-replay',
    title: 'the same Idempotency-Key and body returns the original response and appends nothing',
    async run({ client }) {
      const { conversation, sent } = await answered(client);
      const seqBefore = await lastSeqOf(client, conversation);
      const again = await client.request('POST', conv(conversation, '/messages'), {
        token: conversation.token,
        body: { clientMessageId: sent.key, text: 'Where is my order?' },
        headers: { [HEADERS.idempotencyKey]: sent.key },
      });
      checkEqual(again.status, 201, 'status of the replayed send');
      checkEqual(again.body, { message: sent.message, turnId: sent.turnId }, 'replayed body');
      checkEqual(again.headers.get(HEADERS.idempotentReplayed), 'true', 'Idempotent-Replayed header');
      await new Promise((resolve) => setTimeout(resolve, 200));
      checkEqual(await lastSeqOf(client, conversation), seqBefore, 'lastSeq after the duplicate send');
      const echoes = (await history(client, conversation)).messages.filter(
        (m) => m.clientMessageId === sent.key,
      );
      checkEqual(echoes.length, 1, 'messages stored for one Idempotency-Key');
    },
  },
  {
    id: 'idempotency-key-reused',
    title: 'the same Idempotency-Key with a different body is refused with 422',
    async run({ client }) {
      const c = await client.createConversation();
      const sent = await client.send(c, 'Where is my order?');
      await client.expectProblem('POST', conv(c, '/messages'), 422, 'idempotency-key-reused', {
        token: c.token,
        body: { clientMessageId: sent.key, text: 'Something else entirely' },
        headers: { [HEADERS.idempotencyKey]: sent.key },
      });
    },
  },
  {
    id: 'idempotency-key-required',
    title: 'a send without Idempotency-Key or clientMessageId is refused with 400',
    async run({ client }) {
      const c = await client.createConversation();
      await client.expectProblem('POST', conv(c, '/messages'), 400, 'idempotency-key-required', {
        token: c.token,
        body: { text: 'hello' },
      });
    },
  },
  {
    id: 'must-ignore-unknown-fields',
    title: 'unknown request fields are ignored',
    async run({ client }) {
      const c = await client.createConversation({ futureField: { nested: true } });
      const key = client.newId();
      await client.expect('POST', conv(c, '/messages'), 201, 'sendMessage', {
        token: c.token,
        body: { clientMessageId: key, text: 'hi', somethingNew: 42 },
        headers: { [HEADERS.idempotencyKey]: key },
      });
    },
  },
  {
    id: 'cancel-turn',
    requires: ['cancel'],
    title: 'cancelling a streaming turn completes it as cancelled with the text so far',
    async run({ client }) {
      const { conversation, stream, sent, started } = await streamingAnswer(client);
      const res = await client.expect<CancelTurnResponse>(
        'POST',
        conv(conversation, `/turns/${sent.turnId}/cancel`),
        200,
        'cancelTurn',
        { token: conversation.token, body: {} },
      );
      checkEqual(res, { turnId: sent.turnId, result: 'cancelled' }, 'cancel response');
      const completed = await stream.waitFor(
        'completed',
        is('message.completed', (d) => d.id === started.data.id),
      );
      const data = completed.data as MessageCompletedData;
      checkEqual(data.finishReason, 'cancelled', 'finishReason after cancel');
      const streamed = stream.events
        .filter(is('message.delta', (d) => d.id === started.data.id))
        .map((e) => e.data.text)
        .join('');
      checkEqual(data.text, streamed, 'completed text after cancel equals the streamed deltas');
      const late = await quietPeriod(stream, 300);
      check(!late.some((e) => e.type === 'message.delta'), 'no delta may follow the cancelled completion');
      stream.close();
      expectValid(stream, 'cancelled answer');
    },
  },
  {
    id: 'cancel-finished-turn',
    requires: ['cancel'],
    title: 'cancelling a finished turn answers result finished and changes nothing',
    async run({ client }) {
      const { conversation, sent } = await answered(client);
      const seq = await lastSeqOf(client, conversation);
      const res = await client.expect(
        'POST',
        conv(conversation, `/turns/${sent.turnId}/cancel`),
        200,
        'cancelTurn',
        {
          token: conversation.token,
          body: {},
        },
      );
      checkEqual(res, { turnId: sent.turnId, result: 'finished' }, 'cancel response');
      checkEqual(await lastSeqOf(client, conversation), seq, 'lastSeq after a no-op cancel');
    },
  },
  {
    id: 'cancel-unknown-turn',
    requires: ['cancel'],
    title: 'cancelling an unknown turn is 404',
    async run({ client }) {
      const c = await client.createConversation();
      await client.expectProblem('POST', conv(c, `/turns/${client.newId()}/cancel`), 404, 'not-found', {
        token: c.token,
        body: {},
      });
    },
  },
  {
    id: 'handoff-request',
    requires: ['handoff'],
    title: 'asking for a human queues a handoff with a position and takes control from the bot',
    async run({ client }) {
      const c = await client.createConversation();
      const stream = await client.openStream(c);
      const handoff = await requestHuman(client, c, stream);
      const queued = stream.events.find(is('handoff.updated', (d) => d.state === 'queued'))!;
      check(
        queued.data.queue && queued.data.queue.position >= 1,
        'a queued handoff must carry queue.position >= 1',
      );
      checkEqual(handoff.reason, 'user_requested', 'handoff reason');
      stream.close();
      expectValid(stream, 'handoff stream');
    },
  },
  {
    id: 'handoff-double-request',
    requires: ['handoff'],
    title: 'asking again while a handoff is open returns it (200) without new events',
    async run({ client }) {
      const c = await client.createConversation();
      const stream = await client.openStream(c);
      const first = await requestHuman(client, c, stream);
      const seq = await lastSeqOf(client, c);
      const again = await client.expect<HandoffResponse>('POST', conv(c, '/handoff'), 200, 'handoff', {
        token: c.token,
        body: {},
      });
      checkEqual(again.handoff.id, first.id, 'handoff id of the second request');
      checkEqual(await lastSeqOf(client, c), seq, 'lastSeq after the second request');
      stream.close();
    },
  },
  {
    id: 'bot-silent-while-waiting',
    requires: ['handoff'],
    title: 'while a handoff waits, customer messages are stored and the bot does not answer',
    async run({ client }) {
      const c = await client.createConversation();
      const stream = await client.openStream(c);
      await requestHuman(client, c, stream);
      const sent = await client.send(c, 'Hello? Anyone there?');
      checkEqual(sent.turnId, null, 'turnId of a message sent while waiting for a human');
      await stream.waitFor(
        'echo',
        is('message.created', (d) => d.clientMessageId === sent.key),
      );
      const late = await quietPeriod(stream, 500);
      check(
        !late.some((e) => e.type === 'message.started'),
        'the bot must not answer while a human is awaited',
      );
      stream.close();
      expectValid(stream, 'waiting stream');
    },
  },
  {
    id: 'handoff-during-answer',
    requires: ['handoff'],
    title: 'asking for a human during an answer ends the answer (finishReason handoff) first',
    async run({ client }) {
      const { conversation, stream, started } = await streamingAnswer(client);
      await requestHuman(client, conversation, stream);
      const completed = await stream.waitFor(
        'completed',
        is('message.completed', (d) => d.id === started.data.id),
      );
      checkEqual((completed.data as MessageCompletedData).finishReason, 'handoff', 'finishReason');
      stream.close();
      expectValid(stream, 'answer interrupted by handoff');
    },
  },
  {
    id: 'handoff-cancel',
    requires: ['handoff'],
    title: 'cancelling the handoff gives control back to the bot, which answers again',
    async run({ client }) {
      const c = await client.createConversation();
      const stream = await client.openStream(c);
      const handoff = await requestHuman(client, c, stream);
      const res = await client.expect<HandoffResponse>(
        'POST',
        conv(c, `/handoff/${handoff.id}/cancel`),
        200,
        'handoff',
        {
          token: c.token,
          body: {},
        },
      );
      checkEqual(res.handoff.state, 'cancelled', 'state after cancel');
      await stream.waitFor(
        'control back to bot',
        is('conversation.updated', (d) => d.control === 'bot'),
      );
      const sent = await client.send(c, 'Never mind, where is my order?');
      check(sent.turnId, 'the bot must answer again after the handoff is cancelled');
      await stream.waitFor(
        'bot answer',
        is('message.started', (d) => d.turnId === sent.turnId),
      );
      stream.close();
      expectValid(stream, 'handoff cancel stream');
    },
  },
  {
    id: 'handoff-cancel-twice',
    requires: ['handoff'],
    title: 'cancelling a handoff that already ended is 409 handoff-terminal',
    async run({ client }) {
      const c = await client.createConversation();
      const stream = await client.openStream(c);
      const handoff = await requestHuman(client, c, stream);
      stream.close();
      const path = conv(c, `/handoff/${handoff.id}/cancel`);
      await client.expect('POST', path, 200, 'handoff', { token: c.token, body: {} });
      await client.expectProblem('POST', path, 409, 'handoff-terminal', { token: c.token, body: {} });
      await client.expectProblem('POST', conv(c, `/handoff/${client.newId()}/cancel`), 404, 'not-found', {
        token: c.token,
        body: {},
      });
    },
  },
  {
    id: 'unknown-conversation',
    title: 'every endpoint answers 404 problem+json for an unknown conversation',
    async run({ client }) {
      const c = await client.createConversation();
      const ghost = { ...c, id: client.newId() };
      await client.expectProblem('GET', conv(ghost, '/messages'), 404, 'not-found', { token: c.token });
      await client.expectProblem('GET', conv(ghost, '/events'), 404, 'not-found', { token: c.token });
      const key = client.newId();
      await client.expectProblem('POST', conv(ghost, '/messages'), 404, 'not-found', {
        token: c.token,
        body: { clientMessageId: key, text: 'hi' },
        headers: { [HEADERS.idempotencyKey]: key },
      });
    },
  },
  {
    id: 'bad-token',
    title: 'a wrong or missing token is 401 on history, events and send',
    async run({ client }) {
      const c = await client.createConversation();
      for (const token of ['wrong-token-value', null]) {
        await client.expectProblem('GET', conv(c, '/messages'), 401, 'unauthorized', { token });
        await client.expectProblem('GET', conv(c, '/events'), 401, 'unauthorized', { token });
        const key = client.newId();
        await client.expectProblem('POST', conv(c, '/messages'), 401, 'unauthorized', {
          token,
          body: { clientMessageId: key, text: 'hi' },
          headers: { [HEADERS.idempotencyKey]: key },
        });
      }
    },
  },
  {
    id: 'oversize-body',
    title: 'a body over maxBodyBytes, or text over maxMessageChars, is 413',
    async run({ client, capabilities }) {
      const c = await client.createConversation();
      const key = client.newId();
      const huge = 'x'.repeat(capabilities.limits.maxBodyBytes + 1);
      await client.expectProblem('POST', conv(c, '/messages'), 413, 'payload-too-large', {
        token: c.token,
        raw: JSON.stringify({ clientMessageId: key, text: huge }),
        headers: { [HEADERS.idempotencyKey]: key },
      });
      const max = capabilities.limits.maxMessageChars;
      if (max + 64 < capabilities.limits.maxBodyBytes) {
        const key2 = client.newId();
        await client.expectProblem('POST', conv(c, '/messages'), 413, 'payload-too-large', {
          token: c.token,
          body: { clientMessageId: key2, text: 'y'.repeat(max + 1) },
          headers: { [HEADERS.idempotencyKey]: key2 },
        });
      }
    },
  },
  {
    id: 'invalid-input',
    title: 'empty text and malformed JSON are 400 problem+json',
    async run({ client }) {
      const c = await client.createConversation();
      const key = client.newId();
      await client.expectProblem('POST', conv(c, '/messages'), 400, 'validation-failed', {
        token: c.token,
        body: { clientMessageId: key, text: '   ' },
        headers: { [HEADERS.idempotencyKey]: key },
      });
      await client.expectProblem('POST', conv(c, '/messages'), 400, 'invalid-json', {
        token: c.token,
        raw: '{"clientMessageId": "broken',
        headers: { [HEADERS.idempotencyKey]: client.newId() },
      });
    },
  },
  {
    id: 'cursor-ahead',
    title: 'a cursor ahead of the log gets sync.reset and the stream ends',
    async run({ client }) {
      const { conversation, stream } = await answered(client);
      stream.close();
      const lastSeq = await lastSeqOf(client, conversation);
      const ahead = await client.openStream(conversation, { lastEventId: lastSeq + 100 });
      const reset = await ahead.waitFor('sync.reset', is('sync.reset'));
      checkEqual((reset.data as EventDataMap['sync.reset']).reason, 'cursor_ahead', 'sync.reset reason');
      checkEqual((reset.data as EventDataMap['sync.reset']).lastSeq, lastSeq, 'sync.reset lastSeq');
      await ahead.waitForEnd();
      expectValid(ahead, 'reset stream');
    },
  },
  {
    id: 'typing-and-receipts',
    requires: ['typing', 'receipts'],
    title: 'typing is accepted (204) and a read receipt becomes a durable receipt event',
    async run({ client }) {
      const { conversation, stream } = await answered(client);
      const lastSeq = await lastSeqOf(client, conversation);
      const typing = await client.request('POST', conv(conversation, '/typing'), {
        token: conversation.token,
        body: { isTyping: true },
      });
      checkEqual(typing.status, 204, 'typing status');
      const receipt = await client.request('POST', conv(conversation, '/receipts'), {
        token: conversation.token,
        body: { kind: 'read', upToSeq: lastSeq },
      });
      checkEqual(receipt.status, 204, 'receipt status');
      const event = await stream.waitFor('receipt', is('receipt'));
      checkEqual(event.data, { by: 'user', kind: 'read', upToSeq: lastSeq }, 'receipt data');
      await client.expectProblem('POST', conv(conversation, '/receipts'), 400, 'validation-failed', {
        token: conversation.token,
        body: { kind: 'read', upToSeq: lastSeq + 1000 },
      });
      stream.close();
      expectValid(stream, 'receipt stream');
    },
  },
  {
    id: 'feedback',
    requires: ['feedback'],
    title: 'thumbs on an answer and CSAT are recorded; bad feedback is refused',
    async run({ client }) {
      const { conversation, stream, started } = await answered(client);
      const thumbs = await client.expect<FeedbackResponse>(
        'POST',
        conv(conversation, '/feedback'),
        201,
        'feedback',
        {
          token: conversation.token,
          body: { kind: 'thumbs', messageId: started.data.id, value: 'up' },
        },
      );
      checkEqual(thumbs.feedback.value, 'up', 'thumbs value');
      await stream.waitFor(
        'feedback.recorded',
        is('feedback.recorded', (d) => d.id === thumbs.feedback.id),
      );
      await client.expect('POST', conv(conversation, '/feedback'), 201, 'feedback', {
        token: conversation.token,
        body: { kind: 'csat', value: 5, comment: 'Quick and clear' },
      });
      await client.expectProblem('POST', conv(conversation, '/feedback'), 404, 'not-found', {
        token: conversation.token,
        body: { kind: 'thumbs', messageId: client.newId(), value: 'down' },
      });
      await client.expectProblem('POST', conv(conversation, '/feedback'), 400, 'validation-failed', {
        token: conversation.token,
        body: { kind: 'csat', value: 9 },
      });
      stream.close();
    },
  },
  {
    id: 'close',
    title: 'closing ends the conversation: sends are 410 and a caught-up stream is 410',
    async run({ client }) {
      const { conversation, stream } = await answered(client);
      const closed = await client.expect<CloseResponse>('POST', conv(conversation, '/close'), 200, 'close', {
        token: conversation.token,
        body: {},
      });
      await stream.waitFor(
        'closed',
        is('conversation.updated', (d) => d.status === 'closed'),
      );
      await stream.waitForEnd();
      expectValid(stream, 'closing stream');
      const key = client.newId();
      await client.expectProblem('POST', conv(conversation, '/messages'), 410, 'conversation-closed', {
        token: conversation.token,
        body: { clientMessageId: key, text: 'one more thing' },
        headers: { [HEADERS.idempotencyKey]: key },
      });
      const caughtUp = await client.openStream(conversation, { lastEventId: closed.lastSeq });
      checkEqual(caughtUp.status, 410, 'events status for a caught-up client of a closed conversation');
      caughtUp.close();
      const again = await client.expect<CloseResponse>('POST', conv(conversation, '/close'), 200, 'close', {
        token: conversation.token,
        body: {},
      });
      checkEqual(again.lastSeq, closed.lastSeq, 'lastSeq after closing twice');
    },
  },
];
