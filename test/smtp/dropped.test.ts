/**
 * Clients that vanish mid-transfer: a connection dropped during DATA or BDAT (or in the middle of
 * AUTH or a TLS handshake) stores nothing, leaves no message file behind, frees its connection
 * slot, and the server keeps serving.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { SmtpDialog } from '../helpers/smtp-dialog.ts';
import { blobFiles, counts, eventually, greeted, sendSimple } from './support.ts';

/** How the client goes away. */
type Drop = 'close' | 'reset' | 'half-close';

let server: TestServer;

before(async () => {
  // A small per-IP limit: a session that outlived its dropped socket would hold a slot.
  server = await startTestServer({ limits: { connections_per_ip: 3 } });
  await provision(server, ['loft.test'], ['bob@loft.test']);
});
after(() => server.close());

/** A raw socket speaking just enough SMTP to get into a transaction, then `bytes`, then gone. */
async function dropAfter(port: number, script: string[], bytes: string, how: Drop): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  let received = '';
  const waitFor = (pattern: RegExp): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${pattern} in ${JSON.stringify(received)}`)), 5000);
      const check = (): void => {
        if (pattern.test(received)) {
          clearTimeout(timer);
          socket.off('data', onData);
          resolve();
        }
      };
      const onData = (chunk: Buffer): void => {
        received += chunk.toString('latin1');
        check();
      };
      socket.on('data', onData);
      check();
    });
  await waitFor(/^220 .*\r\n/m);
  for (const line of script) {
    received = '';
    socket.write(`${line}\r\n`);
    await waitFor(/^\d{3} .*\r\n/m);
  }
  socket.write(bytes);
  await new Promise((resolve) => setTimeout(resolve, 30));
  if (how === 'reset') socket.resetAndDestroy();
  else if (how === 'half-close') socket.end();
  else socket.destroy();
  await new Promise((resolve) => socket.once('close', resolve));
}

const TX = ['EHLO client.example', 'MAIL FROM:<sender@example.com>', 'RCPT TO:<bob@loft.test>'];

const CASES: { name: string; script: string[]; bytes: string }[] = [
  { name: 'in the middle of DATA', script: [...TX, 'DATA'], bytes: 'Subject: cut\r\n\r\nhalf a mes' },
  {
    name: 'at the last byte of the DATA terminator',
    script: [...TX, 'DATA'],
    bytes: 'Subject: cut\r\n\r\nall but the end\r\n.\r',
  },
  { name: 'in the middle of a BDAT chunk', script: TX, bytes: `BDAT 100 LAST\r\n${'x'.repeat(50)}` },
  {
    name: 'one octet short of BDAT LAST',
    script: TX,
    bytes: `BDAT 10\r\n0123456789BDAT 20 LAST\r\nSubject: cut\r\n\r\nabc`,
  },
  {
    name: 'between a BDAT chunk and BDAT LAST',
    script: TX,
    bytes: 'BDAT 20\r\nSubject: cut\r\n\r\nabc\r\n',
  },
];

describe('dropped connections store nothing', () => {
  for (const c of CASES) {
    for (const how of ['close', 'reset', 'half-close'] as const) {
      test(`${c.name} (${how})`, async () => {
        const [before] = await counts(server, ['bob@loft.test']);
        const files = await blobFiles(server);
        await dropAfter(server.ports.smtp!, c.script, c.bytes, how);
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.deepEqual(await counts(server, ['bob@loft.test']), [before], 'no message stored');
        assert.equal(await blobFiles(server), files, 'no message file left behind');
      });
    }
  }

  test('in the middle of an AUTH exchange or a TLS handshake', async () => {
    await dropAfter(server.ports.submission!, ['EHLO client.example', 'AUTH LOGIN'], 'YWxpY2U=\r\n', 'close');
    await dropAfter(server.ports.smtp!, ['EHLO client.example', 'STARTTLS'], '\x16\x03\x01\x00', 'reset');
    // An implicit TLS connection that never finishes its handshake.
    const socket = net.connect(server.ports.submissions!, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03');
    socket.destroy();
  });

  test('afterwards every connection slot is free again and mail flows', async () => {
    // Three at once is the per-IP limit: any session left over from the drops would refuse one.
    const ok = await eventually(async () => {
      const dialogs = await Promise.all([0, 1, 2].map(() => SmtpDialog.connect(server.ports.smtp!)));
      const codes = await Promise.all(dialogs.map(async (d) => (await d.reply())?.code));
      for (const d of dialogs) d.close();
      return codes.every((code) => code === 220);
    });
    assert.ok(ok, 'dropped sessions released their slots');
    const [before] = await counts(server, ['bob@loft.test']);
    assert.equal(await sendSimple(server.ports.smtp!, 'bob@loft.test'), 250);
    const smtp = await greeted(server.ports.submission!);
    await smtp.command('QUIT', 221);
    assert.deepEqual(await counts(server, ['bob@loft.test']), [before! + 1]);
  });
});
