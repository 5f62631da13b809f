import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { listScenarios, runConformance } from './runner.js';

const USAGE = `Usage: baton-conformance --url <base URL> [options]

Drives a live Baton protocol v1 server through the conformance scenarios, validates every event
stream it opens, and ends with the line "N passed, N failed". Exits 1 when anything failed.

Options:
  --url <url>        base URL of the server, e.g. http://127.0.0.1:8787 (or BATON_URL)
  --timeout <ms>     wait for any one response or event, default 5000
  --only <id>        run only scenarios whose id contains this (repeatable)
  --json <file>      also write the report as JSON to <file>
  --list             list the scenarios and exit
  --help             show this help
`;

/** Runs the CLI with `argv` (without node and script) and returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        url: { type: 'string' },
        timeout: { type: 'string' },
        only: { type: 'string', multiple: true },
        json: { type: 'string' },
        list: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.list) {
    for (const s of listScenarios()) process.stdout.write(`${s.id.padEnd(28)} ${s.title}\n`);
    return 0;
  }
  const url = values.url ?? process.env.BATON_URL;
  if (!url || !/^https?:\/\//.test(url)) {
    process.stderr.write(
      `baton-conformance: --url must be an http(s) URL such as http://127.0.0.1:8787\n\n${USAGE}`,
    );
    return 2;
  }
  const timeoutMs = values.timeout === undefined ? 5000 : Number(values.timeout);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    process.stderr.write('baton-conformance: --timeout must be a positive number of milliseconds\n');
    return 2;
  }

  process.stdout.write(`Baton protocol v1 conformance: ${url}\n`);
  const report = await runConformance({
    url,
    timeoutMs,
    ...(values.only ? { only: values.only } : {}),
    onResult(result) {
      const mark = result.passed ? 'pass' : result.skipped ? 'skip' : 'FAIL';
      process.stdout.write(`  ${mark}  ${result.id} - ${result.title} (${result.durationMs} ms)\n`);
      if (result.error) process.stdout.write(`        ${result.error}\n`);
    },
  });
  if (values.json) await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
  if (report.skipped) process.stdout.write(`${report.skipped} skipped (features not advertised)\n`);
  process.stdout.write(`${report.passed} passed, ${report.failed} failed\n`);
  return report.failed === 0 && report.passed > 0 ? 0 : 1;
}
