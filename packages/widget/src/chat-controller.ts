import { initialSnapshot } from '@baton-chat/core';
import type { Chat, ChatSnapshot } from '@baton-chat/core';
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Binds a core `Chat` to a Lit element: keeps `snapshot` current and asks the host to update on every
 * change, subscribed only while the host is connected. A change that only grows answers already
 * streaming waits for the next frame, so tokens that arrive within one frame cost one render.
 */
export class ChatController implements ReactiveController {
  /** The newest snapshot of the bound chat (an empty one when none is bound). */
  snapshot: ChatSnapshot = initialSnapshot();
  readonly #host: ReactiveControllerHost;
  #chat: Chat | undefined;
  #unsubscribe: (() => void) | undefined;
  #connected = false;
  #frame = 0;

  /** Attaches the controller to `host`; bind a chat by setting `chat`. */
  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  /** The bound chat, or undefined. Setting it rebinds. */
  get chat(): Chat | undefined {
    return this.#chat;
  }

  set chat(chat: Chat | undefined) {
    if (chat === this.#chat) return;
    this.#unbind();
    this.#chat = chat;
    this.snapshot = chat ? chat.getSnapshot() : initialSnapshot();
    if (this.#connected) this.#bind();
    this.#host.requestUpdate();
  }

  /** Subscribes to the chat when the host enters the document. */
  hostConnected(): void {
    this.#connected = true;
    this.#bind();
  }

  /** Unsubscribes when the host leaves the document. */
  hostDisconnected(): void {
    this.#connected = false;
    this.#unbind();
  }

  #bind(): void {
    const chat = this.#chat;
    if (!chat || this.#unsubscribe) return;
    this.#unsubscribe = chat.subscribe(() => {
      const next = chat.getSnapshot();
      const prev = this.snapshot;
      if (next === prev) return;
      this.snapshot = next;
      if (onlyStreamed(prev, next)) {
        this.#frame ||= requestAnimationFrame(() => this.#update());
      } else this.#update();
    });
    const current = chat.getSnapshot();
    if (current !== this.snapshot) {
      this.snapshot = current;
      this.#host.requestUpdate();
    }
  }

  #update(): void {
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    this.#host.requestUpdate();
  }

  #unbind(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    // The newest snapshot is rendered now rather than a frame later that may never come.
    if (this.#frame) this.#update();
  }
}

/** Whether `next` differs from `prev` only in the text of answers that were and still are streaming. */
function onlyStreamed(prev: ChatSnapshot, next: ChatSnapshot): boolean {
  for (const k in next) {
    const key = k as keyof ChatSnapshot;
    if (key !== 'messages' && key !== 'cursor' && next[key] !== prev[key]) return false;
  }
  const a = prev.messages;
  const b = next.messages;
  return (
    a.length === b.length &&
    b.every(
      (m, i) =>
        m === a[i] || (m.status === 'streaming' && a[i]!.status === 'streaming' && m.key === a[i]!.key),
    )
  );
}
