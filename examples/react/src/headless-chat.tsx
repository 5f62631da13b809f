import { useEffect, useRef, useSyncExternalStore } from 'react';
import { createChat, type ChatMessage, type ChatSnapshot } from '@baton-chat/core';

// One client for the life of the page, created outside React so StrictMode's double effects never make
// two. Its own storageKey keeps its conversation apart from the <baton-chat> element's on this page.
const chat = createChat({ server: '/', storageKey: 'example-react-headless' });

const CONNECTION: Record<ChatSnapshot['connection'], string> = {
  connecting: 'Connecting…',
  open: 'Online',
  reconnecting: 'Reconnecting…',
  offline: 'Offline: messages are sent when you are back online',
  closed: 'Disconnected',
};

function statusLine(snapshot: ChatSnapshot): string {
  const handoff = snapshot.handoff;
  if (snapshot.status === 'closed') return 'Conversation ended';
  if (handoff?.state === 'requested') return 'Asking for a person…';
  if (handoff?.state === 'queued') return `Waiting for a person (position ${handoff.queue?.position ?? '?'})`;
  if (handoff?.state === 'assigned' || handoff?.state === 'active')
    return `${handoff.agent?.name ?? 'An agent'} is here`;
  return CONNECTION[snapshot.connection];
}

function author(message: ChatMessage): string {
  if (message.role === 'user') return 'You';
  return message.author.name ?? (message.role === 'bot' ? 'Assistant' : message.role);
}

/** A small chat UI of your own: message list, composer and "Talk to a person", rendered from the snapshot. */
export function HeadlessChat() {
  const snapshot = useSyncExternalStore(chat.subscribe, chat.getSnapshot);
  const log = useRef<HTMLOListElement>(null);
  const last = snapshot.messages.at(-1);

  // Keep the newest message in view while an answer streams in.
  useEffect(() => {
    log.current?.scrollTo({ top: log.current.scrollHeight });
  }, [last?.text, snapshot.messages.length]);

  const waiting = snapshot.handoff?.state === 'requested' || snapshot.handoff?.state === 'queued';

  return (
    <div className="headless">
      <p className="status" role="status">
        {statusLine(snapshot)}
      </p>
      <ol ref={log} role="log" aria-label="Conversation" className="messages">
        {snapshot.messages.map((message) => (
          <li key={message.key} className={message.role} data-status={message.status}>
            <strong>{author(message)}</strong>
            {/* Plain text: answers are markdown, and this UI chooses not to render it. */}
            <span>{message.status === 'failed' ? `${message.text} (not sent)` : message.text}</span>
          </li>
        ))}
      </ol>
      <form
        className="composer"
        action={(data) => {
          const text = String(data.get('text') ?? '').trim();
          // A refused message shows as failed in the snapshot; nothing else to do here.
          if (text) chat.send(text).catch(() => {});
        }}
      >
        <label htmlFor="headless-text">Your message</label>
        <input id="headless-text" name="text" autoComplete="off" required />
        <button type="submit">Send</button>
      </form>
      <button
        type="button"
        disabled={waiting || snapshot.control === 'human' || snapshot.status === 'closed'}
        onClick={() => chat.requestHuman().catch(() => {})}
      >
        {waiting ? 'Waiting for a person…' : 'Talk to a person'}
      </button>
    </div>
  );
}
