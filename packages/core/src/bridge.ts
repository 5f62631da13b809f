import type { Chat } from './create-chat.js';
import type { ChatMessage, ChatSnapshot } from './chat-state.js';

// The webview bridge: `@baton-chat/core/bridge`, an opt-in entry point. It imports only types from the
// rest of core, so the bundle of an app that does not use it is unchanged, and this one stays small.

/** Version of the bridge message schema; every message carries it as `v`. */
export const BRIDGE_VERSION = 1;

/** The commands native code can send, each with the fields it takes (see docs/headless.md). */
export type BridgeCommand =
  | { type: 'send'; text: string; metadata?: Record<string, unknown> }
  | { type: 'stop' }
  | { type: 'retry'; messageId: string }
  | { type: 'requestHuman'; note?: string }
  | { type: 'cancelHandoff' }
  | {
      type: 'sendFeedback';
      messageId: string | null;
      value: 'up' | 'down' | 1 | 2 | 3 | 4 | 5;
      comment?: string;
    }
  | { type: 'markRead' }
  | { type: 'setTyping'; isTyping: boolean }
  | { type: 'close' }
  | { type: 'getSnapshot' };

/** What native code receives: the snapshot, derived events, and one result per command. */
export type BridgeMessage =
  | { v: 1; type: 'ready'; commands: readonly BridgeCommand['type'][] }
  | { v: 1; type: 'snapshot'; snapshot: ChatSnapshot }
  | { v: 1; type: 'event'; name: 'message.completed'; message: ChatMessage }
  | { v: 1; type: 'event'; name: 'handoff.updated'; handoff: NonNullable<ChatSnapshot['handoff']> }
  | { v: 1; type: 'event'; name: 'connection.changed'; connection: ChatSnapshot['connection'] }
  | { v: 1; type: 'event'; name: 'unread.changed'; unread: number }
  | { v: 1; type: 'result'; id: string | null; ok: true; value?: unknown }
  | { v: 1; type: 'result'; id: string | null; ok: false; error: { code: string; message: string } };

/** The smallest window shape the bridge uses; tests pass a fake, production the real `window`. */
export interface BridgeWindow extends BridgeEventTarget {
  location?: { origin: string };
  /** Also listened on: React Native WebView on Android dispatches native `postMessage` at `document`. */
  document?: BridgeEventTarget;
}

