/**
 * Bad input and limits, as raw transcripts: garbage and unknown commands (BAD, the session goes
 * on), commands in the wrong state, sequence numbers out of range and invalid sequence sets, the
 * command line limit, literals over the limit (refused before the continuation request, RFC 9051
 * §7.5; non-synchronizing ones read and discarded, RFC 7888 §4), overflowing literal sizes, deep
 * nesting, huge sequence sets, LOGINDISABLED without TLS (RFC 9051 §6.2.3), failed logins
 * delayed and rate-limited, STARTTLS injection, autologout (RFC 9051 §5.4), connections per IP and
 * per user (NO [LIMIT], RFC 5530), and backpressure on a client that pipelines without reading.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { deliverMany } from '../pop3/support.ts';
import { ImapDialog } from './dialog.ts';

const LINE_LIMIT = 2048;
const LITERAL_LIMIT = 1000;

let server: TestServer;

before(async () => {
  server = await startTestServer({
    imap: { max_line_length: LINE_LIMIT, append_limit: LITERAL_LIMIT },
    auth: { max_failures_per_ip: 1000 },
  });
  await provision(server, ['loft.test'], ['alice@loft.test']);
  await deliverMany(server, 'alice@loft.test', 3);
});
after(() => server.close());

/** A logged-in session with INBOX (3 messages) selected. */
async function selected(): Promise<ImapDialog> {
  const imap = await ImapDialog.login(server.ports.imap!, 'alice@loft.test');
  const select = await imap.ok('SELECT INBOX');
  assert.ok(select.untagged.includes('* 3 EXISTS'));
  return imap;
}

describe('garbage, unknown commands, wrong state', () => {
  test('garbage and unknown commands get BAD, and the session goes on', async () => {
    const imap = await ImapDialog.greeted(server.ports.imap!);
    imap.send('garbage');
    assert.match((await imap.response())!, /^garbage BAD /);
    imap.send('');
    assert.match((await imap.response())!, /^\* BAD /, 'an empty line has no tag: untagged BAD');
    imap.send('(((( ))))');
    assert.match((await imap.response())!, /^\* BAD /, 'no valid tag: untagged BAD');
    imap.write('t0 NOOP\x00\x01\xff\r\n');
    assert.match((await imap.response())!, /^t0 BAD /);
    await imap.expect('FROBNICATE now', 'BAD');
    await imap.expect('NOOP extra arguments', 'BAD');
    await imap.expect('LOGIN onlyuser', 'BAD');
    await imap.ok('NOOP');
    await imap.ok('LOGIN alice@loft.test secret');
    await imap.logout();
  });

  test('SELECT and LIST before LOGIN, FETCH without SELECT, LOGIN twice: BAD', async () => {
    const imap = await ImapDialog.greeted(server.ports.imap!);
    await imap.expect('SELECT INBOX', 'BAD', /Log in first/);
    await imap.expect('LIST "" "*"', 'BAD', /Log in first/);
    await imap.expect('FETCH 1 FLAGS', 'BAD', /Log in first/);
    await imap.expect('ENABLE IMAP4rev2', 'BAD');
    await imap.ok('LOGIN alice@loft.test secret');
    await imap.expect('FETCH 1 FLAGS', 'BAD', /Select a mailbox first/);
    await imap.expect('STORE 1 +FLAGS (\\Seen)', 'BAD', /Select a mailbox first/);
    await imap.expect('EXPUNGE', 'BAD', /Select a mailbox first/);
    await imap.expect('CLOSE', 'BAD');
    await imap.expect('LOGIN alice@loft.test secret', 'BAD');
    await imap.expect('STARTTLS', 'BAD');
    await imap.ok('SELECT INBOX');
    await imap.ok('FETCH 1 FLAGS');
    await imap.logout();
  });
});

