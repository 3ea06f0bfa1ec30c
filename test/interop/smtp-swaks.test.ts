/**
 * Interoperability with swaks (the "Swiss Army Knife for SMTP", Debian package `swaks`, run as a
 * real process): MX delivery, STARTTLS with AUTH PLAIN and LOGIN, implicit TLS, pipelined
 * envelopes, an 8-bit body stored byte for byte, and the exit codes swaks gives for refusals.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { type RunResult, requireTool, run, splitTrace, tempDir } from './tools.ts';

let server: TestServer;
let scratch: Awaited<ReturnType<typeof tempDir>>;

before(async () => {
  await requireTool('swaks', 'swaks', ['--version']);
  // -tls needs Net::SSLeay, only a Recommends of the swaks package.
  const support = await run('swaks', ['--support']);
  assert.match(
    `${support.stdout}${support.stderr}`,
    /TLS supported/,
    'swaks has no TLS support: apt-get install libnet-ssleay-perl (.ci/run must install it)',
  );
  scratch = await tempDir();
  server = await startTestServer();
  await provision(
    server,
    ['loft.test'],
    ['alice@loft.test', 'bob@loft.test', ['carol@loft.test', 'pa ss wörd']],
  );
});
after(async () => {
  await server?.close();
  await scratch?.remove();
});

function swaks(args: string[]): Promise<RunResult> {
  return run('swaks', ['--server', '127.0.0.1', '--helo', 'swaks.client.test', '--timeout', '30', ...args], {
    timeoutMs: 60_000,
  });
}

function ok(result: RunResult): string {
  assert.equal(result.code, 0, `swaks exited ${result.code}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

/**
 * The lines swaks sent (` ->`, or ` ~>` inside TLS) and received (`<- `, `<~ `; an unexpected
 * reply is marked `<**` in plaintext and `<~*` inside TLS), in order.
 */
function transcript(stdout: string): string[] {
  return stdout.split('\n').filter((l) => /^ [-~]> |^<[-~*][ *] /.test(l));
}

/** swaks' default message: headers it fills in, then "This is a test mailing". */
function assertSwaksDefaultMessage(content: Buffer, to: string, from: string): void {
  const text = content.toString('utf8');
  assert.match(
    text,
    new RegExp(
      `^Date: .+\\r\\nTo: ${to.replace(/\./g, '\\.')}\\r\\nFrom: ${from.replace(/\./g, '\\.')}\\r\\n`,
    ),
  );
  assert.match(text, /^X-Mailer: swaks v/m);
  assert.match(text, /\r\n\r\nThis is a test mailing\r\n/);
}

