// Starts examples/custom-backend on a free port and runs the conformance kit's CLI against it, exactly
// as a backend team would: `npx baton-conformance --url http://127.0.0.1:PORT`.
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const backend = spawn(process.execPath, ['examples/custom-backend/dist/main.js'], {
  env: { ...process.env, PORT: '0', HOST: '127.0.0.1', BATON_WORD_DELAY_MS: '15' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let url;
try {
  url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`the example backend did not start in 15 s; it printed: ${out}`)),
      15_000,
    );
    backend.stdout.setEncoding('utf8');
    backend.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /https?:\/\/[\d.]+:\d+/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
    backend.once('exit', (code) => reject(new Error(`the example backend exited with ${code}: ${out}`)));
  });
  const kit = spawn('npx', ['--no-install', 'baton-conformance', '--url', url], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  kit.stdout.setEncoding('utf8');
  kit.stdout.on('data', (chunk) => {
    output += chunk;
    process.stdout.write(chunk);
  });
  const [code] = await once(kit, 'exit');
  const summary = /^(\d+) passed, (\d+) failed$/m.exec(output);
  if (code !== 0 || !summary || summary[2] !== '0' || Number(summary[1]) < 20) {
    console.error(
      `conformance of examples/custom-backend failed (exit ${code}, summary: ${summary?.[0] ?? 'none'})`,
    );
    process.exitCode = 1;
  }
} finally {
  backend.kill('SIGTERM');
}
