import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runConformance } from '@baton-chat/protocol/conformance';
import { createEchoBot, startServer, type RunningServer } from '@baton-chat/server';

describe('the conformance kit against the reference server on PGlite (memory://)', () => {
  let running: RunningServer;

  before(async () => {
    running = await startServer({
      port: 0,
      dataDir: 'memory://',
      bot: createEchoBot({ wordDelayMs: 15 }),
      rateLimits: { conversationsPerIp: { perMinute: 6000 }, commandsPerConversation: { perMinute: 6000 } },
    });
  });

  after(async () => {
    await running.close();
  });

  it('passes every scenario, none skipped', async (t) => {
    const report = await runConformance({ url: running.url });
    const failures = report.results.filter((r) => !r.passed && !r.skipped).map((r) => `${r.id}: ${r.error}`);
    t.diagnostic(
      `conformance (PGlite): ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`,
    );
    assert.deepEqual(failures, []);
    assert.equal(report.failed, 0);
    assert.equal(report.skipped, 0);
    assert.equal(report.passed, report.results.length);
    assert.ok(report.passed >= 34, `only ${report.passed} scenarios ran`);
  });
});
