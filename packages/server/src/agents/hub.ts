import { isTerminalHandoff } from '@baton-chat/protocol';
import type { HandoffOutcome, HandoffSnapshot, Message } from '@baton-chat/protocol';
import type { TransferTarget } from '@baton-chat/protocol/agent';
import type { ServerContext } from '../context.js';
import { BatonError } from '../errors.js';
import { applyHandoff, queueInfoFor } from '../handoffs.js';
import { newId } from '../ids.js';
import type { ConversationTx, NewEvent } from '../store/store.js';
import { agentRef, type AgentRecord } from './agent-store.js';

/** 409 with the conversation's current control version and handoff, so the console can refresh. */
function conflict(tx: ConversationTx, handoff: HandoffSnapshot | null, detail: string): BatonError {
  return new BatonError('stale-control', detail, {
    extras: { controlVersion: tx.conversation.controlVersion, ...(handoff && { handoff }) },
  });
}

function participant(agent: AgentRecord) {
  return { ...agentRef(agent), role: 'agent' as const };
}

/** The current handoff when `agent` holds it in one of `states`; otherwise a 409 that says why. */
async function heldBy(
  tx: ConversationTx,
  agent: AgentRecord,
  states: readonly HandoffSnapshot['state'][],
): Promise<HandoffSnapshot> {
  const handoff = await tx.currentHandoff();
  if (tx.conversation.status === 'closed')
    throw new BatonError('conversation-closed', 'The customer closed this conversation.');
  if (!handoff || isTerminalHandoff(handoff.state))
    throw conflict(tx, handoff, 'No person is handling this conversation any more; reload it.');
  if (handoff.agent?.id !== agent.id || !states.includes(handoff.state)) {
    const who = handoff.agent ? `${handoff.agent.name} has it` : `it is ${handoff.state}`;
    throw conflict(tx, handoff, `You do not hold this conversation (${who}); reload it.`);
  }
  return handoff;
}

async function checkCapacity(ctx: ServerContext, agent: AgentRecord, conversationId: string): Promise<void> {
  const held = (await ctx.agents!.assignedTo(agent.id)).filter((w) => w.conversationId !== conversationId);
  if (held.length >= agent.maxConcurrent) {
    throw new BatonError(
      'stale-control',
      `You already handle ${held.length} of your ${agent.maxConcurrent} conversations; resolve or transfer one first.`,
    );
  }
}

/**
 * Takes a waiting conversation: `queued`/`requested` -> `assigned` -> `active` in one transaction, or
 * accepts one that was transferred to this agent. Appends `participant.joined`. Refused (409) when
 * another agent has it, when it no longer waits, or when the agent is at capacity.
 */
export async function claim(
  ctx: ServerContext,
  agent: AgentRecord,
  conversationId: string,
): Promise<HandoffSnapshot> {
  await checkCapacity(ctx, agent, conversationId);
  const stored = await routingOf(ctx, conversationId);
  const result = await ctx.store.withConversation(conversationId, async (tx) => {
    if (tx.conversation.status === 'closed')
      throw new BatonError('conversation-closed', 'The customer closed this conversation.');
    let handoff = await tx.currentHandoff();
    if (!handoff || isTerminalHandoff(handoff.state))
      throw conflict(tx, handoff, 'This conversation is not waiting for a person any more.');
    if (handoff.state === 'active') {
      if (handoff.agent?.id === agent.id) return handoff;
      throw conflict(tx, handoff, `${handoff.agent?.name ?? 'Another agent'} took this conversation first.`);
    }
    if (handoff.state === 'assigned' && handoff.agent?.id !== agent.id)
      throw conflict(
        tx,
        handoff,
        `This conversation is offered to ${handoff.agent?.name ?? 'another agent'}.`,
      );
    const at = new Date().toISOString();
    if (handoff.state === 'requested') {
      const queue = queueInfoFor(await tx.waitingHandoffs(), handoff.id, stored, ctx.queue);
      handoff = await applyHandoff(tx, handoff, { type: 'enqueue', queue, at });
    }
    if (handoff.state === 'queued') {
      handoff = await applyHandoff(tx, handoff, { type: 'assign', agent: agentRef(agent), at });
    }
    handoff = await applyHandoff(tx, handoff, { type: 'accept', at });
    await tx.append([{ type: 'participant.joined', data: { participant: participant(agent) } }]);
    return handoff;
  });
  void ctx.refreshQueue();
  return result;
}

