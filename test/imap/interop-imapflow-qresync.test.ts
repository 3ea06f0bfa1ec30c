/**
 * CONDSTORE and QRESYNC with imapflow (`qresync: true`), a real client nobody here wrote: it
 * enables QRESYNC, reads HIGHESTMODSEQ on open, fetches only what changed with `changedSince`
 * (its UID FETCH carries VANISHED), reopens a mailbox with QRESYNC parameters, and reports
 * expunges made by another session as `vanished` events.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { deliverMany } from '../pop3/support.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  await provision(server, ['loft.test'], ['alice@loft.test']);
  await deliverMany(server, 'alice@loft.test', 5);
});
after(() => server.close());

function client(qresync: boolean): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port: server.ports.imap!,
    secure: false,
    auth: { user: 'alice@loft.test', pass: 'secret' },
    logger: false,
    tls: { rejectUnauthorized: false },
    qresync,
  });
}

interface ExpungeEvent {
  path: string;
  seq?: number;
  uid?: number;
  vanished: boolean;
  earlier?: boolean;
}

test('imapflow: changedSince fetch, QRESYNC reopen, and vanished events from another session', async () => {
  const flow = client(true);
  const other = client(false);
  await flow.connect();
  await other.connect();
  try {
    assert.ok(flow.enabled.has('QRESYNC'), `enabled: ${[...flow.enabled]}`);
    const opened = await flow.mailboxOpen('INBOX');
    const uidValidity = opened.uidValidity;
    const since = opened.highestModseq;
    assert.ok(typeof since === 'bigint' && since > 0n, `HIGHESTMODSEQ: ${since}`);

    // Another session changes message 2 and expunges message 3.
    await other.mailboxOpen('INBOX');
    await other.messageFlagsAdd('2', ['\\Flagged'], { uid: true });
    await other.messageFlagsAdd('3', ['\\Deleted'], { uid: true });
    await other.messageDelete('3', { uid: true });

    const expunges: ExpungeEvent[] = [];
    flow.on('expunge', (e: ExpungeEvent) => expunges.push(e));
    await flow.noop();
    assert.deepEqual(
      expunges.map((e) => [e.uid, e.vanished, e.earlier]),
      [[3, true, false]],
      'an expunge elsewhere arrives as VANISHED',
    );

    const changed = [];
    for await (const m of flow.fetch('1:*', { flags: true }, { uid: true, changedSince: since }))
      changed.push(m);
    assert.deepEqual(
      changed.map((m) => [m.uid, [...(m.flags ?? [])]]),
      [[2, ['\\Flagged']]],
    );
    assert.ok(changed[0]!.modseq! > since);
    await flow.mailboxClose();

    // Reopen with what the client knew before: VANISHED (EARLIER) and FETCH arrive during SELECT.
    const earlier: ExpungeEvent[] = [];
    const flagEvents: { uid?: number; flags: Set<string> }[] = [];
    flow.on('expunge', (e: ExpungeEvent) => {
      if (e.earlier) earlier.push(e);
    });
    flow.on('flags', (e: { uid?: number; flags: Set<string> }) => flagEvents.push(e));
    const reopened = await flow.mailboxOpen('INBOX', { uidValidity, changedSince: since } as never);
    assert.equal((reopened as { qresync?: boolean }).qresync, true, 'imapflow accepted the QRESYNC answer');
    assert.deepEqual(
      earlier.map((e) => e.uid),
      [3],
    );
    assert.deepEqual(
      flagEvents.map((e) => [e.uid, [...e.flags]]),
      [[2, ['\\Flagged']]],
    );
    assert.equal(reopened.exists, 4);
  } finally {
    await flow.logout();
    await other.logout();
  }
});
