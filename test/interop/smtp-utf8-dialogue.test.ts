/**
 * SMTPUTF8 (RFC 6531) over a raw dialogue, beyond what the library clients exercise: UTF-8
 * envelope addresses and IDN domains, 8-bit UTF-8 header fields stored byte for byte through
 * DATA and BDAT, AUTH PLAIN with a UTF-8 user name, and the refusals without the parameter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { SmtpDialog } from '../helpers/smtp-dialog.ts';
import { splitTrace } from './tools.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  await provision(
    server,
    ['loft.test', 'bücher.test'],
    ['alice@loft.test', ['jörg@loft.test', 'geheim wört'], 'anna@bücher.test', '用户@loft.test'],
  );
});
after(() => server.close());

/** A message whose header fields carry raw UTF-8 (RFC 6532), as an SMTPUTF8 client sends it. */
function utf8Message(subject: string): Buffer {
  return Buffer.from(
    'From: Jörg Müller <jörg@loft.test>\r\n' +
      'To: Anna <anna@bücher.test>, 用户 <用户@loft.test>\r\n' +
      `Subject: ${subject}\r\n` +
      'Message-ID: <ünïcödé.1@loft.test>\r\n' +
      'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' +
      'Grüße aus Köln! ☃ 😀\r\n.Zeile mit Punkt\r\n',
  );
}

async function connectMx(): Promise<SmtpDialog> {
  const smtp = await SmtpDialog.connect(server.ports.smtp!);
  await smtp.expect(220);
  const ehlo = await smtp.command('EHLO utf8.client.test', 250);
  assert.ok(ehlo.lines.includes('SMTPUTF8'));
  assert.ok(ehlo.lines.includes('8BITMIME'));
  return smtp;
}

describe('SMTPUTF8 on the MX port', () => {
  test('UTF-8 sender, UTF-8 and IDN recipients, 8-bit headers through DATA: stored byte-exact', async () => {
    const message = utf8Message('Grüße ☃ – ünïcödé');
    const smtp = await connectMx();
    await smtp.command('MAIL FROM:<müller@exämple.test> SMTPUTF8 BODY=8BITMIME', 250);
    await smtp.command('RCPT TO:<jörg@loft.test>', 250);
    await smtp.command('RCPT TO:<anna@bücher.test>', 250);
    await smtp.command('RCPT TO:<用户@loft.test>', 250);
    await smtp.command('DATA', 354);
    smtp.write(Buffer.concat([dotStuff(message), Buffer.from('.\r\n')]));
    await smtp.expect(250, /^2\.0\.0 OK/);
    await smtp.command('QUIT', 221);
    for (const who of ['jörg@loft.test', 'anna@bücher.test', '用户@loft.test']) {
      const stored = splitTrace((await mailboxContents(server, who)).at(-1)!);
      // The UTF-8 local part is kept; the domain may be given as U-label or (Loft's choice) A-label.
      assert.match(stored.returnPath, /^Return-Path: <müller@(exämple|xn--exmple-cua)\.test>$/, who);
      assert.match(stored.received, / with UTF8SMTP id /, `RFC 6531 §3.7.3 protocol name (${who})`);
      assert.ok(stored.content.equals(message), `${who}: stored content differs:\n${stored.content}`);
    }
  });

  test('the A-label form of an IDN domain reaches the same mailbox', async () => {
    const before = (await mailboxContents(server, 'anna@bücher.test')).length;
    const smtp = await connectMx();
    await smtp.command('MAIL FROM:<someone@elsewhere.example>', 250);
    await smtp.command('RCPT TO:<anna@xn--bcher-kva.test>', 250);
    await smtp.command('DATA', 354);
    smtp.write('Subject: ascii only\r\n\r\nvia the A-label\r\n.\r\n');
    await smtp.expect(250);
    smtp.close();
    const annas = await mailboxContents(server, 'anna@bücher.test');
    assert.equal(annas.length, before + 1);
    assert.match(annas.at(-1)!.toString(), /via the A-label/);
  });

  test('a local part in decomposed form (NFD) reaches the NFC account', async () => {
    const before = (await mailboxContents(server, 'jörg@loft.test')).length;
    const smtp = await connectMx();
    await smtp.command('MAIL FROM:<someone@elsewhere.example> SMTPUTF8', 250);
    await smtp.command(`RCPT TO:<${'jörg'.normalize('NFD')}@loft.test>`, 250);
    await smtp.command('DATA', 354);
    smtp.write('Subject: nfd\r\n\r\ndecomposed\r\n.\r\n');
    await smtp.expect(250);
    smtp.close();
    assert.equal((await mailboxContents(server, 'jörg@loft.test')).length, before + 1);
  });

  test('without the SMTPUTF8 parameter UTF-8 addresses are refused with 553 5.6.7', async () => {
    const smtp = await connectMx();
    await smtp.command('MAIL FROM:<müller@exämple.test>', 553, /^5\.6\.7 /);
    await smtp.command('MAIL FROM:<someone@elsewhere.example>', 250);
    await smtp.command('RCPT TO:<jörg@loft.test>', 553, /^5\.6\.7 /);
    await smtp.command('RCPT TO:<alice@loft.test>', 250);
    await smtp.command('QUIT', 221);
  });

  test('a line of invalid UTF-8 in a command is refused, and the session goes on', async () => {
    const smtp = await connectMx();
    smtp.write(
      Buffer.concat([
        Buffer.from('MAIL FROM:<j'),
        Buffer.from([0xf6]),
        Buffer.from('rg@elsewhere.example> SMTPUTF8\r\n'),
      ]),
    );
    await smtp.expect(500, /^5\.5\.2 /);
    await smtp.command('NOOP', 250);
    smtp.close();
  });
});