/** Gives back a conversation offered to this agent (`assigned` -> `queued`). */
export async function decline(
  ctx: ServerContext,
  agent: AgentRecord,
  conversationId: string,
): Promise<HandoffSnapshot> {
  const stored = await routingOf(ctx, conversationId);
  const result = await ctx.store.withConversation(conversationId, async (tx) => {
    const handoff = await heldBy(tx, agent, ['assigned']);
    return requeue(ctx, tx, handoff, stored);
  });
  void ctx.refreshQueue();
  return result;
}

/** Routing as stored, read outside the conversation's transaction (PGlite has one connection). */
type StoredRouting = { skill?: string; language?: string; priority: number };

async function routingOf(ctx: ServerContext, conversationId: string): Promise<StoredRouting> {
  const conversation = await ctx.store.getConversation(conversationId);
  if (!conversation?.handoffId) return { priority: 0 };
  return (await ctx.agents!.routing(conversationId, conversation.handoffId)) ?? { priority: 0 };
}

async function requeue(
  ctx: ServerContext,
  tx: ConversationTx,
  handoff: HandoffSnapshot,
  stored: StoredRouting,
  routingOverride?: { skill?: string; language?: string },
): Promise<HandoffSnapshot> {
  const routing = routingOverride ? { ...routingOverride, priority: stored.priority } : stored;
  if (routingOverride) await tx.setHandoffRouting(handoff.id, routing);
  const queue = queueInfoFor(await tx.waitingHandoffs(), handoff.id, routing, ctx.queue);
  const at = new Date().toISOString();
  return handoff.state === 'active'
    ? applyHandoff(tx, handoff, { type: 'transfer', to: { queue }, at })
    : applyHandoff(tx, handoff, { type: 'requeue', queue, at });
}

export type { TransferTarget };

/**
 * Hands an active conversation on: to another agent (`assigned`, they accept it) or back to a queue
 * (`queued`). Appends `participant.left` with reason `transferred`.
 */
export async function transfer(
  ctx: ServerContext,
  agent: AgentRecord,
  conversationId: string,
  target: TransferTarget,
): Promise<HandoffSnapshot> {
  let to: AgentRecord | null = null;
  if ('agentId' in target) {
    to = await ctx.agents!.getAgent(target.agentId);
    if (!to) throw new BatonError('not-found', `No agent ${target.agentId}.`);
    if (to.id === agent.id) throw new BatonError('validation-failed', 'You already hold this conversation.');
  }
  const stored = await routingOf(ctx, conversationId);
  const result = await ctx.store.withConversation(conversationId, async (tx) => {
    const handoff = await heldBy(tx, agent, ['active']);
    const next = to
      ? await applyHandoff(tx, handoff, {
          type: 'transfer',
          to: { agent: agentRef(to) },
          at: new Date().toISOString(),
        })
      : await requeue(ctx, tx, handoff, stored, target as { skill?: string; language?: string });
    await tx.append([
      { type: 'participant.left', data: { participant: participant(agent), reason: 'transferred' } },
    ]);
    return next;
  });
  void ctx.refreshQueue();
  return result;
}

/**
 * Ends the human part of a conversation: `resolved` (the agent solved it) or `returned_to_bot`.
 * Appends `participant.left` with the outcome; the bot answers the customer's next message. A wrap-up
 * summary, when given, is stored for insights.
 */
export async function endHandoff(
  ctx: ServerContext,
  agent: AgentRecord,
  conversationId: string,
  outcome: Extract<HandoffOutcome, 'resolved' | 'returned_to_bot'>,
  summary?: string,
): Promise<HandoffSnapshot> {
  const result = await ctx.store.withConversation(conversationId, async (tx) => {
    const handoff = await heldBy(tx, agent, ['active']);
    const ended = await applyHandoff(tx, handoff, { type: 'end', outcome, at: new Date().toISOString() });
    await tx.append([
      { type: 'participant.left', data: { participant: participant(agent), reason: outcome } },
    ]);
    return ended;
  });
  if (summary !== undefined && summary.trim() !== '') {
    await ctx.agents!.saveWrapup({
      conversationId,
      handoffId: result.id,
      agentId: agent.id,
      outcome,
      summary: summary.trim(),
    });
  }
  void ctx.refreshQueue();
  return result;
}

