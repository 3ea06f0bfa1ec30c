/**
 * Interoperability with fetchmail (Debian package `fetchmail`), in both of its modes:
 * - keep (download-and-keep): messages are delivered to an MDA and stay on the server; the next
 *   run fetches only new ones, which works only if UIDL is stable across sessions;
 * - delete (download-and-delete): messages are delivered and removed at QUIT.
 * Over pop3s (implicit TLS) and over pop3 with STLS, the self-signed certificate not checked.
 */
import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { deliver } from '../pop3/support.ts';
import { requireTool, run, tempDir } from './tools.ts';

let server: TestServer;
let work: { dir: string; remove: () => Promise<void> };

before(async () => {
  await requireTool('fetchmail', 'fetchmail', ['--version']);
  server = await startTestServer({ auth: { plaintext: 'tls' } });
  await provision(server, ['loft.test'], ['keep@loft.test', 'del@loft.test']);
  work = await tempDir();
});
after(async () => {
  await server?.close();
  await work?.remove();
});

/**
 * Runs fetchmail once (no daemon) for `user` with a fresh rc file; messages go to `mbox` through
 * the MDA. Returns the exit code: 0 mail fetched, 1 no mail (fetchmail(1) "EXIT CODES").
 */
async function fetchmail(options: {
  user: string;
  mode: 'keep' | 'delete';
  transport: 'pop3s' | 'stls';
  mbox: string;
}): Promise<{ code: number | null; output: string }> {
  const home = path.join(work.dir, options.user);
  const rc = path.join(work.dir, `${options.user}.rc`);
  const port = options.transport === 'pop3s' ? server.ports.pop3s : server.ports.pop3;
  const tls = options.transport === 'pop3s' ? 'ssl no sslcertck' : "sslproto 'TLS1.2+' no sslcertck";
  await writeFile(
    rc,
    [
      'set no syslog',
      `poll 127.0.0.1 protocol POP3 service ${port} auth password`,
      `  user '${options.user}' there with password 'secret' is 'nobody' here`,
      `  options ${options.mode === 'keep' ? 'keep' : 'nokeep fetchall'} ${tls}`,
      `  mda "/bin/sh -c 'cat >> ${options.mbox}'"`,
      '',
    ].join('\n'),
  );
  await chmod(rc, 0o600);
  await run('mkdir', ['-p', home]);
  const result = await run(
    'env',
    [
      `FETCHMAILHOME=${home}`,
      'fetchmail',
      '-f',
      rc,
      '-v',
      '--nodetach',
      '--pidfile',
      path.join(home, 'fetchmail.pid'),
    ],
    {
      timeoutMs: 60_000,
    },
  );
  return { code: result.code, output: result.stdout + result.stderr };
}

async function subjects(mbox: string): Promise<string[]> {
  const text = await readFile(mbox, 'utf8').catch(() => '');
  return [...text.matchAll(/^Subject: (.*)$/gm)].map((m) => m[1]!.trim());
}

describe('fetchmail', () => {
  test('keep mode over pop3s: messages stay, and the next run fetches only new ones (stable UIDL)', async () => {
    const mbox = path.join(work.dir, 'keep.mbox');
    await deliver(server, 'keep@loft.test', 'Subject: keep 1\r\n\r\nfirst');
    await deliver(server, 'keep@loft.test', 'Subject: keep 2\r\n\r\n.second, dotted');
    const first = await fetchmail({ user: 'keep@loft.test', mode: 'keep', transport: 'pop3s', mbox });
    assert.equal(first.code, 0, first.output);
    assert.deepEqual(await subjects(mbox), ['keep 1', 'keep 2']);
    assert.match(await readFile(mbox, 'utf8'), /\n\.second, dotted\r?\n/, 'un-stuffed by fetchmail');
    assert.equal((await mailboxContents(server, 'keep@loft.test')).length, 2, 'kept on the server');

    const second = await fetchmail({ user: 'keep@loft.test', mode: 'keep', transport: 'pop3s', mbox });
    assert.equal(second.code, 1, `no new mail the second time:\n${second.output}`);
    assert.deepEqual(await subjects(mbox), ['keep 1', 'keep 2']);

    await deliver(server, 'keep@loft.test', 'Subject: keep 3\r\n\r\nthird');
    const third = await fetchmail({ user: 'keep@loft.test', mode: 'keep', transport: 'pop3s', mbox });
    assert.equal(third.code, 0, third.output);
    assert.deepEqual(await subjects(mbox), ['keep 1', 'keep 2', 'keep 3']);
    assert.equal((await mailboxContents(server, 'keep@loft.test')).length, 3);
  });

  test('delete mode over pop3 with STLS: messages are fetched and removed', async () => {
    const mbox = path.join(work.dir, 'del.mbox');
    for (let i = 1; i <= 3; i++) await deliver(server, 'del@loft.test', `Subject: del ${i}\r\n\r\nbody ${i}`);
    const first = await fetchmail({ user: 'del@loft.test', mode: 'delete', transport: 'stls', mbox });
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /STLS/, 'fetchmail upgraded with STLS');
    assert.deepEqual(await subjects(mbox), ['del 1', 'del 2', 'del 3']);
    assert.equal((await mailboxContents(server, 'del@loft.test')).length, 0, 'removed from the server');
    const second = await fetchmail({ user: 'del@loft.test', mode: 'delete', transport: 'stls', mbox });
    assert.equal(second.code, 1, second.output);
  });
});
