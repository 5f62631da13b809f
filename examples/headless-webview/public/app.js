// A custom chat UI on the headless SDK, for an app's webview: plain DOM, no framework. The page renders
// the snapshot itself and also mirrors it to native code through the bridge, so the app can show
// badges or notifications and drive the chat from native controls.
import { createChat, createIdbPersister } from '/vendor/baton-core.min.js';
import { createBridge } from '/vendor/baton-core-bridge.min.js';

const chat = createChat({ server: location.origin, persister: createIdbPersister() });

const $ = (selector) => document.querySelector(selector);
const list = $('#messages');
const STATUS = {
  connecting: 'Connecting…',
  open: 'Online',
  reconnecting: 'Reconnecting…',
  offline: 'Offline: messages are sent when you are back online',
  closed: '',
};

// Keyed by message key, so a streamed answer updates its own element instead of re-rendering the list.
const rendered = new Map();
function render(snapshot) {
  $('#status').textContent =
    snapshot.status === 'closed' ? 'Conversation ended' : STATUS[snapshot.connection];
  const keys = new Set();
  snapshot.messages.forEach((message, index) => {
    keys.add(message.key);
    let item = rendered.get(message.key);
    if (!item) {
      item = document.createElement('li');
      rendered.set(message.key, item);
    }
    item.className = message.role;
    item.dataset.status = message.status;
    // textContent, never innerHTML: message text is untrusted.
    const text = message.status === 'failed' ? `${message.text} (not sent)` : message.text;
    if (item.textContent !== text) item.textContent = text;
    if (list.children[index] !== item) list.insertBefore(item, list.children[index] ?? null);
  });
  for (const [key, item] of rendered) {
    if (!keys.has(key)) {
      item.remove();
      rendered.delete(key);
    }
  }
  const handoff = snapshot.handoff;
  const waiting = handoff && (handoff.state === 'requested' || handoff.state === 'queued');
  $('#handoff').hidden = !handoff;
  if (handoff) {
    $('#handoff').textContent = waiting
      ? `Waiting for a person${handoff.queue ? ` (position ${handoff.queue.position})` : ''}…`
      : `Handoff: ${handoff.state}`;
  }
  $('#human').disabled = Boolean(waiting) || snapshot.control === 'human';
}
chat.subscribe(() => render(chat.getSnapshot()));
render(chat.getSnapshot());

$('#composer').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('#text');
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  // A refused message shows as failed in the snapshot; nothing else to do here.
  chat.send(text).catch(() => {});
});
$('#text').addEventListener('input', (event) => chat.setTyping(event.target.value !== ''));
$('#human').addEventListener('click', () => chat.requestHuman().catch(() => {}));
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') chat.markRead();
});

// Inside the app, the bridge finds the native handler (WKWebView, React Native WebView, Android). In a
// desktop browser there is none: the outgoing messages are listed on the page instead, and commands can
// be tried from the console, e.g. batonBridge('{"v":1,"type":"send","text":"Hi"}').
const hasNative = Boolean(
  window.webkit?.messageHandlers?.baton || window.ReactNativeWebView || window.BatonAndroid,
);
const log = $('#bridge-log');
createBridge(
  chat,
  hasNative
    ? {}
    : {
        post(json) {
          log.hidden = false;
          const item = document.createElement('li');
          item.textContent = json.length > 300 ? `${json.slice(0, 300)}…` : json;
          log.querySelector('ol').prepend(item);
          while (log.querySelector('ol').children.length > 50)
            log.querySelector('ol').lastElementChild.remove();
        },
      },
);
