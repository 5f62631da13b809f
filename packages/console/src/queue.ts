import type { HandoffReason } from '@baton-chat/protocol';
import type { WorkItem } from '@baton-chat/protocol/agent';

/** The console's split of the open work for one agent. */
export interface QueueView {
  /** Waiting for a human (`requested`, `queued`) or offered to this agent (`assigned`): most urgent first. */
  waiting: WorkItem[];
  /** Active with this agent, oldest first. */
  mine: WorkItem[];
}

/** Orders work the way agents take it: higher priority first, then longer wait, then id (stable). */
export function compareWork(a: WorkItem, b: WorkItem): number {
  return (
    b.priority - a.priority ||
    a.waitingSinceMs - b.waitingSinceMs ||
    (a.conversationId < b.conversationId ? -1 : a.conversationId > b.conversationId ? 1 : 0)
  );
}

/**
 * Splits the open work into what `agentId` may claim and what they handle. Conversations active with
 * or offered to other agents are left out.
 */
export function queueFor(items: readonly WorkItem[], agentId: string): QueueView {
  const waiting: WorkItem[] = [];
  const mine: WorkItem[] = [];
  for (const item of items) {
    const { state, agent } = item.handoff;
    if (state === 'requested' || state === 'queued') waiting.push(item);
    else if (state === 'assigned' && agent?.id === agentId) waiting.push(item);
    else if (state === 'active' && agent?.id === agentId) mine.push(item);
  }
  waiting.sort(compareWork);
  mine.sort((a, b) => a.waitingSinceMs - b.waitingSinceMs);
  return { waiting, mine };
}

/** Ids in `next` that were not in `previous`: the new arrivals to announce. */
export function newArrivals(previous: ReadonlySet<string>, next: readonly WorkItem[]): WorkItem[] {
  return next.filter((item) => !previous.has(item.conversationId));
}

const REASONS: Record<HandoffReason, string> = {
  user_requested: 'Asked for a person',
  low_confidence: 'Bot unsure',
  negative_sentiment: 'Negative sentiment',
  repeated_failure: 'Repeated failure',
  policy: 'Policy',
  bot_error: 'Bot error',
};

/** A short human label for a handoff reason (unknown reasons are shown as sent). */
export function reasonLabel(reason: string): string {
  return REASONS[reason as HandoffReason] ?? reason.replace(/_/g, ' ');
}

/** A wait time as agents read it: `42 s`, `3 min`, `1 h 5 min` (no-break spaces: never split across lines). */
export function formatWait(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}\u00a0s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min}\u00a0min`;
  const h = Math.floor(min / 60);
  return min % 60 ? `${h}\u00a0h ${min % 60}\u00a0min` : `${h}\u00a0h`;
}

/** The page title with the waiting count as a badge: `(3) Baton console`. */
export function titleWithBadge(waiting: number, title = 'Baton console'): string {
  return waiting > 0 ? `(${waiting}) ${title}` : title;
}
