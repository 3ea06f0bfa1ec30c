/**
 * STARTTLS command injection (CVE-2011-0411, RFC 3207 §4.2): plaintext pipelined after STARTTLS
 * must be discarded, not run inside the TLS session, and everything learned before TLS (EHLO,
 * AUTH, the transaction) is forgotten.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { greeted, plainResponse } from './support.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  await provision(server, ['loft.test'], ['alice@loft.test', 'bob@loft.test']);
});
after(() => server.close());

describe('STARTTLS injection', () => {
  test('a command in the same packet as STARTTLS is not answered after the handshake', async () => {
    const smtp = await greeted(server.ports.smtp!);
    smtp.write('STARTTLS\r\nHELP\r\n');
    await smtp.expect(220, /^2\.0\.0 /);
    await smtp.startTls();
    // Had HELP been kept, its 214 would come first.
    await smtp.command('NOOP', 250, /^2\.0\.0 OK/);
    await smtp.command('QUIT', 221);
  });

  test('an injected EHLO and MAIL do not survive: EHLO is required again after TLS', async () => {
    const smtp = await greeted(server.ports.smtp!);
    smtp.write('STARTTLS\r\nEHLO evil.example\r\nMAIL FROM:<x@evil.example>\r\nRSET\r\n');
    await smtp.expect(220);
    await smtp.startTls();
    await smtp.command('MAIL FROM:<sender@example.com>', 503, /EHLO/);
    await smtp.command('RCPT TO:<alice@loft.test>', 503);
    const ehlo = await smtp.command('EHLO client.example', 250);
    assert.ok(!ehlo.lines.includes('STARTTLS'), 'STARTTLS is not offered again');
    assert.ok(ehlo.lines.includes('REQUIRETLS'), 'REQUIRETLS is offered over TLS');
    await smtp.command('MAIL FROM:<sender@example.com>', 250);
    await smtp.command('STARTTLS', 503, /^5\.5\.1 /);
    smtp.close();
  });

  test('a transaction opened before STARTTLS refuses STARTTLS; after RSET it is forgotten', async () => {
    const smtp = await greeted(server.ports.smtp!);
    await smtp.command('MAIL FROM:<sender@example.com>', 250);
    await smtp.command('STARTTLS', 503, /transaction/);
    await smtp.command('RSET', 250);
    await smtp.command('STARTTLS', 220);
    await smtp.startTls();
    await smtp.command('EHLO client.example', 250);
    await smtp.command('RCPT TO:<alice@loft.test>', 503, /MAIL/);
    smtp.close();
  });

  test('authentication before STARTTLS is forgotten (submission port)', async () => {
    const smtp = await greeted(server.ports.submission!);
    await smtp.command(`AUTH PLAIN ${plainResponse('alice@loft.test', 'secret')}`, 235);
    // Pipelined after STARTTLS: a MAIL that would pass if the AUTH state survived and the bytes ran.
    smtp.write('STARTTLS\r\nMAIL FROM:<alice@loft.test>\r\n');
    await smtp.expect(220);
    await smtp.startTls();
    const ehlo = await smtp.command('EHLO client.example', 250);
    assert.ok(
      ehlo.lines.some((l) => l.startsWith('AUTH ')),
      'AUTH is offered again: the session is not authenticated',
    );
    await smtp.command('MAIL FROM:<alice@loft.test>', 530, /^5\.7\.0 /);
    await smtp.command(`AUTH PLAIN ${plainResponse('alice@loft.test', 'secret')}`, 235);
    await smtp.command('MAIL FROM:<alice@loft.test>', 250);
    smtp.close();
  });

  test('plaintext sent in place of the TLS handshake ends the connection', async () => {
    const smtp = await greeted(server.ports.smtp!);
    await smtp.command('STARTTLS', 220);
    smtp.write('MAIL FROM:<x@evil.example>\r\nRCPT TO:<alice@loft.test>\r\n');
    assert.ok(await smtp.closedByServer(), 'the server drops a failed handshake');
    // …and keeps serving others.
    const next = await greeted(server.ports.smtp!);
    await next.command('QUIT', 221);
  });
});
