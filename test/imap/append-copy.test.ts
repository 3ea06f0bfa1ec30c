/**
 * APPEND (flags, date, APPENDUID, MULTIAPPEND all or nothing, TRYCREATE, APPENDLIMIT, bare LF)
 * and COPY / MOVE / UID COPY / UID MOVE (COPYUID, EXPUNGE order, TRYCREATE, other sessions)
 * against a real server, plus the pure helpers `uidSet` and `normalizeLineEnds`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { ImapFlow } from 'imapflow';
import { normalizeLineEnds } from '../../src/server/imap/commands/append.ts';
import { uidSet } from '../../src/server/imap/commands/copy-move.ts';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { ImapDialog } from './dialog.ts';
import { message, Session } from './support.ts';

describe('uidSet (RFC 4315 uid-set)', () => {
  test('writes runs as ranges in the order given', () => {
    assert.equal(uidSet([1, 2, 3, 5]), '1:3,5');
    assert.equal(uidSet([7]), '7');
    assert.equal(uidSet([4, 5, 9, 10, 11, 20]), '4:5,9:11,20');
    assert.equal(uidSet([3, 2, 1]), '3,2,1', 'descending is never merged: pairs stay aligned');
  });

  test('property: expanding the set gives back the list', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 30 }), (uids) => {
        const expanded = uidSet(uids)
          .split(',')
          .filter((p) => p !== '')
          .flatMap((part) => {
            const [a, b] = part.split(':').map(Number) as [number, number | undefined];
            if (b === undefined) return [a];
            return Array.from({ length: b - a + 1 }, (_, i) => a + i);
          });
        assert.deepEqual(expanded, uids);
      }),
    );
  });
});

describe('normalizeLineEnds', () => {
  test('turns bare LF into CRLF and leaves CRLF alone', () => {
    assert.equal(normalizeLineEnds(Buffer.from('a\nb\r\nc\n')).toString(), 'a\r\nb\r\nc\r\n');
    assert.equal(normalizeLineEnds(Buffer.from('\n\n')).toString(), '\r\n\r\n');
    const crlf = Buffer.from('x\r\ny\r\n');
    assert.equal(normalizeLineEnds(crlf), crlf, 'same buffer when nothing changes');
    assert.equal(normalizeLineEnds(Buffer.from('a\rb')).toString(), 'a\rb', 'bare CR kept');
  });

  test('property: no bare LF remains and nothing else changes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const out = normalizeLineEnds(Buffer.from(bytes));
        for (let i = 0; i < out.length; i++) if (out[i] === 10) assert.equal(out[i - 1], 13);
        const strip = (b: Buffer) => b.toString('latin1').replace(/\r\n/g, '\n');
        assert.equal(strip(out), strip(Buffer.from(bytes)));
      }),
    );
  });
});

describe('APPEND, COPY and MOVE over IMAP', () => {
  let server: TestServer;
  let port: number;

  before(async () => {
    server = await startTestServer();
    await provision(server, ['loft.test'], ['alice@loft.test', 'bob@loft.test', 'dave@loft.test']);
    port = server.ports.imap!;
  });
  after(() => server.close());

  const uidValidity = async (s: Session, box: string): Promise<number> => {
    const reply = await s.ok(`STATUS ${box} (UIDVALIDITY)`);
    return Number(/UIDVALIDITY (\d+)/.exec(reply.untagged[0]!)![1]);
  };

  test('APPEND stores the bytes as given with flags, keywords and date; answers APPENDUID', async () => {
    const s = await Session.login(port, 'alice@loft.test');
    try {
      await s.ok('CREATE Notes');
      const validity = await uidValidity(s, 'Notes');
      const body = message('appended', 'Body text');
      const reply = await s.append(
        'Notes',
        body,
        '(\\Seen \\flagged $Important) "05-Mar-2021 14:07:09 +0100"',
      );
      assert.equal(reply.tagged, `OK [APPENDUID ${validity} 1] APPEND completed`);
      const stored = await mailboxContents(server, 'alice@loft.test', 'Notes');
      assert.deepEqual(
        stored.map((b) => b.toString()),
        [body],
      );
      await s.ok('SELECT Notes');
      const fetched = await s.ok('FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE)');
      assert.match(fetched.untagged[0]!, /FLAGS \(\\Seen \\Flagged \$Important\)/);
      assert.match(fetched.untagged[0]!, /INTERNALDATE " 5-Mar-2021 13:07:09 \+0000"/);
      assert.match(fetched.untagged[0]!, new RegExp(`RFC822.SIZE ${Buffer.byteLength(body)}\\b`));
      const again = await s.append('Notes', body);
      assert.match(again.tagged, new RegExp(`^OK \\[APPENDUID ${validity} 2\\]`));
    } finally {
      await s.logout();
    }
  });

  test('APPEND with a synchronizing literal waits for the continuation', async () => {
    const s = await Session.login(port, 'alice@loft.test');
    try {
      const body = message('sync');
      const reply = await s.ok(`APPEND INBOX (\\Draft) {${body.length}}`, body);
      assert.ok(
        reply.untagged.some((l) => l.startsWith('+')),
        'continuation request sent',
      );
      assert.match(reply.tagged, /^OK \[APPENDUID \d+ \d+\]/);
    } finally {
      await s.logout();
    }
  });

  test('APPEND turns bare LF into CRLF so the octet counts hold', async () => {
    const s = await Session.login(port, 'dave@loft.test');
    try {
      await s.ok('CREATE Lf');
      await s.append('Lf', 'Subject: lf\n\nline one\nline two\n');
      const [stored] = await mailboxContents(server, 'dave@loft.test', 'Lf');
      assert.equal(stored!.toString(), 'Subject: lf\r\n\r\nline one\r\nline two\r\n');
      await s.ok('SELECT Lf');
      const fetched = await s.ok('FETCH 1 (RFC822.SIZE)');
      assert.match(fetched.untagged[0]!, new RegExp(`RFC822.SIZE ${stored!.length}\\)`));
    } finally {
      await s.logout();
    }
  });

  test('APPEND to a missing mailbox is NO [TRYCREATE]; to an invalid name NO [CANNOT]; empty message NO', async () => {
    const s = await Session.login(port, 'alice@loft.test');
    try {
      await s.expect(/^NO \[TRYCREATE\]/, 'APPEND Nowhere {5+}\r\nhello');
      await s.expect(/^NO \[CANNOT\]/, 'APPEND "a//b" {5+}\r\nhello');
      await s.expect(/^NO /, 'APPEND INBOX {0+}\r\n');
      await s.expect(/^BAD/, 'APPEND INBOX (\\Recent) {5+}\r\nhello');
    } finally {
      await s.logout();
    }
  });

  test('MULTIAPPEND: several messages get a uid-set; any failure stores none', async () => {
    const s = await Session.login(port, 'alice@loft.test');
    try {
      await s.ok('CREATE Multi');
      const validity = await uidValidity(s, 'Multi');
      const [m1, m2, m3] = [message('m1'), message('m2'), message('m3')];
      const reply = await s.ok(
        `APPEND Multi {${m1.length}+}\r\n${m1} (\\Seen) {${m2.length}+}\r\n${m2} {${m3.length}+}\r\n${m3}`,
      );
      assert.equal(reply.tagged, `OK [APPENDUID ${validity} 1:3] APPEND completed`);
      // An empty second message: refused before anything is stored.
      await s.expect(/^NO /, `APPEND Multi {${m1.length}+}\r\n${m1} {0+}\r\n`);
      // A failure in storage on the second message of the set: the transaction holding the
      // first one is rolled back too, so nothing was ever visible.
      const store = server.services.store;
      const original = store.commitDeliveries.bind(store);
      let calls = 0;
      store.commitDeliveries = async (deliveries) => {
        calls += 1;
        const [first, second, ...rest] = deliveries;
        return original([first!, { ...second!, placements: [{ mailboxId: 999_999 }] }, ...rest]);
      };
      try {
        await s.expect(/^NO /, `APPEND Multi {${m1.length}+}\r\n${m1} {${m2.length}+}\r\n${m2}`);
      } finally {
        store.commitDeliveries = original;
      }
      assert.equal(calls, 1, 'the set went to storage once, as a whole');
      const status = await s.ok('STATUS Multi (MESSAGES UIDNEXT)');
      assert.match(status.untagged[0]!, /MESSAGES 3\b/, 'nothing of the failed MULTIAPPEND is left');
    } finally {
      await s.logout();
    }
  });

  test('MULTIAPPEND: a session in IDLE sees the whole set at once, never a part', async () => {
    const s = await Session.login(port, 'dave@loft.test');
    const watcher = await ImapDialog.login(port, 'dave@loft.test');
    try {
      await s.ok('CREATE Watched');
      await watcher.ok('SELECT Watched');
      watcher.send('i1 IDLE');
      assert.match((await watcher.response())!, /^\+ /);
      const parts = Array.from({ length: 20 }, (_, i) => message(`part ${i}`));
      const pieces = parts.map((m) => `{${m.length}+}\r\n${m}`).join(' ');
      await s.ok(`APPEND Watched ${pieces}`);
      // The first count the watcher hears is the whole set (stored one by one, it would see 1).
      const update = await watcher.response(5000);
      assert.equal(update, '* 20 EXISTS');
      watcher.send('DONE');
      const rest = await watcher.until('i1');
      assert.ok(
        rest.untagged.every((line) => !/EXISTS/.test(line)),
        `no further count: ${rest.untagged.join(' | ')}`,
      );
    } finally {
      await s.logout();
      await watcher.logout();
    }
  });

  test('APPEND to the selected mailbox reports EXISTS in its response', async () => {
    const s = await Session.login(port, 'bob@loft.test');
    try {
      await s.ok('CREATE Live');
      await s.ok('SELECT Live');
      const reply = await s.append('Live', message('live'));
      assert.ok(reply.untagged.includes('* 1 EXISTS'), reply.untagged.join(' | '));
    } finally {
      await s.logout();
    }
  });

  test('COPY and UID COPY answer COPYUID and keep flags; missing target TRYCREATE; bad numbers BAD', async () => {
    const s = await Session.login(port, 'bob@loft.test');
    try {
      await s.ok('CREATE Src');
      await s.ok('CREATE Dst');
      for (let i = 1; i <= 5; i++)
        await s.append('Src', message(`src ${i}`), i === 2 ? '(\\Flagged kw)' : '');
      const dst = await uidValidity(s, 'Dst');
      await s.ok('SELECT Src');
      const copy = await s.ok('COPY 1:3,5 Dst');
      assert.equal(copy.tagged, `OK [COPYUID ${dst} 1:3,5 1:4] COPY completed`);
      const uidCopy = await s.ok('UID COPY 4,2 Dst');
      assert.equal(uidCopy.tagged, `OK [COPYUID ${dst} 2,4 5:6] UID COPY completed`);
      const none = await s.ok('UID COPY 100:200 Dst');
      assert.doesNotMatch(none.tagged, /COPYUID/);
      await s.expect(/^NO \[TRYCREATE\]/, 'COPY 1 Nowhere');
      await s.expect(/^NO \[CANNOT\]/, 'COPY 1 "x/../y"');
      await s.expect(/^BAD/, 'COPY 9 Dst');
      await s.ok('EXAMINE Dst');
      const flags = await s.ok('FETCH 2 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])');
      assert.match(flags.untagged.join('\n'), /FLAGS \(\\Flagged kw\)[\s\S]*Subject: src 2/);
      // Copying out of a read-only mailbox is fine.
      await s.ok('COPY 1 Src');
    } finally {
      await s.logout();
    }
  });

  test('COPY into the selected mailbox itself: EXISTS in the response', async () => {
    const s = await Session.login(port, 'bob@loft.test');
    try {
      await s.ok('CREATE Self');
      await s.append('Self', message('self'));
      await s.ok('SELECT Self');
      const reply = await s.ok('COPY 1 Self');
      assert.ok(reply.untagged.includes('* 2 EXISTS'), reply.untagged.join(' | '));
      assert.match(reply.tagged, /^OK \[COPYUID \d+ 1 2\]/);
    } finally {
      await s.logout();
    }
  });

  test('MOVE: untagged OK [COPYUID] first, then EXPUNGEs; another session sees them too', async () => {
    const s = await Session.login(port, 'alice@loft.test');
    const other = await Session.login(port, 'alice@loft.test');
    try {
      await s.ok('CREATE MoveSrc');
      await s.ok('CREATE MoveDst');
      for (let i = 1; i <= 4; i++) await s.append('MoveSrc', message(`move ${i}`));
      const dst = await uidValidity(s, 'MoveDst');
      await s.ok('SELECT MoveSrc');
      await other.ok('SELECT MoveSrc');
      const reply = await s.ok('MOVE 2:3 MoveDst');
      assert.deepEqual(reply.untagged, [`* OK [COPYUID ${dst} 2:3 1:2] Moved`, '* 3 EXPUNGE', '* 2 EXPUNGE']);
      assert.equal(reply.tagged, 'OK MOVE completed');
      const left = await s.ok('FETCH 1:* (UID)');
      assert.deepEqual(left.untagged, ['* 1 FETCH (UID 1)', '* 2 FETCH (UID 4)']);
      const seen = await other.ok('NOOP');
      assert.deepEqual(seen.untagged.filter((l) => l.endsWith('EXPUNGE')).length, 2);
      const status = await s.ok('STATUS MoveDst (MESSAGES)');
      assert.match(status.untagged[0]!, /MESSAGES 2/);
      const uidMove = await s.ok('UID MOVE 4 MoveDst');
      assert.deepEqual(uidMove.untagged, [`* OK [COPYUID ${dst} 4 3] Moved`, '* 2 EXPUNGE']);
      assert.equal(uidMove.tagged, 'OK UID MOVE completed');
      await s.expect(/^NO \[TRYCREATE\]/, 'MOVE 1 Nowhere');
      await s.ok('EXAMINE MoveDst');
      await s.expect(/^NO \[READ-ONLY\]/, 'MOVE 1 MoveSrc');
    } finally {
      await s.logout();
      await other.logout();
    }
  });

  test('MOVE after a change the client was not told of: sequence numbers stay consistent', async () => {
    const s = await Session.login(port, 'bob@loft.test');
    const other = await Session.login(port, 'bob@loft.test');
    try {
      await s.ok('CREATE Race');
      await s.ok('CREATE RaceDst');
      for (let i = 1; i <= 3; i++) await s.append('Race', message(`race ${i}`));
      await s.ok('SELECT Race');
      await other.ok('SELECT Race');
      await other.ok('STORE 1 +FLAGS (\\Deleted)');
      await other.ok('EXPUNGE');
      // The client still believes message 3 is UID 3; it moves it.
      const reply = await s.ok('MOVE 3 RaceDst');
      assert.deepEqual(
        reply.untagged.filter((l) => l.endsWith('EXPUNGE') || l.startsWith('* OK')),
        ['* 1 EXPUNGE', reply.untagged.find((l) => l.startsWith('* OK [COPYUID'))!, '* 2 EXPUNGE'],
      );
      const left = await s.ok('FETCH 1:* (UID)');
      assert.deepEqual(left.untagged, ['* 1 FETCH (UID 2)']);
    } finally {
      await s.logout();
      await other.logout();
    }
  });

  test('imapflow appends, copies and moves', async () => {
    const imap = new ImapFlow({
      host: '127.0.0.1',
      port,
      secure: false,
      auth: { user: 'dave@loft.test', pass: 'secret' },
      logger: false,
      tls: { rejectUnauthorized: false },
    });
    await imap.connect();
    try {
      await imap.mailboxCreate('FlowA');
      await imap.mailboxCreate('FlowB');
      const appended = await imap.append('FlowA', message('flow'), ['\\Seen']);
      assert.ok(appended && appended.uid === 1 && typeof appended.uidValidity === 'bigint');
      const lock = await imap.getMailboxLock('FlowA');
      try {
        const copied = await imap.messageCopy('1', 'FlowB');
        assert.ok(copied && copied.uidMap?.get(1) === 1);
        const moved = await imap.messageMove('1', 'FlowB');
        assert.ok(moved && moved.uidMap?.get(1) === 2);
        assert.equal((imap.mailbox as { exists: number }).exists, 0);
      } finally {
        lock.release();
      }
      const status = await imap.status('FlowB', { messages: true });
      assert.ok(status && status.messages === 2);
    } finally {
      await imap.logout();
    }
  });
});

describe('APPENDLIMIT', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ imap: { append_limit: 100 } });
    await provision(server, ['loft.test'], ['erin@loft.test']);
  });
  after(() => server.close());

  test('advertised; a larger literal is refused before the continuation; the limit itself fits', async () => {
    const s = await Session.login(server.ports.imap!, 'erin@loft.test');
    try {
      const caps = await s.ok('CAPABILITY');
      assert.match(caps.untagged[0]!, /APPENDLIMIT=100\b/);
      for (const cap of [
        'UIDPLUS',
        'MOVE',
        'MULTIAPPEND',
        'CREATE-SPECIAL-USE',
        'LIST-EXTENDED',
        'LIST-STATUS',
        'CHILDREN',
      ])
        assert.match(caps.untagged[0]!, new RegExp(` ${cap}\\b`));
      const big = await s.run('APPEND INBOX {101}');
      assert.match(big.tagged, /^(NO|BAD) \[TOOBIG\]/);
      assert.ok(!big.untagged.some((l) => l.startsWith('+')), 'no continuation for a literal over the limit');
      const fits = `Subject: x\r\n\r\n${'y'.repeat(100 - 14)}`;
      assert.equal(fits.length, 100);
      await s.ok(`APPEND INBOX {100+}\r\n${fits}`);
      // Bare LFs that grow past the limit once normalised are refused too.
      const grows = `Subject: x\n\n${'y\n'.repeat(44)}`;
      assert.ok(grows.length <= 100);
      await s.expect(/^NO \[TOOBIG\]/, `APPEND INBOX {${grows.length}+}\r\n${grows}`);
    } finally {
      await s.logout();
    }
  });
});
