import { controlForHandoff, transitionHandoff } from '@baton-chat/protocol';
import type { HandoffAction, HandoffSnapshot, QueueInfo } from '@baton-chat/protocol';
import type { ConversationTx, Store, WaitingHandoff } from './store/store.js';

/**
 * Applies one handoff action inside `tx`: appends `handoff.updated` with the new snapshot, then
 * `conversation.updated` with the control it implies and `controlVersion + 1` (section 12.3).
 *
 * @throws Error when the action is illegal in the current state (a server bug: routes check first).
 */
export async function applyHandoff(
  tx: ConversationTx,
  current: HandoffSnapshot | null,
  action: HandoffAction,
): Promise<HandoffSnapshot> {
  const result = transitionHandoff(current, action);
  if (!result.ok) throw new Error(`illegal handoff step: ${result.message}`);
  const { snapshot } = result;
  const c = tx.conversation;
  await tx.append([
    { type: 'handoff.updated', data: snapshot },
    {
      type: 'conversation.updated',
      data: { status: c.status, control: controlForHandoff(snapshot), controlVersion: c.controlVersion + 1 },
    },
  ]);
  return snapshot;
}

/** Which queue a waiting handoff is in: same skill and language. */
function queueKey(h: { skill?: string; language?: string }): string {
  return `${h.skill ?? ''}\u0000${h.language ?? ''}`;
}

/** Options of the queue estimate. */
export interface QueueOptions {
  /** Seconds of waiting per position ahead in the queue, for the estimate. Default 120. */
  secondsPerPosition?: number;
  /** Least time between two `queued -> queued` updates of one handoff, in ms (section 12.3). Default 10000. */
  minUpdateIntervalMs?: number;
}

/**
 * The queue details of one waiting handoff, computed across every conversation: its position among the
 * handoffs waiting for the same skill and language (priority first, then age), and a wait estimate.
 */
export function queueInfoFor(
  waiting: readonly WaitingHandoff[],
  handoffId: string,
  routing: { skill?: string; language?: string; priority?: number },
  options: QueueOptions = {},
): QueueInfo {
  const key = queueKey(routing);
  const line = waiting.filter((w) => queueKey(w) === key);
  const index = line.findIndex((w) => w.snapshot.id === handoffId);
  const position = index < 0 ? line.length + 1 : index + 1;
  return {
    position,
    estimatedWaitSeconds: position * (options.secondsPerPosition ?? 120),
    ...(routing.skill !== undefined && { skill: routing.skill }),
    ...(routing.language !== undefined && { language: routing.language }),
    ...(routing.priority ? { priority: routing.priority } : {}),
  };
}

/**
 * Moves every queued handoff whose position changed (someone ahead left the queue) with a
 * `queued -> queued` update, at most once per `minUpdateIntervalMs` per handoff (one updated more
 * recently is refreshed later). Runs one refresh at a time; a request during a refresh schedules one more.
 */
export function createQueueRefresher(
  store: Store,
  options: QueueOptions,
  log: (m: string, e?: unknown) => void,
) {
  let running: Promise<void> | undefined;
  let again = false;
  let later: NodeJS.Timeout | undefined;
  const minInterval = options.minUpdateIntervalMs ?? 10_000;

  function refreshLater(delayMs: number): void {
    if (later) return;
    later = setTimeout(() => {
      later = undefined;
      void refresh();
    }, delayMs);
    later.unref();
  }

  async function refreshOnce(): Promise<void> {
    const waiting = await store.waitingHandoffs();
    for (const w of waiting) {
      if (w.snapshot.state !== 'queued') continue;
      const info = queueInfoFor(waiting, w.snapshot.id, w, options);
      if (w.snapshot.queue?.position === info.position) continue;
      const wait = Date.parse(w.snapshot.updatedAt) + minInterval - Date.now();
      if (wait > 0) {
        refreshLater(wait);
        continue;
      }
      try {
        await store.withConversation(w.conversationId, async (tx) => {
          const current = await tx.currentHandoff();
          if (current?.id !== w.snapshot.id || current.state !== 'queued') return;
          if (current.queue?.position === info.position) return;
          await applyHandoff(tx, current, { type: 'enqueue', queue: info, at: new Date().toISOString() });
        });
      } catch (error) {
        log(`could not update the queue position of handoff ${w.snapshot.id}`, error);
      }
    }
  }

  function refresh(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await refreshOnce();
      } while (again);
    })()
      .catch((error: unknown) => log('queue refresh failed', error))
      .finally(() => {
        running = undefined;
      });
    return running;
  }
  return Object.assign(refresh, {
    /** Cancels a scheduled refresh (shutdown). */
    stop() {
      if (later) clearTimeout(later);
      later = undefined;
    },
  });
}
