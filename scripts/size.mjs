// Prints the gzip size of every browser bundle and fails when one is over its budget.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { BROWSER_BUNDLES } from './packages.mjs';

const rows = [];
for (const bundle of BROWSER_BUNDLES) {
  const code = await readFile(bundle.output).catch(() => {
    throw new Error(`${bundle.output} is missing: run \`npm run build\` first`);
  });
  const gzip = gzipSync(code, { level: 9 }).length;
  rows.push({
    name: bundle.name,
    raw: code.length,
    gzip,
    budget: bundle.budgetGzipBytes,
    ok: gzip <= bundle.budgetGzipBytes,
  });
}
for (const r of rows) {
  console.log(
    `${r.ok ? 'ok  ' : 'OVER'} ${r.name.padEnd(24)} ${r.raw} B raw, ${r.gzip} B gzip (budget ${r.budget} B gzip)`,
  );
}
await mkdir('bench-results', { recursive: true });
await writeFile('bench-results/size.json', `${JSON.stringify(rows, null, 2)}\n`);
if (rows.some((r) => !r.ok)) {
  console.error(
    'A bundle is over its size budget: shrink it, or raise the budget in scripts/packages.mjs with a reason.',
  );
  process.exitCode = 1;
}
