/**
 * A connection dropped at any point (FIN, close, reset), in DATA, in AUTH, in a STARTTLS or an
 * implicit TLS handshake, gives its connection slot back at once: with one slot per IP, the next
 * connection is greeted.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { SmtpDialog } from '../helpers/smtp-dialog.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer({ limits: { connections_per_ip: 1 } });
  await provision(server, ['loft.test'], ['bob@loft.test']);
});
after(() => server.close());

type How = 'end' | 'close' | 'reset';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function greetedWithin(ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const dialog = await SmtpDialog.connect(server.ports.smtp!);
    const reply = await dialog.reply();
    dialog.close();
    if (reply?.code === 220) return true;
    await pause(50);
  }
  return false;
}

async function dropAfter(port: number, lines: string[], tail: string, how: How): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  socket.resume(); // read (and drop) the replies, so the server's FIN is seen
  await new Promise((resolve) => socket.once('connect', resolve));
  for (const line of lines) {
    socket.write(`${line}\r\n`);
    await pause(30);
  }
  socket.write(tail);
  await pause(30);
  if (how === 'reset') socket.resetAndDestroy();
  else if (how === 'end') socket.end();
  else socket.destroy();
  await new Promise((resolve) => socket.once('close', resolve));
}

for (const how of ['end', 'close', 'reset'] as const) {
  test(`dropped (${how}) in DATA, AUTH, STARTTLS and implicit TLS handshakes: the slot comes back`, async () => {
    const cases: [string, number, string[], string][] = [
      [
        'DATA',
        server.ports.smtp!,
        ['EHLO x', 'MAIL FROM:<a@b.example>', 'RCPT TO:<bob@loft.test>', 'DATA'],
        'Subject: x\r\n',
      ],
      ['AUTH', server.ports.submission!, ['EHLO x', 'AUTH LOGIN'], 'YWxpY2U=\r\n'],
      ['STARTTLS', server.ports.smtp!, ['EHLO x', 'STARTTLS'], '\x16\x03\x01\x00'],
      ['implicit TLS', server.ports.submissions!, [], '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'],
    ];
    for (const [label, port, lines, tail] of cases) {
      await dropAfter(port, lines, tail, how);
      assert.ok(await greetedWithin(3000), `slot held after a drop (${how}) in ${label}`);
    }
  });
}