describe('SMTPUTF8 on the submission port', () => {
  test('AUTH PLAIN with a UTF-8 user name, UTF-8 sender, 8-bit headers through BDAT: stored byte-exact', async () => {
    const message = utf8Message('BDAT ✓ Grüße');
    const smtp = await SmtpDialog.connect(server.ports.submission!);
    await smtp.expect(220);
    await smtp.command('EHLO utf8.client.test', 250);
    await smtp.command('STARTTLS', 220);
    await smtp.startTls();
    await smtp.command('EHLO utf8.client.test', 250);
    // RFC 4616: PLAIN carries UTF-8 (authzid NUL authcid NUL passwd).
    const credentials = Buffer.from('\0jörg@loft.test\0geheim wört', 'utf8').toString('base64');
    await smtp.command(`AUTH PLAIN ${credentials}`, 235);
    await smtp.command('MAIL FROM:<jörg@loft.test> SMTPUTF8 BODY=8BITMIME', 250);
    await smtp.command('RCPT TO:<anna@bücher.test>', 250);
    await smtp.command('RCPT TO:<alice@loft.test>', 250);
    const cut = message.indexOf('Subject:') + 12; // inside the UTF-8 of the Subject
    smtp.write(Buffer.concat([Buffer.from(`BDAT ${cut}\r\n`), message.subarray(0, cut)]));
    await smtp.expect(250);
    smtp.write(Buffer.concat([Buffer.from(`BDAT ${message.length - cut} LAST\r\n`), message.subarray(cut)]));
    await smtp.expect(250, /^2\.0\.0 OK/);
    await smtp.command('QUIT', 221);
    for (const who of ['anna@bücher.test', 'alice@loft.test']) {
      const stored = splitTrace((await mailboxContents(server, who)).at(-1)!);
      assert.equal(stored.returnPath, 'Return-Path: <jörg@loft.test>');
      assert.match(stored.received, / with UTF8SMTPSA \(TLSv1\.[23] /);
      assert.ok(stored.content.equals(message), `${who}: stored content differs:\n${stored.content}`);
    }
  });

  test('a UTF-8 sender the account does not own is refused with 553 5.7.1', async () => {
    const smtp = await SmtpDialog.connect(server.ports.submissions!, { tls: true });
    await smtp.expect(220);
    await smtp.command('EHLO utf8.client.test', 250);
    await smtp.command(`AUTH PLAIN ${Buffer.from('\0alice@loft.test\0secret').toString('base64')}`, 235);
    await smtp.command('MAIL FROM:<jörg@loft.test> SMTPUTF8', 553, /^5\.7\.1 /);
    await smtp.command('MAIL FROM:<alice@loft.test> SMTPUTF8', 250);
    await smtp.command('RCPT TO:<用户@loft.test>', 250);
    smtp.close();
  });
});

/** RFC 5321 §4.5.2 transparency for the DATA variant. */
function dotStuff(content: Buffer): Buffer {
  const lines = content.toString('latin1').split('\r\n');
  return Buffer.from(lines.map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n'), 'latin1');
}
