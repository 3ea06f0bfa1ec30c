/**
 * Interoperability with curl's SMTP support (libcurl, run as a real `curl` process): smtp:// to
 * the MX port, smtp:// with --ssl-reqd (STARTTLS) and --user on the submission port, smtps://
 * (implicit TLS) on the submissions port, partial recipient failure, and a refused login.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { type RunResult, requireTool, run, splitTrace, tempDir } from './tools.ts';

let server: TestServer;
let scratch: Awaited<ReturnType<typeof tempDir>>;
let counter = 0;

before(async () => {
  await requireTool('curl', 'curl', ['--version']);
  const version = await run('curl', ['--version']);
  assert.match(version.stdout, /^Protocols: .*\bsmtps?\b/m, 'curl is built with SMTP support');
  scratch = await tempDir();
  server = await startTestServer();
  await provision(server, ['loft.test'], ['alice@loft.test', 'bob@loft.test']);
});
after(async () => {
  await server?.close();
  await scratch?.remove();
});

/** Writes the message to a file for `-T` and returns its path. */
async function messageFile(content: string | Buffer): Promise<string> {
  const file = path.join(scratch.dir, `message-${++counter}.eml`);
  await writeFile(file, content);
  return file;
}

/** Runs curl verbosely (the SMTP dialogue goes to stderr as `> ` and `< ` lines). */
function curl(args: string[]): Promise<RunResult> {
  return run('curl', ['--silent', '--show-error', '--verbose', '--max-time', '30', ...args], {
    timeoutMs: 60_000,
  });
}

function ok(result: RunResult): string[] {
  assert.equal(result.code, 0, `curl exited ${result.code}:\n${result.stderr}`);
  return dialogue(result);
}

/** The SMTP lines curl sent (`> `) and received (`< `), CR stripped. */
function dialogue(result: RunResult): string[] {
  return result.stderr
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => /^[<>] /.test(l));
}

const MESSAGE = Buffer.from(
  'From: someone@elsewhere.example\r\nTo: bob@loft.test\r\nSubject: curl upload\r\n\r\n' +
    'Sent with curl -T.\r\n.leading dot\r\n.\r\n..\r\nlast line\r\n',
);

describe('curl smtp:// to the MX port', () => {
  test('--mail-from, --mail-rcpt and -T file: stored byte-exact', async () => {
    const file = await messageFile(MESSAGE);
    const lines = ok(
      await curl([
        `smtp://127.0.0.1:${server.ports.smtp}/curl.client.test`,
        '--mail-from',
        'someone@elsewhere.example',
        '--mail-rcpt',
        'bob@loft.test',
        '-T',
        file,
      ]),
    );
    assert.ok(lines.includes('> EHLO curl.client.test'));
    assert.ok(lines.some((l) => /^< 250 2\.0\.0 OK: queued as \S+$/.test(l)));
    const stored = splitTrace((await mailboxContents(server, 'bob@loft.test')).at(-1)!);
    assert.equal(stored.returnPath, 'Return-Path: <someone@elsewhere.example>');
    assert.match(
      stored.received,
      /^Received: from curl\.client\.test \(\[127\.0\.0\.1\]\) by mx\.loft\.test \(Loft\) with ESMTP id /,
    );
    assert.ok(stored.content.equals(MESSAGE), `stored content differs:\n${stored.content}`);
  });

  test('--crlf turns a file with LF line ends into CRLF on the wire', async () => {
    const file = await messageFile('Subject: unix file\n\nline one\nline two\n');
    ok(
      await curl([
        `smtp://127.0.0.1:${server.ports.smtp}/curl.client.test`,
        '--crlf',
        '--mail-from',
        'someone@elsewhere.example',
        '--mail-rcpt',
        'alice@loft.test',
        '-T',
        file,
      ]),
    );
    const stored = splitTrace((await mailboxContents(server, 'alice@loft.test')).at(-1)!);
    assert.equal(stored.content.toString(), 'Subject: unix file\r\n\r\nline one\r\nline two\r\n');
  });

  test('--mail-rcpt-allowfails: an unknown user is refused, the others still get the message', async () => {
    const before = (await mailboxContents(server, 'alice@loft.test')).length;
    const file = await messageFile('Subject: some fail\r\n\r\nbody\r\n');
    const lines = ok(
      await curl([
        `smtp://127.0.0.1:${server.ports.smtp}/curl.client.test`,
        '--mail-rcpt-allowfails',
        '--mail-from',
        '',
        '--mail-rcpt',
        'nobody@loft.test',
        '--mail-rcpt',
        'alice@loft.test',
        '-T',
        file,
      ]),
    );
    // The null reverse-path, with the SIZE (RFC 1870) curl declares from the file.
    assert.ok(lines.includes('> MAIL FROM:<> SIZE=28'), lines.join('\n'));
    assert.ok(lines.includes('< 550 5.1.1 No such user here'));
    const alices = await mailboxContents(server, 'alice@loft.test');
    assert.equal(alices.length, before + 1);
    assert.equal(splitTrace(alices.at(-1)!).returnPath, 'Return-Path: <>');
  });

  test('relaying is refused: exit 55 (send error) and nothing queued', async () => {
    const file = await messageFile('Subject: relay\r\n\r\nno\r\n');
    const queued = (await server.services.store.listQueue()).length;
    const result = await curl([
      `smtp://127.0.0.1:${server.ports.smtp}/curl.client.test`,
      '--mail-from',
      'someone@elsewhere.example',
      '--mail-rcpt',
      'victim@elsewhere.example',
      '-T',
      file,
    ]);
    assert.equal(result.code, 55, result.stderr);
    assert.ok(dialogue(result).includes('< 554 5.7.1 Relay access denied'));
    assert.equal((await server.services.store.listQueue()).length, queued);
  });
});

