/**
 * The `loft` command as users run it: a separate process on a real data folder.
 * Errors are one line naming the problem, with a non-zero exit and no stack trace.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runLoft, serveLoft } from '../helpers/process.ts';
import { sendOne } from '../helpers/smtp-send.ts';

let dataDir: string;
const loft = (args: string[], input?: string) => runLoft([...args, '--data', dataDir], input);

function assertOneLineError(result: { code: number; stderr: string }, pattern: RegExp): void {
  assert.notEqual(result.code, 0);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${result.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

before(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'loft-cli-'));
});
after(() => rm(dataDir, { recursive: true, force: true }));

describe('domains, users and aliases', () => {
  test('add and list', async () => {
    assert.equal((await loft(['domain', 'add', 'Example.TEST'])).code, 0);
    assert.equal((await loft(['domain', 'add', 'other.test'])).code, 0);
    assert.equal((await loft(['domain', 'list'])).stdout, 'example.test\nother.test\n');
    const added = await loft(['user', 'add', 'Alice@example.test', '--password-stdin'], 'pw one\n');
    assert.equal(added.code, 0, added.stderr);
    assert.equal((await loft(['user', 'add', 'bob@example.test', '--password-stdin'], 'pw\n')).code, 0);
    assert.equal((await loft(['user', 'list'])).stdout, 'alice@example.test\nbob@example.test\n');
    assert.equal((await loft(['user', 'list', 'other.test'])).stdout, '');
    assert.equal(
      (await loft(['alias', 'add', 'team@example.test', 'alice@example.test', 'bob@example.test'])).code,
      0,
    );
    assert.equal((await loft(['alias', 'add', '@other.test', 'alice@example.test'])).code, 0);
    assert.equal(
      (await loft(['alias', 'list'])).stdout,
      '@other.test -> alice@example.test\nteam@example.test -> alice@example.test\nteam@example.test -> bob@example.test\n',
    );
    assert.equal((await loft(['alias', 'remove', 'team@example.test', 'bob@example.test'])).code, 0);
    assert.doesNotMatch((await loft(['alias', 'list'])).stdout, /bob/);
  });

  test('wrong arguments, unknown domains and duplicates: one line and a non-zero exit', async () => {
    assertOneLineError(await loft(['domain', 'add', 'example.test']), /domain example\.test exists already/);
    assertOneLineError(await loft(['domain', 'add', 'not a domain']), /not a valid domain name/);
    assertOneLineError(
      await loft(['user', 'add', 'x@unknown.test', '--password-stdin'], 'pw\n'),
      /unknown domain unknown\.test/,
    );
    assertOneLineError(
      await loft(['user', 'add', 'alice@example.test', '--password-stdin'], 'pw\n'),
      /user alice@example\.test exists already/,
    );
    assertOneLineError(
      await loft(['user', 'add', 'no-at-sign', '--password-stdin'], 'pw\n'),
      /not a valid address/,
    );
    assertOneLineError(
      await loft(['user', 'add', 'c@example.test', '--password-stdin'], ''),
      /no password on standard input/,
    );
    assertOneLineError(
      await loft(['user', 'passwd', 'nobody@example.test', '--password-stdin'], 'pw\n'),
      /no user nobody@example\.test/,
    );
    assertOneLineError(await loft(['user', 'remove', 'nobody@example.test']), /no user nobody@example\.test/);
    assertOneLineError(await loft(['domain', 'remove', 'example.test']), /still has 2 user/);
    assertOneLineError(
      await loft(['alias', 'add', 'x@nowhere.test', 'alice@example.test']),
      /unknown domain nowhere\.test/,
    );
    assertOneLineError(await loft(['alias', 'remove', 'none@example.test']), /no such alias/);
    const unknown = await loft(['frobnicate']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
    assertOneLineError(
      await runLoft(['serve', '--listen', 'nonsense=1.2.3.4:25', '--data', dataDir]),
      /--listen nonsense=.*expected NAME=HOST:PORT/,
    );
    assertOneLineError(
      await runLoft(['serve', '--dns', 'ns.example.com:53', '--data', dataDir]),
      /--dns ns\.example\.com:53: expected IP:PORT/,
    );
  });

  test('an unreadable or invalid config file is named with the problem', async () => {
    assertOneLineError(
      await loft(['domain', 'list', '--config', '/nonexistent/loft.toml']),
      /cannot read config file \/nonexistent\/loft\.toml: ENOENT/,
    );
    const bad = path.join(dataDir, 'bad.toml');
    await writeFile(bad, '[smtp]\nmax_recipients = 0\nbogus = 1\n');
    assertOneLineError(
      await loft(['domain', 'list', '--config', bad]),
      /smtp\.max_recipients: .*>=1.*smtp: Unrecognized key: "bogus"/,
    );
    const broken = path.join(dataDir, 'broken.toml');
    await writeFile(broken, '[smtp\n');
    assertOneLineError(await loft(['domain', 'list', '--config', broken]), /not valid TOML/);
  });
});

test('changes take effect while the server runs', async () => {
  const server = await serveLoft(dataDir, ['smtp'], ['--dns', '127.0.0.1:5353', '[::1]:53']);
  try {
    const ready = server.log
      .map((l) => JSON.parse(l) as { event?: string; dns?: unknown })
      .find((e) => e.event === 'server.ready');
    assert.deepEqual(ready?.dns, ['127.0.0.1:5353', '[::1]:53'], 'loft serve --dns replaces dns.servers');
    const port = server.ports.smtp!;
    assert.equal(
      await sendOne(port, 'a@example.com', 'carol@live.test', 'Subject: 1\r\n\r\nx'),
      554,
      'not our domain yet',
    );
    assert.equal((await loft(['domain', 'add', 'live.test'])).code, 0);
    assert.equal(
      await sendOne(port, 'a@example.com', 'carol@live.test', 'Subject: 2\r\n\r\nx'),
      550,
      'no such user yet',
    );
    assert.equal((await loft(['user', 'add', 'carol@live.test', '--password-stdin'], 'pw\n')).code, 0);
    assert.equal(await sendOne(port, 'a@example.com', 'carol@live.test', 'Subject: 3\r\n\r\nx'), 250);
    assert.equal((await loft(['user', 'remove', 'carol@live.test'])).code, 0);
    assert.equal(await sendOne(port, 'a@example.com', 'carol@live.test', 'Subject: 4\r\n\r\nx'), 550);
  } finally {
    await server.stop();
  }
});
