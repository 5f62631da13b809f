// The insights page's pure helpers: heat levels, the busiest hour, durations, shares, days, and the
// slug the KB editor reads from a new article's front matter.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  busiestHour,
  createAgentApi,
  formatSeconds,
  heatLevel,
  articleTemplate,
  percent,
  slugFromTitle,
  slugInMarkdown,
  utcDay,
} from '@baton-chat/console';

describe('insights helpers', () => {
  it('gives 0 only to empty cells and 4 to the busiest', () => {
    assert.deepEqual(
      [0, 1, 2, 5, 6, 10].map((n) => heatLevel(n, 10)),
      [0, 1, 1, 2, 3, 4],
    );
    assert.equal(heatLevel(0, 0), 0);
  });

  it('finds the busiest weekday and hour, or none', () => {
    const grid = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => 0));
    assert.equal(busiestHour(grid), undefined);
    grid[1]![14] = 3;
    grid[4]![9] = 5;
    assert.deepEqual(busiestHour(grid), { day: 4, hour: 9, count: 5 });
  });

  it('formats durations, shares and UTC days', () => {
    assert.equal(formatSeconds(null), '–');
    assert.equal(formatSeconds(42.4), '42\u00a0s');
    assert.equal(formatSeconds(190), '3\u00a0min');
    assert.equal(percent(1, 3), '33\u00a0%');
    assert.equal(percent(0, 0), '0\u00a0%');
    assert.equal(utcDay(Date.UTC(2026, 10, 24, 23, 59)), '2026-11-24');
    assert.equal(utcDay(Date.UTC(2026, 10, 24), -6), '2026-11-18');
  });

  it('reads the slug of a new article from its front matter', () => {
    assert.equal(slugInMarkdown('---\ntitle: A\nslug: telescope-rental\n---\nText'), 'telescope-rental');
    assert.equal(slugInMarkdown('---\ntitle: A\nslug: "returns/how"\n---\n'), 'returns/how');
    assert.equal(slugInMarkdown('---\ntitle: A\n---\nslug: not-front-matter'), '');
    assert.equal(slugInMarkdown('no front matter'), '');
  });

  it('drafts a new article from a question, with a slug the server accepts', () => {
    assert.equal(slugFromTitle('Do you sell gift cards for llamas?'), 'do-you-sell-gift-cards-for-llamas');
    assert.equal(slugFromTitle('Café — opening hours!'), 'cafe-opening-hours');
    assert.equal(slugFromTitle('?!'), '');
    const draft = articleTemplate('Can I rent a telescope?');
    assert.match(draft, /^---\ntitle: Can I rent a telescope\?\nslug: can-i-rent-a-telescope\n/);
    assert.equal(slugInMarkdown(draft), 'can-i-rent-a-telescope');
  });

  it('asks the server for insights and articles with the right paths', async () => {
    const calls: string[] = [];
    const api = createAgentApi({
      baseUrl: 'https://console.example',
      fetch: async (input, init) => {
        calls.push(`${init?.method ?? 'GET'} ${String(input)} ${String(init?.body ?? '')}`);
        return new Response(JSON.stringify({ article: { slug: 'a/b' } }), {
          headers: { 'content-type': 'application/json' },
        });
      },
    });
    await api.insights({ from: '2026-11-01', to: '2026-11-07' });
    await api.insights({});
    await api.saveKbArticle('returns/how', '---\n', 'v1');
    await api.reindexKb();
    assert.deepEqual(calls, [
      'GET https://console.example/v1/agent/insights?from=2026-11-01&to=2026-11-07 ',
      'GET https://console.example/v1/agent/insights ',
      'POST https://console.example/v1/agent/kb/articles/returns/how {"markdown":"---\\n","version":"v1"}',
      'POST https://console.example/v1/agent/kb/reindex {}',
    ]);
    assert.equal(
      api.exportUrl({ from: '2026-11-01', to: '2026-11-07' }),
      'https://console.example/v1/agent/export.jsonl?from=2026-11-01&to=2026-11-07',
    );
  });
});
