/**
 * Transcript tests of the TRANSACTION state (RFC 1939 §5, §7) against the real server: STAT,
 * LIST, UIDL, RETR, TOP, DELE, RSET, NOOP, QUIT, with octet counts checked against the bytes
 * RETR sends, dot-stuffing, TOP's exact cut, and every bad argument answered with -ERR.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { Pop3Dialog } from './dialog.ts';
import { deliver, inbox } from './support.ts';

let server: TestServer;
// sendOne ends each body with CRLF "." CRLF: the stored content ends with the last line's CRLF.
const BODIES = [
  'Subject: first\r\n\r\nHello',
  'Subject: dots\r\nX-Dot: .\r\n\r\n.\r\n..two\r\n.three\r\nend.',
  'Subject: long\r\n\r\n' + Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join('\r\n'),
];

before(async () => {
  server = await startTestServer();
  await provision(server, ['loft.test'], ['alice@loft.test', 'bob@loft.test', 'empty@loft.test']);
  for (const body of BODIES) await deliver(server, 'alice@loft.test', body);
  await deliver(server, 'bob@loft.test', 'Subject: bob\r\n\r\nHi Bob');
});
after(() => server.close());

describe('listing the maildrop', () => {
  test('STAT, LIST and LIST msg agree with the stored sizes', async () => {
    const stored = await mailboxContents(server, 'alice@loft.test');
    const total = stored.reduce((n, m) => n + m.length, 0);
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'alice@loft.test');
    await pop.command('STAT', true, new RegExp(`^3 ${total}$`));
    const list = await pop.multi('LIST', new RegExp(`^3 messages \\(${total} octets\\)`));
    assert.deepEqual(
      list.lines,
      stored.map((m, i) => `${i + 1} ${m.length}`),
    );
    await pop.command('LIST 2', true, new RegExp(`^2 ${stored[1]!.length}$`));
    await pop.quit();
  });

  test('octet counts equal the bytes RETR sends, before byte-stuffing', async () => {
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'alice@loft.test');
    const sizes = (await pop.multi('LIST')).lines.map((l) => Number(l.split(' ')[1]));
    const stored = await mailboxContents(server, 'alice@loft.test');
    for (let n = 1; n <= 3; n++) {
      const retr = await pop.multi(`RETR ${n}`, new RegExp(`^${sizes[n - 1]} octets`));
      assert.equal(retr.content.length, sizes[n - 1], `message ${n}`);
      assert.deepEqual(retr.content, stored[n - 1], 'RETR sends the stored bytes exactly');
    }
    await pop.quit();
  });

  test('RETR byte-stuffs lines that start with "."', async () => {
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'alice@loft.test');
    const retr = await pop.multi('RETR 2');
    const raw = retr.raw.toString();
    assert.ok(raw.endsWith('\r\n\r\n..\r\n...two\r\n..three\r\nend.\r\n'), JSON.stringify(raw.slice(-60)));
    assert.ok(retr.content.toString().endsWith('\r\n\r\n.\r\n..two\r\n.three\r\nend.\r\n'));
    await pop.quit();
  });

  test('UIDL lists ids from UID and UIDVALIDITY; UIDL msg gives one', async () => {
    const { box, messages } = await inbox(server, 'alice@loft.test');
    const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
    const expected = messages.map((m, i) => `${i + 1} ${hex(m.uid)}${hex(box.uidValidity)}`);
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'alice@loft.test');
    assert.deepEqual((await pop.multi('UIDL')).lines, expected);
    await pop.command('UIDL 3', true, new RegExp(`^${expected[2]}$`));
    await pop.quit();
  });

  test('an empty maildrop', async () => {
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'empty@loft.test');
    await pop.command('STAT', true, /^0 0$/);
    assert.deepEqual((await pop.multi('LIST', /^0 messages \(0 octets\)/)).lines, []);
    assert.deepEqual((await pop.multi('UIDL')).lines, []);
    await pop.command('RETR 1', false, /^No such message/);
    await pop.quit(/maildrop empty/);
  });
});

describe('TOP (RFC 1939 §7)', () => {
  test('the header, the blank line and exactly n body lines', async () => {
    const stored = (await mailboxContents(server, 'alice@loft.test'))[2]!.toString();
    const header = stored.slice(0, stored.indexOf('\r\n\r\n') + 4);
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'alice@loft.test');
    assert.equal((await pop.multi('TOP 3 0')).content.toString(), header);
    assert.equal((await pop.multi('TOP 3 2')).content.toString(), `${header}line 1\r\nline 2\r\n`);
    assert.equal((await pop.multi('TOP 3 1000')).content.toString(), stored, 'n past the end: whole message');
    const dots = await pop.multi('TOP 2 2');
    assert.ok(dots.raw.toString().endsWith('\r\n\r\n..\r\n...two\r\n'), 'TOP is byte-stuffed too');
    await pop.command('TOP 9 1', false, /^No such message/);
    await pop.quit();
  });
});

describe('DELE, RSET, QUIT', () => {
  test('DELE marks; marked messages vanish from STAT and LIST; RSET unmarks; nothing is removed', async () => {
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'alice@loft.test');
    const [, , s3] = (await pop.multi('LIST')).lines.map((l) => Number(l.split(' ')[1]));
    await pop.command('DELE 1', true, /^Message 1 deleted/);
    await pop.command('DELE 2', true);
    await pop.command('STAT', true, new RegExp(`^1 ${s3}$`));
    assert.deepEqual((await pop.multi('LIST')).lines, [`3 ${s3}`], 'message numbers do not change');
    assert.deepEqual(
      (await pop.multi('UIDL')).lines.map((l) => l.split(' ')[0]),
      ['3'],
    );
    await pop.command('DELE 1', false, /^Message 1 already deleted/);
    await pop.command('RETR 1', false, /already deleted/);
    await pop.command('TOP 2 0', false, /already deleted/);
    await pop.command('LIST 2', false, /already deleted/);
    await pop.command('UIDL 1', false, /already deleted/);
    await pop.command('RSET', true, /^Maildrop has 3 messages/);
    await pop.command('STAT', true, /^3 /);
    await pop.command('NOOP', true);
    await pop.quit(/3 messages left/);
    assert.equal((await mailboxContents(server, 'alice@loft.test')).length, 3);
  });

  test('QUIT in TRANSACTION state removes the marked messages (UPDATE state)', async () => {
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'bob@loft.test');
    await pop.command('DELE 1', true);
    await pop.quit(/signing off \(maildrop empty\)/);
    assert.equal((await mailboxContents(server, 'bob@loft.test')).length, 0);
  });

  test('QUIT in AUTHORIZATION state says goodbye and removes nothing', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    await pop.command('USER alice@loft.test', true);
    await pop.quit(/signing off/);
  });
});

describe('bad input in TRANSACTION state: a clear -ERR and the session goes on', () => {
  test('out of range, zero, huge, non-numeric, missing and extra arguments', async () => {
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'alice@loft.test');
    const cases: [string, RegExp][] = [
      ['RETR 0', /^No such message/],
      ['RETR 4', /^No such message/],
      ['LIST 99999999999999999999', /^No such message/],
      ['DELE 4294967296', /^No such message/],
      ['RETR', /^Syntax: RETR msg/],
      ['DELE', /^Syntax: DELE msg/],
      ['TOP 1', /^Syntax: TOP msg n/],
      ['RETR one', /^Invalid message number/],
      ['UIDL x', /^Invalid message number/],
      ['TOP 1 -2', /^Invalid line count/],
      ['STAT 1', /^STAT takes no arguments/],
      ['NOOP please', /^NOOP takes no arguments/],
      ['XYZZY', /^Unknown command/],
      ['', /^Unknown command/],
      ['USER alice@loft.test', /^USER is not valid after login/],
      ['PASS secret', /^PASS is not valid after login/],
      ['AUTH PLAIN', /^AUTH is not valid after login/],
      ['STLS', /^STLS is not valid after login/],
      ['UTF8', /^UTF8 is not valid after login/],
      ['APOP alice@loft.test 0123456789abcdef0123456789abcdef', /^APOP is not valid after login/],
    ];
    for (const [line, pattern] of cases) await pop.command(line, false, pattern);
    await pop.command('STAT', true, /^3 /);
    await pop.quit();
  });

  test('TRANSACTION commands before login are refused', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    for (const verb of ['STAT', 'LIST', 'RETR 1', 'DELE 1', 'NOOP', 'RSET', 'TOP 1 1', 'UIDL']) {
      await pop.command(verb, false, /is only valid after login/);
    }
    assert.ok((await pop.multi('CAPA')).lines.includes('TOP'), 'CAPA works in both states');
    await pop.quit();
  });
});
