/// <reference types="mocha" />
import { expect } from '@esm-bundle/chai';

describe('@baton-chat/core in a web worker', () => {
  it('imports and creates a chat without window or document', async () => {
    const worker = new Worker(new URL('./import-worker.ts', import.meta.url), { type: 'module' });
    const result = await new Promise<unknown>((resolve, reject) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => reject(new Error(event.message || 'worker failed to load'));
    });
    worker.terminate();
    expect(result).to.deep.equal({ ok: true, connection: 'connecting', snapshot: 'number' });
  });
});
