// Loaded as a module worker by worker.test.ts: importing core and creating a chat must not touch
// `window` or `document`, which workers do not have.
import { createChat, createIdbPersister, initialSnapshot } from '@baton-chat/core';

const chat = createChat({
  server: 'http://127.0.0.1:9',
  persister: createIdbPersister({ databaseName: 'baton-worker-test' }),
});
postMessage({
  ok: typeof window === 'undefined' && typeof document === 'undefined',
  connection: initialSnapshot().connection,
  snapshot: typeof chat.getSnapshot().messages.length,
});
void chat.destroy();
