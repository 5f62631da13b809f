import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { WEBHOOK_TOLERANCE_SECONDS, hmacSha256Hex, signWebhook, verifyWebhook } from '@baton-chat/protocol';

const secret = 'whsec_test_5f2b';
const body =
  '{"id":"d1","type":"handoff.request","conversationId":"c1","createdAt":"2026-11-24T09:30:00.000Z","data":{}}';
const t = 1_795_000_000;

// node:crypto is an independent implementation to compare WebCrypto's output with.
const nodeHmac = (key: string, message: string): string =>
  createHmac('sha256', key).update(message, 'utf8').digest('hex');

describe('hmacSha256Hex', () => {
  it('matches RFC 4231 test case 2', async () => {
    assert.equal(
      await hmacSha256Hex('Jefe', 'what do ya want for nothing?'),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('encodes secret and message as UTF-8 (verified identity user.hash)', async () => {
    assert.equal(await hmacSha256Hex('sëcret☃', 'usér-42'), nodeHmac('sëcret☃', 'usér-42'));
  });

  it('refuses an empty secret', async () => {
    await assert.rejects(hmacSha256Hex('', 'x'), TypeError);
  });
});

describe('signWebhook', () => {
  it('returns t=<seconds>,v1=<hex HMAC of "t.body">', async () => {
    assert.equal(await signWebhook(secret, body, t), `t=${t},v1=${nodeHmac(secret, `${t}.${body}`)}`);
  });

  it('uses the current time by default', async () => {
    const before = Math.floor(Date.now() / 1000);
    const header = await signWebhook(secret, body);
    const match = /^t=(\d+),v1=[0-9a-f]{64}$/.exec(header);
    assert.ok(match, header);
    assert.ok(Number(match[1]) >= before && Number(match[1]) <= before + 2);
  });

  it('rejects a timestamp that is not whole seconds', async () => {
    await assert.rejects(signWebhook(secret, body, 1.5), RangeError);
    await assert.rejects(signWebhook(secret, body, -1), RangeError);
  });
});

describe('verifyWebhook', () => {
  it('accepts a correct signature and returns its timestamp', async () => {
    const header = await signWebhook(secret, body, t);
    assert.deepEqual(await verifyWebhook(secret, body, header, { nowSeconds: t + 10 }), {
      ok: true,
      timestamp: t,
    });
  });

  it('rejects a tampered body', async () => {
    const header = await signWebhook(secret, body, t);
    assert.deepEqual(await verifyWebhook(secret, body.replace('c1', 'c2'), header, { nowSeconds: t }), {
      ok: false,
      reason: 'mismatch',
    });
    assert.deepEqual(await verifyWebhook(secret, `${body} `, header, { nowSeconds: t }), {
      ok: false,
      reason: 'mismatch',
    });
  });

  it('rejects a wrong secret', async () => {
    const header = await signWebhook(secret, body, t);
    assert.deepEqual(await verifyWebhook('whsec_other', body, header, { nowSeconds: t }), {
      ok: false,
      reason: 'mismatch',
    });
    assert.deepEqual(await verifyWebhook('', body, header, { nowSeconds: t }), {
      ok: false,
      reason: 'mismatch',
    });
  });

  it('rejects a timestamp moved without re-signing', async () => {
    const header = (await signWebhook(secret, body, t)).replace(`t=${t}`, `t=${t + 1}`);
    assert.deepEqual(await verifyWebhook(secret, body, header, { nowSeconds: t }), {
      ok: false,
      reason: 'mismatch',
    });
  });

  it('expires signatures outside the tolerance, both ways', async () => {
    assert.equal(WEBHOOK_TOLERANCE_SECONDS, 300);
    const header = await signWebhook(secret, body, t);
    assert.deepEqual(await verifyWebhook(secret, body, header, { nowSeconds: t + 300 }), {
      ok: true,
      timestamp: t,
    });
    assert.deepEqual(await verifyWebhook(secret, body, header, { nowSeconds: t - 300 }), {
      ok: true,
      timestamp: t,
    });
    assert.deepEqual(await verifyWebhook(secret, body, header, { nowSeconds: t + 301 }), {
      ok: false,
      reason: 'expired',
    });
    assert.deepEqual(await verifyWebhook(secret, body, header, { nowSeconds: t - 301 }), {
      ok: false,
      reason: 'expired',
    });
    assert.deepEqual(
      await verifyWebhook(secret, body, header, { nowSeconds: t + 61, toleranceSeconds: 60 }),
      {
        ok: false,
        reason: 'expired',
      },
    );
  });

  it('uses the system clock by default', async () => {
    const fresh = await signWebhook(secret, body);
    assert.equal((await verifyWebhook(secret, body, fresh)).ok, true);
    const old = await signWebhook(secret, body, Math.floor(Date.now() / 1000) - 301);
    assert.deepEqual(await verifyWebhook(secret, body, old), { ok: false, reason: 'expired' });
  });

  it('accepts any of several v1 signatures during secret rotation', async () => {
    const oldSecret = 'whsec_old';
    const newSecret = 'whsec_new';
    const header = `t=${t},v1=${nodeHmac(oldSecret, `${t}.${body}`)},v1=${nodeHmac(newSecret, `${t}.${body}`)}`;
    assert.deepEqual(await verifyWebhook(oldSecret, body, header, { nowSeconds: t }), {
      ok: true,
      timestamp: t,
    });
    assert.deepEqual(await verifyWebhook(newSecret, body, header, { nowSeconds: t }), {
      ok: true,
      timestamp: t,
    });
    assert.deepEqual(await verifyWebhook('whsec_third', body, header, { nowSeconds: t }), {
      ok: false,
      reason: 'mismatch',
    });
  });

  it('tolerates spaces, upper-case hex and unknown schemes', async () => {
    const v1 = nodeHmac(secret, `${t}.${body}`);
    const header = ` t=${t} , v0=abc, v1=${v1.toUpperCase()} `;
    assert.deepEqual(await verifyWebhook(secret, body, header, { nowSeconds: t }), {
      ok: true,
      timestamp: t,
    });
  });

  it('reports malformed headers', async () => {
    const v1 = nodeHmac(secret, `${t}.${body}`);
    const malformed = [
      '',
      'garbage',
      `v1=${v1}`,
      `t=${t}`,
      `t=${t},v1=`,
      `t=${t},v1=${v1.slice(1)}`,
      `t=${t},v1=${v1.slice(0, -1)}g`,
      `t=abc,v1=${v1}`,
      `t=-1,v1=${v1}`,
      `t=1.5,v1=${v1}`,
      `t=,v1=${v1}`,
      `t=${t},t=${t},v1=${v1}`,
      `t=${t};v1=${v1}`,
    ];
    for (const header of malformed) {
      assert.deepEqual(
        await verifyWebhook(secret, body, header, { nowSeconds: t }),
        { ok: false, reason: 'malformed' },
        header,
      );
    }
  });
});
