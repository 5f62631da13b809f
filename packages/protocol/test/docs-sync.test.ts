import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { EVENT_TYPES, PROBLEM_STATUS, VALIDATION_RULES } from '@baton-chat/protocol';
import { listScenarios } from '@baton-chat/protocol/conformance';

const spec = await readFile(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

it('docs/protocol.md lists every validator rule, scenario, event type and problem code the package has', () => {
  const missing = [
    ...Object.keys(VALIDATION_RULES).filter((rule) => !spec.includes(`| ${rule} `)),
    ...listScenarios()
      .map((s) => s.id)
      .filter((id) => !spec.includes(`| \`${id}\``)),
    ...EVENT_TYPES.filter((type) => !spec.includes(`\`${type}\``)),
    ...Object.entries(PROBLEM_STATUS)
      .filter(([code]) => !spec.includes(`\`${code}\``))
      .map(([code, status]) => `${code} (${status})`),
  ];
  assert.deepEqual(missing, []);
});
