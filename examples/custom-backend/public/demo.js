// The demo client: create a conversation, read its event stream, send, stop, ask for a human.
// It uses the protocol package's own SSE reader and id generator, served from node_modules.
import { readSseStream, uuidv7 } from '/vendor/protocol/index.js';

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const log = $('log');
const raw = $('raw');
const progress = $('progress');
const suggestions = $('suggestions');
const connection = $('connection');
const handoffStatus = $('handoff-status');
const form = /** @type {HTMLFormElement} */ ($('composer'));
const input = /** @type {HTMLInputElement} */ ($('text'));
const stopButton = /** @type {HTMLButtonElement} */ ($('stop'));
const humanButton = /** @type {HTMLButtonElement} */ ($('human'));
const leaveButton = /** @type {HTMLButtonElement} */ ($('leave'));

/** @type {{ conversationId: string; token: string }} */
let conversation;
let cursor = 0; // seq of the last durable event applied: the resume point
let heartbeatMs = 15_000;
/** @type {string | null} */
let streamingTurn = null;
/** @type {{ id: string; state: string } | null} */
let handoff = null;
/** Bubbles by message id, and optimistic user bubbles by clientMessageId. */
const bubbles = new Map();

async function call(path, body) {
  const response = await fetch(`/v1/conversations/${conversation.conversationId}/${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${conversation.token}`,
      'content-type': 'application/json',
      ...body?.headers,
    },
    body: JSON.stringify(body?.json ?? {}),
  });
  const data = response.status === 204 ? null : await response.json();
  if (!response.ok) throw new Error(data?.detail ?? `HTTP ${response.status}`);
  return data;
}

function bubble(key, role, text) {
  let item = bubbles.get(key);
  if (!item) {
    item = document.createElement('li');
    item.className = `bubble ${role}`;
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = role === 'user' ? 'You' : role === 'bot' ? 'Echo bot' : role;
    const body = document.createElement('span');
    body.className = 'text';
    item.append(who, body);
    log.append(item);
    bubbles.set(key, item);
  }
  if (text !== undefined) item.querySelector('.text').textContent = text;
  log.scrollTop = log.scrollHeight;
  return item;
}

function showSuggestions(list = []) {
  suggestions.replaceChildren(
    ...list.map((suggestion) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = suggestion.label;
      button.addEventListener('click', () =>
        suggestion.action === 'handoff' ? humanButton.click() : send(suggestion.text ?? suggestion.label),
      );
      return button;
    }),
  );
}

function showHandoff(snapshot) {
  handoff = snapshot;
  const waiting = ['requested', 'queued', 'assigned'].includes(snapshot.state);
  humanButton.hidden = waiting;
  leaveButton.hidden = !waiting;
  if (snapshot.state === 'queued' && snapshot.queue) {
    const minutes = Math.ceil((snapshot.queue.estimatedWaitSeconds ?? 0) / 60);
    handoffStatus.textContent = `You are number ${snapshot.queue.position} in the queue (about ${minutes} min). The bot stays quiet meanwhile.`;
  } else if (snapshot.state === 'failed') {
    handoffStatus.textContent =
      snapshot.fallback === 'offline_form'
        ? 'Nobody is available right now. Leave your email and we will write back. The bot is back.'
        : 'Nobody is available right now; the bot is back.';
  } else if (snapshot.state === 'cancelled') {
    handoffStatus.textContent = 'You left the queue. The bot is answering again.';
  } else {
    handoffStatus.textContent = `Handoff ${snapshot.state}.`;
  }
}

