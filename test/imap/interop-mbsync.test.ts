/**
 * Interoperability with mbsync (Debian package `isync`): a Maildir synchronised both ways with
 * Loft over IMAPS (the self-signed certificate trusted through CertificateFile) and over
 * STARTTLS. Server messages come down, local messages and folders go up (APPEND, CREATE), flag
 * changes go both ways, and a second run with nothing changed transfers nothing.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { requireTool, run, tempDir } from '../interop/tools.ts';
import { deliver } from '../pop3/support.ts';
import { ImapDialog } from './dialog.ts';

let server: TestServer;
let work: { dir: string; remove: () => Promise<void> };

before(async () => {
  await requireTool('mbsync', 'isync', ['--version']);
  server = await startTestServer({ auth: { max_failures_per_ip: 1000 } });
  await provision(server, ['loft.test'], ['sync@loft.test', 'stls@loft.test']);
  for (const user of ['sync@loft.test', 'stls@loft.test']) {
    await deliver(server, user, 'Subject: server one\r\nMessage-ID: <s1@x>\r\n\r\nfrom the server\r\n');
    await deliver(server, user, 'Subject: server two\r\nMessage-ID: <s2@x>\r\n\r\nalso from the server\r\n');
  }
  work = await tempDir();
});
after(async () => {
  await server?.close();
  await work?.remove();
});

/** Writes an mbsync configuration for `user`, syncing every folder both ways. */
async function config(user: string, tls: 'IMAPS' | 'STARTTLS'): Promise<{ rc: string; maildir: string }> {
  const base = path.join(work.dir, user);
  const maildir = path.join(base, 'mail');
  await mkdir(maildir, { recursive: true });
  const rc = path.join(base, 'mbsyncrc');
  await writeFile(
    rc,
    [
      'IMAPAccount loft',
      'Host 127.0.0.1',
      `Port ${tls === 'IMAPS' ? server.ports.imaps : server.ports.imap}`,
      `User ${user}`,
      'Pass secret',
      `SSLType ${tls}`,
      `CertificateFile ${path.join(server.dataDir, 'tls', 'self-signed.crt')}`,
      '',
      'IMAPStore remote',
      'Account loft',
      '',
      'MaildirStore local',
      `Path ${maildir}/`,
      `Inbox ${maildir}/INBOX`,
      'SubFolders Verbatim',
      '',
      'Channel all',
      'Far :remote:',
      'Near :local:',
      'Patterns *',
      'Create Both',
      'Remove None',
      'Expunge Both',
      'Sync All',
      `SyncState *`,
      '',
    ].join('\n'),
  );
  return { rc, maildir };
}

/** Runs mbsync once over every channel; returns its verbose output (which lists what it did). */
async function mbsync(rc: string): Promise<string> {
  const result = await run('mbsync', ['-c', rc, '-V', '-Dn', '-a'], { timeoutMs: 60_000 });
  const output = result.stdout + result.stderr;
  assert.equal(result.code, 0, `mbsync failed (${result.code}):\n${output}`);
  return output;
}

/** Messages in a Maildir folder: file names under cur/ and new/. */
async function maildirFiles(folder: string): Promise<string[]> {
  const out: string[] = [];
  for (const sub of ['cur', 'new']) {
    const names = await readdir(path.join(folder, sub)).catch(() => [] as string[]);
    out.push(...names.map((n) => path.join(sub, n)));
  }
  return out.sort();
}

/** Adds one message to a local Maildir folder (creating it), in new/. */
async function addLocal(folder: string, name: string, body: string): Promise<void> {
  for (const sub of ['cur', 'new', 'tmp']) await mkdir(path.join(folder, sub), { recursive: true });
  await writeFile(path.join(folder, 'new', name), body);
}

/**
 * The IMAP commands an mbsync run sent (its `-Dn` trace shows each as `>>> tag command`) that
 * change or transfer something: APPEND, STORE, CREATE, DELETE, EXPUNGE, MOVE, COPY, or a FETCH
 * of message bodies. A run with nothing to do only lists, selects and reads UIDs and flags.
 */
function changingCommands(output: string): string[] {
  const sent = [...output.matchAll(/^>>> \d+ (.*)$/gm)].map((m) => m[1]!);
  assert.ok(
    sent.some((c) => c.startsWith('SELECT ')),
    `no IMAP trace in:\n${output}`,
  );
  return sent.filter(
    (c) =>
      /^(UID )?(APPEND|STORE|CREATE|DELETE|RENAME|EXPUNGE|MOVE|COPY)\b/.test(c) ||
      (/^(UID )?FETCH\b/.test(c) && /BODY|RFC822(?!\.SIZE)|BINARY/.test(c)),
  );
}

/** Every file of a Maildir tree with its contents, to compare before and after a run. */
async function snapshot(maildir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(maildir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(maildir, file)] = await readFile(file, 'utf8');
  }
  return out;
}

