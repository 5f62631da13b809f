import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  controlForHandoff,
  isLegalHandoffStep,
  transitionHandoff,
  type HandoffAction,
  type HandoffSnapshot,
  type HandoffState,
} from '@baton-chat/protocol';

const at = '2026-11-24T10:00:00.000Z';
const later = '2026-11-24T10:05:00.000Z';
const agent = { id: 'ag_ana', name: 'Ana' };
const queue = { position: 2, estimatedWaitSeconds: 120 };

const ACTIONS: Record<Exclude<HandoffAction['type'], 'request'>, HandoffAction> = {
  enqueue: { type: 'enqueue', queue, at: later },
  assign: { type: 'assign', agent, at: later },
  accept: { type: 'accept', at: later },
  requeue: { type: 'requeue', queue, at: later },
  transfer: { type: 'transfer', to: { queue: { position: 1, skill: 'billing' } }, at: later },
  end: { type: 'end', outcome: 'resolved', at: later },
  fail: { type: 'fail', failureReason: 'no_agents', fallback: 'offline_form', at: later },
  cancel: { type: 'cancel', at: later },
};

/** The transitions table of docs/protocol.md: state -> action -> next state. */
const TABLE: Record<HandoffState, Partial<Record<keyof typeof ACTIONS, HandoffState>>> = {
  requested: { enqueue: 'queued', fail: 'failed', cancel: 'cancelled' },
  queued: { enqueue: 'queued', assign: 'assigned', fail: 'failed', cancel: 'cancelled' },
  assigned: { accept: 'active', requeue: 'queued', fail: 'failed', cancel: 'cancelled' },
  active: { transfer: 'queued', end: 'ended' },
  ended: {},
  failed: {},
  cancelled: {},
};

const snapshot = (state: HandoffState, version = 3): HandoffSnapshot => ({
  id: 'h1',
  state,
  version,
  reason: 'user_requested',
  requestedBy: 'user',
  createdAt: at,
  updatedAt: at,
  ...(state === 'queued' ? { queue } : {}),
  ...(['assigned', 'active', 'ended'].includes(state) ? { agent } : {}),
});

