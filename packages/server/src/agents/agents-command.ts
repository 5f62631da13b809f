import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { AgentStore } from './agent-store.js';

/** Usage of `baton-server agents`. */
export const AGENTS_USAGE = [
  'Usage: baton-server agents <add|list|password> [options]',
  '',
  "Manages console accounts in the server's database (the same --data-dir / --database-url as the server).",
  'With the embedded database (PGlite), stop the server first: one process at a time may open it.',
  '',
  '  agents add --email E --name N [--role agent|admin] [--skills a,b] [--languages en,es] [--max 3]',
  '  agents list',
  '  agents password --email E',
  '',
  'The password is read from BATON_AGENT_PASSWORD, else asked for on the terminal (not echoed), else',
  'read from the first line of standard input. At least 10 characters.',
].join('\n');

async function readPassword(env: NodeJS.ProcessEnv): Promise<string> {
  const fromEnv = env['BATON_AGENT_PASSWORD'];
  if (fromEnv) return fromEnv;
  const input = process.stdin;
  if (input.isTTY) {
    process.stdout.write('Password (not shown): ');
    return new Promise((resolve) => {
      let value = '';
      input.setRawMode(true);
      input.resume();
      input.setEncoding('utf8');
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            input.setRawMode(false);
            input.pause();
            input.off('data', onData);
            process.stdout.write('\n');
            resolve(value);
            return;
          }
          if (ch === '\u0003') process.exit(130);
          value = ch === '\u007f' ? value.slice(0, -1) : value + ch;
        }
      };
      input.on('data', onData);
    });
  }
  const lines = createInterface({ input });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}

const list = (value: string | undefined) =>
  value === undefined
    ? undefined
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

/**
 * Runs `baton-server agents ...` against an opened agent store; returns the text to print.
 * @throws Error with a message that says what to fix.
 */
export async function runAgentsCommand(
  argv: readonly string[],
  agents: AgentStore,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      skills: { type: 'string' },
      languages: { type: 'string' },
      max: { type: 'string' },
    },
    strict: true,
  });
  if (command === 'list') {
    const all = await agents.listAgents();
    if (all.length === 0) return 'No agents yet. Add one with: baton-server agents add --email E --name N';
    return all
      .map(
        (a) =>
          `${a.email.padEnd(32)} ${a.name.padEnd(24)} ${a.role.padEnd(6)} max ${a.maxConcurrent}` +
          `${a.skills.length ? `  skills ${a.skills.join(',')}` : ''}` +
          `${a.languages.length ? `  languages ${a.languages.join(',')}` : ''}`,
      )
      .join('\n');
  }
  if (command === 'add') {
    if (!values.email || !values.name)
      throw new Error(`agents add needs --email and --name\n\n${AGENTS_USAGE}`);
    if (values.role !== undefined && values.role !== 'agent' && values.role !== 'admin')
      throw new Error('--role must be agent or admin');
    const max = values.max === undefined ? undefined : Number(values.max);
    const password = await readPassword(env);
    const skills = list(values.skills);
    const languages = list(values.languages);
    const agent = await agents.createAgent({
      email: values.email,
      name: values.name,
      password,
      ...(values.role !== undefined && { role: values.role }),
      ...(skills && { skills }),
      ...(languages && { languages }),
      ...(max !== undefined && { maxConcurrent: max }),
    });
    return `Added ${agent.role} ${agent.name} <${agent.email}> (${agent.id}). They sign in at /console.`;
  }
  if (command === 'password') {
    if (!values.email) throw new Error('agents password needs --email');
    const agent = (await agents.listAgents()).find((a) => a.email === values.email!.trim().toLowerCase());
    if (!agent) throw new Error(`No agent with the e-mail ${values.email}`);
    await agents.setPassword(agent.id, await readPassword(env));
    return `Password of ${agent.email} changed; their open sessions were ended.`;
  }
  throw new Error(AGENTS_USAGE);
}
