/**
 * PostgreSQL unavailable or crashing, on a database server of the test's own: every protocol
 * answers its temporary error (SMTP 451 4.3.0, IMAP NO [UNAVAILABLE], POP3 -ERR [SYS/TEMP]),
 * the server reconnects by itself, and nothing that got a 250 is lost.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PgInstance } from '../helpers/pg-instance.ts';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { sendOne } from '../helpers/smtp-send.ts';
import { ImapDialog } from '../imap/dialog.ts';
import { Pop3Dialog } from '../pop3/dialog.ts';

let pg: PgInstance;
let server: TestServer;

before(async () => {
  pg = await PgInstance.create();
  server = await startTestServer({ storage: pg.url });
  await provision(server, ['f.test'], ['u@f.test']);
});

after(async () => {
  await server?.close();
  await pg?.destroy();
});

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('database down: SMTP 451 4.3.0, IMAP NO [UNAVAILABLE], POP3 -ERR [SYS/TEMP]; back up, all serve again', async () => {
  const imap = await ImapDialog.login(server.ports.imap!, 'u@f.test');
  await pg.stop();
  try {
    const code = await sendOne(server.ports.smtp!, 'a@example.com', 'u@f.test', 'Subject: down\r\n\r\nx');
    assert.equal(code, 451);
    const tag = imap.nextTag();
    imap.send(`${tag} STATUS INBOX (MESSAGES)`);
    assert.match((await imap.until(tag)).tagged, /^t\d+ NO \[UNAVAILABLE\]/);
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    await pop.command('USER u@f.test', true);
    await pop.command('PASS secret', false, /^\[SYS\/TEMP\]/);
  } finally {
    await pg.start();
  }
  await until(
    'SMTP to accept again',
    async () =>
      (await sendOne(server.ports.smtp!, 'a@example.com', 'u@f.test', 'Subject: up again\r\n\r\nx')) === 250,
  );
  const tag = imap.nextTag();
  imap.send(`${tag} STATUS INBOX (MESSAGES)`);
  const status = await imap.until(tag);
  assert.match(status.tagged, /OK/);
  assert.match(status.untagged.join('\n'), /\* STATUS "?INBOX"? \(MESSAGES [1-9]\d*\)/);
  const pop = await Pop3Dialog.login(server.ports.pop3!, 'u@f.test');
  await pop.command('QUIT', true);
});

test('a crash of the database under load (restart -m immediate): every message that got 250 is there', async () => {
  const acknowledged: string[] = [];
  const refused: (number | undefined)[] = [];
  let stop = false;
  const sender = async (n: number): Promise<void> => {
    for (let i = 0; !stop; i++) {
      const subject = `crash-${n}-${i}`;
      const code = await sendOne(
        server.ports.smtp!,
        'a@example.com',
        'u@f.test',
        `Subject: ${subject}\r\n\r\nbody`,
      );
      if (code === 250) acknowledged.push(subject);
      else refused.push(code);
    }
  };
  const senders = Array.from({ length: 6 }, (_, n) => sender(n));
  await new Promise((r) => setTimeout(r, 800));
  await pg.crashRestart();
  await new Promise((r) => setTimeout(r, 1500));
  stop = true;
  await Promise.all(senders);
  assert.ok(acknowledged.length > 0, 'some messages were accepted');
  assert.ok(
    refused.every((code) => code === 451 || code === undefined),
    `only temporary refusals: ${refused.join(',')}`,
  );
  const stored = new Set(
    (await mailboxContents(server, 'u@f.test')).map(
      (raw) => /Subject: (crash-\d+-\d+)/.exec(raw.toString())?.[1],
    ),
  );
  const lost = acknowledged.filter((subject) => !stored.has(subject));
  assert.deepEqual(lost, [], `${acknowledged.length} acknowledged, ${refused.length} refused`);
});