describe('curl against a small SIZE limit', () => {
  let small: TestServer;
  before(async () => {
    small = await startTestServer({ smtp: { max_message_size: 1000 } });
    await provision(small, ['loft.test'], ['alice@loft.test']);
  });
  after(() => small.close());

  test('the declared SIZE is refused at MAIL with 552 5.3.4 and curl exits 55', async () => {
    const file = await messageFile(`Subject: big\r\n\r\n${'x'.repeat(2000)}\r\n`);
    const result = await curl([
      `smtp://127.0.0.1:${small.ports.smtp}/curl.client.test`,
      '--mail-from',
      'someone@elsewhere.example',
      '--mail-rcpt',
      'alice@loft.test',
      '-T',
      file,
    ]);
    assert.equal(result.code, 55, result.stderr);
    const lines = dialogue(result);
    assert.ok(lines.includes('> MAIL FROM:<someone@elsewhere.example> SIZE=2018'), lines.join('\n'));
    assert.ok(lines.includes('< 250-SIZE 1000'));
    assert.ok(lines.includes('< 552 5.3.4 Message size exceeds fixed maximum message size'));
    assert.ok(!lines.includes('> DATA'));
    assert.equal((await mailboxContents(small, 'alice@loft.test')).length, 0);
  });
});

describe('curl on the submission ports', () => {
  test('smtp:// with --ssl-reqd (STARTTLS) and --user: AUTH PLAIN', async () => {
    const file = await messageFile('From: alice@loft.test\r\nSubject: curl STARTTLS\r\n\r\nover TLS\r\n');
    const result = await curl([
      `smtp://127.0.0.1:${server.ports.submission}/curl.client.test`,
      '--ssl-reqd',
      '-k',
      '--user',
      'alice@loft.test:secret',
      '--mail-from',
      'alice@loft.test',
      '--mail-rcpt',
      'bob@loft.test',
      '--mail-rcpt',
      'friend@remote.example',
      '-T',
      file,
    ]);
    const lines = ok(result);
    assert.ok(lines.includes('> STARTTLS'));
    assert.ok(lines.includes('< 220 2.0.0 Ready to start TLS'));
    assert.ok(lines.some((l) => l.startsWith('> AUTH PLAIN')));
    assert.ok(lines.includes('< 235 2.7.0 Authentication successful'));
    assert.match(result.stderr, /SSL connection using TLSv1\.[23]/);
    const stored = splitTrace((await mailboxContents(server, 'bob@loft.test')).at(-1)!);
    assert.match(stored.received, /with ESMTPSA \(TLSv1\.[23] /);
    assert.equal(
      stored.content.toString(),
      'From: alice@loft.test\r\nSubject: curl STARTTLS\r\n\r\nover TLS\r\n',
    );
    const entry = (await server.services.store.listQueue()).at(-1)!;
    assert.equal(entry.sender, 'alice@loft.test');
    assert.deepEqual(
      entry.recipients.map((r) => r.address),
      ['friend@remote.example'],
    );
  });

  test('--login-options AUTH=LOGIN selects the LOGIN mechanism', async () => {
    const file = await messageFile('Subject: curl LOGIN\r\n\r\nx\r\n');
    const lines = ok(
      await curl([
        `smtp://127.0.0.1:${server.ports.submission}/curl.client.test`,
        '--ssl-reqd',
        '-k',
        '--user',
        'bob@loft.test:secret',
        '--login-options',
        'AUTH=LOGIN',
        '--mail-from',
        'bob@loft.test',
        '--mail-rcpt',
        'alice@loft.test',
        '-T',
        file,
      ]),
    );
    assert.ok(lines.includes('> AUTH LOGIN'), lines.join('\n'));
    assert.ok(lines.includes('< 235 2.7.0 Authentication successful'));
    const stored = splitTrace((await mailboxContents(server, 'alice@loft.test')).at(-1)!);
    assert.equal(stored.returnPath, 'Return-Path: <bob@loft.test>');
    assert.equal(stored.content.toString(), 'Subject: curl LOGIN\r\n\r\nx\r\n');
  });

  test('smtps:// on the submissions port (implicit TLS)', async () => {
    const file = await messageFile('Subject: curl smtps\r\n\r\nimplicit\r\n');
    const result = await curl([
      `smtps://127.0.0.1:${server.ports.submissions}/curl.client.test`,
      '-k',
      '--user',
      'alice@loft.test:secret',
      '--mail-from',
      'alice@loft.test',
      '--mail-rcpt',
      'bob@loft.test',
      '-T',
      file,
    ]);
    const lines = ok(result);
    assert.ok(!lines.includes('> STARTTLS'));
    assert.match(result.stderr, /SSL connection using TLSv1\.[23]/);
    const stored = splitTrace((await mailboxContents(server, 'bob@loft.test')).at(-1)!);
    assert.match(stored.received, /with ESMTPSA \(TLSv1\.[23] /);
    assert.equal(stored.content.toString(), 'Subject: curl smtps\r\n\r\nimplicit\r\n');
  });

  test('a wrong password: 535 and curl exits 67 (login denied)', async () => {
    const file = await messageFile('Subject: x\r\n\r\nx\r\n');
    const result = await curl([
      `smtps://127.0.0.1:${server.ports.submissions}/curl.client.test`,
      '-k',
      '--user',
      'alice@loft.test:nope',
      '--mail-from',
      'alice@loft.test',
      '--mail-rcpt',
      'bob@loft.test',
      '-T',
      file,
    ]);
    assert.equal(result.code, 67, result.stderr);
    assert.ok(dialogue(result).includes('< 535 5.7.8 Authentication credentials invalid'));
  });

  test('a foreign sender: 553 and curl exits 55', async () => {
    const file = await messageFile('Subject: x\r\n\r\nx\r\n');
    const result = await curl([
      `smtps://127.0.0.1:${server.ports.submissions}/curl.client.test`,
      '-k',
      '--user',
      'alice@loft.test:secret',
      '--mail-from',
      'bob@loft.test',
      '--mail-rcpt',
      'bob@loft.test',
      '-T',
      file,
    ]);
    assert.equal(result.code, 55, result.stderr);
    assert.ok(dialogue(result).includes('< 553 5.7.1 Sender address not owned by alice@loft.test'));
  });
});
