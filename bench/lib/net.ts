/**
 * Loopback helpers: a free port, and waiting until an SMTP server greets.
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

/** Resolves true when one connection to `port` receives a line starting with "220 ". */
function greets(port: number, timeoutMs: number): Promise<boolean> {
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
      if (/^220 .*\r?\n/m.test(text)) {
        socket.end('QUIT\r\n');
        resolve(true);
      } else if (/\r?\n/.test(text) && !text.startsWith('220')) done(false);
    });
  });
}

/**
 * Waits until an SMTP server on 127.0.0.1:`port` sends its 220 greeting, polling every 100 ms;
 * rejects after `timeoutMs`, or as soon as `alive()` says the server's process has gone.
 */
export async function waitForGreeting(port: number, timeoutMs: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`the server for port ${port} exited before greeting`);
    if (await greets(port, 2000)) return;
    await sleep(100);
  }
  throw new Error(`no SMTP greeting on 127.0.0.1:${port} within ${timeoutMs / 1000} s`);
}
