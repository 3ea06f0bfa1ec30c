/**
 * Interoperability with fetchmail (Debian package `fetchmail`) speaking IMAP, in its two modes:
 * - keep: new (unseen) messages are delivered to an MDA and stay on the server, marked \Seen,
 *   so the next run fetches only what arrived since;
 * - delete: messages are delivered, then flagged \Deleted and expunged.
 * Over imaps (implicit TLS) and over imap with STARTTLS, the self-signed certificate not checked,
 * with `auth.plaintext = "tls"` so that a plaintext login would be refused.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { requireTool, run, tempDir } from '../interop/tools.ts';
import { deliver } from '../pop3/support.ts';
import { ImapDialog } from './dialog.ts';

let server: TestServer;
let work: { dir: string; remove: () => Promise<void> };

before(async () => {
  await requireTool('fetchmail', 'fetchmail', ['--version']);
  server = await startTestServer({ auth: { plaintext: 'tls', max_failures_per_ip: 1000 } });
  await provision(server, ['loft.test'], ['keep@loft.test', 'del@loft.test']);
  work = await tempDir();
});
after(async () => {
  await server?.close();
  await work?.remove();
});

/** Runs fetchmail once over IMAP for `user`; exit code 0 mail fetched, 1 no mail (fetchmail(1)). */
async function fetchmail(options: {
  user: string;
  mode: 'keep' | 'delete';
  transport: 'imaps' | 'starttls';
  mbox: string;
}): Promise<{ code: number | null; output: string }> {
  const home = path.join(work.dir, options.user);
  const rc = path.join(work.dir, `${options.user}.rc`);
  const port = options.transport === 'imaps' ? server.ports.imaps : server.ports.imap;
  const tls = options.transport === 'imaps' ? 'ssl no sslcertck' : "sslproto 'TLS1.2+' no sslcertck";
  await writeFile(
    rc,
    [
      'set no syslog',
      `poll 127.0.0.1 protocol IMAP service ${port} auth password`,
      `  user '${options.user}' there with password 'secret' is 'nobody' here`,
      `  options ${options.mode === 'keep' ? 'keep' : 'nokeep'} ${tls}`,
      `  mda "/bin/sh -c 'cat >> ${options.mbox}'"`,
      '',
    ].join('\n'),
  );
  await chmod(rc, 0o600);
  await mkdir(home, { recursive: true });
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

describe('fetchmail --protocol IMAP', () => {
  test('keep mode over imaps: fetched once, marked \\Seen, kept; only new mail the next time', async () => {
    const mbox = path.join(work.dir, 'keep.mbox');
    await deliver(server, 'keep@loft.test', 'Subject: keep 1\r\n\r\nfirst\r\n');
    await deliver(server, 'keep@loft.test', 'Subject: keep 2\r\n\r\nsecond\r\n');
    const first = await fetchmail({ user: 'keep@loft.test', mode: 'keep', transport: 'imaps', mbox });
    assert.equal(first.code, 0, first.output);
    assert.deepEqual(await subjects(mbox), ['keep 1', 'keep 2']);
    const stored = await mailboxContents(server, 'keep@loft.test');
    assert.equal(stored.length, 2, 'kept on the server');
    const text = await readFile(mbox, 'utf8');
    // fetchmail turns the Return-Path into its envelope and adds its own Received field; the
    // rest of the stored message arrives as stored (line ends made local).
    const withoutReturnPath = stored[1]!.toString().replace(/^Return-Path: .*\r\n/, '');
    assert.ok(text.includes(withoutReturnPath.replace(/\r\n/g, '\n').trimEnd()), text);

    const imap = await ImapDialog.login(server.ports.imaps!, 'keep@loft.test', 'secret', { tls: true });
    await imap.ok('EXAMINE INBOX');
    assert.deepEqual((await imap.ok('FETCH 1:* (FLAGS)')).untagged, [
      '* 1 FETCH (FLAGS (\\Seen))',
      '* 2 FETCH (FLAGS (\\Seen))',
    ]);
    await imap.logout();

    const second = await fetchmail({ user: 'keep@loft.test', mode: 'keep', transport: 'imaps', mbox });
    assert.equal(second.code, 1, `no new mail the second time:\n${second.output}`);
    await deliver(server, 'keep@loft.test', 'Subject: keep 3\r\n\r\nthird\r\n');
    const third = await fetchmail({ user: 'keep@loft.test', mode: 'keep', transport: 'imaps', mbox });
    assert.equal(third.code, 0, third.output);
    assert.deepEqual(await subjects(mbox), ['keep 1', 'keep 2', 'keep 3']);
  });

  test('delete mode over STARTTLS: fetched, flagged \\Deleted and expunged', async () => {
    const mbox = path.join(work.dir, 'del.mbox');
    for (let i = 1; i <= 3; i++)
      await deliver(server, 'del@loft.test', `Subject: del ${i}\r\n\r\nbody ${i}\r\n`);
    const first = await fetchmail({ user: 'del@loft.test', mode: 'delete', transport: 'starttls', mbox });
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /STARTTLS/, 'fetchmail upgraded with STARTTLS');
    assert.deepEqual(await subjects(mbox), ['del 1', 'del 2', 'del 3']);
    assert.equal((await mailboxContents(server, 'del@loft.test')).length, 0, 'removed from the server');
    const second = await fetchmail({ user: 'del@loft.test', mode: 'delete', transport: 'starttls', mbox });
    assert.equal(second.code, 1, second.output);
  });
});
