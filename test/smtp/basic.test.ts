/**
 * Transcript tests of whole SMTP dialogues against the real server on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { SmtpDialog } from '../helpers/smtp-dialog.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  await provision(
    server,
    ['loft.test', 'other.test'],
    ['alice@loft.test', 'bob@loft.test', 'carol@other.test'],
  );
  await server.services.directory.addAlias('team@loft.test', ['alice@loft.test', 'bob@loft.test']);
});
after(() => server.close());

describe('MX port', () => {
  test('accepts mail for a local user and stores it with trace headers', async () => {
    const smtp = await SmtpDialog.connect(server.ports.smtp!);
    await smtp.expect(220, /mx\.loft\.test ESMTP/);
    const ehlo = await smtp.command('EHLO client.example', 250);
    for (const ext of [
      'PIPELINING',
      'SIZE',
      '8BITMIME',
      'SMTPUTF8',
      'ENHANCEDSTATUSCODES',
      'CHUNKING',
      'DSN',
      'STARTTLS',
    ]) {
      assert.ok(
        ehlo.lines.some((l) => l.startsWith(ext)),
        `EHLO offers ${ext}`,
      );
    }
    assert.ok(!ehlo.lines.some((l) => l.startsWith('AUTH')), 'no AUTH on the MX port');
    await smtp.command('MAIL FROM:<sender@example.com>', 250);
    await smtp.command('RCPT TO:<alice@loft.test>', 250);
    await smtp.command('DATA', 354);
    smtp.write('Subject: hello\r\n\r\nHi Alice.\r\n..leading dot\r\n.\r\n');
    await smtp.expect(250, /^2\.0\.0 OK/);
    await smtp.command('QUIT', 221);
    const [message] = (await mailboxContents(server, 'alice@loft.test')).slice(-1);
    const text = message!.toString();
    assert.match(
      text,
      /^Return-Path: <sender@example\.com>\r\nReceived: from client\.example \(\[127\.0\.0\.1\]\)\r\n\tby mx\.loft\.test/,
    );
    assert.match(text, /with ESMTP id \S+\r\n\tfor <alice@loft\.test>; /);
    assert.ok(text.endsWith('Subject: hello\r\n\r\nHi Alice.\r\n.leading dot\r\n'));
  });

  test('refuses relaying and unknown local users', async () => {
    const smtp = await SmtpDialog.connect(server.ports.smtp!);
    await smtp.expect(220);
    await smtp.command('EHLO client.example', 250);
    await smtp.command('MAIL FROM:<sender@example.com>', 250);
    await smtp.command('RCPT TO:<someone@elsewhere.example>', 554, /^5\.7\.1 /);
    await smtp.command('RCPT TO:<nobody@loft.test>', 550, /^5\.1\.1 /);
    await smtp.command('DATA', 554, /^5\.5\.1 No valid recipients/);
    smtp.close();
  });

  test('resolves aliases, subaddresses and stores one copy per account', async () => {
    const before = (await mailboxContents(server, 'bob@loft.test')).length;
    const smtp = await SmtpDialog.connect(server.ports.smtp!);
    await smtp.expect(220);
    // PIPELINING (RFC 2920): the whole transaction in one write.
    smtp.write(
      'EHLO c.example\r\nMAIL FROM:<>\r\nRCPT TO:<team@loft.test>\r\nRCPT TO:<bob+news@loft.test>\r\nRCPT TO:<BOB@LOFT.TEST>\r\nDATA\r\n',
    );
    await smtp.expect(250);
    await smtp.expect(250);
    await smtp.expect(250);
    await smtp.expect(250);
    await smtp.expect(250);
    await smtp.expect(354);
    smtp.write('Subject: team\r\n\r\nbody\r\n.\r\nQUIT\r\n');
    await smtp.expect(250);
    await smtp.expect(221);
    const bobs = await mailboxContents(server, 'bob@loft.test');
    assert.equal(bobs.length, before + 1, 'bob gets one copy although named three times');
    assert.match(bobs.at(-1)!.toString(), /^Return-Path: <>\r\n/);
    const alices = await mailboxContents(server, 'alice@loft.test');
    assert.match(alices.at(-1)!.toString(), /Subject: team/);
  });

  test('commands out of order get 503, unknown ones 500, and the session goes on', async () => {
    const smtp = await SmtpDialog.connect(server.ports.smtp!);
    await smtp.expect(220);
    await smtp.command('MAIL FROM:<a@b.example>', 503, /^5\.5\.1 /);
    await smtp.command('FOO bar', 500, /^5\.5\.2 /);
    await smtp.command('EHLO c.example', 250);
    await smtp.command('RCPT TO:<alice@loft.test>', 503);
    await smtp.command('DATA', 503);
    await smtp.command('AUTH PLAIN', 502);
    await smtp.command('VRFY alice', 252);
    await smtp.command('NOOP', 250);
    await smtp.command('HELP', 214);
    await smtp.command('RSET', 250);
    await smtp.command('QUIT', 221);
    assert.ok(await smtp.closedByServer());
  });
});
