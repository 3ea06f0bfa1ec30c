/**
 * Warming up the benchmark's own POP3 client before the first measured session. The client runs
 * in the benchmark's process and its code is compiled as it goes: without this, its first
 * session (over 100 ms more of its CPU for 10,000 messages, on a machine of two cores) would be
 * charged to whichever server goes first. It downloads the same messages once from a minimal
 * POP3 responder in this process (no server under test is touched: none of them warms up, no
 * \Seen flag is set).
 */
import net from 'node:net';
import { runPop3Session } from './pop3-session.ts';

/** A message as a POP3 server keeps it: ending with CRLF (a multi-line response needs one). */
function withLineEnd(message: Buffer): Buffer {
  return message.subarray(-2).toString('latin1') === '\r\n'
    ? message
    : Buffer.concat([message, Buffer.from('\r\n')]);
}

/** A message as a POP3 server sends it: dot-stuffed and terminated (RFC 1939 §3). */
function multiline(message: Buffer): Buffer {
  const text = message.toString('latin1').replace(/(^|\r\n)\./g, '$1..');
  return Buffer.from(`${text}.\r\n`, 'latin1');
}

/** Runs one pipelined session of the client against a responder serving `messages`. */
export async function warmUpClient(kept: readonly Buffer[], depth: number): Promise<void> {
  const messages = kept.map(withLineEnd);
  const bodies = messages.map(multiline);
  const total = messages.reduce((sum, m) => sum + m.length, 0);
  const server = net.createServer((socket) => {
    let pending = '';
    socket.write('+OK warm-up\r\n');
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      let end = pending.indexOf('\r\n');
      while (end !== -1) {
        const [verb = '', arg] = pending.slice(0, end).split(' ');
        pending = pending.slice(end + 2);
        end = pending.indexOf('\r\n');
        const n = Number(arg);
        switch (verb.toUpperCase()) {
          case 'CAPA':
            socket.write('+OK\r\nPIPELINING\r\nUIDL\r\n.\r\n');
            break;
          case 'STAT':
            socket.write(`+OK ${messages.length} ${total}\r\n`);
            break;
          case 'UIDL':
          case 'LIST': {
            const lines = messages.map(
              (m, i) => `${i + 1} ${verb.toUpperCase() === 'UIDL' ? `w${i + 1}` : m.length}`,
            );
            socket.write(`+OK\r\n${lines.join('\r\n')}\r\n.\r\n`);
            break;
          }
          case 'RETR':
            socket.write(`+OK ${messages[n - 1]?.length ?? 0} octets\r\n`);
            socket.write(bodies[n - 1] ?? Buffer.from('.\r\n'));
            break;
          case 'QUIT':
            socket.end('+OK bye\r\n');
            return;
          default:
            socket.write('+OK\r\n');
        }
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const session = await runPop3Session({
      port: (server.address() as net.AddressInfo).port,
      user: 'warm-up',
      password: 'warm-up',
      depth,
      expectedMessages: messages.length,
      timeoutMs: 60_000,
    });
    if (!session.verified) throw new Error(`warming up the client: ${session.errors.join('; ')}`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
