/**
 * Regression tests for defects the attack tests found outside the SMTP session code: a client's
 * half-close (FIN after its last command) and an EHLO argument that is not a domain.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { counts, eventually, greeted } from './support.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  await provision(server, ['loft.test'], ['bob@loft.test']);
});
after(() => server.close());

describe('regressions', () => {
  test('a client that half-closes after its last command still gets every reply', async () => {
    const [before = 0] = await counts(server, ['bob@loft.test']);
    const socket = net.connect(server.ports.smtp!, '127.0.0.1');
    socket.on('error', () => {});
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    await new Promise((resolve) => socket.once('connect', resolve));
    // Everything at once, then FIN (as `nc -N` or a shell pipe does).
    socket.end(
      'EHLO client.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<bob@loft.test>\r\nDATA\r\n' +
        'Subject: half-close\r\n\r\nhi\r\n.\r\nQUIT\r\n',
    );
    await new Promise((resolve) => socket.once('close', resolve));
    assert.ok(await eventually(async () => (await counts(server, ['bob@loft.test']))[0] === before + 1));
    assert.match(
      received,
      /\r\n250 2\.0\.0 OK: queued as \S+\r\n221 /,
      'the 250 and the 221 reach the client',
    );
  });

  test('an EHLO argument that is not a domain cannot break the Received header', async () => {
    const smtp = await greeted(server.ports.smtp!);
    await smtp.command('EHLO x;by=evil.example(for', 250);
    await smtp.command('MAIL FROM:<a@b.example>', 250);
    await smtp.command('RCPT TO:<bob@loft.test>', 250);
    await smtp.command('DATA', 354);
    smtp.write('Subject: trace\r\n\r\nhi\r\n.\r\n');
    await smtp.expect(250);
    smtp.close();
    const stored = (await mailboxContents(server, 'bob@loft.test')).at(-1)!.toString('latin1');
    const received = /^Received: (.*(?:\r\n[ \t].*)*)\r\n/m.exec(stored)?.[1] ?? '';
    // Only the date separator may be a ";" outside comments, and comments must balance.
    const outside = received.replace(/\((?:[^()\\]|\\.)*\)/g, '');
    assert.equal(outside.split(';').length, 2, received);
    assert.ok(!outside.includes('('), `unbalanced comment in ${JSON.stringify(received)}`);
    assert.match(outside, /^from \S+\s+by mx\.loft\.test\s+with ESMTP /);
  });
});
