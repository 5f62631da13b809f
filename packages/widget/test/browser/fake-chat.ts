import { initialSnapshot } from '@baton-chat/core';
import type { Chat, ChatMessage, ChatSnapshot } from '@baton-chat/core';

/** A `Chat` whose snapshot the test sets; records the calls the widget makes. */
export interface FakeChat extends Chat {
  set(patch: Partial<ChatSnapshot>): void;
  calls: { method: string; args: unknown[] }[];
}

export function createFakeChat(initial: Partial<ChatSnapshot> = {}): FakeChat {
  let snapshot: ChatSnapshot = { ...initialSnapshot(), connection: 'open', ...initial };
  const listeners = new Set<() => void>();
  const calls: FakeChat['calls'] = [];
  const record =
    (method: string, result: unknown = undefined) =>
    (...args: unknown[]) => {
      calls.push({ method, args });
      return Promise.resolve(result);
    };
  return {
    calls,
    set(patch) {
      snapshot = { ...snapshot, ...patch };
      for (const l of listeners) l();
    },
    send: record('send', 'id') as Chat['send'],
    stop: record('stop') as Chat['stop'],
    retry: record('retry', 'id') as Chat['retry'],
    requestHuman: record('requestHuman') as Chat['requestHuman'],
    cancelHandoff: record('cancelHandoff') as Chat['cancelHandoff'],
    sendFeedback: record('sendFeedback') as Chat['sendFeedback'],
    markRead: () => calls.push({ method: 'markRead', args: [] }) && undefined,
    setTyping: () => undefined,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: () => snapshot,
    close: record('close') as Chat['close'],
    destroy: record('destroy') as Chat['destroy'],
    ready: Promise.resolve(),
  };
}

let counter = 0;

/** A complete message of `role` with `text`. */
export function message(
  role: ChatMessage['role'],
  text: string,
  extra: Partial<ChatMessage> = {},
): ChatMessage {
  const id = `m${++counter}`;
  return {
    key: id,
    id,
    seq: counter,
    role,
    author: { role, name: role === 'agent' ? 'Ana Lima' : role === 'bot' ? 'Echo Bot' : undefined },
    text,
    status: role === 'user' ? 'sent' : 'complete',
    createdAt: new Date().toISOString(),
    ...extra,
  } as ChatMessage;
}
