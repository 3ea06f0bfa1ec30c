/**
 * Loopback helpers: a free port, and waiting until an SMTP or POP3 server greets.
 */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it; a race is possible but rare). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

/** The protocols whose greeting {@link waitForGreeting} knows. */
export type GreetingProtocol = 'smtp' | 'pop3' | 'imap';

/** What a ready server's greeting looks like: SMTP "220 " (RFC 5321 §4.2), POP3 "+OK" (RFC 1939 §4), IMAP "* OK" (RFC 9051 §7.1.1). */
const READY: Record<GreetingProtocol, { line: RegExp; prefix: string }> = {
  smtp: { line: /^220 .*\r?\n/m, prefix: '220' },
  pop3: { line: /^\+OK.*\r?\n/, prefix: '+OK' },
  imap: { line: /^\* OK.*\r?\n/, prefix: '* OK' },
};

/** Resolves true when one connection to `port` receives the protocol's ready greeting. */
function greets(port: number, timeoutMs: number, protocol: GreetingProtocol): Promise<boolean> {
  const ready = READY[protocol];
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let text = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (ready.line.test(text)) {
        socket.end(protocol === 'imap' ? 'A1 LOGOUT\r\n' : 'QUIT\r\n');
        resolve(true);
      } else if (/\r?\n/.test(text) && !text.startsWith(ready.prefix)) done(false);
    });
  });
}

/**
 * Waits until a server on 127.0.0.1:`port` sends its ready greeting (SMTP by default), polling
 * every 100 ms; rejects after `timeoutMs`, or as soon as `alive()` says its process has gone.
 */
export async function waitForGreeting(
  port: number,
  timeoutMs: number,
  alive: () => boolean,
  protocol: GreetingProtocol = 'smtp',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`the server for port ${port} exited before greeting`);
    if (await greets(port, 2000, protocol)) return;
    await sleep(100);
  }
  throw new Error(`no ${protocol.toUpperCase()} greeting on 127.0.0.1:${port} within ${timeoutMs / 1000} s`);
}
