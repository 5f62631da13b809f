import type { BatonEvent } from '@baton-chat/protocol';
import type { AgentPresence, AgentStreamEvent } from '@baton-chat/protocol/agent';
import type { ServerContext } from '../context.js';
import { EventStream } from '../http/event-stream.js';
import type { AgentRecord, WorkItem } from './agent-store.js';

export type { AgentPresence };

const ONLINE_MS = 60_000;

/** One SSE frame of the agent event stream: the wire type's `type` is the event name. */
function frame({ type, data }: AgentStreamEvent): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

interface AgentConnection {
  agent: AgentRecord;
  write(text: string): void;
  /** Conversation id -> unsubscribe. */
  subscriptions: Map<string, () => void>;
  end(): void;
}

/** Whether the connection follows a conversation's live events: waiting ones, and the agent's own. */
function follows(agentId: string, item: WorkItem): boolean {
  const { state, agent } = item.handoff;
  return state === 'requested' || state === 'queued' || agent?.id === agentId;
}

/**
 * The live side of the agent API on one instance: every connected console gets the open work and the
 * team's presence whenever they change (polled from the database, so changes made by any instance show
 * within `pollMs`), plus the live events of the conversations it follows.
 */
export class AgentStreams {
  readonly #ctx: ServerContext;
  readonly #pollMs: number;
  readonly #heartbeatMs: number;
  readonly #connections = new Set<AgentConnection>();
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  #work: WorkItem[] = [];
  #workJson = '';
  #agentsJson = '';
  #lastTouch = 0;

  constructor(ctx: ServerContext, options: { pollMs?: number; heartbeatMs: number }) {
    this.#ctx = ctx;
    this.#pollMs = options.pollMs ?? 500;
    this.#heartbeatMs = options.heartbeatMs;
  }

  /** The presence of every agent, computed from the store. */
  async presence(openWork?: readonly WorkItem[]): Promise<AgentPresence[]> {
    const agents = await this.#ctx.agents!.listAgents();
    const work = openWork ?? (await this.#ctx.agents!.openWork());
    const now = Date.now();
    return agents.map((a) => ({
      id: a.id,
      name: a.name,
      role: a.role,
      status: a.status,
      online: now - a.lastSeenMs < ONLINE_MS,
      load: work.filter(
        (w) =>
          w.handoff.agent?.id === a.id && (w.handoff.state === 'assigned' || w.handoff.state === 'active'),
      ).length,
      maxConcurrent: a.maxConcurrent,
      skills: a.skills,
      languages: a.languages,
      ...(a.avatarUrl && { avatarUrl: a.avatarUrl }),
    }));
  }

  /** Opens the event stream of one console. */
  async open(agent: AgentRecord, signal: AbortSignal): Promise<Response> {
    await this.#ctx.agents!.touch(agent.id);
    const work = await this.#ctx.agents!.openWork();
    const agents = await this.presence(work);
    const stream = new EventStream({
      heartbeatMs: this.#heartbeatMs,
      onEnd: () => {
        for (const stop of connection.subscriptions.values()) stop();
        connection.subscriptions.clear();
        this.#connections.delete(connection);
        this.#ctx.streams.delete(connection.end);
        if (this.#connections.size === 0) this.#stop();
      },
    });
    const connection: AgentConnection = {
      agent,
      subscriptions: new Map(),
      write: (text) => stream.write(text),
      end: () => stream.end(),
    };
    signal.addEventListener('abort', connection.end, { once: true });
    this.#connections.add(connection);
    this.#ctx.streams.add(connection.end);
    connection.write('retry: 2000\n\n');
    connection.write(
      frame({ type: 'hello', data: { agent, work, agents, serverTime: new Date().toISOString() } }),
    );
    this.#follow(connection, work);
    this.#start();
    return stream.response;
  }

  /** Checks for changes now instead of at the next tick (after this instance changed something). */
  poke(): void {
    void this.#poll();
  }

  #follow(connection: AgentConnection, work: readonly WorkItem[]): void {
    const wanted = new Set(work.filter((w) => follows(connection.agent.id, w)).map((w) => w.conversationId));
    for (const [id, stop] of connection.subscriptions) {
      if (!wanted.has(id)) {
        stop();
        connection.subscriptions.delete(id);
      }
    }
    for (const id of wanted) {
      if (connection.subscriptions.has(id)) continue;
      const stop = this.#ctx.store.subscribe(id, (event: BatonEvent) =>
        connection.write(frame({ type: 'conversation', data: { conversationId: id, event } })),
      );
      connection.subscriptions.set(id, stop);
    }
  }

  #start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.#poll(), this.#pollMs);
    this.#timer.unref();
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #poll(): Promise<void> {
    if (this.#polling || this.#connections.size === 0) return;
    this.#polling = true;
    try {
      const now = Date.now();
      if (now - this.#lastTouch > 20_000) {
        this.#lastTouch = now;
        const ids = new Set([...this.#connections].map((c) => c.agent.id));
        for (const id of ids) await this.#ctx.agents!.touch(id);
      }
      const work = await this.#ctx.agents!.openWork();
      const workJson = JSON.stringify(work);
      if (workJson !== this.#workJson) {
        this.#workJson = workJson;
        this.#work = work;
        for (const c of this.#connections) {
          this.#follow(c, work);
          c.write(frame({ type: 'work', data: { items: work } }));
        }
      }
      const agents = await this.presence(work);
      const agentsJson = JSON.stringify(agents);
      if (agentsJson !== this.#agentsJson) {
        this.#agentsJson = agentsJson;
        for (const c of this.#connections) c.write(frame({ type: 'agents', data: { agents } }));
      }
    } catch (error) {
      this.#ctx.log('agent streams: could not read the open work', error);
    } finally {
      this.#polling = false;
    }
  }

  /** The open work as of the last poll. */
  get work(): readonly WorkItem[] {
    return this.#work;
  }

  /** Ends every console stream (shutdown). */
  close(): void {
    for (const c of [...this.#connections]) c.end();
    this.#stop();
  }
}
