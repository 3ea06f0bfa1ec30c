/**
 * AUTH on the submission ports (RFC 4954) against the real server: refusals with the right codes,
 * the LOGIN and SCRAM-SHA-256 exchanges, failures limited per client IP, the plaintext policy
 * (RFC 4954 §4, RFC 8314), and the sender checks of authenticated submission.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import type { SmtpDialog } from '../helpers/smtp-dialog.ts';
import { b64, ScramClient, unb64 } from './scram-client.ts';
import { counts, greeted, plainResponse } from './support.ts';

/** Runs a whole SCRAM-SHA-256 exchange; returns the final reply code. */
async function scram(smtp: SmtpDialog, user: string, password: string, initial: boolean): Promise<number> {
  const client = new ScramClient(user, password);
  if (initial) {
    smtp.send(`AUTH SCRAM-SHA-256 ${b64(client.first())}`);
  } else {
    // No initial response: the server invites the client-first with an empty challenge.
    const invite = await smtp.command('AUTH SCRAM-SHA-256', 334);
    assert.equal(invite.lines[0] ?? '', '');
    smtp.send(b64(client.first()));
  }
  const serverFirst = await smtp.expect(334);
  smtp.send(b64(client.final(unb64(serverFirst.lines[0]!))));
  const next = await smtp.reply();
  assert.ok(next);
  if (next.code !== 334) return next.code;
  // RFC 4954 §4: the server-final message comes as a last challenge, answered with an empty line.
  assert.ok(client.verify(unb64(next.lines[0]!)), 'the server signature proves the server knows the keys');
  smtp.send('');
  const done = await smtp.reply();
  return done?.code ?? 0;
}