describe('transitionHandoff', () => {
  for (const [state, row] of Object.entries(TABLE) as [HandoffState, (typeof TABLE)[HandoffState]][]) {
    for (const [name, action] of Object.entries(ACTIONS)) {
      const expected = row[name as keyof typeof ACTIONS];
      it(`${state} + ${name} -> ${expected ?? 'refused'}`, () => {
        const current = snapshot(state);
        const frozen = structuredClone(current);
        const result = transitionHandoff(current, action);
        assert.deepEqual(current, frozen, 'the input snapshot must not be mutated');
        if (!expected) {
          assert.equal(result.ok, false);
          if (!result.ok) assert.equal(result.code, 'illegal-transition');
          return;
        }
        assert.ok(result.ok);
        assert.equal(result.snapshot.state, expected);
        assert.equal(result.snapshot.version, 4);
        assert.equal(result.snapshot.updatedAt, later);
        assert.equal(result.snapshot.createdAt, at);
        assert.ok(
          isLegalHandoffStep(current, result.snapshot),
          'validators accept what the machine produces',
        );
      });
    }
  }

  it('starts a handoff at version 1 in requested, with the note', () => {
    const result = transitionHandoff(null, {
      type: 'request',
      id: 'h9',
      reason: 'negative_sentiment',
      requestedBy: 'system',
      note: 'Angry customer',
      at,
    });
    assert.deepEqual(result, {
      ok: true,
      snapshot: {
        id: 'h9',
        state: 'requested',
        version: 1,
        reason: 'negative_sentiment',
        requestedBy: 'system',
        note: 'Angry customer',
        createdAt: at,
        updatedAt: at,
      },
    });
  });

  it('refuses a second open handoff but allows a new one after a terminal state', () => {
    const request: HandoffAction = {
      type: 'request',
      id: 'h2',
      reason: 'user_requested',
      requestedBy: 'user',
      at,
    };
    const refused = transitionHandoff(snapshot('queued'), request);
    assert.equal(refused.ok, false);
    if (!refused.ok) assert.equal(refused.code, 'handoff-active');
    for (const state of ['ended', 'failed', 'cancelled'] as const) {
      const result = transitionHandoff(snapshot(state), request);
      assert.ok(result.ok && result.snapshot.id === 'h2' && result.snapshot.version === 1);
    }
  });

  it('refuses every non-request action when there is no handoff', () => {
    for (const action of Object.values(ACTIONS)) {
      const result = transitionHandoff(null, action);
      assert.equal(result.ok, false);
      if (!result.ok) assert.equal(result.code, 'no-handoff');
    }
  });

  it('keeps only the fields of the new state', () => {
    const assigned = transitionHandoff(snapshot('queued'), ACTIONS.assign);
    assert.ok(assigned.ok);
    assert.equal(assigned.snapshot.queue, undefined, 'queue info is dropped once an agent is assigned');
    assert.deepEqual(assigned.snapshot.agent, agent);
    const requeued = transitionHandoff(snapshot('assigned'), ACTIONS.requeue);
    assert.ok(requeued.ok);
    assert.equal(requeued.snapshot.agent, undefined, 'the agent is dropped when requeued');
    const ended = transitionHandoff(snapshot('active'), ACTIONS.end);
    assert.ok(ended.ok);
    assert.deepEqual([ended.snapshot.outcome, ended.snapshot.agent], ['resolved', agent]);
    const failed = transitionHandoff(snapshot('queued'), ACTIONS.fail);
    assert.ok(failed.ok);
    assert.deepEqual(
      [failed.snapshot.failureReason, failed.snapshot.fallback],
      ['no_agents', 'offline_form'],
    );
  });

  it('transfers an active handoff to a named agent (assigned) or to a queue (queued)', () => {
    const toAgent = transitionHandoff(snapshot('active'), {
      type: 'transfer',
      to: { agent: { id: 'ag_li', name: 'Li' } },
      at: later,
    });
    assert.ok(toAgent.ok);
    assert.deepEqual([toAgent.snapshot.state, toAgent.snapshot.agent?.id], ['assigned', 'ag_li']);
    const toQueue = transitionHandoff(snapshot('active'), ACTIONS.transfer);
    assert.ok(toQueue.ok);
    assert.deepEqual([toQueue.snapshot.state, toQueue.snapshot.queue?.skill], ['queued', 'billing']);
  });
});

describe('controlForHandoff', () => {
  it('gives control to the bot without a handoff or after one, to nobody while waiting, to a human when active', () => {
    const byState = Object.fromEntries(
      (Object.keys(TABLE) as HandoffState[]).map((s) => [s, controlForHandoff(snapshot(s))]),
    );
    assert.deepEqual(byState, {
      requested: 'none',
      queued: 'none',
      assigned: 'none',
      active: 'human',
      ended: 'bot',
      failed: 'bot',
      cancelled: 'bot',
    });
    assert.equal(controlForHandoff(null), 'bot');
  });
});

describe('isLegalHandoffStep', () => {
  it('rejects version jumps, skipped states and a new handoff while one is open', () => {
    assert.equal(isLegalHandoffStep(snapshot('queued', 2), { ...snapshot('assigned', 4) }), false);
    assert.equal(isLegalHandoffStep(snapshot('queued', 2), { ...snapshot('active', 3) }), false);
    assert.equal(isLegalHandoffStep(snapshot('queued', 2), { ...snapshot('requested', 1), id: 'h2' }), false);
    assert.equal(isLegalHandoffStep(snapshot('ended', 6), { ...snapshot('requested', 1), id: 'h2' }), true);
    assert.equal(isLegalHandoffStep(null, snapshot('queued', 1)), false);
  });
});