describe('swaks on the MX port', () => {
  test('plain delivery to a local user', async () => {
    const out = ok(
      await swaks([
        '--port',
        String(server.ports.smtp),
        '--to',
        'alice@loft.test',
        '--from',
        'x@elsewhere.example',
      ]),
    );
    assert.match(out, /^<- {2}250 2\.0\.0 OK: queued as \S+$/m);
    assert.ok(!transcript(out).includes(' -> STARTTLS'), 'no TLS unless asked for');
    const stored = splitTrace((await mailboxContents(server, 'alice@loft.test')).at(-1)!);
    assert.equal(stored.returnPath, 'Return-Path: <x@elsewhere.example>');
    assert.match(
      stored.received,
      /^Received: from swaks\.client\.test \(\[127\.0\.0\.1\]\) by mx\.loft\.test \(Loft\) with ESMTP id \S+ for <alice@loft\.test>; /,
    );
    assertSwaksDefaultMessage(stored.content, 'alice@loft.test', 'x@elsewhere.example');
  });

  test('an 8-bit body (UTF-8 and a stray Latin-1 byte) is stored byte-exact, dots unstuffed', async () => {
    const body = Buffer.concat([
      Buffer.from(
        'From: x@elsewhere.example\r\nTo: bob@loft.test\r\nSubject: 8-bit body\r\nMIME-Version: 1.0\r\n' +
          'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' +
          'Grüße, café, naïve – ünïcödé ✓\r\n.a line starting with a dot\r\n..two dots\r\n',
      ),
      Buffer.from([0x6c, 0x61, 0x74, 0x69, 0x6e, 0x31, 0x3a, 0x20, 0xe9, 0x0d, 0x0a]),
      Buffer.from('end\r\n'),
    ]);
    const file = path.join(scratch.dir, '8bit.eml');
    await writeFile(file, body);
    const out = ok(
      await swaks([
        '--port',
        String(server.ports.smtp),
        '--to',
        'bob@loft.test',
        '--from',
        'x@elsewhere.example',
        '--data',
        `@${file}`,
      ]),
    );
    // swaks dot-stuffs on the wire; Loft must remove exactly that.
    assert.match(out, /^ -> \.\.a line starting with a dot\r?$/m);
    assert.match(out, /^ -> \.\.\.two dots\r?$/m);
    // swaks always adds a CRLF before the final dot, even after a CRLF: one empty line more.
    const expected = Buffer.concat([body, Buffer.from('\r\n')]);
    const stored = splitTrace((await mailboxContents(server, 'bob@loft.test')).at(-1)!);
    assert.ok(
      stored.content.equals(expected),
      `stored content differs:\n${stored.content.toString('latin1')}`,
    );
  });

  test('--pipeline: the envelope goes out in one batch and every reply comes back in order', async () => {
    const before = (await mailboxContents(server, 'bob@loft.test')).length;
    const out = ok(
      await swaks([
        '--port',
        String(server.ports.smtp),
        '--pipeline',
        '--to',
        'bob@loft.test,alice+pipe@loft.test,nobody@loft.test',
        '--from',
        'x@elsewhere.example',
      ]),
    );
    const lines = transcript(out);
    const mail = lines.findIndex((l) => l.startsWith(' -> MAIL FROM:'));
    assert.deepEqual(lines.slice(mail, mail + 9), [
      ' -> MAIL FROM:<x@elsewhere.example>',
      ' -> RCPT TO:<bob@loft.test>',
      ' -> RCPT TO:<alice+pipe@loft.test>',
      ' -> RCPT TO:<nobody@loft.test>',
      ' -> DATA',
      '<-  250 2.1.0 Sender OK',
      '<-  250 2.1.5 Recipient OK',
      '<-  250 2.1.5 Recipient OK',
      '<** 550 5.1.1 No such user here',
    ]);
    assert.equal(lines[mail + 9], '<-  354 End data with <CR><LF>.<CR><LF>');
    assert.equal((await mailboxContents(server, 'bob@loft.test')).length, before + 1);
    const alice = splitTrace((await mailboxContents(server, 'alice@loft.test')).at(-1)!);
    assert.match(
      alice.content.toString(),
      /^To: bob@loft\.test,alice\+pipe@loft\.test,nobody@loft\.test\r$/m,
    );
  });

  test('relaying is refused: swaks exits 24 (no RCPT accepted) with 554 5.7.1', async () => {
    const result = await swaks([
      '--port',
      String(server.ports.smtp),
      '--to',
      'someone@elsewhere.example',
      '--from',
      'x@elsewhere.example',
    ]);
    assert.equal(result.code, 24, result.stdout);
    assert.match(result.stdout, /^<\*\* 554 5\.7\.1 Relay access denied$/m);
  });
});

