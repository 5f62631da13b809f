/// <reference types="mocha" />
import { expect } from '@esm-bundle/chai';
import { createChat } from '@baton-chat/core';
import type { Chat } from '@baton-chat/core';
import { createBridge } from '@baton-chat/core/bridge';
import type { Bridge, BridgeMessage } from '@baton-chat/core/bridge';

const backend = async (): Promise<string> => {
  const res = await fetch('/__baton_backend__');
  if (!res.ok) throw new Error(await res.text());
  return ((await res.json()) as { url: string }).url;
};

type Native = {
  webkit?: unknown;
  ReactNativeWebView?: unknown;
  BatonAndroid?: unknown;
  batonBridge?: unknown;
};
const native = window as unknown as Native;

async function until<T>(find: () => T | undefined, ms = 10_000, what = ''): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > end) throw new Error(`timeout: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('@baton-chat/core/bridge in Chromium', function () {
  this.timeout(30_000);
  let received: BridgeMessage[];
  let chat: Chat;
  let bridge: Bridge;
  const result = (id: string) =>
    until(() => received.find((m) => m.type === 'result' && m.id === id), 10_000, `result ${id}`);

  beforeEach(async () => {
    received = [];
    // A fake WKWebView script message handler, as iOS installs it for `baton`.
    native.webkit = {
      messageHandlers: { baton: { postMessage: (json: string) => received.push(JSON.parse(json)) } },
    };
    chat = createChat({ server: await backend(), storageKey: `bridge-${Math.random()}`, tabs: null });
    bridge = createBridge(chat);
  });
  afterEach(async () => {
    bridge.dispose();
    await chat.destroy();
    delete native.webkit;
    delete native.ReactNativeWebView;
  });

  it('announces itself and mirrors the snapshot to webkit.messageHandlers.baton as JSON strings', () => {
    expect(received[0]).to.deep.include({ v: 1, type: 'ready' });
    expect((received[0] as unknown as { commands: string[] }).commands).to.include('send');
    expect(received[1]).to.deep.include({ v: 1, type: 'snapshot' });
    expect(typeof native.batonBridge).to.equal('function');
  });

  it('a send command from window.postMessage round-trips: result, streamed answer, snapshot', async () => {
    window.postMessage({ v: 1, id: 'send-1', type: 'send', text: 'hello from native' }, location.origin);
    const reply = await result('send-1');
    expect(reply).to.deep.include({ ok: true });
    const clientMessageId = (reply as { value: string }).value;
    expect(clientMessageId).to.match(/^[0-9a-f-]{36}$/);
    const completed = await until(
      () =>
        received.find(
          (m) => m.type === 'event' && m.name === 'message.completed' && m.message.role === 'bot',
        ) as Extract<BridgeMessage, { name: 'message.completed' }> | undefined,
      10_000,
      'message.completed',
    );
    expect(completed.message.text).to.equal('You said: hello from native');
    const snapshot = await until(() => {
      const last = received.filter((m) => m.type === 'snapshot').at(-1) as
        Extract<BridgeMessage, { type: 'snapshot' }> | undefined;
      return last && last.snapshot.messages.length === 2 && last.snapshot.messages[1]!.status === 'complete'
        ? last
        : undefined;
    });
    expect(snapshot.snapshot.messages[0]).to.deep.include({ clientMessageId, status: 'sent' });
  });

  it('refuses commands posted by a frame of another origin', async () => {
    // A sandboxed frame has an opaque origin ("null"): a real cross-origin sender.
    const frame = document.createElement('iframe');
    frame.sandbox.add('allow-scripts');
    frame.srcdoc = `<script>parent.postMessage({ v: 1, id: 'evil', type: 'send', text: 'from evil' }, '*');</script>`;
    document.body.append(frame);
    const reply = await result('evil');
    frame.remove();
    expect(reply).to.deep.equal({
      v: 1,
      type: 'result',
      id: 'evil',
      ok: false,
      error: {
        code: 'forbidden-origin',
        message: 'A command from null was refused: add it to allowedOrigins if it is yours.',
      },
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(chat.getSnapshot().messages).to.deep.equal([]);
  });

  it('the global function validates every command and answers with a clear error', async () => {
    const call = native.batonBridge as (command: unknown) => void;
    call('{"v":1,"id":"t1","type":"setTyping","isTyping":"yes"}');
    expect(await result('t1')).to.deep.include({
      ok: false,
      error: { code: 'invalid-argument', message: 'setTyping: `isTyping` must be a boolean.' },
    });
    call({ v: 2, id: 't2', type: 'stop' });
    expect(((await result('t2')) as { error: { code: string } }).error.code).to.equal('unsupported-version');
    call('{"v":1,"id":"t3","type":"deleteEverything"}');
    expect(((await result('t3')) as { error: { code: string } }).error.code).to.equal('unknown-command');
    call('not json');
    const invalid = await until(() =>
      received.find((m) => m.type === 'result' && !m.ok && m.error.code === 'invalid-message'),
    );
    expect(invalid).to.deep.include({ id: null });
    call({ v: 1, id: 't4', type: 'getSnapshot' });
    expect(((await result('t4')) as { value: { messages: unknown[] } }).value.messages).to.deep.equal([]);
    bridge.dispose();
    expect(native.batonBridge).to.equal(undefined);
  });

  it('falls back to ReactNativeWebView when there is no WKWebView handler', async () => {
    delete native.webkit;
    const rn: string[] = [];
    native.ReactNativeWebView = { postMessage: (json: string) => rn.push(json) };
    // React Native WebView delivers native postMessage as a MessageEvent dispatched in the page (no origin).
    window.dispatchEvent(
      new MessageEvent('message', { data: JSON.stringify({ v: 1, id: 'rn', type: 'markRead' }) }),
    );
    const reply = await until(() =>
      rn.map((j) => JSON.parse(j) as BridgeMessage).find((m) => m.type === 'result'),
    );
    expect(reply).to.deep.equal({ v: 1, type: 'result', id: 'rn', ok: true });
  });
});