async function serverSide(user: string) {
  const imap = await ImapDialog.login(server.ports.imap!, user);
  const list = await imap.ok('LIST "" "*"');
  const names = list.untagged.map((l) => /"\/" "?([^"]*)"?$/.exec(l)?.[1] ?? l).sort();
  const status: Record<string, string> = {};
  for (const name of names) {
    const s = await imap.ok(`STATUS "${name}" (MESSAGES UNSEEN UIDNEXT)`);
    status[name] = s.untagged[0]!.replace(/^\* STATUS "?[^"]*"? /, '');
  }
  await imap.logout();
  return { names, status };
}

describe('mbsync (isync)', () => {
  test('IMAPS: both ways, then a second run changes nothing', async () => {
    const user = 'sync@loft.test';
    const { rc, maildir } = await config(user, 'IMAPS');
    // Local mail before the first run: one message in INBOX and a new folder with one message.
    await addLocal(
      path.join(maildir, 'INBOX'),
      '1700000000.1_1.local',
      'Subject: local inbox\r\nMessage-ID: <l1@x>\r\n\r\nlocal\r\n',
    );
    await addLocal(
      path.join(maildir, 'Projects'),
      '1700000000.2_1.local',
      'Subject: local project\r\nMessage-ID: <l2@x>\r\n\r\nplan\r\n',
    );

    await mbsync(rc);
    const inbox = await maildirFiles(path.join(maildir, 'INBOX'));
    assert.equal(inbox.length, 3, `INBOX: two from the server, one local: ${inbox}`);
    for (const box of ['Sent', 'Drafts', 'Trash', 'Junk', 'Archive']) {
      assert.deepEqual(await maildirFiles(path.join(maildir, box)), [], `${box} created locally, empty`);
    }
    const stored = (await mailboxContents(server, user)).map((m) => m.toString());
    assert.equal(stored.length, 3);
    assert.ok(
      stored.some((m) => m.includes('Subject: local inbox')),
      'APPENDed to INBOX',
    );
    const projects = (await mailboxContents(server, user, 'Projects')).map((m) => m.toString());
    assert.equal(projects.length, 1, 'CREATEd Projects and APPENDed to it');
    assert.match(projects[0]!, /Subject: local project/);

    const before = await serverSide(user);
    const local = await snapshot(maildir);
    assert.deepEqual(changingCommands(await mbsync(rc)), [], 'the second run changes nothing on the server');
    assert.deepEqual(await serverSide(user), before, 'server unchanged by the second run');
    assert.deepEqual(await snapshot(maildir), local, 'Maildir unchanged by the second run');

    // A flag set locally goes up; a flag set on the server comes down; then nothing again.
    const inboxDir = path.join(maildir, 'INBOX');
    const [first] = await maildirFiles(inboxDir);
    assert.ok(first);
    const flaggedName = `${path.basename(first).replace(/:2,.*$/, '')}:2,FS`;
    await rename(path.join(inboxDir, first), path.join(inboxDir, 'cur', flaggedName));
    const imap = await ImapDialog.login(server.ports.imap!, user);
    await imap.ok('SELECT INBOX');
    const unflagged = (await imap.ok('FETCH 1:* (FLAGS)')).untagged;
    await imap.logout();
    await mbsync(rc);
    const check = await ImapDialog.login(server.ports.imap!, user);
    await check.ok('SELECT INBOX');
    const flagged = (await check.ok('FETCH 1:* (FLAGS)')).untagged;
    assert.notDeepEqual(flagged, unflagged);
    assert.equal(
      flagged.filter((l) => /\\Flagged/.test(l) && /\\Seen/.test(l)).length,
      1,
      flagged.join(' | '),
    );
    await check.ok('STORE 2 +FLAGS.SILENT (\\Answered)');
    await check.logout();
    await mbsync(rc);
    const files = await maildirFiles(path.join(maildir, 'INBOX'));
    assert.equal(files.filter((f) => /:2,[A-Z]*R/.test(f)).length, 1, `\\Answered came down: ${files}`);
    const settled = await snapshot(maildir);
    assert.deepEqual(changingCommands(await mbsync(rc)), [], 'nothing left to do');
    assert.deepEqual(await snapshot(maildir), settled);
  });

  test('STARTTLS: first sync pulls everything, second changes nothing', async () => {
    const user = 'stls@loft.test';
    const { rc, maildir } = await config(user, 'STARTTLS');
    const first = await mbsync(rc);
    assert.ok(
      changingCommands(first).some((c) => /BODY/.test(c)),
      'the first run fetched bodies',
    );
    assert.equal((await maildirFiles(path.join(maildir, 'INBOX'))).length, 2);
    const local = await snapshot(maildir);
    assert.deepEqual(changingCommands(await mbsync(rc)), []);
    assert.deepEqual(await snapshot(maildir), local);
  });
});
