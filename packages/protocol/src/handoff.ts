import type { Control, HandoffAction, HandoffSnapshot, HandoffState } from './types.js';

/** States from which no further transition is possible. */
export const TERMINAL_HANDOFF_STATES: readonly HandoffState[] = ['ended', 'failed', 'cancelled'];

/** Why `transitionHandoff` refused an action. */
export type HandoffErrorCode = 'illegal-transition' | 'no-handoff' | 'handoff-active';

/** The result of `transitionHandoff`: the next snapshot, or why the action is not allowed. */
export type HandoffTransitionResult =
  { ok: true; snapshot: HandoffSnapshot } | { ok: false; code: HandoffErrorCode; message: string };

/** Which actions each state accepts. `request` is handled separately (it starts a new handoff). */
const ALLOWED: Record<HandoffState, readonly HandoffAction['type'][]> = {
  requested: ['enqueue', 'fail', 'cancel'],
  queued: ['enqueue', 'assign', 'fail', 'cancel'],
  assigned: ['accept', 'requeue', 'fail', 'cancel'],
  active: ['transfer', 'end'],
  ended: [],
  failed: [],
  cancelled: [],
};

/** The states each action can lead to. */
const TARGETS: Record<HandoffAction['type'], readonly HandoffState[]> = {
  request: ['requested'],
  enqueue: ['queued'],
  requeue: ['queued'],
  assign: ['assigned'],
  accept: ['active'],
  transfer: ['queued', 'assigned'],
  end: ['ended'],
  fail: ['failed'],
  cancel: ['cancelled'],
};

/**
 * Whether a handoff state is terminal (`ended`, `failed` or `cancelled`).
 *
 * @example isTerminalHandoff('queued') // false
 */
export function isTerminalHandoff(state: HandoffState): boolean {
  return TERMINAL_HANDOFF_STATES.includes(state);
}

/**
 * Who may answer the customer, given the conversation's latest handoff.
 *
 * No handoff or a terminal one: `bot`. Waiting (`requested`, `queued`, `assigned`): `none`, the bot is
 * silent and nobody has taken over yet. `active`: `human`.
 */
export function controlForHandoff(snapshot: HandoffSnapshot | null): Control {
  if (!snapshot || isTerminalHandoff(snapshot.state)) return 'bot';
  return snapshot.state === 'active' ? 'human' : 'none';
}

/**
 * Applies one action to a handoff and returns the next snapshot, or an error when the action is not
 * legal in the current state. Pure: the input is never mutated; servers and validators share it.
 *
 * Every accepted action bumps `version` by one and sets `updatedAt` to the action's `at`. A `request`
 * starts a new handoff (version 1) and is legal only when there is none or the current one is terminal.
 * Fields that no longer apply are dropped (`queue` once assigned, `agent` when requeued to a queue).
 *
 * @example
 * let r = transitionHandoff(null, { type: 'request', id: 'h1', reason: 'user_requested', requestedBy: 'user', at });
 * if (r.ok) r = transitionHandoff(r.snapshot, { type: 'enqueue', queue: { position: 3 }, at });
 */
export function transitionHandoff(
  current: HandoffSnapshot | null,
  action: HandoffAction,
): HandoffTransitionResult {
  if (action.type === 'request') {
    if (current && !isTerminalHandoff(current.state)) {
      return refuse('handoff-active', `handoff ${current.id} is still ${current.state}; cancel it first`);
    }
    const snapshot: HandoffSnapshot = {
      id: action.id,
      state: 'requested',
      version: 1,
      reason: action.reason,
      requestedBy: action.requestedBy,
      createdAt: action.at,
      updatedAt: action.at,
    };
    if (action.note !== undefined) snapshot.note = action.note;
    return { ok: true, snapshot };
  }
  if (!current) return refuse('no-handoff', `cannot ${action.type}: there is no handoff`);
  if (!ALLOWED[current.state].includes(action.type)) {
    return refuse('illegal-transition', `cannot ${action.type} a handoff that is ${current.state}`);
  }

  const { queue: _queue, agent, ...base } = current;
  const next = { ...base, version: current.version + 1, updatedAt: action.at };
  switch (action.type) {
    case 'enqueue':
    case 'requeue':
      return done({ ...next, state: 'queued', queue: action.queue });
    case 'assign':
      return done({ ...next, state: 'assigned', agent: action.agent });
    case 'accept':
      return done({ ...next, state: 'active', ...(agent ? { agent } : {}) });
    case 'transfer':
      return 'queue' in action.to
        ? done({ ...next, state: 'queued', queue: action.to.queue })
        : done({ ...next, state: 'assigned', agent: action.to.agent });
    case 'end':
      return done({ ...next, state: 'ended', outcome: action.outcome, ...(agent ? { agent } : {}) });
    case 'fail':
      return done({
        ...next,
        state: 'failed',
        failureReason: action.failureReason,
        fallback: action.fallback,
      });
    case 'cancel':
      return done({ ...next, state: 'cancelled' });
  }
}

/**
 * Whether `next` is a legal successor of `previous` (or a legal first snapshot when `previous` is
 * null): some action leads there, and the version rises by exactly one. Used by stream validators.
 */
export function isLegalHandoffStep(previous: HandoffSnapshot | null, next: HandoffSnapshot): boolean {
  if (!previous || previous.id !== next.id) {
    return (
      next.state === 'requested' && next.version === 1 && (!previous || isTerminalHandoff(previous.state))
    );
  }
  if (next.version !== previous.version + 1) return false;
  return ALLOWED[previous.state].some((type) => TARGETS[type].includes(next.state));
}

function done(snapshot: HandoffSnapshot): HandoffTransitionResult {
  return { ok: true, snapshot };
}

function refuse(code: HandoffErrorCode, message: string): HandoffTransitionResult {
  return { ok: false, code, message };
}
