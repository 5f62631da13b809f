import { randomBytes } from 'node:crypto';
import { uuidv7 } from '@baton-chat/protocol';
import type { AgentRef, HandoffSnapshot } from '@baton-chat/protocol';
import type {
  Agent,
  AgentRole,
  AgentStatus,
  CannedReply,
  CannedReplyInput,
  EarlierConversation,
  WorkItem,
} from '@baton-chat/protocol/agent';
import { BatonError } from '../errors.js';
import { hashToken } from '../http/http.js';
import type { SqlClient } from '../store/sql-client.js';
import { MIN_PASSWORD_LENGTH, decoyHash, hashPassword, verifyPassword } from './passwords.js';

/** An agent account as the console and the hub see it (never the password hash). */
export type AgentRecord = Agent;
export type { AgentRole, AgentStatus, CannedReply, CannedReplyInput, EarlierConversation, WorkItem };

/** What creating an agent needs. */
export interface NewAgent {
  email: string;
  name: string;
  password: string;
  role?: AgentRole;
  skills?: readonly string[];
  languages?: readonly string[];
  maxConcurrent?: number;
  avatarUrl?: string;
}

/**
 * Agent accounts, console sessions and the hub's read models, on the same SQL database as the store.
 */
export interface AgentStore {
  createAgent(input: NewAgent): Promise<AgentRecord>;
  getAgent(id: string): Promise<AgentRecord | null>;
  listAgents(): Promise<AgentRecord[]>;
  /** The agent when the e-mail and password match, else null (constant work for unknown e-mails). */
  authenticate(email: string, password: string): Promise<AgentRecord | null>;
  setPassword(id: string, password: string): Promise<void>;
  /** Starts a console session; returns the cookie value (only its hash is stored). */
  createSession(agentId: string, ttlMs: number): Promise<string>;
  /** The agent behind a session cookie, or null when unknown or expired. */
  sessionAgent(token: string): Promise<AgentRecord | null>;
  deleteSession(token: string): Promise<void>;
  setStatus(id: string, status: AgentStatus): Promise<AgentRecord>;
  /** Records that a console of the agent is connected now. */
  touch(id: string): Promise<void>;
  /** Handoffs assigned to or active with the agent. */
  assignedTo(agentId: string): Promise<WorkItem[]>;
  /** Every handoff in `requested`, `queued`, `assigned` or `active`, in queue order. */
  openWork(): Promise<WorkItem[]>;
  /** Earlier conversations of a customer, newest first, at most 20. */
  earlierConversations(userId: string, exceptId: string): Promise<EarlierConversation[]>;
  /** The queue routing of a handoff (skill, language, priority). */
  routing(
    conversationId: string,
    handoffId: string,
  ): Promise<{ skill?: string; language?: string; priority: number } | null>;
  /** Stores the wrap-up an agent wrote when ending a handoff (replaces an earlier one). */
  saveWrapup(input: {
    conversationId: string;
    handoffId: string;
    agentId: string;
    outcome: string;
    summary: string;
  }): Promise<void>;
  /** Every canned reply of the team, by shortcut. */
  listCannedReplies(): Promise<CannedReply[]>;
  /** Adds a canned reply; throws `validation-failed` when a field is wrong or the shortcut is taken. */
  createCannedReply(input: CannedReplyInput): Promise<CannedReply>;
  /** Replaces a canned reply's fields; throws `not-found` for an unknown id. */
  updateCannedReply(id: string, input: CannedReplyInput): Promise<CannedReply>;
  /** Deletes a canned reply; throws `not-found` for an unknown id. */
  deleteCannedReply(id: string): Promise<void>;
}

type Row = Record<string, unknown>;

function toAgent(row: Row): AgentRecord {
  return {
    id: row.id as string,
    email: row.email as string,
    name: row.name as string,
    role: row.role as AgentRole,
    skills: row.skills as string[],
    languages: row.languages as string[],
    maxConcurrent: Number(row.max_concurrent),
    status: row.status as AgentStatus,
    ...(row.avatar_url != null && { avatarUrl: row.avatar_url as string }),
    lastSeenMs: Number(row.last_seen_ms),
    createdAt: row.created_at as string,
  };
}

