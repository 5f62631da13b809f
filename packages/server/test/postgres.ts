import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const BIN = process.env.BATON_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A throwaway PostgreSQL server started for a test. */
export interface TestPostgres {
  /** Connection string of a fresh database created for the caller. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export function postgresUnavailable(): string | undefined {
  return existsSync(join(BIN, 'initdb')) && existsSync(join(BIN, 'postgres'))
    ? undefined
    : `PostgreSQL binaries not found in ${BIN} (set BATON_PG_BIN)`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Runs `initdb` into a temporary directory and starts `postgres` on a free port on 127.0.0.1 (trust
 * authentication, fsync off). As root, both run as the `postgres` user, since initdb refuses root.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-pg-'));
  const asRoot = process.getuid?.() === 0;
  const wrap = (cmd: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    await chown(dir, uid, gid);
  }
  const [initCmd, initArgs] = wrap(join(BIN, 'initdb'), [
    '-D',
    dir,
    '-U',
    'baton',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  execFileSync(initCmd, initArgs, { stdio: 'ignore' });
  const port = await freePort();
  const [cmd, args] = wrap(join(BIN, 'postgres'), [
    '-D',
    dir,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'max_connections=200',
  ]);
  const child: ChildProcess = spawn(cmd, args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const admin = `postgres://baton@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const client = new pg.Client({ connectionString: admin });
    try {
      await client.connect();
      await client.end();
      break;
    } catch {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error('PostgreSQL did not start within 20 s');
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    async createDatabase(name: string) {
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      await client.query(`CREATE DATABASE "${name}"`);
      await client.end();
      return `postgres://baton@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      // Signal the postmaster itself (runuser does not pass every signal on). Immediate shutdown: the
      // data is thrown away, so there is nothing to checkpoint.
      const pid = Number(
        (await readFile(join(dir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0],
      );
      if (pid > 0) process.kill(pid, 'SIGQUIT');
      else child.kill('SIGQUIT');
      const timer = setTimeout(() => (pid > 0 ? process.kill(pid, 'SIGKILL') : child.kill('SIGKILL')), 5000);
      while (pid > 0 && alive(pid)) await new Promise((r) => setTimeout(r, 50));
      await exited;
      clearTimeout(timer);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