describe('swaks on the submission ports', () => {
  test('-tls --auth PLAIN', async () => {
    const out = ok(
      await swaks([
        '--port',
        String(server.ports.submission),
        '-tls',
        '--auth',
        'PLAIN',
        '--auth-user',
        'alice@loft.test',
        '--auth-password',
        'secret',
        '--to',
        'bob@loft.test',
        '--from',
        'alice@loft.test',
      ]),
    );
    const lines = transcript(out);
    assert.ok(lines.includes('<-  220 2.0.0 Ready to start TLS'));
    assert.ok(lines.some((l) => l.startsWith(' ~> AUTH PLAIN ')));
    assert.ok(lines.includes('<~  235 2.7.0 Authentication successful'));
    // After TLS, EHLO offers REQUIRETLS and no longer STARTTLS (RFC 3207 §4.2, RFC 8689).
    assert.ok(lines.includes('<~  250-REQUIRETLS'));
    assert.ok(!lines.some((l) => l.startsWith('<~') && l.includes('STARTTLS')));
    const stored = splitTrace((await mailboxContents(server, 'bob@loft.test')).at(-1)!);
    assert.equal(stored.returnPath, 'Return-Path: <alice@loft.test>');
    assert.match(stored.received, /with ESMTPSA \(TLSv1\.[23] /);
    assertSwaksDefaultMessage(stored.content, 'bob@loft.test', 'alice@loft.test');
  });

  test('-tls --auth LOGIN with a password containing spaces and UTF-8, pipelined', async () => {
    const out = ok(
      await swaks([
        '--port',
        String(server.ports.submission),
        '-tls',
        '--pipeline',
        '--auth',
        'LOGIN',
        '--auth-user',
        'carol@loft.test',
        '--auth-password',
        'pa ss wörd',
        '--to',
        'alice@loft.test,bob@loft.test',
        '--from',
        'carol@loft.test',
        '--header',
        'Subject: from carol',
      ]),
    );
    const lines = transcript(out);
    assert.ok(lines.includes(' ~> AUTH LOGIN'));
    assert.equal(lines.filter((l) => l.startsWith('<~  334 ')).length, 2, 'username and password challenges');
    assert.ok(lines.includes('<~  235 2.7.0 Authentication successful'));
    for (const who of ['alice@loft.test', 'bob@loft.test']) {
      const stored = splitTrace((await mailboxContents(server, who)).at(-1)!);
      assert.equal(stored.returnPath, 'Return-Path: <carol@loft.test>');
      assert.match(stored.content.toString(), /^Subject: from carol\r$/m);
    }
  });

  test('--tls-on-connect on the submissions port', async () => {
    const out = ok(
      await swaks([
        '--port',
        String(server.ports.submissions),
        '--tls-on-connect',
        '--auth',
        'PLAIN',
        '--auth-user',
        'bob@loft.test',
        '--auth-password',
        'secret',
        '--to',
        'alice@loft.test',
        '--from',
        'bob+sent@loft.test',
      ]),
    );
    assert.match(out, /^<~ {2}220 mx\.loft\.test ESMTP/m);
    const stored = splitTrace((await mailboxContents(server, 'alice@loft.test')).at(-1)!);
    assert.equal(stored.returnPath, 'Return-Path: <bob+sent@loft.test>');
    assert.match(stored.received, /with ESMTPSA /);
  });

  test('a wrong password: 535 and swaks exits 28 (AUTH error)', async () => {
    const result = await swaks([
      '--port',
      String(server.ports.submission),
      '-tls',
      '--auth',
      'PLAIN',
      '--auth-user',
      'alice@loft.test',
      '--auth-password',
      'guess',
      '--to',
      'bob@loft.test',
      '--from',
      'alice@loft.test',
    ]);
    assert.equal(result.code, 28, result.stdout);
    assert.match(result.stdout, /^<~\* 535 5\.7\.8 Authentication credentials invalid$/m);
    assert.doesNotMatch(result.stdout, /MAIL FROM/);
  });

  test('no AUTH at all: MAIL is refused with 530 and swaks exits 23', async () => {
    const result = await swaks([
      '--port',
      String(server.ports.submission),
      '-tls',
      '--to',
      'bob@loft.test',
      '--from',
      'alice@loft.test',
    ]);
    assert.equal(result.code, 23, result.stdout);
    assert.match(result.stdout, /^<~\* 530 5\.7\.0 Authentication required$/m);
  });
});