/** The public view of an agent in handoff snapshots and events. */
export function agentRef(agent: AgentRecord): AgentRef {
  return { id: agent.id, name: agent.name, ...(agent.avatarUrl && { avatarUrl: agent.avatarUrl }) };
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}$/;
const TAG = /^[a-z0-9][a-z0-9_.-]{0,63}$/i;

/** Checks a new agent's fields; throws `validation-failed` with what to fix. */
export function checkNewAgent(input: NewAgent): void {
  const bad = (detail: string) => new BatonError('validation-failed', detail);
  if (typeof input.email !== 'string' || !EMAIL.test(input.email))
    throw bad('email must look like name@example.com.');
  if (typeof input.name !== 'string' || input.name.trim() === '' || input.name.length > 80)
    throw bad('name must be 1 to 80 characters.');
  if (typeof input.password !== 'string' || [...input.password].length < MIN_PASSWORD_LENGTH)
    throw bad(`password must be at least ${MIN_PASSWORD_LENGTH} characters.`);
  if (input.password.length > 1024) throw bad('password must be at most 1024 characters.');
  if (input.role !== undefined && input.role !== 'agent' && input.role !== 'admin')
    throw bad('role must be agent or admin.');
  for (const [field, list] of [
    ['skills', input.skills],
    ['languages', input.languages],
  ] as const) {
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length > 20 || !list.every((s) => typeof s === 'string' && TAG.test(s)))
      throw bad(`${field} must be a list of at most 20 short tags (letters, digits, _ . -).`);
  }
  if (
    input.maxConcurrent !== undefined &&
    !(Number.isSafeInteger(input.maxConcurrent) && input.maxConcurrent >= 1 && input.maxConcurrent <= 50)
  )
    throw bad('maxConcurrent must be an integer from 1 to 50.');
  if (input.avatarUrl !== undefined && !/^https?:\/\/\S{1,2000}$/.test(input.avatarUrl))
    throw bad('avatarUrl must be an http(s) URL.');
}

/** Longest canned reply title, in UTF-16 code units. */
export const CANNED_TITLE_MAX = 80;
/** Longest canned reply body, in UTF-16 code units (the default message limit). */
export const CANNED_BODY_MAX = 4_000;
const SHORTCUT = /^\/[a-z0-9][a-z0-9_-]{0,31}$/;

/**
 * Checks and normalizes the fields of a canned reply from a request body: the shortcut is trimmed and
 * lower-cased and gets its leading `/`; title and body are trimmed. Throws `validation-failed`.
 */
export function checkCannedReply(input: Record<string, unknown>): CannedReplyInput {
  const bad = (detail: string) => new BatonError('validation-failed', detail);
  const { shortcut, title, body } = input;
  if (typeof shortcut !== 'string') throw bad('shortcut must be a string such as "/refund".');
  const short = shortcut.trim().toLowerCase();
  const normalized = short.startsWith('/') ? short : `/${short}`;
  if (!SHORTCUT.test(normalized))
    throw bad('shortcut must be "/" and 1 to 32 letters, digits, "-" or "_", such as "/refund".');
  if (typeof title !== 'string' || title.trim() === '' || title.length > CANNED_TITLE_MAX)
    throw bad(`title must be 1 to ${CANNED_TITLE_MAX} characters.`);
  if (typeof body !== 'string' || body.trim() === '' || body.length > CANNED_BODY_MAX)
    throw bad(`body must be 1 to ${CANNED_BODY_MAX.toLocaleString('en')} characters.`);
  return { shortcut: normalized, title: title.trim(), body: body.trim() };
}

function toCannedReply(row: Row): CannedReply {
  return {
    id: row.id as string,
    shortcut: row.shortcut as string,
    title: row.title as string,
    body: row.body as string,
    createdAt: row.created_at as string,
    updatedAt: row.updated_at as string,
  };
}