/** Applies one event. Durable events are applied once, in seq order; see the protocol's client rules. */
function apply(event) {
  const { data } = event;
  switch (event.type) {
    case 'hello':
      heartbeatMs = data.heartbeatMs;
      break;
    case 'message.created': {
      const optimistic = data.clientMessageId && bubbles.get(data.clientMessageId);
      if (optimistic) {
        bubbles.delete(data.clientMessageId);
        bubbles.set(data.id, optimistic);
        optimistic.classList.remove('pending');
      }
      bubble(data.id, data.role, data.text);
      break;
    }
    case 'message.started':
      streamingTurn = data.turnId;
      stopButton.disabled = false;
      showSuggestions();
      log.setAttribute('aria-busy', 'true'); // announce the answer once, when it is complete
      bubble(data.id, 'bot', '').dataset.next = '0';
      break;
    case 'progress':
      progress.textContent = data.label;
      break;
    case 'message.delta': {
      const item = bubble(data.id, 'bot');
      if (Number(item.dataset.next) !== data.index) break; // only the next delta, never twice
      item.dataset.next = String(data.index + 1);
      item.querySelector('.text').textContent += data.text;
      progress.textContent = '';
      break;
    }
    case 'message.completed': {
      const item = bubble(data.id, 'bot', data.text); // the final text is authoritative
      if (data.finishReason !== 'stop')
        item.querySelector('.who').textContent = `Echo bot (${data.finishReason})`;
      streamingTurn = null;
      stopButton.disabled = true;
      progress.textContent = '';
      log.setAttribute('aria-busy', 'false');
      showSuggestions(data.suggestions);
      break;
    }
    case 'handoff.updated':
      showHandoff(data);
      break;
    case 'conversation.updated':
      if (data.status === 'closed') connection.textContent = 'Conversation closed.';
      break;
    default:
      break; // unknown types are ignored
  }
}

/** Reads the event stream forever: reconnects after errors, silence (2 heartbeats) and server ends. */
async function listen() {
  for (;;) {
    const watchdog = new AbortController();
    let timer;
    const alive = () => {
      clearTimeout(timer);
      timer = setTimeout(() => watchdog.abort(new Error('stream silent')), 2 * heartbeatMs);
    };
    try {
      alive();
      const response = await fetch(
        `/v1/conversations/${conversation.conversationId}/events?after=${cursor}`,
        {
          headers: { authorization: `Bearer ${conversation.token}` },
          signal: watchdog.signal,
        },
      );
      if ([204, 404, 410].includes(response.status)) {
        connection.textContent = 'Conversation ended.';
        return;
      }
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      connection.textContent = 'Connected: answers stream live.';
      for await (const message of readSseStream(response.body, {
        signal: watchdog.signal,
        onComment: alive,
      })) {
        alive();
        const event = JSON.parse(message.data);
        raw.textContent =
          `${message.event}${message.id ? ` #${message.id}` : ''} ${message.data}\n${raw.textContent}`.slice(
            0,
            20_000,
          );
        if (typeof event.seq === 'number') {
          if (event.seq <= cursor) continue;
          cursor = event.seq;
        }
        if (event.type === 'sync.reset') cursor = event.data.lastSeq; // this demo has no history view to refetch
        apply(event);
      }
    } catch (error) {
      console.warn('event stream:', error);
    } finally {
      clearTimeout(timer);
    }
    connection.textContent = 'Reconnecting…';
    await new Promise((resolve) => setTimeout(resolve, 1000 + Math.random() * 2000));
  }
}

async function send(text) {
  const clientMessageId = uuidv7();
  bubble(clientMessageId, 'user', text).classList.add('pending');
  try {
    await call('messages', {
      json: { clientMessageId, text },
      headers: { 'idempotency-key': clientMessageId },
    });
  } catch (error) {
    bubble(clientMessageId, 'user').classList.add('failed');
    connection.textContent = `Not sent: ${error.message}`;
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  void send(text);
});

stopButton.addEventListener('click', () => {
  if (streamingTurn) void call(`turns/${streamingTurn}/cancel`);
});

humanButton.addEventListener('click', async () => {
  const response = await call('handoff', { json: { reason: 'user_requested' } });
  showHandoff(response.handoff);
});

leaveButton.addEventListener('click', async () => {
  if (handoff) showHandoff((await call(`handoff/${handoff.id}/cancel`)).handoff);
});

async function start() {
  const response = await fetch('/v1/conversations', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ session: { pageUrl: location.href, locale: navigator.language } }),
  });
  if (!response.ok) {
    connection.textContent = `Could not start a conversation (HTTP ${response.status}).`;
    return;
  }
  conversation = await response.json();
  input.focus();
  void listen();
  // `/?say=hello` sends a first message by itself: handy to check the stream from a headless browser.
  const say = new URLSearchParams(location.search).get('say');
  if (say) void send(say);
}

void start();
