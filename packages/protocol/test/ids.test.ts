import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { isUuid, uuidv7 } from '@baton-chat/protocol';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const timestampOf = (id: string): number => Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('uuidv7', () => {
  it('has version 7 and variant 10 bits, in lower-case 8-4-4-4-12 form', () => {
    for (let i = 0; i < 1000; i++) {
      const id = uuidv7();
      assert.match(id, V7);
      const hex = id.replace(/-/g, '');
      assert.equal(Number.parseInt(hex[12]!, 16), 7);
      assert.equal(Number.parseInt(hex[16]!, 16) >> 2, 0b10);
    }
  });

  it('puts the Unix milliseconds in the first 48 bits (RFC 9562 example time)', () => {
    const id = uuidv7(0x017f22e279b0);
    assert.equal(id.slice(0, 13), '017f22e2-79b0');
    assert.equal(timestampOf(id), 1_645_557_742_000);
    assert.equal(uuidv7(0).slice(0, 13), '00000000-0000');
  });

  it('uses the current time by default', () => {
    const before = Date.now();
    const id = uuidv7();
    const after = Date.now();
    assert.ok(timestampOf(id) >= before && timestampOf(id) <= after + 1, id);
  });

  it('sorts by creation time', () => {
    const times = [1_000, 2_000, 1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000];
    const ids = times.map((time) => uuidv7(time));
    assert.deepEqual([...ids].sort(), ids);
    assert.deepEqual(ids.map(timestampOf), times);
  });

  it('is strictly increasing within one millisecond', () => {
    const now = 1_900_000_000_000;
    const ids = Array.from({ length: 5000 }, () => uuidv7(now));
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} < ${ids[i]}`);
    assert.ok(ids.every((id) => timestampOf(id) === now));
  });

  it('stays increasing when the clock steps back a little, and honours a much older time', () => {
    const now = 1_950_000_000_000;
    const first = uuidv7(now);
    const stepBack = uuidv7(now - 5);
    assert.ok(first < stepBack);
    assert.equal(timestampOf(stepBack), now);
    assert.equal(timestampOf(uuidv7(now - 60_000)), now - 60_000);
    const next = uuidv7(now);
    assert.ok(stepBack < next, 'a backfilled id must not reset the ordering of live ids');
  });

  it('is unique', () => {
    const ids = new Set(Array.from({ length: 20_000 }, () => uuidv7()));
    assert.equal(ids.size, 20_000);
  });

  // Last on purpose: the generator remembers the newest timestamp it used, and this one is the largest.
  it('accepts times up to 2^48 - 1 and rejects times that do not fit 48 bits', () => {
    assert.equal(uuidv7(2 ** 48 - 1).slice(0, 13), 'ffffffff-ffff');
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 48]) {
      assert.throws(() => uuidv7(bad), RangeError, String(bad));
    }
  });
});

describe('isUuid', () => {
  it('accepts UUIDs of any version, case-insensitively', () => {
    assert.equal(isUuid(uuidv7()), true);
    assert.equal(isUuid(randomUUID()), true);
    assert.equal(isUuid('00000000-0000-0000-0000-000000000000'), true);
    assert.equal(isUuid('FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF'), true);
    assert.equal(isUuid('017F22E2-79B0-7CC3-98C4-DC0C0C07398F'), true);
  });

  it('rejects everything else', () => {
    const id = '017f22e2-79b0-7cc3-98c4-dc0c0c07398f';
    for (const bad of [
      undefined,
      null,
      42,
      {},
      '',
      id.replace(/-/g, ''),
      `{${id}}`,
      `urn:uuid:${id}`,
      ` ${id}`,
      `${id}\n`,
      `${id}0`,
      id.slice(0, -1),
      id.replace('7', 'g'),
      '017f22e279b0-7cc3-98c4-dc0c-0c07398f',
    ]) {
      assert.equal(isUuid(bad), false, String(bad));
    }
  });
});
