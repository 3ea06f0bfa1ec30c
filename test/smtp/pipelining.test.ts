/**
 * Pipelined input and replies under pressure (RFC 2920): replies held while pipelined commands
 * are processed go out before the server waits for more input, so a client that holds part of a
 * line never deadlocks and a client that never reads cannot pile up replies in server memory;
 * a client that stops reading is dropped after the command timeout instead of holding its
 * connection slot for ever.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { SmtpDialog } from '../helpers/smtp-dialog.ts';
import { eventually, greeted } from './support.ts';

describe('pipelined replies', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  test('replies are sent before the server waits for the rest of a partial line', async () => {
    const smtp = await greeted(server.ports.smtp!);
    smtp.write('NOOP\r\nRSET\r\nNOO');
    // The client holds back the rest of the line until it has its replies.
    await smtp.expect(250, /^2\.0\.0 OK/);
    await smtp.expect(250);
    smtp.write('P\r\n');
    await smtp.expect(250);
    await smtp.command('QUIT', 221);
  });

  test('replies to complete BDAT chunks are sent while the next chunk is still arriving', async () => {
    const smtp = await greeted(server.ports.smtp!);
    smtp.write('RSET\r\nBDAT 4\r\nab');
    await smtp.expect(250);
    smtp.write('cd');
    await smtp.expect(503, /MAIL/);
    smtp.close();
  });
});

describe('a client that never reads', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      smtp: { command_timeout: 1 },
      limits: { connections_per_ip: 1 },
    });
  });
  after(() => server.close());

  test('is dropped after smtp.command_timeout and frees its connection slot', async () => {
    const socket = net.connect(server.ports.smtp!, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause(); // never reads a reply
    // About 25 MB of replies (EHLO answers 20 times its size): more than the socket buffers hold.
    const burst = 'EHLO x\r\n'.repeat(50_000);
    for (let i = 0; i < 3; i++) socket.write(burst);
    // Meanwhile the only slot for 127.0.0.1 is taken: a second client is refused…
    const refused = await SmtpDialog.connect(server.ports.smtp!);
    await refused.expect(421);
    refused.close();
    // …until the stalled session is dropped.
    const freed = await eventually(async () => {
      const next = await SmtpDialog.connect(server.ports.smtp!);
      const reply = await next.reply();
      next.close();
      return reply?.code === 220;
    }, 20_000);
    socket.destroy();
    assert.ok(freed, 'the session blocked on writing was closed');
  });
});
