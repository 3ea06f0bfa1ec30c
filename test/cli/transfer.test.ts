/**
 * `loft export` and `loft import` as users run them: SQLite → PostgreSQL → SQLite, keeping
 * UIDVALIDITY, UIDs, flags, keywords, dates, bodies, passwords, aliases and subscriptions.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type LoftServices, openServices } from '../../src/open-services.ts';
import { dropSchema, TEST_DATABASE_URL, testSchema } from '../helpers/postgres.ts';
import { runLoft } from '../helpers/process.ts';

const schema = testSchema('loft_transfer');
const storage = `${TEST_DATABASE_URL}?schema=${schema}`;
let dir: string;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'loft-transfer-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
  await dropSchema(schema);
});

/** Everything a client could notice, per account and mailbox. */
async function snapshot(s: LoftServices) {
  const out: Record<string, unknown> = {};
  for (const account of await s.store.listAccounts()) {
    const boxes: Record<string, unknown> = {};
    for (const box of await s.store.listMailboxes(account.id)) {
      const messages = [];
      for (const m of await s.store.listMessages(box.id)) {
        messages.push({
          uid: m.uid,
          flags: m.flags,
          keywords: m.keywords,
          internalDate: m.internalDate,
          modseq: m.modseq,
          body: (await s.blobs.read(m.blobId)).toString('base64'),
        });
      }
      boxes[box.name] = {
        uidValidity: box.uidValidity,
        uidNext: box.uidNext,
        highestModseq: box.highestModseq,
        specialUse: box.specialUse,
        messages,
      };
    }
    out[account.address] = { boxes, subscriptions: await s.store.listSubscriptions(account.id) };
  }
  out.aliases = await s.store.listAliases();
  out.domains = (await s.store.listDomains()).map((d) => d.name);
  const keys: Record<string, unknown> = {};
  for (const domain of await s.store.listDomains()) {
    keys[domain.name] = (await s.store.listDkimKeys(domain.name)).map((k) => ({
      selector: k.selector,
      algorithm: k.algorithm,
      privateKey: k.privateKey,
      publicKey: k.publicKey,
      retired: k.retiredAt !== undefined,
    }));
  }
  out.dkim = keys;
  return out;
}

test('SQLite → PostgreSQL → SQLite: the same mailboxes, UIDs, flags and bodies; passwords still work', async () => {
  const source = path.join(dir, 'source');
  const s = await openServices(source, { inlineBodyLimit: 64 });
  await s.directory.addDomain('move.test');
  // Two generations of DKIM keys: the first retired by a rotation, both kept.
  await s.dkim.generate('move.test');
  await new Promise((r) => setTimeout(r, 5));
  await s.dkim.generate('move.test', { rotate: true });
  await s.directory.addUser('ann@move.test', 'ann password');
  await s.directory.addUser('bob@move.test', 'bob password');
  await s.directory.addAlias('team@move.test', ['ann@move.test', 'bob@move.test']);
  const ann = (await s.directory.getAccount('ann@move.test'))!;
  const inbox = await s.mailboxes.inbox(ann.id);
  const work = await s.store.createMailbox(ann.id, 'Work/2026');
  await s.store.setSubscribed(ann.id, 'Work/2026', true);
  const raw = (n: number) => Buffer.from(`Subject: message ${n}\r\n\r\n${'line\r\n'.repeat(n * 10)}`);
  for (let n = 1; n <= 5; n++)
    await s.delivery.append(inbox.id, raw(n), { internalDate: 1_700_000_000_000 + n });
  await s.delivery.append(work.id, raw(9), { flags: 2, keywords: ['$Label1'] });
  await s.store.updateFlags(inbox.id, [2, 4], { add: 1, addKeywords: ['Important'] });
  await s.store.expunge(inbox.id, [3]);
  const before = await snapshot(s);
  await s.store.close();

  const archive = path.join(dir, 'one.loft');
  const exported = await runLoft(['--data', source, 'export', archive]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(
    exported.stderr,
    /1 domain\(s\), 2 user\(s\), 2 alias\(es\), \d+ mailbox\(es\), 5 message\(s\) exported/,
  );
  assert.match(exported.stderr, /export: 100% \(5\/5 messages\)/, 'progress is reported');

  const imported = await runLoft([
    '--storage',
    storage,
    '--data',
    path.join(dir, 'pg-data'),
    'import',
    archive,
  ]);
  assert.equal(imported.code, 0, imported.stderr);
  const pg = await openServices(path.join(dir, 'pg-data'), { storage });
  try {
    assert.deepEqual(await snapshot(pg), before);
    const keys = (before.dkim as Record<string, { retired: boolean }[]>)['move.test']!;
    assert.equal(keys.length, 4, 'two keys per generation');
    assert.deepEqual(
      keys.map((k) => k.retired),
      [false, false, true, true],
    );
    assert.equal(await pg.directory.verifyPassword('ann@move.test', 'ann password'), true);
    assert.equal(await pg.directory.verifyPassword('ann@move.test', 'wrong'), false);
  } finally {
    await pg.store.close();
  }

  const back = path.join(dir, 'back.loft');
  assert.equal(
    (await runLoft(['--storage', storage, '--data', path.join(dir, 'pg-data'), 'export', back])).code,
    0,
  );
  const again = await runLoft(['--data', path.join(dir, 'again'), 'import', back]);
  assert.equal(again.code, 0, again.stderr);
  const sqlite = await openServices(path.join(dir, 'again'));
  try {
    assert.deepEqual(await snapshot(sqlite), before);
  } finally {
    await sqlite.store.close();
  }
});

test('bad archives and a non-empty target: one clear line each', async () => {
  const source = path.join(dir, 'small');
  const s = await openServices(source);
  await s.directory.addDomain('small.test');
  await s.store.close();
  const archive = path.join(dir, 'small.loft');
  assert.equal((await runLoft(['--data', source, 'export', archive])).code, 0);

  const twice = await runLoft(['--data', source, 'import', archive]);
  assert.equal(twice.code, 1);
  assert.match(
    twice.stderr,
    /^loft: domain small\.test already exists in the target: import into an empty store\n$/,
  );

  const lines = (await readFile(archive, 'utf8')).trimEnd().split('\n');
  const cut = path.join(dir, 'cut.loft');
  await writeFile(cut, `${lines.slice(0, -1).join('\n')}\n`);
  const cutResult = await runLoft(['--data', path.join(dir, 'cut-target'), 'import', cut]);
  assert.equal(cutResult.code, 1);
  assert.match(cutResult.stderr, /ends without its end record.*cut/);

  const notArchive = path.join(dir, 'not.loft');
  await writeFile(notArchive, '{"hello":1}\n');
  const wrong = await runLoft(['--data', path.join(dir, 'wrong-target'), 'import', notArchive]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /line 1: not a loft export/);

  const exists = await runLoft(['--data', source, 'export', archive]);
  assert.equal(exists.code, 1, 'an export never overwrites a file');
  assert.match(exists.stderr, /EEXIST|exists/);
});

test('loft migrate creates the schema and says so', async () => {
  const result = await runLoft(['--data', path.join(dir, 'migrated'), 'migrate']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /storage schema is up to date/);
});
