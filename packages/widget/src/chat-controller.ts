import { initialSnapshot } from '@baton-chat/core';
import type { Chat, ChatSnapshot } from '@baton-chat/core';
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Binds a core `Chat` to a Lit element: keeps `snapshot` current and asks the host to update on every
 * change, subscribed only while the host is connected.
 */
export class ChatController implements ReactiveController {
  /** The newest snapshot of the bound chat (an empty one when none is bound). */
  snapshot: ChatSnapshot = initialSnapshot();
  readonly #host: ReactiveControllerHost;
  #chat: Chat | undefined;
  #unsubscribe: (() => void) | undefined;
  #connected = false;

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
      if (next === this.snapshot) return;
      this.snapshot = next;
      this.#host.requestUpdate();
    });
    const current = chat.getSnapshot();
    if (current !== this.snapshot) {
      this.snapshot = current;
      this.#host.requestUpdate();
    }
  }

  #unbind(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }
}
