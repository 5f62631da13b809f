import type { SqlClient } from './sql-client.js';

/** One schema change. Numbers only grow; a released migration is never edited, only followed. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration of the store, in order. The one place the schema is defined. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'event log, projections, idempotency',
    sql: `
      CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        control TEXT NOT NULL DEFAULT 'bot',
        control_version INTEGER NOT NULL DEFAULT 1,
        last_seq BIGINT NOT NULL DEFAULT 0,
        oldest_seq BIGINT NOT NULL DEFAULT 1,
        handoff_id TEXT,
        user_id TEXT,
        user_verified BOOLEAN NOT NULL DEFAULT FALSE,
        user_profile JSONB,
        locale TEXT,
        session JSONB,
        metadata JSONB,
        created_at TEXT NOT NULL
      );
      CREATE TABLE events (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        seq BIGINT NOT NULL,
        type TEXT NOT NULL,
        ts TEXT NOT NULL,
        data JSONB NOT NULL,
        PRIMARY KEY (conversation_id, seq)
      );
      CREATE TABLE messages (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        role TEXT NOT NULL,
        status TEXT NOT NULL,
        body JSONB NOT NULL,
        PRIMARY KEY (conversation_id, id)
      );
      CREATE INDEX messages_by_seq ON messages (conversation_id, seq);
      CREATE TABLE turns (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        reply_to TEXT,
        status TEXT NOT NULL,
        control_version INTEGER NOT NULL,
        updated_at_ms BIGINT NOT NULL,
        PRIMARY KEY (conversation_id, id)
      );
      CREATE INDEX turns_streaming ON turns (status) WHERE status <> 'finished';
      CREATE TABLE handoffs (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        state TEXT NOT NULL,
        snapshot JSONB NOT NULL,
        skill TEXT,
        language TEXT,
        priority INTEGER NOT NULL DEFAULT 0,
        waiting_since_ms BIGINT NOT NULL,
        PRIMARY KEY (conversation_id, id)
      );
      CREATE INDEX handoffs_waiting ON handoffs (state, waiting_since_ms);
      CREATE TABLE idempotency_keys (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        body_hash TEXT NOT NULL,
        state TEXT NOT NULL,
        status INTEGER,
        response JSONB,
        created_at_ms BIGINT NOT NULL,
        expires_at_ms BIGINT NOT NULL,
        PRIMARY KEY (conversation_id, key)
      );
      CREATE INDEX idempotency_expiry ON idempotency_keys (expires_at_ms);
      CREATE TABLE receipts (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        by_role TEXT NOT NULL,
        kind TEXT NOT NULL,
        up_to_seq BIGINT NOT NULL,
        PRIMARY KEY (conversation_id, by_role, kind)
      );
      CREATE TABLE feedback (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        data JSONB NOT NULL,
        after_close BOOLEAN NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (conversation_id, id)
      );
    `,
  },
  {
    version: 2,
    name: 'agents and agent sessions',
    sql: `
      CREATE TABLE agents (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        skills JSONB NOT NULL,
        languages JSONB NOT NULL,
        max_concurrent INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'offline',
        avatar_url TEXT,
        last_seen_ms BIGINT NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
      );
      CREATE TABLE agent_sessions (
        token_hash TEXT PRIMARY KEY,
        agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        created_at_ms BIGINT NOT NULL,
        expires_at_ms BIGINT NOT NULL
      );
      CREATE INDEX agent_sessions_expiry ON agent_sessions (expires_at_ms);
      CREATE TABLE wrapups (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        handoff_id TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        outcome TEXT NOT NULL,
        summary TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (conversation_id, handoff_id)
      );
      CREATE INDEX handoffs_by_state ON handoffs (state);
      CREATE INDEX conversations_by_user ON conversations (user_id)
    `,
  },
  {
    version: 3,
    name: 'canned replies',
    sql: `
      CREATE TABLE canned_replies (
        id TEXT PRIMARY KEY,
        shortcut TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      )
    `,
  },
  {
    version: 4,
    // Every bot delta inserts an event row, and a foreign key checks each insert against the
    // conversation row, which the writer already holds locked (about half the insert's cost). Rows of
    // these tables are only written for a conversation read under that lock, and conversations are
    // never deleted. ADR 0019.
    name: 'no foreign keys on the event log and the turn projections',
    sql: `
      ALTER TABLE events DROP CONSTRAINT IF EXISTS events_conversation_id_fkey;
      ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_conversation_id_fkey;
      ALTER TABLE turns DROP CONSTRAINT IF EXISTS turns_conversation_id_fkey
    `,
  },
];

/**
 * Brings the schema up to date: creates `schema_migrations`, then applies every newer migration in its
 * own transaction. On PostgreSQL an advisory lock makes concurrent starts of several instances safe.
 */
export async function migrate(client: SqlClient): Promise<number> {
  let applied = 0;
  await client.transaction(async (tx) => {
    // Taken first, so instances starting together migrate one after another (the DDL included).
    if (client.dialect === 'postgres') await tx.query('SELECT pg_advisory_xact_lock(7413001)');
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
    );
    const rows = await tx.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    const current = Number(rows[0]?.v ?? 0);
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        new Date().toISOString(),
      ]);
      applied += 1;
    }
  });
  return applied;
}

// Migrations hold plain DDL without semicolons inside strings or bodies, so splitting is safe.
function splitStatements(sql: string): string[] {
  return sql
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
