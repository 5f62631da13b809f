// Loaded by tab.html inside an iframe: exposes this realm's copy of core, so a test can create chats that
// use this browsing context's own Web Locks and BroadcastChannel, like another tab would.
import * as core from '@baton-chat/core';

(globalThis as { baton?: typeof core }).baton = core;
