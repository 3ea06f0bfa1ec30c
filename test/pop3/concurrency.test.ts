/**
 * Concurrency: POP3 and IMAP-style access (the mailbox service and its events, as IMAP sessions
 * use them) on the same INBOX at once; racing logins for one maildrop; many users in parallel;
 * and a POP3 session killed in the middle of a large RETR, which must delete nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FLAG_BITS } from '../../src/store/store.ts';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { Pop3Dialog } from './dialog.ts';
import { deliver, deliverMany, eventually, inbox, watchInbox } from './support.ts';

let server: TestServer;
const USERS = Array.from({ length: 8 }, (_, i) => `user${i}@loft.test`);

before(async () => {
  server = await startTestServer();
  await provision(server, ['loft.test'], ['shared@loft.test', 'big@loft.test', 'race@loft.test', ...USERS]);
});
after(() => server.close());

describe('POP3 and IMAP on the same INBOX', () => {
  test('IMAP-side reads, flags and deliveries go on during a POP3 session; QUIT’s expunge reaches subscribers', async () => {
    await deliverMany(server, 'shared@loft.test', 3);
    const { box, messages } = await inbox(server, 'shared@loft.test');
    const watch = await watchInbox(server, 'shared@loft.test');
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'shared@loft.test');
    await pop.command('DELE 1', true);
    // Meanwhile, as an IMAP session would: read, flag, and see a new delivery.
    const mailboxes = server.services.mailboxes;
    const [read, flagged] = await Promise.all([
      mailboxes.read(messages[1]!),
      mailboxes.setFlags(box.id, [messages[2]!.uid], { add: FLAG_BITS['\\Flagged'] }),
      deliver(server, 'shared@loft.test', 'Subject: during\r\n\r\nwhile POP3 is open'),
    ]);
    assert.ok(read.length > 0);
    assert.equal(flagged.length, 1);
    assert.ok(
      watch.changes.some((c) => c.kind === 'append'),
      'the delivery is announced to IMAP',
    );
    await pop.command('STAT', true, /^2 /);
    await pop.multi('RETR 2');
    await pop.quit();
    assert.deepEqual(
      watch.changes.filter((c) => c.kind === 'expunge').map((c) => c.uid),
      [messages[0]!.uid],
    );
    assert.ok(
      watch.changes.some((c) => c.kind === 'flags' && c.uid === messages[1]!.uid),
      'RETR’s \\Seen announced',
    );
    watch.stop();
    const after = (await inbox(server, 'shared@loft.test')).messages;
    assert.equal(after.length, 3, 'two old messages and the new one');
  });
});

describe('racing for one maildrop', () => {
  test('of several simultaneous logins exactly one wins; the others get [IN-USE]', async () => {
    await deliverMany(server, 'race@loft.test', 1);
    const dialogs = await Promise.all(
      Array.from({ length: 6 }, () => Pop3Dialog.greeted(server.ports.pop3!)),
    );
    for (const d of dialogs) d.write('USER race@loft.test\r\nPASS secret\r\n');
    const results = await Promise.all(
      dialogs.map(async (d) => {
        await d.expectOk();
        return d.status();
      }),
    );
    const winners = results.filter((s) => s?.ok);
    assert.equal(winners.length, 1, results.map((s) => s?.line).join('\n'));
    for (const s of results) if (!s?.ok) assert.match(s!.text, /^\[IN-USE\]/);
    for (const d of dialogs) await d.quit();
  });
});

describe('many users at once', () => {
  test('parallel download-and-delete sessions each empty their own maildrop', async () => {
    for (const u of USERS) await deliverMany(server, u, 2, u);
    await Promise.all(
      USERS.map(async (u) => {
        const pop = await Pop3Dialog.login(server.ports.pop3!, u);
        for (const n of [1, 2]) {
          const retr = await pop.multi(`RETR ${n}`);
          assert.match(retr.content.toString(), new RegExp(`Subject: ${u} ${n}`));
          await pop.command(`DELE ${n}`, true);
        }
        await pop.quit(/maildrop empty/);
      }),
    );
    for (const u of USERS) assert.equal((await mailboxContents(server, u)).length, 0, u);
  });
});

describe('a session killed mid-way', () => {
  test('dropping the connection in the middle of a large RETR deletes nothing and frees the lock', async () => {
    const line = `${'x'.repeat(76)}\r\n`;
    await deliver(server, 'big@loft.test', `Subject: big\r\n\r\n${line.repeat(60_000)}small`);
    await deliver(server, 'big@loft.test', 'Subject: small\r\n\r\nsmall');
    const size = (await inbox(server, 'big@loft.test')).messages[0]!.size;
    assert.ok(size > 4_000_000);
    const watch = await watchInbox(server, 'big@loft.test');
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'big@loft.test');
    await pop.command('DELE 2', true);
    pop.send('RETR 1');
    await pop.expectOk(new RegExp(`^${size} octets`));
    assert.ok(await eventually(() => pop.pending().length > 100_000), 'the transfer has started');
    pop.socket.destroy();
    // The server notices, releases the lock; nothing was removed or flagged.
    assert.ok(
      await eventually(async () => {
        const probe = await Pop3Dialog.greeted(server.ports.pop3!);
        await probe.command('USER big@loft.test', true);
        probe.send('PASS secret');
        const s = await probe.status();
        if (s?.ok) await probe.quit();
        else probe.close();
        return s?.ok === true;
      }),
    );
    assert.equal((await mailboxContents(server, 'big@loft.test')).length, 2);
    assert.deepEqual(watch.changes, [], 'no expunge, and no \\Seen for an unfinished RETR');
    watch.stop();
  });

  test('a complete large RETR arrives intact, with the advertised size', async () => {
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'big@loft.test');
    const [stored] = await mailboxContents(server, 'big@loft.test');
    const retr = await pop.multi('RETR 1');
    assert.equal(retr.content.length, stored!.length);
    assert.ok(retr.content.equals(stored!));
    await pop.quit();
  });
});
