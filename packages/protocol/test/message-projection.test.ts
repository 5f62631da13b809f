import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decodeSse, projectMessage, type DurableEvent, type Message } from '@baton-chat/protocol';
import { loadGoldenTranscripts } from '@baton-chat/protocol/conformance';

const golden = await loadGoldenTranscripts();
const bytes = golden.find((g) => g.name === 'answer')!.bytes;
const events = decodeSse([bytes])
  .filter((m) => m.id !== undefined)
  .map((m) => JSON.parse(m.data) as DurableEvent);

function fold(log: readonly DurableEvent[]): Map<string, Message> {
  const messages = new Map<string, Message>();
  for (const event of log) {
    if (!('id' in event.data) || !event.type.startsWith('message.')) continue;
    const next = projectMessage(messages.get(event.data.id), event);
    if (next) messages.set(next.id, next);
  }
  return messages;
}

it('folds the golden answer into a complete user message and a complete, cited bot message', () => {
  const messages = fold(events);
  const bot = messages.get('m_02')!;
  assert.deepEqual(
    [...messages.values()].map((m) => [m.id, m.role, m.status]),
    [
      ['m_01', 'user', 'complete'],
      ['m_02', 'bot', 'complete'],
    ],
  );
  assert.equal(
    bot.text,
    'Orders usually ship within **2 business days**. You can track yours under *My orders*.',
  );
  assert.equal(bot.nextDeltaIndex, undefined);
  assert.equal(bot.citations?.[0]?.title, 'Shipping times');
});

it('shows a streaming message with its text so far and the next delta index', () => {
  const started = events.findIndex((e) => e.type === 'message.started');
  const bot = fold(events.slice(0, started + 3)).get('m_02')!;
  assert.deepEqual([bot.status, bot.text, bot.nextDeltaIndex], ['streaming', 'Orders usually ', 2]);
});

it('ignores deltas after completion and events for unknown messages; retraction empties the text', () => {
  const complete = fold(events).get('m_02')!;
  const late = {
    type: 'message.delta',
    seq: 99,
    conversationId: 'c',
    ts: complete.createdAt,
    data: { id: 'm_02', index: 9, text: 'x' },
  } as const;
  assert.equal(projectMessage(complete, late), complete);
  assert.equal(projectMessage(undefined, late), undefined);
  const retracted = projectMessage(complete, {
    type: 'message.retracted',
    seq: 100,
    conversationId: 'c',
    ts: complete.createdAt,
    data: { id: 'm_02', reason: 'moderation' },
  });
  assert.deepEqual([retracted?.status, retracted?.text], ['retracted', '']);
});
