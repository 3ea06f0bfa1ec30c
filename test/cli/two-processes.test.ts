/**
 * Two `loft serve` processes on one PostgreSQL database, as two machines behind one MX name:
 * deliveries to one mailbox from both, IDLE on one seeing the other's deliveries, and the POP3
 * maildrop lock across them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { dropSchema, TEST_DATABASE_URL, testSchema } from '../helpers/postgres.ts';
import { runLoft, type ServeProcess, serveLoft } from '../helpers/process.ts';
import { sendOne } from '../helpers/smtp-send.ts';
import { ImapDialog } from '../imap/dialog.ts';
import { Pop3Dialog } from '../pop3/dialog.ts';

const schema = testSchema('loft_two');
const storage = `${TEST_DATABASE_URL}?schema=${schema}`;
let dataDir: string;
let one: ServeProcess;
let two: ServeProcess;

before(async () => {
  // One data folder for both: message files larger than the inline limit are shared.
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'loft-two-'));
  const cli = (args: string[], input?: string) =>
    runLoft(['--storage', storage, '--data', dataDir, ...args], input);
  assert.equal((await cli(['domain', 'add', 'two.test'])).code, 0);
  assert.equal((await cli(['user', 'add', 'ann@two.test', '--password-stdin'], 'secret\n')).code, 0);
  [one, two] = await Promise.all([
    serveLoft(dataDir, ['smtp', 'imap', 'pop3'], ['--storage', storage]),
    serveLoft(dataDir, ['smtp', 'imap', 'pop3'], ['--storage', storage]),
  ]);
});

after(async () => {
  await Promise.all([one?.stop(), two?.stop()]);
  await rm(dataDir, { recursive: true, force: true });
  await dropSchema(schema);
});

test('deliveries to one mailbox from both processes at once: every one stored, UIDs unique and increasing', async () => {
  const codes = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      sendOne(
        (i % 2 === 0 ? one : two).ports.smtp!,
        'x@example.com',
        'ann@two.test',
        `Subject: n${i}\r\n\r\nbody ${i}`,
      ),
    ),
  );
  assert.deepEqual(new Set(codes), new Set([250]));
  const imap = await ImapDialog.login(one.ports.imap!, 'ann@two.test');
  const select = imap.nextTag();
  imap.send(`${select} EXAMINE INBOX`);
  await imap.until(select);
  const tag = imap.nextTag();
  imap.send(`${tag} UID SEARCH ALL`);
  const { untagged, tagged } = await imap.until(tag);
  assert.match(tagged, /OK/);
  const uids = untagged
    .find((l) => l.startsWith('* SEARCH'))!
    .split(' ')
    .slice(2)
    .map(Number);
  assert.equal(uids.length, 40);
  assert.deepEqual(
    uids,
    [...new Set(uids)].sort((a, b) => a - b),
  );
  imap.send(`${imap.nextTag()} LOGOUT`);
});

test('IDLE on one process sees a message delivered by the other within a second', async () => {
  const imap = await ImapDialog.login(two.ports.imap!, 'ann@two.test');
  const tag = imap.nextTag();
  imap.send(`${tag} SELECT INBOX`);
  const selected = await imap.until(tag);
  const exists = Number(/^\* (\d+) EXISTS/.exec(selected.untagged.find((l) => / EXISTS$/.test(l))!)![1]);
  const idle = imap.nextTag();
  imap.send(`${idle} IDLE`);
  assert.match((await imap.response())!, /^\+ /);
  const sent = Date.now();
  assert.equal(
    await sendOne(one.ports.smtp!, 'x@example.com', 'ann@two.test', 'Subject: ping\r\n\r\nhi'),
    250,
  );
  const update = await imap.response(5000);
  assert.equal(update, `* ${exists + 1} EXISTS`);
  assert.ok(Date.now() - sent < 1000, `seen after ${Date.now() - sent} ms`);
  imap.send('DONE');
  await imap.until(idle);
  imap.send(`${imap.nextTag()} LOGOUT`);
});

test('the POP3 maildrop lock holds across processes', async () => {
  const first = await Pop3Dialog.login(one.ports.pop3!, 'ann@two.test');
  const second = await Pop3Dialog.greeted(two.ports.pop3!);
  await second.command('USER ann@two.test', true);
  await second.command('PASS secret', false, /^\[IN-USE\]/);
  await first.command('QUIT', true);
  const third = await Pop3Dialog.login(two.ports.pop3!, 'ann@two.test');
  await third.command('QUIT', true);
});