describe('AUTH on the submission port', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ auth: { max_failures_per_ip: 1000 } });
    await provision(server, ['loft.test'], ['alice@loft.test', 'bob@loft.test']);
    await server.services.directory.addAlias('sales@loft.test', ['alice@loft.test']);
  });
  after(() => server.close());

  test('plaintext mechanisms are offered over plain text from loopback by default', async () => {
    const smtp = await greeted(server.ports.submission!);
    smtp.send('EHLO client.example');
    const ehlo = await smtp.expect(250);
    assert.ok(ehlo.lines.includes('AUTH SCRAM-SHA-256 PLAIN LOGIN'), ehlo.lines.join('|'));
    await smtp.command(`AUTH PLAIN ${plainResponse('alice@loft.test', 'secret')}`, 235, /^2\.7\.0 /);
    const again = await smtp.command('EHLO client.example', 250);
    assert.ok(!again.lines.some((l) => l.startsWith('AUTH')), 'AUTH is not offered once authenticated');
    await smtp.command(`AUTH PLAIN ${plainResponse('alice@loft.test', 'secret')}`, 503, /^5\.5\.1 /);
    smtp.close();
  });

  test('MAIL without AUTH gets 530 5.7.0', async () => {
    const smtp = await greeted(server.ports.submission!);
    await smtp.command('MAIL FROM:<alice@loft.test>', 530, /^5\.7\.0 /);
    smtp.close();
  });

  test('PLAIN naming another user as authorization identity gets 535 and does not log in', async () => {
    const smtp = await greeted(server.ports.submission!);
    // alice's own correct password, asking to act as bob.
    await smtp.command(
      `AUTH PLAIN ${plainResponse('alice@loft.test', 'secret', 'bob@loft.test')}`,
      535,
      /^5\.7\.8 /,
    );
    await smtp.command('MAIL FROM:<bob@loft.test>', 530);
    // An authorization identity equal to the user is the same as none (RFC 4616 §2).
    await smtp.command(`AUTH PLAIN ${plainResponse('alice@loft.test', 'secret', 'alice@loft.test')}`, 235);
    smtp.close();
  });

  test('a wrong password gets 535 5.7.8', async () => {
    const smtp = await greeted(server.ports.submission!);
    await smtp.command(`AUTH PLAIN ${plainResponse('alice@loft.test', 'wrong')}`, 535, /^5\.7\.8 /);
    await smtp.command(`AUTH PLAIN ${plainResponse('nobody@loft.test', 'secret')}`, 535, /^5\.7\.8 /);
    smtp.close();
  });

  test('malformed base64 gets 501, in the AUTH line or in a response line', async () => {
    const smtp = await greeted(server.ports.submission!);
    await smtp.command('AUTH PLAIN !!notbase64!!', 501);
    await smtp.command('AUTH PLAIN', 334);
    await smtp.command('%%%', 501, /^5\.5\.2 /);
    await smtp.command('AUTH LOGIN', 334);
    await smtp.command('YWxpY2U', 501, /^5\.5\.2 /); // bad padding
    // A well-formed base64 of a malformed PLAIN message.
    await smtp.command(`AUTH PLAIN ${b64('no-nul-here')}`, 501);
    await smtp.command('NOOP', 250);
    smtp.close();
  });

  test('an unknown mechanism gets 504 5.5.4', async () => {
    const smtp = await greeted(server.ports.submission!);
    await smtp.command('AUTH CRAM-MD5', 504, /^5\.5\.4 /);
    await smtp.command('AUTH SCRAM-SHA-256-PLUS', 504);
    await smtp.command('AUTH GSSAPI', 504);
    smtp.close();
  });

  test('"*" cancels an exchange with 501 and the session goes on', async () => {
    const smtp = await greeted(server.ports.submission!);
    await smtp.command('AUTH PLAIN', 334);
    await smtp.command('*', 501, /^5\.0\.0 /);
    const prompt = await smtp.command('AUTH LOGIN', 334);
    assert.equal(unb64(prompt.lines[0]!), 'Username:');
    await smtp.command(b64('alice@loft.test'), 334);
    await smtp.command('*', 501);
    await smtp.command('AUTH SCRAM-SHA-256', 334);
    await smtp.command('*', 501);
    await smtp.command('MAIL FROM:<alice@loft.test>', 530, /not|required/i);
    await smtp.command(`AUTH PLAIN ${plainResponse('alice@loft.test', 'secret')}`, 235);
    smtp.close();
  });

  test('LOGIN logs in', async () => {
    const smtp = await greeted(server.ports.submission!);
    const username = await smtp.command('AUTH LOGIN', 334);
    assert.equal(unb64(username.lines[0]!), 'Username:');
    const password = await smtp.command(b64('alice@loft.test'), 334);
    assert.equal(unb64(password.lines[0]!), 'Password:');
    await smtp.command(b64('secret'), 235, /^2\.7\.0 /);
    await smtp.command('MAIL FROM:<alice@loft.test>', 250);
    smtp.close();
  });

  test('SCRAM-SHA-256 logs in, with and without an initial response', async () => {
    for (const initial of [true, false]) {
      const smtp = await greeted(server.ports.submission!);
      assert.equal(await scram(smtp, 'alice@loft.test', 'secret', initial), 235);
      await smtp.command('MAIL FROM:<alice@loft.test>', 250);
      smtp.close();
    }
  });

  test('SCRAM-SHA-256 with a wrong password or an unknown user gets 535', async () => {
    const smtp = await greeted(server.ports.submission!);
    assert.equal(await scram(smtp, 'alice@loft.test', 'wrong', true), 535);
    assert.equal(await scram(smtp, 'nobody@loft.test', 'secret', true), 535);
    await smtp.command('MAIL FROM:<alice@loft.test>', 530);
    smtp.close();
  });

  test('the sender must be the user or one of its aliases: others get 553 5.7.1', async () => {
    const [bobBefore] = await counts(server, ['bob@loft.test']);
    const smtp = await greeted(server.ports.submission!);
    await smtp.command(`AUTH PLAIN ${plainResponse('alice@loft.test', 'secret')}`, 235);
    await smtp.command('MAIL FROM:<bob@loft.test>', 553, /^5\.7\.1 /);
    await smtp.command('MAIL FROM:<someone@example.com>', 553, /^5\.7\.1 /);
    await smtp.command('MAIL FROM:<>', 553, /^5\.7\.1 /);
    await smtp.command('MAIL FROM:<Alice+tag@LOFT.test>', 250);
    await smtp.command('RSET', 250);
    await smtp.command('MAIL FROM:<sales@loft.test>', 250, /^2\.1\.0 /);
    await smtp.command('RCPT TO:<bob@loft.test>', 250);
    await smtp.command('DATA', 354);
    smtp.write('From: sales@loft.test\r\nSubject: from sales\r\n\r\nhi\r\n.\r\n');
    await smtp.expect(250);
    await smtp.command('QUIT', 221);
    const bobs = await mailboxContents(server, 'bob@loft.test');
    assert.equal(bobs.length, bobBefore! + 1);
    assert.match(bobs.at(-1)!.toString(), /^Return-Path: <sales@loft\.test>\r\n/);
  });

  test('implicit TLS (submissions) offers every mechanism and logs in', async () => {
    const smtp = await overImplicitTls(server.ports.submissions!);
    await smtp.command(`AUTH PLAIN ${plainResponse('bob@loft.test', 'secret')}`, 235);
    await smtp.command('MAIL FROM:<bob@loft.test>', 250);
    smtp.close();
  });
});

