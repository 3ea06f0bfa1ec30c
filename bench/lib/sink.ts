/**
 * An SMTP sink for the outbound benchmark: accepts every message (PIPELINING, 8BITMIME), counts
 * the messages and connections, and keeps nothing. Both Loft's runner and Postfix's smtp client
 * deliver to it, so the sink costs both sides the same.
 */
import net from 'node:net';

export interface Sink {
  readonly port: number;
  /** Messages whose end of data got a 250. */
  readonly messages: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** When the first and the latest message ended (ms since the epoch). */
  readonly firstAt: number | undefined;
  readonly lastAt: number | undefined;
  reset(): void;
  close(): Promise<void>;
}

const EHLO = '250-sink.bench.invalid\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 104857600\r\n';
const END_OF_DATA = '\r\n.\r\n';

/** Starts the sink on 127.0.0.1, a free port. */
export async function startSink(): Promise<Sink> {
  const state = {
    messages: 0,
    connections: 0,
    firstAt: undefined as number | undefined,
    lastAt: undefined as number | undefined,
  };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffer = '';
    let inData = false;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let out = '';
      for (;;) {
        if (inData) {
          // A CRLF was put before the content, so an empty message ends the same way.
          const end = buffer.indexOf(END_OF_DATA);
          if (end === -1) {
            // Keep only what could start the terminator.
            if (buffer.length > 4) buffer = buffer.slice(-4);
            break;
          }
          buffer = buffer.slice(end + END_OF_DATA.length);
          inData = false;
          state.messages++;
          const now = Date.now();
          state.firstAt ??= now;
          state.lastAt = now;
          out += '250 2.0.0 sunk\r\n';
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol === -1) break;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') out += EHLO;
        else if (verb === 'DATA') {
          out += '354 go ahead\r\n';
          inData = true;
          buffer = `\r\n${buffer}`;
        } else if (verb === 'QUIT') {
          socket.end(`${out}221 bye\r\n`);
          return;
        } else out += '250 ok\r\n';
      }
      if (out) socket.write(out);
    });
    socket.write('220 sink.bench.invalid ESMTP\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get messages() {
      return state.messages;
    },
    get connections() {
      return state.connections;
    },
    get firstAt() {
      return state.firstAt;
    },
    get lastAt() {
      return state.lastAt;
    },
    reset() {
      state.messages = 0;
      state.connections = 0;
      state.firstAt = undefined;
      state.lastAt = undefined;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