describe('sequence sets', () => {
  test('sequence numbers beyond the last message are BAD; UIDs that do not exist are skipped', async () => {
    const imap = await selected();
    await imap.expect('FETCH 4 FLAGS', 'BAD');
    await imap.expect('FETCH 2:4 FLAGS', 'BAD');
    await imap.expect('STORE 9 +FLAGS (\\Seen)', 'BAD');
    const fetched = await imap.ok('FETCH 1:* UID');
    assert.deepEqual(fetched.untagged, ['* 1 FETCH (UID 1)', '* 2 FETCH (UID 2)', '* 3 FETCH (UID 3)']);
    const byUid = await imap.ok('UID FETCH 3:99 UID');
    assert.deepEqual(byUid.untagged, ['* 3 FETCH (UID 3)']);
    const none = await imap.ok('UID FETCH 50:60 FLAGS');
    assert.deepEqual(none.untagged, []);
    await imap.logout();
  });

  test('invalid sequence sets are BAD', async () => {
    const imap = await selected();
    for (const set of [
      '0',
      '1:0',
      '1:x',
      '-1',
      '1::2',
      '1,,2',
      '4294967296',
      '99999999999999999999',
      '1:*:2',
    ]) {
      await imap.expect(`FETCH ${set} FLAGS`, 'BAD');
    }
    await imap.expect('UID FETCH 0:1 FLAGS', 'BAD');
    await imap.ok('NOOP');
    await imap.logout();
  });

  test('huge sequence sets: too many ranges are refused, wide ranges answer fast', async () => {
    const imap = await selected();
    const many = Array.from({ length: 10_001 }, () => '1').join(',');
    await imap.expect(`UID FETCH ${Array(900).fill('1').join(',')} UID`, 'OK');
    // Over the parser's range count (10,000) but under the line limit of a default server.
    const big = await startTestServer({ auth: { max_failures_per_ip: 1000 } });
    try {
      await provision(big, ['loft.test'], ['alice@loft.test']);
      const other = await ImapDialog.login(big.ports.imap!, 'alice@loft.test');
      await other.ok('SELECT INBOX');
      await other.expect(`UID FETCH ${many} UID`, 'BAD', /range/i);
      await other.ok('NOOP');
      await other.logout();
    } finally {
      await big.close();
    }
    const started = Date.now();
    const wide = await imap.ok('UID FETCH 1:4294967295 UID');
    assert.equal(wide.untagged.length, 3);
    await imap.ok('UID FETCH 4294967295:1,2:4000000000,1:* UID');
    assert.ok(Date.now() - started < 2000, 'wide UID ranges are not enumerated');
    await imap.logout();
  });
});

