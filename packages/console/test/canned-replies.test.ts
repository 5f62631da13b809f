// The composer's canned-reply helpers: when "/" starts a shortcut, which replies match, and how
// placeholders are filled (or left for the agent when the value is unknown).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fillPlaceholders, filterCannedReplies, slashQuery, type CannedReply } from '@baton-chat/console';

const reply = (shortcut: string, title: string): CannedReply => ({
  id: `cr_${shortcut.slice(1)}`,
  shortcut,
  title,
  body: '',
  createdAt: '2026-11-24T10:00:00.000Z',
  updatedAt: '2026-11-24T10:00:00.000Z',
});
const REPLIES = [
  reply('/bye', 'Closing'),
  reply('/hello', 'Greeting'),
  reply('/prefund', 'Partial refund'),
  reply('/refund', 'Refund on its way'),
  reply('/tracking', 'Where to track an order'),
];
const shortcuts = (list: readonly CannedReply[]) => list.map((r) => r.shortcut);

describe('canned replies in the composer', () => {
  it('reads a shortcut only when it is all the composer holds', () => {
    assert.equal(slashQuery('/'), '');
    assert.equal(slashQuery('/Ref'), 'ref');
    assert.equal(slashQuery('/ref '), undefined, 'a space ends the shortcut');
    assert.equal(slashQuery('see /ref'), undefined);
    assert.equal(slashQuery('/ref\nmore'), undefined);
    assert.equal(slashQuery('/path/to'), undefined, 'a path is text, not a shortcut');
    assert.equal(slashQuery(''), undefined);
  });

  it('lists shortcuts starting with the query first, then other shortcuts and titles containing it', () => {
    assert.deepEqual(shortcuts(filterCannedReplies(REPLIES, '')), shortcuts(REPLIES));
    assert.deepEqual(shortcuts(filterCannedReplies(REPLIES, 'ref')), ['/refund', '/prefund']);
    assert.deepEqual(shortcuts(filterCannedReplies(REPLIES, '/REF')), ['/refund', '/prefund']);
    assert.deepEqual(shortcuts(filterCannedReplies(REPLIES, 'order')), ['/tracking']);
    assert.deepEqual(shortcuts(filterCannedReplies(REPLIES, 'zzz')), []);
  });

  it('fills the customer and agent names and leaves unknown values for the agent', () => {
    const body = 'Hi {{customer.firstName}} ({{ customer.name }}), {{agent.name}} here. {{order.id}}';
    assert.deepEqual(fillPlaceholders(body, { customerName: 'Lena  Ortiz', agentName: 'Ana Costa' }), {
      text: 'Hi Lena (Lena  Ortiz), Ana Costa here. {{order.id}}',
      unfilled: ['{{order.id}}'],
    });
    assert.deepEqual(
      fillPlaceholders('Hi {{customer.firstName}}!', { customerName: ' ', agentName: 'Ana' }),
      {
        text: 'Hi {{customer.firstName}}!',
        unfilled: ['{{customer.firstName}}'],
      },
    );
    assert.deepEqual(fillPlaceholders('No placeholders.', {}), { text: 'No placeholders.', unfilled: [] });
  });
});