/** Where `message` events arrive. */
export interface BridgeEventTarget {
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

/** Options of {@link createBridge}. */
export interface BridgeOptions {
  /**
   * Receives every outgoing message as a JSON string. Default: the first native channel present, in
   * this order: `window.webkit.messageHandlers.baton` (iOS WKWebView), `window.ReactNativeWebView`
   * (React Native WebView), `window.BatonAndroid` (an Android `@JavascriptInterface`).
   */
  post?: (json: string) => void;
  /**
   * Origins whose `window.postMessage` commands are obeyed. Default: this page's own origin. Messages
   * from any other frame or origin, and from opaque origins (`"null"`) always, are refused with a
   * `forbidden-origin` result. Messages the page posts to itself, a `message` event dispatched inside
   * the page (origin `""`, no source: how React Native WebView delivers `postMessage` from native) and
   * the global function are always accepted.
   */
  allowedOrigins?: readonly string[];
  /**
   * Name of the global function native code calls with `evaluateJavascript`, passing a command as a
   * JSON string or object. Default `batonBridge`; `null` installs none.
   */
  globalName?: string | null;
  /** At most one `snapshot` message per this many milliseconds while answers stream. Default 50. */
  snapshotIntervalMs?: number;
  /** Default `globalThis` (read when `createBridge` is called, never at import). */
  window?: BridgeWindow;
}

/** A running bridge; see {@link createBridge}. */
export interface Bridge {
  /** Handles one command (a JSON string or an object), as if native code had sent it; resolves with its result. */
  receive(command: unknown): Promise<BridgeMessage>;
  /** Stops mirroring, removes the listeners and the global function. */
  dispose(): void;
}

const COMMANDS: readonly BridgeCommand['type'][] = [
  'send',
  'stop',
  'retry',
  'requestHuman',
  'cancelHandoff',
  'sendFeedback',
  'markRead',
  'setTyping',
  'close',
  'getSnapshot',
];

class CommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function field<T>(
  message: Record<string, unknown>,
  name: string,
  check: (value: unknown) => value is T,
  expected: string,
  optional = false,
): T {
  const value = message[name];
  if (optional && value === undefined) return value as T;
  if (!check(value)) {
    throw new CommandError(
      'invalid-argument',
      `${String(message.type)}: \`${name}\` must be ${expected}${optional ? ' or absent' : ''}.`,
    );
  }
  return value;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isId = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= 200;
const isFeedback = (value: unknown): value is 'up' | 'down' | 1 | 2 | 3 | 4 | 5 =>
  value === 'up' || value === 'down' || [1, 2, 3, 4, 5].includes(value as number);

/**
 * Checks an incoming command against the schema (version, type, every field) and returns it typed.
 * Throws an error with a `code` (`invalid-message`, `unsupported-version`, `unknown-command`,
 * `invalid-argument`) and a message that names the field. Pure; exported for tests and for native
 * teams that want to validate their own messages.
 *
 * @example
 * parseBridgeCommand('{"v":1,"type":"send","text":"Hi"}'); // { type: 'send', text: 'Hi' }
 */
export function parseBridgeCommand(input: unknown): BridgeCommand & { id: string | null } {
  let message = input;
  if (typeof input === 'string') {
    try {
      message = JSON.parse(input);
    } catch {
      throw new CommandError('invalid-message', 'The command is not valid JSON.');
    }
  }
  if (!isRecord(message)) throw new CommandError('invalid-message', 'A command must be a JSON object.');
  const id = message.id === undefined ? null : field(message, 'id', isId, 'a string of 1-200 characters');
  if (message.v !== BRIDGE_VERSION) {
    throw new CommandError(
      'unsupported-version',
      `This page speaks bridge schema v${BRIDGE_VERSION}; set "v": ${BRIDGE_VERSION} on every command.`,
    );
  }
  const type = message.type;
  if (!COMMANDS.includes(type as BridgeCommand['type'])) {
    throw new CommandError(
      'unknown-command',
      `Unknown command ${JSON.stringify(type)?.slice(0, 60)}; known: ${COMMANDS.join(', ')}.`,
    );
  }
  const optionalString = (name: string) => field(message, name, isString, 'a string', true);
  let command: BridgeCommand;
  switch (type as BridgeCommand['type']) {
    case 'send': {
      const text = field(
        message,
        'text',
        (v): v is string => isString(v) && v.trim() !== '',
        'a non-empty string',
      );
      const metadata = field(message, 'metadata', isRecord, 'an object', true);
      command = { type: 'send', text, ...(metadata && { metadata }) };
      break;
    }
    case 'retry':
      command = { type: 'retry', messageId: field(message, 'messageId', isId, 'a message id') };
      break;
    case 'requestHuman': {
      const note = optionalString('note');
      command = { type: 'requestHuman', ...(note !== undefined && { note }) };
      break;
    }
    case 'sendFeedback': {
      const messageId = field(
        message,
        'messageId',
        (v): v is string | null => v === null || isId(v),
        'a message id or null',
      );
      const value = field(message, 'value', isFeedback, '"up", "down" or an integer 1-5');
      const comment = optionalString('comment');
      command = { type: 'sendFeedback', messageId, value, ...(comment !== undefined && { comment }) };
      break;
    }
    case 'setTyping':
      command = {
        type: 'setTyping',
        isTyping: field(message, 'isTyping', (v): v is boolean => typeof v === 'boolean', 'a boolean'),
      };
      break;
    default:
      command = { type } as BridgeCommand;
  }
  return { ...command, id };
}

/**
 * Connects a chat to the native code of a webview: mirrors the snapshot and a few derived events to
 * native (`webkit.messageHandlers.baton`, `ReactNativeWebView`, an Android JavaScript interface) and
 * runs the commands native code sends, through `window.postMessage` or the global function
 * `batonBridge(json)`. Every message is a JSON string of schema version 1 (`v: 1`), documented in
 * docs/headless.md. Commands are validated field by field; each gets exactly one `result` reply.
 *
 * @example
 * ```ts
 * import { createChat, createIdbPersister } from '@baton-chat/core';
 * import { createBridge } from '@baton-chat/core/bridge';
 *
 * const chat = createChat({ server: 'https://support.example.com', persister: createIdbPersister() });
 * createBridge(chat); // native: evaluateJavascript("batonBridge('{\"v\":1,\"type\":\"send\",\"text\":\"Hi\"}')")
 * ```
 */
export function createBridge(chat: Chat, options: BridgeOptions = {}): Bridge {
  const g = globalThis as unknown as {
    webkit?: { messageHandlers?: { baton?: { postMessage(message: unknown): void } } };
    ReactNativeWebView?: { postMessage(message: string): void };
    BatonAndroid?: { postMessage(message: string): void };
  } & Record<string, unknown>;
  const win = options.window ?? (globalThis as unknown as BridgeWindow);
  const allowed = options.allowedOrigins ?? (win.location ? [win.location.origin] : []);
  const globalName = options.globalName === undefined ? 'batonBridge' : options.globalName;
  const interval = options.snapshotIntervalMs ?? 50;
  // Looked up per message: native code may install its handler after the page has loaded.
  const native = (json: string): void => {
    if (options.post) return options.post(json);
    const target = g.webkit?.messageHandlers?.baton ?? g.ReactNativeWebView ?? g.BatonAndroid;
    target?.postMessage(json);
  };
  const post = (message: BridgeMessage): void => {
    try {
      native(JSON.stringify(message));
    } catch (error) {
      // A broken native handler must not break the chat; report it like an event listener's error.
      queueMicrotask(() => {
        throw error;
      });
    }
  };

  async function run(command: BridgeCommand): Promise<unknown> {
    switch (command.type) {
      case 'send':
        return chat.send(command.text, command.metadata && { metadata: command.metadata });
      case 'stop':
        return chat.stop();
      case 'retry':
        return chat.retry(command.messageId);
      case 'requestHuman':
        return chat.requestHuman(command.note);
      case 'cancelHandoff':
        return chat.cancelHandoff();
      case 'sendFeedback':
        return chat.sendFeedback(command.messageId, command.value, command.comment);
      case 'markRead':
        return chat.markRead();
      case 'setTyping':
        return chat.setTyping(command.isTyping);
      case 'close':
        return chat.close();
      case 'getSnapshot':
        return chat.getSnapshot();
    }
  }

  const fail = (id: string | null, error: unknown): BridgeMessage => {
    const e = error as { code?: unknown; message?: unknown } | null;
    return {
      v: 1,
      type: 'result',
      id,
      ok: false,
      error: {
        code: typeof e?.code === 'string' ? e.code : 'internal',
        message: typeof e?.message === 'string' ? e.message : String(error),
      },
    };
  };

  const idOf = (input: unknown): string | null => {
    try {
      const m = typeof input === 'string' ? (JSON.parse(input) as unknown) : input;
      return isRecord(m) && isId(m.id) ? m.id : null;
    } catch {
      return null;
    }
  };

  async function receive(input: unknown): Promise<BridgeMessage> {
    let reply: BridgeMessage;
    let id: string | null = null;
    try {
      const command = parseBridgeCommand(input);
      id = command.id;
      const value = await run(command);
      reply = { v: 1, type: 'result', id, ok: true, ...(value !== undefined && { value }) };
    } catch (error) {
      reply = fail(id ?? idOf(input), error);
    }
    post(reply);
    return reply;
  }

  const seen = new WeakSet<MessageEvent>();
  const onMessage = (event: MessageEvent): void => {
    // The same event can reach both document and window (when it bubbles).
    if (seen.has(event)) return;
    seen.add(event);
    // Posted by this page to itself, dispatched inside it (how React Native WebView delivers native
    // postMessage), or from an allowed origin; never from an opaque origin ("null": sandboxed frames,
    // file: pages), which cannot be told apart. Anything from another frame or window is refused.
    const inPage = event.source === win || (event.origin === '' && event.source === null);
    if (!inPage && (event.origin === 'null' || !allowed.includes(event.origin))) {
      post(
        fail(
          idOf(event.data),
          new CommandError(
            'forbidden-origin',
            `A command from ${event.origin || 'an unknown origin'} was refused: add it to allowedOrigins if it is yours.`,
          ),
        ),
      );
      return;
    }
    // Other scripts of the page use postMessage too: only messages shaped like commands are ours.
    const data = event.data as unknown;
    const ours =
      (isRecord(data) && 'v' in data && 'type' in data) ||
      (typeof data === 'string' && /^\s*\{[\s\S]*"type"/.test(data) && /"v"\s*:/.test(data));
    if (ours) void receive(data);
  };

  let last = chat.getSnapshot();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = (): void => {
    timer = undefined;
    post({ v: 1, type: 'snapshot', snapshot: chat.getSnapshot() });
  };
  const unsubscribe = chat.subscribe(() => {
    const next = chat.getSnapshot();
    const before = last;
    last = next;
    if (next.connection !== before.connection) {
      post({ v: 1, type: 'event', name: 'connection.changed', connection: next.connection });
    }
    if (next.handoff && next.handoff !== before.handoff) {
      post({ v: 1, type: 'event', name: 'handoff.updated', handoff: next.handoff });
    }
    // Messages already there when the conversation was restored or adopted are history, not news.
    if (next.messages !== before.messages && before.conversationId !== null) {
      const done = new Set(before.messages.filter((m) => m.status === 'complete').map((m) => m.key));
      for (const message of next.messages) {
        if (message.role !== 'user' && message.status === 'complete' && !done.has(message.key)) {
          post({ v: 1, type: 'event', name: 'message.completed', message });
        }
      }
    }
    if (next.unread !== before.unread)
      post({ v: 1, type: 'event', name: 'unread.changed', unread: next.unread });
    timer ??= setTimeout(flush, interval);
  });

  const targets = [win, win.document].filter((t) => t !== undefined);
  for (const target of targets) target.addEventListener('message', onMessage);
  if (globalName) {
    g[globalName] = (command: unknown): void => {
      void receive(command);
    };
  }
  post({ v: 1, type: 'ready', commands: COMMANDS });
  flush();

  return {
    receive,
    dispose() {
      unsubscribe();
      clearTimeout(timer);
      for (const target of targets) target.removeEventListener('message', onMessage);
      if (globalName) delete g[globalName];
    },
  };
}
