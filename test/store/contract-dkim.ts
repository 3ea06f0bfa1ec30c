/**
 * The storage contract for DKIM keys (part of `storeContract`, so it runs on every backend).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoftError } from '../../src/core/errors.ts';
import type { DkimKeyInput, Store } from '../../src/store/store.ts';

function key(selector: string, algorithm: DkimKeyInput['algorithm'] = 'rsa-sha256'): DkimKeyInput {
  return {
    selector,
    algorithm,
    privateKey: `-----BEGIN PRIVATE KEY-----\n${selector}\n-----END PRIVATE KEY-----\n`,
    publicKey: Buffer.from(selector).toString('base64'),
  };
}

function code(expected: string) {
  return (err: unknown) => isLoftError(err) && err.code === expected;
}

/** Registers the DKIM key tests; `store` returns the suite's store. */
export function dkimKeysContract(store: () => Store): void {
  test('DKIM keys: added per domain, listed newest first, rotation retires the active ones', async () => {
    const s = store();
    await s.addDomain('dkim.test');
    await s.addDomain('other-dkim.test');
    assert.deepEqual(await s.listDkimKeys('dkim.test'), []);
    const first = await s.addDkimKeys(
      'dkim.test',
      [key('loft-rsa-202601'), key('loft-ed-202601', 'ed25519-sha256')],
      {
        now: 1000,
      },
    );
    assert.deepEqual(
      first.map((k) => [k.selector, k.algorithm, k.createdAt, k.retiredAt]),
      [
        ['loft-rsa-202601', 'rsa-sha256', 1000, undefined],
        ['loft-ed-202601', 'ed25519-sha256', 1000, undefined],
      ],
    );
    await s.addDkimKeys('other-dkim.test', [key('loft-rsa-202601')], { now: 1000 });
    await s.addDkimKeys('dkim.test', [key('loft-rsa-202602'), key('loft-ed-202602', 'ed25519-sha256')], {
      retireActive: true,
      now: 2000,
    });
    const listed = await s.listDkimKeys('dkim.test');
    assert.deepEqual(
      listed.map((k) => [k.selector, k.retiredAt]),
      [
        ['loft-ed-202602', undefined],
        ['loft-rsa-202602', undefined],
        ['loft-ed-202601', 2000],
        ['loft-rsa-202601', 2000],
      ],
    );
    const rsa = listed.find((k) => k.selector === 'loft-rsa-202602')!;
    assert.equal(rsa.privateKey, key('loft-rsa-202602').privateKey);
    assert.equal(rsa.publicKey, key('loft-rsa-202602').publicKey);
    assert.equal(rsa.domainId, (await s.getDomain('dkim.test'))!.id);
    // The other domain's key is untouched by the rotation.
    assert.deepEqual(
      (await s.listDkimKeys('other-dkim.test')).map((k) => k.retiredAt),
      [undefined],
    );
  });

  test('DKIM keys: a selector is unique per domain, an unknown domain is NOTFOUND, keys go with their domain', async () => {
    const s = store();
    await s.addDomain('dkim2.test');
    await s.addDkimKeys('dkim2.test', [key('sel')]);
    await assert.rejects(s.addDkimKeys('dkim2.test', [key('sel')]), code('EXISTS'));
    // A failed rotation changes nothing: the active key stays active.
    await assert.rejects(s.addDkimKeys('dkim2.test', [key('sel')], { retireActive: true }), code('EXISTS'));
    assert.deepEqual(
      (await s.listDkimKeys('dkim2.test')).map((k) => [k.selector, k.retiredAt]),
      [['sel', undefined]],
    );
    await assert.rejects(s.addDkimKeys('missing.test', [key('x')]), code('NOTFOUND'));
    assert.deepEqual(await s.listDkimKeys('missing.test'), []);
    await s.removeDomain('dkim2.test');
    await s.addDomain('dkim2.test');
    assert.deepEqual(await s.listDkimKeys('dkim2.test'), []);
  });
}
