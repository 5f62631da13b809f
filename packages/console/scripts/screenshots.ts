// Takes desktop screenshots of the console's views (light and dark) for review:
//   npm run build && node --import tsx packages/console/scripts/screenshots.ts [out-dir]
// Default out-dir: /tmp/baton-shots. Starts a throwaway server (in-memory database) with demo data.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { uuidv7 } from '@baton-chat/protocol';
import { createEchoBot, startServer } from '@baton-chat/server';
import { launchChromium, postJson } from '../test/e2e-helpers.js';

const out = process.argv[2] ?? '/tmp/baton-shots';
const appDir = fileURLToPath(new URL('../dist/app/', import.meta.url));
const password = 'correct horse battery';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const server = await startServer({
  port: 0,
  dataDir: 'memory://',
  bot: createEchoBot({ wordDelayMs: 1 }),
  rateLimits: { conversationsPerIp: { perMinute: 0 }, commandsPerConversation: { perMinute: 0 } },
  queueUpdateIntervalMs: 0,
  agentApi: { pollMs: 100 },
  site: { static: { '/console': appDir } },
  knowledgeBase: {
    search: () => ({
      hits: [
        {
          title: 'Refunds',
          url: '/help/refunds',
          snippet: 'Duplicate charges are refunded within 5 working days.',
        },
        {
          title: 'Delivery times',
          url: '/help/delivery',
          snippet: 'Standard parcels arrive within 3 working days.',
        },
      ],
    }),
  },
  log: () => undefined,
});
const agents = server.server.agents!;
await agents.createAgent({
  email: 'ana@example.com',
  name: 'Ana Costa',
  password,
  role: 'admin',
  skills: ['billing'],
});
await agents.createAgent({ email: 'ben@example.com', name: 'Ben Okafor', password, skills: ['returns'] });

const post = (path: string, body: unknown, token?: string, key?: string) =>
  postJson(server.url, path, body, token, key);

async function customer(name: string, id: string, messages: string[], handoff?: string) {
  const c = await post('/v1/conversations', {
    user: { id, name, email: `${id}@example.org`, attributes: { plan: 'pro', orders: 12 } },
    locale: 'en',
    session: {
      pageUrl: 'https://shop.example.com/orders/8812',
      pageTitle: 'Order 8812',
      timezone: 'Europe/Madrid',
    },
  });
  for (const text of messages) {
    const key = uuidv7();
    await post(
      `/v1/conversations/${c.conversationId}/messages`,
      { clientMessageId: key, text },
      c.token,
      key,
    );
    await sleep(150);
  }
  if (handoff !== undefined)
    await post(`/v1/conversations/${c.conversationId}/handoff`, { note: handoff }, c.token);
  return { id: c.conversationId as string, token: c.token as string };
}

const lena = await customer(
  'Lena Ortiz',
  'user-42',
  [
    'Where is my parcel?',
    'I was charged twice for order 8812 and nobody answers my emails. This is really frustrating.',
  ],
  'I was charged twice',
);
await customer('Max Brand', 'user-77', ['This is absolutely terrible. I am furious, worst service ever!']);
await customer('Sofia Marin', 'user-91', ['How do I change my delivery address?'], '');

await mkdir(out, { recursive: true });
const browser = await launchChromium();

async function shots(scheme: 'light' | 'dark') {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: scheme });
  const page: Page = await context.newPage();
  await page.goto(`${server.url}/console/`);
  await page.getByLabel('E-mail').waitFor();
  await page.screenshot({ path: `${out}/console-signin-${scheme}.png` });
  await page.getByLabel('E-mail').fill('ana@example.com');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('ul[aria-label="Waiting conversations"] > li').nth(2).waitFor();
  await page.screenshot({ path: `${out}/console-queue-${scheme}.png` });
  return page;
}

await shots('light').then((p) => p.context().close());
const page = await shots('dark');
await page.locator(`li[data-conversation-id="${lena.id}"]`).getByRole('button', { name: /Claim/ }).click();
const composer = page.getByLabel('Reply to Lena Ortiz');
await composer.waitFor();
await composer.fill('Hi Lena, I am Ana. I can see the double charge on order 8812.');
await composer.press('Enter');
const key = uuidv7();
await post(
  `/v1/conversations/${lena.id}/messages`,
  { clientMessageId: key, text: 'Thank you! Can you refund it?' },
  lena.token,
  key,
);
await post(`/v1/conversations/${lena.id}/typing`, { isTyping: true }, lena.token);
await page.getByLabel('Search the knowledge base').fill('refund');
await page.getByRole('button', { name: 'Search', exact: true }).click();
await page.getByRole('button', { name: 'Insert Refunds into the reply' }).waitFor();
await page.getByText('is typing').waitFor();
await page.screenshot({ path: `${out}/console-conversation-dark.png` });
await page.emulateMedia({ colorScheme: 'light' });
await page.screenshot({ path: `${out}/console-conversation-light.png` });
await page.setViewportSize({ width: 1440, height: 1700 });
await page.screenshot({ path: `${out}/console-conversation-tall.png` });
await browser.close();
await server.close();
process.stdout.write(`screenshots in ${out}\n`);
