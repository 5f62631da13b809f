import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initialSnapshot } from '@baton-chat/core';
import type { Chat, ChatSnapshot } from '@baton-chat/core';
import { BRIDGE_VERSION, createBridge, parseBridgeCommand } from '@baton-chat/core/bridge';
import type { BridgeMessage, BridgeWindow } from '@baton-chat/core/bridge';

// The bridge's pure parts in Node: command guards, origin rules and derived events, against a fake window
// and a fake chat. Chromium runs it with a real chat and real postMessage in test/browser/bridge.test.ts.

const errorCode = (input: unknown): string => {
  try {
    parseBridgeCommand(input);
    return 'accepted';
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('parseBridgeCommand', () => {
  it('accepts every command of schema v1, from a JSON string or an object', () => {
    assert.equal(BRIDGE_VERSION, 1);
    assert.deepEqual(parseBridgeCommand('{"v":1,"type":"send","text":"Hi","metadata":{"a":1}}'), {
      type: 'send',
      text: 'Hi',
      metadata: { a: 1 },
      id: null,
    });
    assert.deepEqual(parseBridgeCommand({ v: 1, id: 'x', type: 'stop' }), { type: 'stop', id: 'x' });
    assert.deepEqual(parseBridgeCommand({ v: 1, type: 'retry', messageId: 'm1' }), {
      type: 'retry',
      messageId: 'm1',
      id: null,
    });
    assert.deepEqual(parseBridgeCommand({ v: 1, type: 'requestHuman' }), { type: 'requestHuman', id: null });
    assert.deepEqual(parseBridgeCommand({ v: 1, type: 'requestHuman', note: 'refund' }).type, 'requestHuman');
    assert.deepEqual(parseBridgeCommand({ v: 1, type: 'sendFeedback', messageId: null, value: 5 }), {
      type: 'sendFeedback',
      messageId: null,
      value: 5,
      id: null,
    });
    assert.deepEqual(
      parseBridgeCommand({ v: 1, type: 'sendFeedback', messageId: 'm', value: 'up', comment: 'ok' }),
      { type: 'sendFeedback', messageId: 'm', value: 'up', comment: 'ok', id: null },
    );
    assert.deepEqual(parseBridgeCommand({ v: 1, type: 'setTyping', isTyping: false }), {
      type: 'setTyping',
      isTyping: false,
      id: null,
    });
    for (const type of ['cancelHandoff', 'markRead', 'close', 'getSnapshot']) {
      assert.deepEqual(parseBridgeCommand({ v: 1, type, extra: 'ignored' }), { type, id: null });
    }
  });

  it('refuses malformed commands with a code per kind of mistake', () => {
    const cases: [unknown, string][] = [
      ['{not json', 'invalid-message'],
      ['"a string"', 'invalid-message'],
      [null, 'invalid-message'],
      [[1], 'invalid-message'],
      [{ type: 'stop' }, 'unsupported-version'],
      [{ v: '1', type: 'stop' }, 'unsupported-version'],
      [{ v: 2, type: 'stop' }, 'unsupported-version'],
      [{ v: 1, type: 'rm -rf' }, 'unknown-command'],
      [{ v: 1, type: 'toString' }, 'unknown-command'],
      [{ v: 1 }, 'unknown-command'],
      [{ v: 1, type: 'stop', id: 7 }, 'invalid-argument'],
      [{ v: 1, type: 'stop', id: '' }, 'invalid-argument'],
      [{ v: 1, type: 'stop', id: 'x'.repeat(201) }, 'invalid-argument'],
      [{ v: 1, type: 'send' }, 'invalid-argument'],
      [{ v: 1, type: 'send', text: '  ' }, 'invalid-argument'],
      [{ v: 1, type: 'send', text: 'hi', metadata: [] }, 'invalid-argument'],
      [{ v: 1, type: 'send', text: 'hi', metadata: 'x' }, 'invalid-argument'],
      [{ v: 1, type: 'retry' }, 'invalid-argument'],
      [{ v: 1, type: 'requestHuman', note: 3 }, 'invalid-argument'],
      [{ v: 1, type: 'sendFeedback', messageId: 'm', value: 6 }, 'invalid-argument'],
      [{ v: 1, type: 'sendFeedback', messageId: 'm', value: '5' }, 'invalid-argument'],
      [{ v: 1, type: 'sendFeedback', value: 'up' }, 'invalid-argument'],
      [{ v: 1, type: 'sendFeedback', messageId: 'm', value: 'up', comment: {} }, 'invalid-argument'],
      [{ v: 1, type: 'setTyping', isTyping: 'yes' }, 'invalid-argument'],
    ];
    for (const [input, code] of cases) assert.equal(errorCode(input), code, JSON.stringify(input));
  });

  it('names the field and what it must be', () => {
    assert.throws(() => parseBridgeCommand({ v: 1, type: 'retry', messageId: 1 }), {
      message: 'retry: `messageId` must be a message id.',
    });
    assert.throws(() => parseBridgeCommand({ v: 1, type: 'requestHuman', note: 1 }), {
      message: 'requestHuman: `note` must be a string or absent.',
    });
  });
});

/** A chat double: records calls, lets the test drive snapshots. */
function fakeChat() {
  let snapshot: ChatSnapshot = initialSnapshot();
  const listeners = new Set<() => void>();
  const calls: unknown[][] = [];
  const chat = {
    getSnapshot: () => snapshot,
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    send: async (...args: unknown[]) => {
      calls.push(['send', ...args]);
      return 'client-id';
    },
    markRead: () => void calls.push(['markRead']),
    close: async () => {
      throw Object.assign(new Error('The conversation is closed.'), { code: 'conversation-closed' });
    },
  } as unknown as Chat;
  return {
    chat,
    calls,
    set(next: ChatSnapshot) {
      snapshot = next;
      for (const l of listeners) l();
    },
  };
}

function fakeWindow(origin: string) {
  const listeners = new Set<(event: MessageEvent) => void>();
  const win: BridgeWindow = {
    location: { origin },
    addEventListener: (_type, l) => void listeners.add(l),
    removeEventListener: (_type, l) => void listeners.delete(l),
  };
  const dispatch = (data: unknown, from: string, source: unknown = null) => {
    for (const l of listeners) l({ data, origin: from, source } as MessageEvent);
  };
  return { win, dispatch, listeners };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('createBridge with a fake window and chat', () => {
  it('obeys its own origin and in-page events, refuses other origins, ignores foreign messages', async () => {
    const { chat, calls } = fakeChat();
    const { win, dispatch } = fakeWindow('https://app.example');
    const out: BridgeMessage[] = [];
    const bridge = createBridge(chat, {
      window: win,
      globalName: null,
      post: (json) => out.push(JSON.parse(json)),
    });
    assert.deepEqual(
      out.map((m) => m.type),
      ['ready', 'snapshot'],
    );
    dispatch({ v: 1, id: 'a', type: 'send', text: 'one' }, 'https://app.example', {});
    dispatch(JSON.stringify({ v: 1, id: 'b', type: 'markRead' }), '', null);
    dispatch({ v: 1, id: 'c', type: 'send', text: 'evil' }, 'https://evil.example', {});
    dispatch({ v: 1, id: 'd', type: 'send', text: 'in-page but from a frame' }, '', {});
    dispatch({ v: 1, id: 'e', type: 'send', text: 'sandboxed' }, 'null', {});
    dispatch({ v: 1, id: 'f', type: 'markRead' }, 'null', win);
    dispatch({ hello: 'another library' }, 'https://app.example', {});
    dispatch('plain text from someone else', 'https://app.example', {});
    await settle();
    assert.deepEqual(calls, [['send', 'one', undefined], ['markRead'], ['markRead']]);
    // One result per command; refusals come at once, results when the chat has answered.
    const results = out
      .filter((m) => m.type === 'result')
      .sort((x, y) => String(x.id).localeCompare(String(y.id)));
    assert.deepEqual(results, [
      { v: 1, type: 'result', id: 'a', ok: true, value: 'client-id' },
      { v: 1, type: 'result', id: 'b', ok: true },
      {
        v: 1,
        type: 'result',
        id: 'c',
        ok: false,
        error: {
          code: 'forbidden-origin',
          message:
            'A command from https://evil.example was refused: add it to allowedOrigins if it is yours.',
        },
      },
      {
        v: 1,
        type: 'result',
        id: 'd',
        ok: false,
        error: {
          code: 'forbidden-origin',
          message: 'A command from an unknown origin was refused: add it to allowedOrigins if it is yours.',
        },
      },
      {
        v: 1,
        type: 'result',
        id: 'e',
        ok: false,
        error: {
          code: 'forbidden-origin',
          message: 'A command from null was refused: add it to allowedOrigins if it is yours.',
        },
      },
      // Posted by the page to itself: obeyed whatever its origin says (a file: page's is "null").
      { v: 1, type: 'result', id: 'f', ok: true },
    ]);
    bridge.dispose();
  });

  it('passes chat errors through with their code; allowedOrigins replaces the default', async () => {
    const { chat } = fakeChat();
    const { win, dispatch, listeners } = fakeWindow('https://app.example');
    const out: BridgeMessage[] = [];
    const bridge = createBridge(chat, {
      window: win,
      globalName: null,
      allowedOrigins: ['https://shell.example'],
      post: (json) => out.push(JSON.parse(json)),
    });
    dispatch({ v: 1, id: 'own', type: 'close' }, 'https://app.example', {});
    dispatch({ v: 1, id: 'shell', type: 'close' }, 'https://shell.example', {});
    await settle();
    const results = out.filter((m) => m.type === 'result') as Extract<BridgeMessage, { ok: false }>[];
    assert.deepEqual(
      results.map((r) => [r.id, r.error.code]),
      [
        ['own', 'forbidden-origin'],
        ['shell', 'conversation-closed'],
      ],
    );
    bridge.dispose();
    assert.equal(listeners.size, 0);
  });

  it('derives events from snapshots: completed answers, handoff, connection, unread; history is not news', async () => {
    const fake = fakeChat();
    const { win } = fakeWindow('https://app.example');
    const out: BridgeMessage[] = [];
    const bridge = createBridge(fake.chat, {
      window: win,
      globalName: null,
      snapshotIntervalMs: 0,
      post: (json) => out.push(JSON.parse(json)),
    });
    const bot = (key: string, status: 'streaming' | 'complete') => ({
      key,
      id: key,
      seq: 1,
      role: 'bot' as const,
      author: { role: 'bot' as const },
      text: 'x',
      status,
      createdAt: 't',
    });
    const restored = { ...initialSnapshot(), conversationId: 'c', messages: [bot('old', 'complete')] };
    fake.set(restored);
    fake.set({ ...restored, messages: [bot('old', 'complete'), bot('new', 'streaming')] });
    fake.set({ ...restored, messages: [bot('old', 'complete'), bot('new', 'complete')], unread: 1 });
    fake.set({ ...fake.chat.getSnapshot(), connection: 'open' });
    await settle();
    const events = out.filter((m) => m.type === 'event').map((m) => (m as { name: string }).name);
    assert.deepEqual(events, ['message.completed', 'unread.changed', 'connection.changed']);
    const completed = out.find((m) => m.type === 'event' && m.name === 'message.completed') as {
      message: { key: string };
    };
    assert.equal(completed.message.key, 'new');
    const last = out.filter((m) => m.type === 'snapshot').at(-1) as { snapshot: ChatSnapshot };
    assert.equal(last.snapshot.connection, 'open');
    bridge.dispose();
  });

  it('imports and runs in Node without window or native handlers (nothing to post to)', () => {
    const { chat } = fakeChat();
    const bridge = createBridge(chat, { window: fakeWindow('https://a.example').win });
    assert.equal(typeof (globalThis as Record<string, unknown>).batonBridge, 'function');
    bridge.dispose();
    assert.equal((globalThis as Record<string, unknown>).batonBridge, undefined);
  });
});
