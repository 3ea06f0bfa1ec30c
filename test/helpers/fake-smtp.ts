/**
 * A tiny scripted SMTP server for client tests that Loft's own server cannot play: it answers
 * each command line through a script, reads DATA up to "." and BDAT chunks by size, and records
 * everything it received. A script answer may be a reply text (CRLF added), `null` (never answer)
 * `'close'` (drop the connection), a reply followed by closing the connection, or a late reply.
 */
import net from 'node:net';

/** What the script returns for a command: reply lines, silence, or a dropped connection. */
export type FakeAnswer =
  | string
  | null
  | 'close'
  | { reply: string; thenClose: true }
  | { reply: string; delayMs: number };

export interface FakeScript {
  /** The greeting; default `220 fake.test ESMTP`. */
  greeting?: FakeAnswer;
  /** The EHLO keywords offered (default PIPELINING, 8BITMIME, SIZE 1000000). */
  ehlo?: readonly string[];
  /** Answers a command line (without CRLF); `undefined` falls back to the defaults (250 / 354 / 221). */
  command?: (line: string, session: FakeSession) => FakeAnswer | undefined;
  /** Answer to the end of DATA or the last BDAT; default `250 2.0.0 queued`. */
  afterData?: (content: Buffer, session: FakeSession) => FakeAnswer;
}

/** One connection's record. */
export interface FakeSession {
  readonly lines: string[];
  /** Contents received with DATA (dot-unstuffed, without the terminator) or BDAT (joined). */
  readonly messages: Buffer[];
  /** The BDAT chunk sizes of the current message. */
  readonly chunks: number[];
}

export interface FakeServer {
  readonly port: number;
  readonly sessions: FakeSession[];
  close(): Promise<void>;
}

function ehloReply(keywords: readonly string[]): string {
  const lines = ['fake.test', ...keywords];
  return lines.map((l, i) => `250${i === lines.length - 1 ? ' ' : '-'}${l}`).join('\r\n');
}

/** Starts the fake server on 127.0.0.1 (or `at.host`), port 0 (or `at.port`, to come back where it was). */
export async function startFakeServer(
  script: FakeScript = {},
  at: { host?: string; port?: number } = {},
): Promise<FakeServer> {
  const sessions: FakeSession[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const session: FakeSession = { lines: [], messages: [], chunks: [] };
    sessions.push(session);
    let buffer = Buffer.alloc(0);
    let mode: { kind: 'line' } | { kind: 'data' } | { kind: 'bdat'; size: number; last: boolean } = {
      kind: 'line',
    };
    let bdatParts: Buffer[] = [];
    const send = (answer: FakeAnswer): boolean => {
      if (answer === null) return true;
      if (answer === 'close') {
        socket.destroy();
        return false;
      }
      if (typeof answer === 'object' && 'delayMs' in answer) {
        setTimeout(() => socket.writable && socket.write(`${answer.reply}\r\n`), answer.delayMs);
        return true;
      }
      if (typeof answer === 'object') {
        socket.end(`${answer.reply}\r\n`);
        return false;
      }
      socket.write(`${answer}\r\n`);
      return true;
    };
    const onLine = (line: string): boolean => {
      session.lines.push(line);
      const custom = script.command?.(line, session);
      if (custom !== undefined) {
        if (
          custom !== null &&
          custom !== 'close' &&
          typeof custom === 'string' &&
          /^DATA$/i.test(line) &&
          custom.startsWith('354')
        )
          mode = { kind: 'data' };
        return send(custom);
      }
      const verb = line.split(' ')[0]!.toUpperCase();
      if (verb === 'EHLO') return send(ehloReply(script.ehlo ?? ['PIPELINING', '8BITMIME', 'SIZE 1000000']));
      if (verb === 'DATA') {
        mode = { kind: 'data' };
        return send('354 go ahead');
      }
      if (verb === 'BDAT') {
        const [, size, last] = line.split(' ');
        mode = { kind: 'bdat', size: Number(size), last: last?.toUpperCase() === 'LAST' };
        return true;
      }
      if (verb === 'QUIT') {
        send('221 bye');
        socket.end();
        return false;
      }
      return send('250 ok');
    };
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (mode.kind === 'line') {
          const lf = buffer.indexOf('\r\n');
          if (lf < 0) return;
          const line = buffer.subarray(0, lf).toString('utf8');
          buffer = buffer.subarray(lf + 2);
          if (!onLine(line)) return;
        } else if (mode.kind === 'data') {
          const end = buffer.indexOf('\r\n.\r\n');
          const atStart = buffer.subarray(0, 3).toString() === '.\r\n';
          if (end < 0 && !atStart) return;
          const raw = atStart ? Buffer.alloc(0) : buffer.subarray(0, end + 2);
          buffer = buffer.subarray(atStart ? 3 : end + 5);
          const content = Buffer.from(raw.toString('latin1').replace(/^\./gm, ''), 'latin1');
          session.messages.push(content);
          mode = { kind: 'line' };
          if (!send(script.afterData ? script.afterData(content, session) : '250 2.0.0 queued')) return;
        } else {
          if (buffer.length < mode.size) return;
          bdatParts.push(buffer.subarray(0, mode.size));
          session.chunks.push(mode.size);
          buffer = buffer.subarray(mode.size);
          const last = mode.last;
          mode = { kind: 'line' };
          if (last) {
            const content = Buffer.concat(bdatParts);
            bdatParts = [];
            session.messages.push(content);
            if (!send(script.afterData ? script.afterData(content, session) : '250 2.0.0 queued')) return;
          } else if (!send('250 2.0.0 chunk ok')) return;
        }
      }
    });
    send(script.greeting === undefined ? '220 fake.test ESMTP' : script.greeting);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port ?? 0, at.host ?? '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    sessions,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
