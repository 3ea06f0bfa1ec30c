/**
 * Forcing a full garbage collection in another Node.js process, for memory readings that count
 * what is kept rather than garbage not yet collected: the process runs with
 * `--inspect=127.0.0.1:PORT`, and `HeapProfiler.collectGarbage` is sent over the inspector's
 * WebSocket (Chrome DevTools Protocol). Only the benchmark's own Loft process is ever inspected,
 * on loopback.
 */

/** Sends one DevTools Protocol call to the inspector on 127.0.0.1:`port`; resolves with its result. */
async function call(port: number, method: string, timeoutMs: number): Promise<unknown> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
    webSocketDebuggerUrl?: string;
  }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${port}`);
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`${method}: no answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.addEventListener('open', () => socket.send(JSON.stringify({ id: 1, method })));
    socket.addEventListener('message', (event) => {
      const reply = JSON.parse(String(event.data)) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
      };
      if (reply.id !== 1) return;
      clearTimeout(timer);
      socket.close();
      if (reply.error) reject(new Error(`${method}: ${reply.error.message}`));
      else resolve(reply.result);
    });
    socket.addEventListener('error', () => {
      clearTimeout(timer);
      reject(new Error(`${method}: the inspector's WebSocket failed`));
    });
  });
}

/** Runs a full garbage collection in the process inspected on `port`. */
export async function collectGarbage(port: number, timeoutMs = 120_000): Promise<void> {
  await call(port, 'HeapProfiler.collectGarbage', timeoutMs);
}