/** Creates the agent store over the SQL client the conversation store uses (migrated by it). */
export function createSqlAgentStore(client: SqlClient): AgentStore {
  const one = async (sql: string, params: readonly unknown[]) => {
    const [row] = await client.query<Row>(sql, params);
    return row ? toAgent(row) : null;
  };

  function toWork(row: Row): WorkItem {
    const profile = (row.user_profile ?? {}) as { name?: string };
    return {
      conversationId: row.conversation_id as string,
      handoff: row.snapshot as HandoffSnapshot,
      ...(row.skill != null && { skill: row.skill as string }),
      ...(row.language != null && { language: row.language as string }),
      priority: Number(row.priority),
      waitingSinceMs: Number(row.waiting_since_ms),
      customer: {
        id: (row.user_id as string | null) ?? null,
        ...(profile.name !== undefined && { name: profile.name }),
        verified: Boolean(row.user_verified),
      },
      preview: ((row.preview as string | null) ?? '').slice(0, 200),
      ...(row.locale != null && { locale: row.locale as string }),
    };
  }

  // The newest handoff of each conversation only: an older, finished one is history.
  const WORK_SELECT = `
    SELECT h.conversation_id, h.snapshot, h.skill, h.language, h.priority, h.waiting_since_ms,
           c.user_id, c.user_profile, c.user_verified, c.locale,
           (SELECT m.body->>'text' FROM messages m
             WHERE m.conversation_id = h.conversation_id AND m.role = 'user'
             ORDER BY m.seq DESC LIMIT 1) AS preview
      FROM handoffs h JOIN conversations c ON c.id = h.conversation_id AND c.handoff_id = h.id`;

  // The unique index decides, so two admins saving the same shortcut at once cannot both win.
  async function uniqueShortcut<T>(shortcut: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if ((error as { code?: unknown }).code === '23505')
        throw new BatonError('validation-failed', `Another canned reply uses the shortcut ${shortcut}.`);
      throw error;
    }
  }

  return {
    async createAgent(input) {
      checkNewAgent(input);
      const email = input.email.trim().toLowerCase();
      const existing = await client.query('SELECT 1 FROM agents WHERE email = $1', [email]);
      if (existing.length > 0)
        throw new BatonError('validation-failed', `An agent with the e-mail ${email} exists already.`);
      const id = `agt_${uuidv7().replaceAll('-', '')}`;
      await client.query(
        `INSERT INTO agents (id, email, name, role, password_hash, skills, languages, max_concurrent, avatar_url, created_at)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10)`,
        [
          id,
          email,
          input.name.trim(),
          input.role ?? 'agent',
          await hashPassword(input.password),
          JSON.stringify(input.skills ?? []),
          JSON.stringify((input.languages ?? []).map((l) => l.toLowerCase())),
          input.maxConcurrent ?? 3,
          input.avatarUrl ?? null,
          new Date().toISOString(),
        ],
      );
      return (await one('SELECT * FROM agents WHERE id = $1', [id]))!;
    },

    getAgent: (id) => one('SELECT * FROM agents WHERE id = $1', [id]),

    async listAgents() {
      const rows = await client.query<Row>('SELECT * FROM agents ORDER BY name, id');
      return rows.map(toAgent);
    },

    async authenticate(email, password) {
      const [row] = await client.query<Row>('SELECT * FROM agents WHERE email = $1', [
        email.trim().toLowerCase(),
      ]);
      if (!row) {
        await verifyPassword(password, await decoyHash());
        return null;
      }
      return (await verifyPassword(password, row.password_hash as string)) ? toAgent(row) : null;
    },

    async setPassword(id, password) {
      if ([...password].length < MIN_PASSWORD_LENGTH)
        throw new BatonError(
          'validation-failed',
          `password must be at least ${MIN_PASSWORD_LENGTH} characters.`,
        );
      await client.query('UPDATE agents SET password_hash = $2 WHERE id = $1', [
        id,
        await hashPassword(password),
      ]);
      // A new password ends every session of the old one.
      await client.query('DELETE FROM agent_sessions WHERE agent_id = $1', [id]);
    },

    async createSession(agentId, ttlMs) {
      const token = randomBytes(32).toString('base64url');
      const now = Date.now();
      await client.query('DELETE FROM agent_sessions WHERE expires_at_ms < $1', [now]);
      await client.query(
        'INSERT INTO agent_sessions (token_hash, agent_id, created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4)',
        [hashToken(token), agentId, now, now + ttlMs],
      );
      return token;
    },

    sessionAgent: (token) =>
      one(
        `SELECT a.* FROM agent_sessions s JOIN agents a ON a.id = s.agent_id
          WHERE s.token_hash = $1 AND s.expires_at_ms > $2`,
        [hashToken(token), Date.now()],
      ),

    async deleteSession(token) {
      await client.query('DELETE FROM agent_sessions WHERE token_hash = $1', [hashToken(token)]);
    },

    async setStatus(id, status) {
      const agent = await one('UPDATE agents SET status = $2, last_seen_ms = $3 WHERE id = $1 RETURNING *', [
        id,
        status,
        Date.now(),
      ]);
      if (!agent) throw new BatonError('not-found', `No agent ${id}.`);
      return agent;
    },

    async touch(id) {
      await client.query('UPDATE agents SET last_seen_ms = $2 WHERE id = $1', [id, Date.now()]);
    },

    async assignedTo(agentId) {
      const rows = await client.query<Row>(
        `${WORK_SELECT} WHERE h.state IN ('assigned', 'active') AND h.snapshot->'agent'->>'id' = $1
          ORDER BY h.waiting_since_ms`,
        [agentId],
      );
      return rows.map(toWork);
    },

    async openWork() {
      const rows = await client.query<Row>(
        `${WORK_SELECT} WHERE h.state IN ('requested', 'queued', 'assigned', 'active')
          ORDER BY h.priority DESC, h.waiting_since_ms ASC, h.id ASC`,
      );
      return rows.map(toWork);
    },

    async earlierConversations(userId, exceptId) {
      const rows = await client.query<Row>(
        `SELECT c.id, c.created_at, c.status,
                (SELECT m.body->>'text' FROM messages m WHERE m.conversation_id = c.id AND m.role = 'user'
                  ORDER BY m.seq LIMIT 1) AS first_message,
                (SELECT h.snapshot->>'outcome' FROM handoffs h WHERE h.conversation_id = c.id AND h.id = c.handoff_id)
                  AS outcome
           FROM conversations c WHERE c.user_id = $1 AND c.id <> $2
          ORDER BY c.created_at DESC LIMIT 20`,
        [userId, exceptId],
      );
      return rows.map((r) => ({
        id: r.id as string,
        createdAt: r.created_at as string,
        status: r.status as 'open' | 'closed',
        firstMessage: ((r.first_message as string | null) ?? '').slice(0, 200),
        ...(r.outcome != null && { handoffOutcome: r.outcome as string }),
      }));
    },

    async routing(conversationId, handoffId) {
      const [row] = await client.query<Row>(
        'SELECT skill, language, priority FROM handoffs WHERE conversation_id = $1 AND id = $2',
        [conversationId, handoffId],
      );
      if (!row) return null;
      return {
        ...(row.skill != null && { skill: row.skill as string }),
        ...(row.language != null && { language: row.language as string }),
        priority: Number(row.priority),
      };
    },

    async listCannedReplies() {
      const rows = await client.query<Row>('SELECT * FROM canned_replies ORDER BY shortcut');
      return rows.map(toCannedReply);
    },

    async createCannedReply(input) {
      const reply = checkCannedReply({ ...input });
      const now = new Date().toISOString();
      const id = `cr_${uuidv7().replaceAll('-', '')}`;
      const [row] = await uniqueShortcut(reply.shortcut, () =>
        client.query<Row>(
          `INSERT INTO canned_replies (id, shortcut, title, body, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $5) RETURNING *`,
          [id, reply.shortcut, reply.title, reply.body, now],
        ),
      );
      return toCannedReply(row!);
    },

    async updateCannedReply(id, input) {
      const reply = checkCannedReply({ ...input });
      const [row] = await uniqueShortcut(reply.shortcut, () =>
        client.query<Row>(
          `UPDATE canned_replies SET shortcut = $2, title = $3, body = $4, updated_at = $5
            WHERE id = $1 RETURNING *`,
          [id, reply.shortcut, reply.title, reply.body, new Date().toISOString()],
        ),
      );
      if (!row) throw new BatonError('not-found', `No canned reply ${id}.`);
      return toCannedReply(row);
    },

    async deleteCannedReply(id) {
      const rows = await client.query('DELETE FROM canned_replies WHERE id = $1 RETURNING id', [id]);
      if (rows.length === 0) throw new BatonError('not-found', `No canned reply ${id}.`);
    },

    async saveWrapup(input) {
      await client.query(
        `INSERT INTO wrapups (conversation_id, handoff_id, agent_id, outcome, summary, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (conversation_id, handoff_id)
         DO UPDATE SET agent_id = $3, outcome = $4, summary = $5, created_at = $6`,
        [
          input.conversationId,
          input.handoffId,
          input.agentId,
          input.outcome,
          input.summary,
          new Date().toISOString(),
        ],
      );
    },
  };
}
