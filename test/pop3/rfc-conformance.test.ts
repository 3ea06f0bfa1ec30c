/**
 * Conformance transcripts for the POP3 server: what a strict client expects from
 * RFC 1939, RFC 2449 (CAPA), RFC 5034 (SASL), RFC 3206 and RFC 6856 (UTF8). Each expectation
 * names the rule it checks.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { Pop3Dialog } from './dialog.ts';
import { b64, deliver } from './support.ts';

let server: TestServer;
const pop3 = () => server.ports.pop3!;

// Bodies as sent over SMTP (the helper adds CRLF "." CRLF and dot-stuffs).
const ALICE = [
  'Subject: plain\r\n\r\nline 1\r\nline 2\r\nline 3',
  'Subject: dots and 8-bit\r\n\r\n.\r\n..double\r\n.lead\r\nÆøå ünïcödé\r\n.',
  'Subject: header only\r\nX-Test: yes\r\n\r\n',
];

before(async () => {
  server = await startTestServer();
  await provision(
    server,
    ['loft.test'],
    ['alice@loft.test', 'bob@loft.test', 'carol@loft.test', 'dave@loft.test', 'erin@loft.test'],
  );
  for (const body of ALICE) await deliver(server, 'alice@loft.test', body);
  for (const n of [1, 2]) await deliver(server, 'bob@loft.test', `Subject: bob ${n}\r\n\r\nHi ${n}`);
  await deliver(server, 'dave@loft.test', 'Subject: dave\r\n\r\nHi');
});
after(() => server.close());

const plain = (user: string, password: string) => b64(`\0${user}\0${password}`);

describe('AUTHORIZATION state (RFC 1939 §4, §7)', () => {
  test('keywords are case-insensitive', async () => {
    const pop = await Pop3Dialog.greeted(pop3());
    // RFC 1939 §3: "Keywords are case-insensitive."
    await pop.command('user alice@loft.test', true);
    await pop.command('PaSs secret', true);
    await pop.command('stat', true, /^3 \d+$/);
    assert.equal((await pop.multi('list')).lines.length, 3);
    assert.equal((await pop.multi('Uidl')).lines.length, 3);
    await pop.multi('top 1 0');
    await pop.multi('retr 1');
    await pop.command('noop', true);
    await pop.command('rset', true);
    await pop.command('quit', true);
  });

  test('PASS without USER is -ERR; after a wrong PASS a new USER and the right PASS log in', async () => {
    const pop = await Pop3Dialog.greeted(pop3());
    // RFC 1939 §7 PASS: "may only be given in the AUTHORIZATION state immediately after a successful USER command".
    await pop.command('PASS secret', false);
    await pop.command('USER alice@loft.test', true);
    await pop.command('PASS wrong', false);
    // RFC 1939 §7: after -ERR the client "may either issue a new authentication command or may issue the QUIT command".
    await pop.command('USER bob@loft.test', true);
    await pop.command('USER alice@loft.test', true);
    await pop.command('PASS secret', true);
    await pop.command('STAT', true, /^3 /);
    await pop.quit();
  });

  test('APOP is refused when the greeting carries no timestamp', async () => {
    const pop = await Pop3Dialog.connect(pop3());
    const greeting = await pop.expectOk();
    // RFC 1939 §7 APOP: a server that implements APOP includes a timestamp (<...>) in its greeting.
    if (!/<[^>]+>/.test(greeting.text)) {
      await pop.command('APOP alice@loft.test c4c9334bac560ecc979e58001b3e22fb', false);
    }
    await pop.command('USER alice@loft.test', true);
    await pop.command('PASS secret', true);
    await pop.quit();
  });

  test('a session that ends without QUIT removes nothing', async () => {
    const pop = await Pop3Dialog.login(pop3(), 'bob@loft.test');
    await pop.command('DELE 1', true);
    await pop.command('DELE 2', true);
    pop.close();
    // RFC 1939 §6: without QUIT the session does NOT enter UPDATE and "MUST not remove any messages".
    await new Promise((r) => setTimeout(r, 200));
    const again = await Pop3Dialog.login(pop3(), 'bob@loft.test');
    await again.command('STAT', true, /^2 /);
    await again.quit();
    assert.equal((await mailboxContents(server, 'bob@loft.test')).length, 2);
  });
});

describe('TRANSACTION state (RFC 1939 §5, §7)', () => {
  test('STAT, LIST and RETR agree: octets are counted before byte-stuffing, 8-bit included', async () => {
    const stored = await mailboxContents(server, 'alice@loft.test');
    const pop = await Pop3Dialog.login(pop3(), 'alice@loft.test');
    const total = stored.reduce((n, m) => n + m.length, 0);
    // RFC 1939 §5 STAT: "+OK nn mm", mm the size of the maildrop in octets.
    await pop.command('STAT', true, new RegExp(`^3 ${total}$`));
    // RFC 1939 §5 LIST: scan listing "msg octets"; LIST msg: "+OK msg octets".
    const sizes = (await pop.multi('LIST')).lines.map((l) => Number(l.split(' ')[1]));
    for (let n = 1; n <= 3; n++) {
      await pop.command(`LIST ${n}`, true, new RegExp(`^${n} ${sizes[n - 1]}$`));
      const retr = await pop.multi(`RETR ${n}`);
      assert.equal(retr.content.length, sizes[n - 1], `message ${n}: LIST size = RETR octets`);
    }
    // RFC 1939 §3: lines starting with "." are byte-stuffed in multi-line responses.
    const raw = (await pop.multi('RETR 2')).raw.toString('utf8');
    assert.ok(
      raw.includes('\r\n\r\n..\r\n...double\r\n..lead\r\nÆøå ünïcödé\r\n..\r\n'),
      JSON.stringify(raw),
    );
    await pop.quit();
  });

  test('TOP n 0 is the header and the blank line; TOP past the end is the whole message', async () => {
    const stored = (await mailboxContents(server, 'alice@loft.test')).map((m) => m.toString('utf8'));
    const pop = await Pop3Dialog.login(pop3(), 'alice@loft.test');
    const header = (s: string) => s.slice(0, s.indexOf('\r\n\r\n') + 4);
    // RFC 1939 §7 TOP: the headers, the blank line separating them from the body, then n lines.
    assert.equal((await pop.multi('TOP 1 0')).content.toString('utf8'), header(stored[0]!));
    assert.equal((await pop.multi('TOP 1 1')).content.toString('utf8'), `${header(stored[0]!)}line 1\r\n`);
    // "If the number of lines requested ... is greater than the number of lines in the body, then
    // the POP3 server sends the entire message."
    assert.equal((await pop.multi('TOP 2 99')).content.toString('utf8'), stored[1]);
    assert.equal((await pop.multi('TOP 3 5')).content.toString('utf8'), stored[2]);
    await pop.quit();
  });

  test('a deleted message is gone for LIST n, RETR, TOP, UIDL n and DELE; RSET brings it back', async () => {
    const pop = await Pop3Dialog.login(pop3(), 'alice@loft.test');
    await pop.command('DELE 2', true);
    // RFC 1939 §5/§7: LIST/RETR/DELE/TOP/UIDL "may NOT refer to a message marked as deleted".
    await pop.command('LIST 2', false);
    await pop.command('RETR 2', false);
    await pop.command('TOP 2 0', false);
    await pop.command('UIDL 2', false);
    await pop.command('DELE 2', false);
    await pop.command('STAT', true, /^2 /);
    // RFC 1939 §5 RSET: "any messages marked as deleted by the POP3 server are unmarked".
    await pop.command('RSET', true);
    await pop.command('LIST 2', true, /^2 \d+$/);
    await pop.command('NOOP', true);
    await pop.quit();
    assert.equal((await mailboxContents(server, 'alice@loft.test')).length, 3);
  });

  test('UIDL ids are 1-70 characters from 0x21-0x7E, unique, and the same in the next session', async () => {
    const ids = async () => {
      const pop = await Pop3Dialog.login(pop3(), 'alice@loft.test');
      const lines = (await pop.multi('UIDL')).lines;
      // RFC 1939 §7 UIDL: "+OK msg unique-id" for one message.
      const one = await pop.command('UIDL 3', true);
      assert.equal(one.text, lines[2]);
      await pop.quit();
      return lines;
    };
    const first = await ids();
    for (const [i, line] of first.entries()) {
      // RFC 1939 §7 UIDL: "unique-id ... consists of one to 70 characters in the range 0x21 to 0x7E".
      assert.match(line, new RegExp(`^${i + 1} [\\x21-\\x7e]{1,70}$`));
    }
    assert.equal(new Set(first.map((l) => l.split(' ')[1])).size, first.length, 'unique');
    // "which uniquely identifies a message within a maildrop and which persists across sessions".
    assert.deepEqual(await ids(), first);
  });

  test('the terminating "." is on a line of its own even when the message lacks a final CRLF', async () => {
    // Put a message without a trailing CRLF into erin's INBOX through IMAP APPEND.
    const msg = 'Subject: no eol\r\n\r\nlast line without newline';
    const imap = net.connect({ host: '127.0.0.1', port: server.ports.imap! });
    let got = '';
    imap.on('data', (d) => {
      got += d.toString('latin1');
    });
    const until = async (re: RegExp) => {
      const deadline = Date.now() + 10_000;
      while (!re.test(got)) {
        assert.ok(Date.now() < deadline, `IMAP: ${got}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await until(/^\* OK/);
    imap.write('a LOGIN erin@loft.test secret\r\n');
    await until(/^a OK/m);
    imap.write(`b APPEND INBOX {${msg.length}}\r\n`);
    await until(/^\+/m);
    imap.write(`${msg}\r\n`);
    await until(/^b OK/m);
    imap.destroy();
    const pop = await Pop3Dialog.login(pop3(), 'erin@loft.test');
    // RFC 1939 §3: a multi-line response ends with CRLF "." CRLF; the "." is never glued to text.
    const retr = await pop.multi('RETR 1');
    assert.equal(retr.lines.at(-1), 'last line without newline');
    const top = await pop.multi('TOP 1 10');
    assert.equal(top.lines.at(-1), 'last line without newline');
    await pop.quit();
  });
});

describe('extensions (RFC 2449, RFC 5034, RFC 6856)', () => {
  const tags = (lines: string[]) => lines.map((l) => l.split(' ')[0]!.toUpperCase());

  test('CAPA works in both states and announces the AUTHORIZATION capabilities in both', async () => {
    const pop = await Pop3Dialog.greeted(pop3());
    // RFC 2449 §5: CAPA is valid in AUTHORIZATION and TRANSACTION states; a multi-line response.
    const before = await pop.multi('CAPA');
    await pop.command('USER alice@loft.test', true);
    await pop.command('PASS secret', true);
    const after = await pop.multi('CAPA');
    // RFC 2449 §5: "Capabilities available in the AUTHORIZATION state MUST be announced in both states."
    for (const tag of ['USER', 'SASL', 'UTF8']) {
      if (tags(before.lines).includes(tag)) assert.ok(tags(after.lines).includes(tag), `${tag} after login`);
    }
    // RFC 2449 §6: TOP, UIDL listed means the commands work (checked elsewhere in this file).
    assert.ok(tags(after.lines).includes('TOP') && tags(after.lines).includes('UIDL'));
    await pop.quit();
  });

  test('PIPELINING: commands sent together are answered in order', async () => {
    const pop = await Pop3Dialog.greeted(pop3());
    const capa = await pop.multi('CAPA');
    if (!tags(capa.lines).includes('PIPELINING')) return;
    // RFC 2449 §6.6: the server processes pipelined commands in order, one response each.
    pop.write(
      'USER alice@loft.test\r\nPASS secret\r\nSTAT\r\nLIST 1\r\nXYZZY\r\nUIDL 1\r\nTOP 1 0\r\nNOOP\r\n',
    );
    await pop.expectOk();
    await pop.expectOk();
    await pop.expectOk(/^3 /);
    await pop.expectOk(/^1 \d+$/);
    await pop.expectErr();
    await pop.expectOk(/^1 \S+$/);
    await pop.multiline();
    await pop.expectOk();
    await pop.quit();
  });

  test('AUTH PLAIN: "+ " continuation, "*" and bad base64 are -ERR, unknown mechanism -ERR, then success', async () => {
    const pop = await Pop3Dialog.greeted(pop3());
    // RFC 5034 §4: unsupported mechanism → -ERR.
    await pop.command('AUTH X-NO-SUCH-MECH', false);
    // RFC 5034 §4: a server challenge is "+" SP base64 (empty for PLAIN): exactly "+ ".
    pop.send('AUTH PLAIN');
    assert.equal((await pop.readLine())?.toString(), '+ ');
    // RFC 5034 §4: "*" cancels; the server "MUST reject the AUTH command by sending a -ERR reply".
    await pop.command('*', false);
    // RFC 5034 §4: "If the server cannot Base64 decode any client response, it MUST reject the
    // AUTH command with a -ERR reply."
    await pop.command('AUTH PLAIN %%%', false);
    pop.send('AUTH PLAIN');
    assert.equal((await pop.readLine())?.toString(), '+ ');
    await pop.command('%%%', false);
    // RFC 5034 §4: "=" is an empty initial response; an empty PLAIN message is a failure.
    await pop.command('AUTH PLAIN =', false);
    await pop.command(`AUTH PLAIN ${plain('carol@loft.test', 'wrong')}`, false);
    // RFC 5034 §4: the initial response saves a round trip; success → +OK, TRANSACTION state.
    await pop.command(`AUTH PLAIN ${plain('carol@loft.test', 'secret')}`, true);
    await pop.command('STAT', true, /^0 0$/);
    // RFC 5034 §4: AUTH is valid only in the AUTHORIZATION state.
    await pop.command(`AUTH PLAIN ${plain('carol@loft.test', 'secret')}`, false);
    await pop.quit();
  });

  test('AUTH PLAIN over a continuation line logs in', async () => {
    const pop = await Pop3Dialog.greeted(pop3());
    pop.send('AUTH PLAIN');
    assert.equal((await pop.readLine())?.toString(), '+ ');
    await pop.command(plain('dave@loft.test', 'secret'), true);
    await pop.command('STAT', true, /^1 /);
    await pop.quit();
  });

  test('a command line over 255 octets gets one -ERR and the session goes on', async () => {
    const pop = await Pop3Dialog.greeted(pop3());
    // RFC 2449 §4: commands are at most 255 octets including CRLF; an error is -ERR (RFC 1939 §3).
    pop.write(`USER ${'a'.repeat(400)}\r\nNOOP\r\n`);
    const err = await pop.expectErr();
    // RFC 1939 §3: responses are at most 512 octets including CRLF.
    assert.ok(err.line.length + 2 <= 512);
    // NOOP is a TRANSACTION command: exactly one -ERR for it, not one for the rest of the long line.
    await pop.expectErr();
    await pop.command('USER alice@loft.test', true);
    await pop.command('PASS secret', true);
    await pop.quit();
  });

  test('UTF8 in the AUTHORIZATION state is accepted when advertised, and login goes on', async () => {
    const pop = await Pop3Dialog.greeted(pop3());
    const capa = await pop.multi('CAPA');
    if (!tags(capa.lines).includes('UTF8')) return;
    // RFC 6856 §3.1: the UTF8 command is valid in the AUTHORIZATION state; +OK enables UTF-8.
    await pop.command('UTF8', true);
    // With "UTF8 USER" (RFC 6856 §3.2) a UTF-8 user name is allowed: an unknown one just fails login.
    pop.send('USER jörg@loft.test');
    if ((await pop.status())?.ok) await pop.command('PASS secret', false);
    await pop.command('USER dave@loft.test', true);
    await pop.command('PASS secret', true);
    // RFC 6856 §3.1: not valid in the TRANSACTION state.
    await pop.command('UTF8', false);
    await pop.quit();
  });
});
