/**
 * IMAP with imapflow, a real client nobody here wrote: login, LIST, SELECT, FETCH of envelopes,
 * structure and bodies, STORE, EXPUNGE, and IDLE seeing a delivery made over SMTP.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { sendOne } from '../helpers/smtp-send.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  await provision(server, ['loft.test'], ['alice@loft.test']);
  for (let i = 1; i <= 3; i++) {
    const code = await sendOne(
      server.ports.smtp!,
      'bob@example.com',
      'alice@loft.test',
      `From: Bob <bob@example.com>\r\nTo: alice@loft.test\r\nSubject: message ${i}\r\nMessage-ID: <m${i}@example.com>\r\n` +
        `MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nHello ${i}\r\n` +
        `--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAw==\r\n--b--\r\n`,
    );
    assert.equal(code, 250);
  }
});
after(() => server.close());

function client(): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port: server.ports.imap!,
    secure: false,
    auth: { user: 'alice@loft.test', pass: 'secret' },
    logger: false,
    tls: { rejectUnauthorized: false },
  });
}

test('login, list, select, fetch envelope, structure and parts', async () => {
  const imap = client();
  await imap.connect();
  try {
    const boxes = await imap.list();
    const names = boxes.map((b) => b.path).sort();
    assert.deepEqual(names, ['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
    assert.equal(boxes.find((b) => b.path === 'Sent')?.specialUse, '\\Sent');
    const lock = await imap.getMailboxLock('INBOX');
    try {
      assert.equal((imap.mailbox as { exists: number }).exists, 3);
      const messages = [];
      for await (const m of imap.fetch('1:*', {
        uid: true,
        envelope: true,
        bodyStructure: true,
        flags: true,
        size: true,
      })) {
        messages.push(m);
      }
      assert.equal(messages.length, 3);
      assert.equal(messages[0]!.envelope?.subject, 'message 1');
      assert.equal(messages[0]!.envelope?.from?.[0]?.address, 'bob@example.com');
      assert.equal(messages[2]!.envelope?.messageId, '<m3@example.com>');
      assert.equal(messages[0]!.bodyStructure?.type, 'multipart/mixed');
      assert.equal(messages[0]!.bodyStructure?.childNodes?.length, 2);
      assert.deepEqual([...(messages[0]!.flags ?? [])], []);
      const part = await imap.download('2', '1', { uid: false });
      const chunks: Buffer[] = [];
      for await (const chunk of part.content!) chunks.push(chunk as Buffer);
      assert.equal(Buffer.concat(chunks).toString(), 'Hello 2');
      const attachment = await imap.download('2', '2');
      const bytes: Buffer[] = [];
      for await (const chunk of attachment.content!) bytes.push(chunk as Buffer);
      assert.deepEqual(Buffer.concat(bytes), Buffer.from([0, 1, 2, 3]), 'base64 attachment decoded');
      const one = await imap.fetchOne('1', { source: true });
      assert.ok(one !== false);
      assert.ok(one.source?.toString().includes('Subject: message 1'));
    } finally {
      lock.release();
    }
  } finally {
    await imap.logout();
  }
});

test('STORE and EXPUNGE', async () => {
  const imap = client();
  await imap.connect();
  try {
    const lock = await imap.getMailboxLock('INBOX');
    try {
      await imap.messageFlagsAdd('1', ['\\Seen', '$Important']);
      const fetched = await imap.fetchOne('1', { flags: true });
      assert.ok(fetched !== false);
      const flags = fetched.flags!;
      assert.ok(flags.has('\\Seen') && flags.has('$Important'));
      await imap.messageDelete('3');
      assert.equal((imap.mailbox as { exists: number }).exists, 2);
      const status = await imap.status('INBOX', { messages: true, unseen: true, uidNext: true });
      assert.ok(status !== false);
      assert.equal(status.messages, 2);
      assert.equal(status.unseen, 1);
      assert.equal(status.uidNext, 4);
    } finally {
      lock.release();
    }
  } finally {
    await imap.logout();
  }
});

test('IDLE sees a message delivered over SMTP within a second', async () => {
  const imap = client();
  await imap.connect();
  try {
    const lock = await imap.getMailboxLock('INBOX');
    try {
      const before = (imap.mailbox as { exists: number }).exists;
      const seen = new Promise<number>((resolve) =>
        imap.on('exists', (data: { count: number }) => resolve(data.count)),
      );
      const idling = imap.idle();
      await new Promise((r) => setTimeout(r, 100));
      const started = Date.now();
      assert.equal(
        await sendOne(server.ports.smtp!, 'c@example.com', 'alice@loft.test', 'Subject: new\r\n\r\nnew'),
        250,
      );
      const count = await seen;
      assert.equal(count, before + 1);
      assert.ok(Date.now() - started < 1000, 'within a second');
      void idling;
    } finally {
      lock.release();
    }
  } finally {
    await imap.logout();
  }
});