describe('line and literal limits', () => {
  test(`a command line of ${LINE_LIMIT} octets is read, one more is BAD, a 100 kB line too`, async () => {
    const imap = await selected();
    const exact = (length: number): string => {
      const tag = 'L1';
      const head = `${tag} FETCH 1`;
      const tail = ' UID';
      const filler = ',1'.repeat((length - head.length - tail.length) / 2);
      const line = `${head}${filler}${tail}`;
      assert.equal(line.length, length);
      return line;
    };
    imap.send(exact(LINE_LIMIT));
    assert.equal(await imap.response(), '* 1 FETCH (UID 1)');
    assert.match((await imap.response())!, /^L1 OK /);
    imap.send(`${exact(LINE_LIMIT)},1`);
    assert.match((await imap.response())!, /^L1 BAD .*too long/i);
    imap.send(`L2 NOOP ${'x'.repeat(100_000)}`);
    assert.match((await imap.response())!, /^L2 BAD .*too long/i);
    await imap.ok('NOOP');
    await imap.logout();
  });

  test('a synchronizing literal within the limit gets "+", one over it BAD [TOOBIG] and no "+"', async () => {
    const imap = await ImapDialog.greeted(server.ports.imap!);
    imap.send(`a1 LOGIN {${'alice@loft.test'.length}}`);
    assert.match((await imap.response())!, /^\+ /, 'continuation request');
    imap.send('alice@loft.test secret');
    assert.match((await imap.response())!, /^a1 OK /);
    await imap.logout();

    const other = await ImapDialog.greeted(server.ports.imap!);
    other.send(`a2 LOGIN {${LITERAL_LIMIT + 1}}`);
    const refused = await other.response();
    assert.match(refused!, /^a2 (NO|BAD) \[TOOBIG\]/, `refused before "+": ${refused}`);
    await other.ok('NOOP');
    await other.logout();
  });

  test('APPEND of a message over APPENDLIMIT is refused before "+"', async () => {
    const imap = await ImapDialog.login(server.ports.imap!, 'alice@loft.test');
    const caps = await imap.ok('CAPABILITY');
    assert.match(caps.untagged[0]!, new RegExp(`APPENDLIMIT=${LITERAL_LIMIT}\\b`));
    imap.send(`a3 APPEND INBOX {${LITERAL_LIMIT + 1}}`);
    assert.match((await imap.response())!, /^a3 (NO|BAD) \[TOOBIG\]/);
    await imap.ok('NOOP');
    await imap.logout();
  });

  test('APPEND before LOGIN is refused before "+"', async () => {
    const imap = await ImapDialog.greeted(server.ports.imap!);
    imap.send('a4 APPEND INBOX {10}');
    assert.match((await imap.response())!, /^a4 (NO|BAD) /);
    await imap.ok('NOOP');
    imap.close();
  });

  test('a non-synchronizing literal over the limit is read, discarded and refused', async () => {
    const imap = await ImapDialog.greeted(server.ports.imap!);
    imap.write(`a5 LOGIN {${LITERAL_LIMIT + 1}+}\r\n${'x'.repeat(LITERAL_LIMIT + 1)} secret\r\n`);
    assert.match((await imap.response())!, /^a5 BAD \[TOOBIG\]/);
    // Nothing of the literal was taken as a command.
    await imap.ok('NOOP');
    await imap.ok('LOGIN alice@loft.test secret');
    await imap.logout();
  });

  test('literal sizes that overflow are refused without "+"', async () => {
    const imap = await ImapDialog.greeted(server.ports.imap!);
    for (const size of ['4294967296', '18446744073709551617', '99999999999999999999999999999999']) {
      imap.send(`o1 LOGIN {${size}}`);
      const reply = await imap.response();
      assert.match(reply!, /^o1 (BAD|NO) /, `{${size}} → ${reply}`);
    }
    await imap.ok('NOOP');
    // A non-synchronizing literal of a size that cannot be read: the stream cannot be followed.
    imap.send('o2 LOGIN {99999999999999999999999999+}');
    const reply = await imap.response();
    assert.match(reply!, /^o2 BAD /);
    const next = await imap.response();
    if (next !== undefined) {
      assert.match(next, /^\* BYE /);
      assert.ok(await imap.closedByServer());
    }
    imap.close();
  });

  test('deep parenthesis nesting in SEARCH and FETCH is BAD, without crashing', async () => {
    const imap = await selected();
    const depth = 10_000;
    await imap.expect(
      `FETCH 1 ${'('.repeat(depth)}FLAGS${')'.repeat(depth)}`.slice(0, LINE_LIMIT - 5),
      'BAD',
    );
    await imap.expect(`SEARCH ${'('.repeat(900)}ALL${')'.repeat(900)}`, 'BAD', /Too deeply nested/);
    await imap.expect(`SEARCH ${'NOT '.repeat(400)}ALL`, 'BAD', /Too deeply nested/);
    await imap.expect(`SEARCH ${'OR ALL '.repeat(250)}ALL`, 'BAD', /Too deeply nested/);
    // Within the limit the nesting itself is no error.
    const shallow = await imap.ok(`SEARCH ${'('.repeat(20)}ALL${')'.repeat(20)}`);
    assert.deepEqual(shallow.untagged, ['* SEARCH 1 2 3']);
    await imap.expect('FETCH 1 (FLAGS (UID))', 'BAD');
    await imap.ok('NOOP');
    await imap.logout();
  });
});

describe('LOGIN without TLS when auth.plaintext = "tls"', () => {
  let strict: TestServer;
  before(async () => {
    strict = await startTestServer({ auth: { plaintext: 'tls', max_failures_per_ip: 1000 } });
    await provision(strict, ['loft.test'], ['alice@loft.test']);
  });
  after(() => strict.close());

  test('LOGINDISABLED, NO [PRIVACYREQUIRED]; after STARTTLS LOGIN works', async () => {
    const imap = await ImapDialog.greeted(strict.ports.imap!);
    const caps = (await imap.ok('CAPABILITY')).untagged[0]!;
    assert.match(caps, /\bLOGINDISABLED\b/);
    assert.match(caps, /\bSTARTTLS\b/);
    assert.doesNotMatch(caps, /AUTH=PLAIN/);
    await imap.expect('LOGIN alice@loft.test secret', 'NO', /\[PRIVACYREQUIRED\]/);
    await imap.expect('AUTHENTICATE PLAIN AGFsaWNlQGxvZnQudGVzdABzZWNyZXQ=', 'NO');
    await imap.ok('STARTTLS');
    await imap.startTls();
    const after = (await imap.ok('CAPABILITY')).untagged[0]!;
    assert.doesNotMatch(after, /LOGINDISABLED|STARTTLS/);
    assert.match(after, /AUTH=PLAIN/);
    await imap.ok('LOGIN alice@loft.test secret');
    await imap.logout();
  });

  test('implicit TLS (imaps) allows LOGIN', async () => {
    const imap = await ImapDialog.greeted(strict.ports.imaps!, { tls: true });
    const caps = (await imap.ok('CAPABILITY')).untagged[0]!;
    assert.doesNotMatch(caps, /LOGINDISABLED|STARTTLS/);
    await imap.ok('LOGIN alice@loft.test secret');
    await imap.logout();
  });
});