/**
 * Writes an agent message. The agent must hold the conversation (`active`), and `controlVersion`, when
 * given, must be the current one: a console that missed a transfer gets 409 instead of writing.
 */
export async function agentMessage(
  ctx: ServerContext,
  agent: AgentRecord,
  conversationId: string,
  input: { clientMessageId: string; text: string; controlVersion?: number },
): Promise<Message> {
  return ctx.store.withConversation(conversationId, async (tx) => {
    const handoff = await heldBy(tx, agent, ['active']);
    if (input.controlVersion !== undefined && input.controlVersion !== tx.conversation.controlVersion)
      throw conflict(tx, handoff, 'The conversation changed since you loaded it; reload and send again.');
    const event: NewEvent = {
      type: 'message.created',
      data: {
        id: newId('msg'),
        clientMessageId: input.clientMessageId,
        role: 'agent',
        author: participant(agent),
        text: input.text,
        createdAt: new Date().toISOString(),
      },
    };
    const [created] = await tx.append([event]);
    return (await tx.getMessage((created!.data as { id: string }).id))!;
  });
}

/** Sends the agent's typing state to the customer (ephemeral; only while the agent holds it). */
export async function agentTyping(
  ctx: ServerContext,
  agent: AgentRecord,
  conversationId: string,
  isTyping: boolean,
): Promise<void> {
  await ctx.store.withConversation(conversationId, async (tx) => {
    await heldBy(tx, agent, ['assigned', 'active']);
    tx.emit({ type: 'typing', data: { participant: participant(agent), isTyping } });
  });
}

/** Timeouts of the hub; every field in ms. */
export interface HubTimeouts {
  /** An offer (`assigned`) not accepted in this time goes back to the queue. Default 60000. */
  acceptMs: number;
  /** A handoff waiting longer fails with `timeout` and the offline form. 0 waits forever. Default 1800000. */
  maxQueueWaitMs: number;
  /** An agent whose console was gone this long loses their conversations to the queue. Default 120000. */
  agentGoneMs: number;
}

/**
 * One pass of the hub's timers over every open handoff: expired offers are requeued, handoffs that
 * waited too long fail with `timeout`, and the conversations of agents whose console disappeared go
 * back to the queue. Every change re-checks the handoff inside its conversation's lock, so instances
 * running this at the same time do each change once.
 */
export async function sweepHandoffs(ctx: ServerContext, timeouts: HubTimeouts): Promise<number> {
  const now = Date.now();
  let changed = 0;
  const agents = new Map((await ctx.agents!.listAgents()).map((a) => [a.id, a]));
  for (const item of await ctx.agents!.openWork()) {
    const h = item.handoff;
    const age = now - Date.parse(h.updatedAt);
    const holder = h.agent ? agents.get(h.agent.id) : undefined;
    const gone = holder !== undefined && now - holder.lastSeenMs > timeouts.agentGoneMs;
    let due: 'requeue' | 'fail' | 'gone' | undefined;
    if (h.state === 'assigned' && (age > timeouts.acceptMs || gone)) due = 'requeue';
    else if (h.state === 'active' && gone) due = 'gone';
    else if (
      (h.state === 'queued' || h.state === 'requested') &&
      timeouts.maxQueueWaitMs > 0 &&
      now - item.waitingSinceMs > timeouts.maxQueueWaitMs
    )
      due = 'fail';
    if (!due) continue;
    try {
      const stored = {
        ...(item.skill !== undefined && { skill: item.skill }),
        ...(item.language !== undefined && { language: item.language }),
        priority: item.priority,
      };
      const did = await ctx.store.withConversation(item.conversationId, async (tx) => {
        const current = await tx.currentHandoff();
        if (!current || current.id !== h.id || current.version !== h.version) return false;
        if (due === 'fail') {
          await applyHandoff(tx, current, {
            type: 'fail',
            failureReason: 'timeout',
            fallback: 'offline_form',
            at: new Date().toISOString(),
          });
        } else {
          await requeue(ctx, tx, current, stored);
          if (due === 'gone' && holder) {
            await tx.append([
              {
                type: 'participant.left',
                data: { participant: participant(holder), reason: 'agent_disconnected' },
              },
            ]);
          }
        }
        return true;
      });
      if (did) changed += 1;
    } catch (error) {
      ctx.log(`could not apply a hub timeout to handoff ${h.id}`, error);
    }
  }
  if (changed > 0) void ctx.refreshQueue();
  return changed;
}
