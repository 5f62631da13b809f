import { onScopeDispose, shallowRef, type ShallowRef } from 'vue';
import { createChat, type Chat, type ChatSnapshot, type CreateChatOptions } from '@baton-chat/core';

/**
 * A headless Baton client for a component: `snapshot` follows every change (a shallow ref, since
 * snapshots are immutable and replaced whole), and the client is destroyed with the component.
 *
 * @example
 * const { chat, snapshot } = useChat({ server: 'https://support.example.com' });
 */
export function useChat(options: CreateChatOptions): { chat: Chat; snapshot: ShallowRef<ChatSnapshot> } {
  const chat = createChat(options);
  const snapshot = shallowRef(chat.getSnapshot());
  const unsubscribe = chat.subscribe(() => {
    snapshot.value = chat.getSnapshot();
  });
  onScopeDispose(() => {
    unsubscribe();
    void chat.destroy();
  });
  return { chat, snapshot };
}
