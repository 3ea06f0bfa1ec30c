/**
 * DkimService on a real SQLite store: key generation with fresh selectors, rotation, and signing
 * with the active keys only.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { isLoftError } from '../../../src/core/errors.ts';
import { DkimService } from '../../../src/services/dkim/dkim.ts';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.ts';

let dir: string;
let store: SqliteStore;
let now = new Date(Date.UTC(2026, 10, 28, 12));
let dkim: DkimService;

const MESSAGE = Buffer.from('From: a@a.test\r\nTo: b@b.test\r\nSubject: s\r\n\r\nbody\r\n');

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'loft-dkim-'));
  store = new SqliteStore(path.join(dir, 'loft.db'));
  dkim = new DkimService(store, () => now);
  await store.addDomain('a.test');
});
after(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

test('a domain without keys signs nothing; an unknown domain cannot get keys', async () => {
  assert.equal((await dkim.sign('a.test', MESSAGE)).length, 0);
  await assert.rejects(dkim.generate('missing.test'), (err) => isLoftError(err, 'NOTFOUND'));
});

test('generate: an RSA and an Ed25519 key named after the month; the same month again gets -2', async () => {
  const first = await dkim.generate('A.TEST');
  assert.deepEqual(
    first.map((k) => [k.selector, k.algorithm]),
    [
      ['loft-rsa-202611', 'rsa-sha256'],
      ['loft-ed-202611', 'ed25519-sha256'],
    ],
  );
  const rotated = await dkim.generate('a.test', { rotate: true });
  assert.deepEqual(
    rotated.map((k) => k.selector),
    ['loft-rsa-202611-2', 'loft-ed-202611-2'],
  );
  now = new Date(Date.UTC(2026, 11, 1));
  const next = await dkim.generate('a.test', { rotate: true });
  assert.deepEqual(
    next.map((k) => k.selector),
    ['loft-rsa-202612', 'loft-ed-202612'],
  );
  const all = await dkim.keys('a.test');
  assert.deepEqual(
    all.filter((k) => k.retiredAt === undefined).map((k) => k.selector),
    ['loft-ed-202612', 'loft-rsa-202612'],
  );
  assert.equal(all.length, 6);
});

test('sign: one signature per active key, none with a retired one', async () => {
  const signatures = (await dkim.sign('a.test', MESSAGE)).toString();
  const selectors = [...signatures.matchAll(/[;\s]s=([^;\s]+);/g)].map((m) => m[1]).sort();
  assert.deepEqual(selectors, ['loft-ed-202612', 'loft-rsa-202612']);
  assert.equal(signatures.match(/^DKIM-Signature: /gm)?.length, 2);
  assert.match(signatures, /[;\s]d=a\.test;/);
});