async function overImplicitTls(port: number): Promise<SmtpDialog> {
  const smtp = await greeted(port, { tls: true });
  smtp.send('EHLO client.example');
  const ehlo = await smtp.expect(250);
  assert.ok(ehlo.lines.includes('AUTH SCRAM-SHA-256 PLAIN LOGIN'));
  assert.ok(!ehlo.lines.includes('STARTTLS'));
  return smtp;
}

describe('auth.max_failures_per_ip', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ auth: { max_failures_per_ip: 3 } });
    await provision(server, ['loft.test'], ['alice@loft.test']);
  });
  after(() => server.close());

  test('after 3 failures the 4th attempt gets 454 4.7.0 even with the right password', async () => {
    const smtp = await greeted(server.ports.submission!);
    await smtp.command(`AUTH PLAIN ${plainResponse('alice@loft.test', 'guess1')}`, 535);
    await smtp.command(`AUTH PLAIN ${plainResponse('alice@loft.test', 'guess2')}`, 535);
    smtp.close();
    // The count is per client IP, not per connection, and covers every mechanism.
    const other = await greeted(server.ports.submission!);
    await other.command('AUTH LOGIN', 334);
    await other.command(b64('alice@loft.test'), 334);
    await other.command(b64('guess3'), 535);
    await other.command(`AUTH PLAIN ${plainResponse('alice@loft.test', 'secret')}`, 454, /^4\.7\.0 /);
    await other.command('AUTH SCRAM-SHA-256', 454);
    await other.command('MAIL FROM:<alice@loft.test>', 530);
    other.close();
    const third = await greeted(server.ports.submissions!, { tls: true });
    await third.command(`AUTH PLAIN ${plainResponse('alice@loft.test', 'secret')}`, 454);
    third.close();
  });
});

describe('auth.plaintext = "tls"', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ auth: { plaintext: 'tls' } });
    await provision(server, ['loft.test'], ['alice@loft.test']);
  });
  after(() => server.close());

  test('before TLS only SCRAM-SHA-256 is offered; PLAIN and LOGIN get 538 5.7.11', async () => {
    const smtp = await greeted(server.ports.submission!);
    const ehlo = await smtp.command('EHLO client.example', 250);
    const auth = ehlo.lines.filter((l) => l.startsWith('AUTH'));
    assert.deepEqual(auth, ['AUTH SCRAM-SHA-256']);
    await smtp.command(`AUTH PLAIN ${plainResponse('alice@loft.test', 'secret')}`, 538, /^5\.7\.11 /);
    await smtp.command('AUTH LOGIN', 538, /^5\.7\.11 /);
    await smtp.command('MAIL FROM:<alice@loft.test>', 530);
    // SCRAM does not send the password, so it is allowed without TLS.
    assert.equal(await scram(smtp, 'alice@loft.test', 'secret', true), 235);
    smtp.close();
  });

  test('after STARTTLS every mechanism is offered and PLAIN logs in', async () => {
    const smtp = await greeted(server.ports.submission!);
    await smtp.command('STARTTLS', 220);
    await smtp.startTls();
    const ehlo = await smtp.command('EHLO client.example', 250);
    assert.ok(ehlo.lines.includes('AUTH SCRAM-SHA-256 PLAIN LOGIN'), ehlo.lines.join('|'));
    await smtp.command(`AUTH PLAIN ${plainResponse('alice@loft.test', 'secret')}`, 235);
    await smtp.command('MAIL FROM:<alice@loft.test>', 250);
    smtp.close();
  });
});
