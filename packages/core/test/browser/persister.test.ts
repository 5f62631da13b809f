/// <reference types="mocha" />
import { expect } from '@esm-bundle/chai';
import { createIdbPersister } from '@baton-chat/core';
import type { StoredConversation } from '@baton-chat/core';

const record = (cursor: number): StoredConversation => ({
  conversationId: 'c1',
  token: 't1',
  snapshot: {
    status: 'open',
    messages: [],
    handoff: null,
    control: 'bot',
    controlVersion: 1,
    cursor,
    readUpToSeq: 0,
    features: [],
  },
});

describe('createIdbPersister (IndexedDB in Chromium)', () => {
  const databaseName = `baton-test-${Math.random().toString(36).slice(2)}`;

  it('stores in its own database and survives a new persister instance', async () => {
    const first = createIdbPersister({ databaseName });
    expect(first.status).to.equal('persistent');
    await first.saveConversation('k', record(7));
    await first.updateOutbox('k', (entries) => [
      ...entries,
      { clientMessageId: '0193a6f0-7c1e-7000-8000-000000000001', text: 'hi', createdAt: 1 },
    ]);

    const second = createIdbPersister({ databaseName });
    expect((await second.loadConversation('k'))?.snapshot.cursor).to.equal(7);
    expect((await second.loadOutbox('k')).map((e) => e.text)).to.deep.equal(['hi']);
    const names = (await indexedDB.databases()).map((d) => d.name);
    expect(names).to.include(databaseName);
    expect(names).not.to.include('keyval-store');

    await second.clear('k');
    expect(await createIdbPersister({ databaseName }).loadConversation('k')).to.equal(undefined);
  });

  it('updateOutbox from two persisters (as two tabs would) at once: 200 of 200 entries kept', async () => {
    const name = `${databaseName}-race`;
    const tabA = createIdbPersister({ databaseName: name });
    const tabB = createIdbPersister({ databaseName: name });
    const entry = (i: number) => ({
      clientMessageId: `0193a6f0-7c1e-7000-8000-${String(i).padStart(12, '0')}`,
      text: `m${i}`,
      createdAt: i,
    });
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        (i % 2 ? tabA : tabB).updateOutbox('k', (entries) => [...entries, entry(i)]),
      ),
    );
    const stored = await createIdbPersister({ databaseName: name }).loadOutbox('k');
    expect(stored.length).to.equal(200);
    expect(new Set(stored.map((e) => e.clientMessageId)).size).to.equal(200);
    // Each tab sees the other's writes on its next load, not a stale copy of its own.
    expect((await tabA.loadOutbox('k')).length).to.equal(200);
    await Promise.all(
      stored.map((e, i) =>
        (i % 2 ? tabB : tabA).updateOutbox('k', (entries) =>
          entries.filter((x) => x.clientMessageId !== e.clientMessageId),
        ),
      ),
    );
    expect(await tabB.loadOutbox('k')).to.deep.equal([]);
  });

  it('degrades to memory when IndexedDB fails, keeping what the session wrote', async () => {
    // A database that exists without our object store: every transaction fails with NotFoundError.
    const name = `${databaseName}-broken`;
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open(name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore('something-else');
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
      request.onerror = () => reject(request.error);
    });
    const errors: unknown[] = [];
    const persister = createIdbPersister({ databaseName: name, onDegrade: (e) => errors.push(e) });
    await persister.saveConversation('k', record(3));
    expect(persister.status).to.equal('degraded');
    expect(errors.length).to.equal(1);
    expect((await persister.loadConversation('k'))?.snapshot.cursor).to.equal(3);
  });
});
