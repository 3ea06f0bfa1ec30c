import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, test } from 'node:test';
import { type LoftServices, openServices } from '../../../src/open-services.ts';
import { SearchIndexer } from '../../../src/services/search/indexer.ts';

const dirs: string[] = [];
const open: LoftServices[] = [];

afterEach(async () => {
  for (const services of open.splice(0)) {
    await services.search.stop();
    await services.store.close();
  }
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function services(dir?: string, inlineBodyLimit?: number): Promise<{ s: LoftServices; dir: string }> {
  const folder = dir ?? (await mkdtemp(path.join(os.tmpdir(), 'loft-indexer-')));
  if (!dir) dirs.push(folder);
  const s = await openServices(folder, { inlineBodyLimit });
  open.push(s);
  return { s, dir: folder };
}

async function inboxOf(s: LoftServices): Promise<number> {
  if (!(await s.store.getDomain('idx.test'))) await s.directory.addDomain('idx.test');
  const account =
    (await s.directory.getAccount('u@idx.test')) ?? (await s.directory.addUser('u@idx.test', 'pw'));
  return (await s.mailboxes.inbox(account.id)).id;
}

function message(subject: string, body: string): Buffer {
  return Buffer.from(`Subject: ${subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`);
}

async function blobOf(s: LoftServices, mailboxId: number, uid: number): Promise<string> {
  const [row] = await s.store.getMessages(mailboxId, [uid]);
  assert.ok(row);
  return row.blobId;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('flush indexes every stored message: decoded text, backlog emptied', async () => {
  const { s } = await services();
  const inbox = await inboxOf(s);
  const first = await s.delivery.append(inbox, message('Zanzibar', 'Grüße aus München'));
  const second = await s.delivery.append(inbox, message('Other', 'nothing'));
  assert.equal((await s.store.searchBacklog(10)).length, 2, 'appends wait on the backlog');
  await s.search.flush();
  assert.deepEqual(await s.store.searchBacklog(10), []);
  const text = await s.store.getSearchText(await blobOf(s, inbox, first.uid));
  assert.deepEqual(text, {
    headers: 'Subject: Zanzibar\nContent-Type: text/plain; charset=utf-8',
    body: 'Grüße aus München\r\n',
    truncated: false,
  });
  assert.ok(await s.store.getSearchText(await blobOf(s, inbox, second.uid)));
  const candidates = await s.store.searchCandidates(inbox, [{ field: 'body', needle: 'münchen' }]);
  assert.deepEqual(candidates, [first.uid]);
});

test('a started indexer works off the backlog left from before a restart, and new mail after it', async () => {
  const { s, dir } = await services();
  const inbox = await inboxOf(s);
  const old = await s.delivery.append(inbox, message('before', 'left over from the last run'));
  await s.store.close();
  open.splice(open.indexOf(s), 1);

  const { s: again } = await services(dir);
  again.search.start();
  await until('the old message indexed', async () => (await again.store.searchBacklog(1)).length === 0);
  assert.ok(await again.store.getSearchText(await blobOf(again, inbox, old.uid)));
  const fresh = await again.delivery.append(inbox, message('after', 'arrived while running'));
  await until('the new message indexed', async () => (await again.store.searchBacklog(1)).length === 0);
  assert.match((await again.store.getSearchText(await blobOf(again, inbox, fresh.uid)))!.body, /arrived/);
});

test('indexing waits for a quiet moment, but not for ever under unbroken load', async () => {
  const { s } = await services();
  const inbox = await inboxOf(s);
  const patient = new SearchIndexer(
    { store: s.store, blobs: s.blobs, events: s.events },
    { quietMs: 60_000, maxDelayMs: 60_000 },
  );
  patient.start();
  try {
    await s.delivery.append(inbox, message('busy', 'arrives during a burst'));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await s.store.searchBacklog(10)).length, 1, 'no quiet moment yet: not indexed');
  } finally {
    await patient.stop();
  }
  // A slice is overdue after maxDelayMs even if messages keep arriving.
  const overdue = new SearchIndexer(
    { store: s.store, blobs: s.blobs, events: s.events },
    { quietMs: 60_000, maxDelayMs: 100 },
  );
  overdue.start();
  try {
    // Nothing arrived since it started: what waits is indexed at once.
    await until('the left-over message indexed', async () => (await s.store.searchBacklog(10)).length === 0);
    await s.delivery.append(inbox, message('busy', 'still busy'));
    assert.equal((await s.store.searchBacklog(10)).length, 1);
    await until('an overdue slice', async () => (await s.store.searchBacklog(10)).length === 0);
  } finally {
    await overdue.stop();
  }
});

test('a body that cannot be read leaves the backlog unindexed; search still reads it as a candidate', async () => {
  const { s } = await services(undefined, 64);
  const inbox = await inboxOf(s);
  const placed = await s.delivery.append(inbox, message('large', 'x'.repeat(200)));
  const blobId = await blobOf(s, inbox, placed.uid);
  await s.blobs.remove(blobId);
  const kept = await s.delivery.append(inbox, message('large too', `${'y'.repeat(200)} findme`));
  await s.search.flush();
  assert.deepEqual(await s.store.searchBacklog(10), []);
  assert.equal(await s.store.getSearchText(blobId), undefined);
  assert.match((await s.store.getSearchText(await blobOf(s, inbox, kept.uid)))!.body, /findme/);
  const candidates = await s.store.searchCandidates(inbox, [{ field: 'body', needle: 'findme' }]);
  assert.deepEqual(
    candidates,
    [placed.uid, kept.uid],
    'the unreadable one is a candidate, the other matched',
  );
});

test('upgrading to the part-header index (SQLite migration 12) indexes every message again, and searches find them meanwhile', async () => {
  const { s, dir } = await services();
  const inbox = await inboxOf(s);
  const raw = Buffer.from(
    'Subject: report\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n' +
      'see the file\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="q3-numbers.pdf"\r\n' +
      'Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--b--\r\n',
  );
  const { uid } = await s.delivery.append(inbox, raw);
  await s.search.flush();
  const blob = await blobOf(s, inbox, uid);
  assert.match((await s.store.getSearchText(blob))!.body, /q3-numbers\.pdf/, 'the part header is indexed');
  await s.search.stop();
  await s.store.close();
  open.splice(open.indexOf(s), 1);
  // As a database of the version before: migration 12 runs again when it is opened.
  const db = new DatabaseSync(path.join(dir, 'loft.db'));
  db.exec('PRAGMA user_version = 11');
  db.close();
  const { s: again } = await services(dir);
  assert.equal(await again.store.getSearchText(blob), undefined, 'the old text is gone');
  assert.deepEqual(
    (await again.store.searchBacklog(10)).map((item) => item.blobId),
    [blob],
  );
  const needles = [{ field: 'text' as const, needle: 'q3-numbers' }];
  assert.deepEqual(await again.store.searchCandidates(inbox, needles), [uid], 'unindexed: a candidate still');
  await again.search.flush();
  assert.deepEqual(await again.store.searchCandidates(inbox, needles), [uid], 'indexed again');
  assert.match((await again.store.getSearchText(blob))!.body, /q3-numbers\.pdf/);
});