describe('failed logins', () => {
  let guarded: TestServer;
  before(async () => {
    guarded = await startTestServer({ auth: { failure_delay: 0.3, max_failures_per_ip: 3 } });
    await provision(guarded, ['loft.test'], ['alice@loft.test']);
  });
  after(() => guarded.close());

  test('each failure is delayed; past the limit even the right password is refused', async () => {
    const imap = await ImapDialog.greeted(guarded.ports.imap!);
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      await imap.expect('LOGIN alice@loft.test wrong', 'NO', /\[AUTHENTICATIONFAILED\]/);
      assert.ok(Date.now() - started >= 280, `failure ${i + 1} delayed (${Date.now() - started} ms)`);
    }
    await imap.expect('LOGIN alice@loft.test secret', 'NO', /\[UNAVAILABLE\]/);
    imap.close();
    // The limit is per IP, not per connection.
    const again = await ImapDialog.greeted(guarded.ports.imap!);
    await again.expect('LOGIN alice@loft.test secret', 'NO', /\[UNAVAILABLE\]/);
    await again.expect('AUTHENTICATE PLAIN AGFsaWNlQGxvZnQudGVzdABzZWNyZXQ=', 'NO');
    again.close();
  });
});

describe('STARTTLS injection', () => {
  test('commands pipelined after STARTTLS are discarded (CVE-2011-0411)', async () => {
    const imap = await ImapDialog.greeted(server.ports.imap!);
    imap.write('s1 STARTTLS\r\ns2 LOGIN alice@loft.test secret\r\ns3 CAPABILITY\r\n');
    assert.match((await imap.response())!, /^s1 OK /);
    await imap.startTls();
    // The injected commands were never run: no answer to s2 or s3 arrives over TLS.
    const caps = await imap.ok('CAPABILITY');
    assert.equal(caps.untagged.length, 1);
    assert.match(caps.untagged[0]!, /^\* CAPABILITY /);
    await imap.expect('SELECT INBOX', 'BAD', /Log in first/);
    await imap.ok('LOGIN alice@loft.test secret');
    await imap.logout();
  });
});

describe('autologout and connections per IP', () => {
  let short: TestServer;
  before(async () => {
    short = await startTestServer({
      imap: { idle_timeout: 1 },
      limits: { connections_per_ip: 2 },
      auth: { max_failures_per_ip: 1000 },
    });
    await provision(short, ['loft.test'], ['alice@loft.test']);
  });
  after(() => short.close());

  test('an idle session gets "* BYE" and is closed (idle_timeout 1 s)', async () => {
    const before = await ImapDialog.greeted(short.ports.imap!);
    const started = Date.now();
    assert.match((await before.response(5000))!, /^\* BYE /);
    assert.ok(await before.closedByServer(2000));
    assert.ok(Date.now() - started >= 900, 'not before the timeout');
    const authed = await ImapDialog.login(short.ports.imap!, 'alice@loft.test');
    await authed.ok('SELECT INBOX');
    assert.match((await authed.response(5000))!, /^\* BYE /);
    assert.ok(await authed.closedByServer(2000));
  });

  test('IDLE is logged out too after the timeout', async () => {
    const imap = await ImapDialog.login(short.ports.imap!, 'alice@loft.test');
    await imap.ok('SELECT INBOX');
    imap.send('i1 IDLE');
    assert.match((await imap.response())!, /^\+ /);
    const rest: string[] = [];
    for (let line = await imap.response(5000); line !== undefined; line = await imap.response(5000)) {
      rest.push(line);
    }
    assert.ok(
      rest.some((l) => l.startsWith('* BYE ')),
      `BYE: ${rest.join(' | ')}`,
    );
  });

  test('a third connection from one IP is refused with BYE', async () => {
    const one = await ImapDialog.greeted(short.ports.imap!);
    const two = await ImapDialog.greeted(short.ports.imap!);
    const three = await ImapDialog.connect(short.ports.imap!);
    assert.match((await three.response())!, /^\* BYE /);
    assert.ok(await three.closedByServer(2000));
    // Implicit TLS shares the limit: the connection is dropped.
    const four = await ImapDialog.connect(short.ports.imaps!, { tls: true }).catch(() => undefined);
    if (four) assert.ok(await four.closedByServer(2000));
    one.close();
    assert.ok(await one.closedByServer(2000));
    await new Promise((r) => setTimeout(r, 100));
    const five = await ImapDialog.greeted(short.ports.imap!);
    await five.ok('NOOP');
    five.close();
    two.close();
  });
});

describe('connections per user', () => {
  let small: TestServer;
  before(async () => {
    small = await startTestServer({
      imap: { max_connections_per_user: 2 },
      auth: { max_failures_per_ip: 1000 },
    });
    await provision(small, ['loft.test'], ['alice@loft.test', 'bob@loft.test']);
  });
  after(() => small.close());

  test('past imap.max_connections_per_user a login is NO [LIMIT], over imap and imaps alike', async () => {
    const one = await ImapDialog.login(small.ports.imap!, 'alice@loft.test');
    const two = await ImapDialog.login(small.ports.imaps!, 'alice@loft.test', 'secret', { tls: true });
    const three = await ImapDialog.greeted(small.ports.imap!);
    await three.expect('LOGIN alice@loft.test secret', 'NO', /^NO \[LIMIT\] /);
    const plain = Buffer.from('\0alice@loft.test\0secret').toString('base64');
    await three.expect(`AUTHENTICATE PLAIN ${plain}`, 'NO', /^NO \[LIMIT\] /);
    // Still not logged in, and other users are not affected.
    await three.expect('SELECT INBOX', 'BAD', /Log in first/);
    const bob = await ImapDialog.login(small.ports.imap!, 'bob@loft.test');
    // A session that ends gives its place back, however it ends.
    await one.logout();
    two.close();
    assert.ok(await two.closedByServer(2000));
    await new Promise((r) => setTimeout(r, 100));
    await three.ok('LOGIN alice@loft.test secret');
    const four = await ImapDialog.login(small.ports.imap!, 'alice@loft.test');
    const five = await ImapDialog.greeted(small.ports.imap!);
    await five.expect('LOGIN alice@loft.test secret', 'NO', /\[LIMIT\]/);
    await three.logout();
    await four.logout();
    five.close();
    await bob.logout();
  });

  test('a wrong password past the limit is still an authentication failure', async () => {
    const one = await ImapDialog.login(small.ports.imap!, 'bob@loft.test');
    const two = await ImapDialog.login(small.ports.imap!, 'bob@loft.test');
    const three = await ImapDialog.greeted(small.ports.imap!);
    await three.expect('LOGIN bob@loft.test wrong', 'NO', /AUTHENTICATIONFAILED/);
    await one.logout();
    await two.logout();
    three.close();
  });
});

describe('pipelining without reading', () => {
  test('a client that writes thousands of commands and never reads meets backpressure; others are served', async () => {
    const flood = net.connect({ host: '127.0.0.1', port: server.ports.imap! });
    await new Promise<void>((resolve, reject) => {
      flood.once('connect', resolve);
      flood.once('error', reject);
    });
    // Never read: the socket stays paused, so what the server sends piles up in the kernel.
    flood.pause();
    flood.on('error', () => {});
    const chunk = Buffer.from('a NOOP\r\n'.repeat(8192)); // 64 kB, 8192 commands
    const cap = 256 * 1024 * 1024;
    let written = 0;
    let blocked = false;
    while (written < cap) {
      written += chunk.length;
      if (flood.write(chunk)) continue;
      // The server stops reading once its output cannot be written: no drain comes.
      const drained = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 1500);
        flood.once('drain', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (!drained) {
        blocked = true;
        break;
      }
    }
    assert.ok(blocked, `the server read ${written} octets of commands without its answers being read`);
    // Meanwhile another client is served as usual.
    const other = await selected();
    await other.ok('NOOP');
    await other.ok('FETCH 1:3 (FLAGS)');
    await other.logout();
    flood.destroy();
  });

  test('a long pipeline read at the end gets every answer, in order', async () => {
    const imap = await selected();
    const count = 20_000;
    const commands: string[] = [];
    for (let i = 0; i < count; i++) commands.push(`p${i} ${i % 2 === 0 ? 'NOOP' : 'FETCH 1 (FLAGS)'}`);
    imap.write(`${commands.join('\r\n')}\r\n`);
    for (let i = 0; i < count; i++) {
      const reply = await imap.until(`p${i}`);
      assert.match(reply.tagged, new RegExp(`^p${i} OK `));
    }
    await imap.logout();
  });
});
