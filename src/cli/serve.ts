/**
 * `loft serve`: start every listener, log where, and shut down cleanly on SIGINT/SIGTERM.
 */
import type { Config } from '../config/schema.ts';
import { createLogger } from '../core/log.ts';
import { startLoft } from '../loft.ts';

export async function serve(config: Config): Promise<void> {
  const log = createLogger(config.log.level);
  const loft = await startLoft(config, { log });
  const where = loft.listeners.map((l) => `${l.name}=${l.address.address}:${l.address.port}`).join(' ');
  log.info(
    {
      event: 'server.ready',
      hostname: loft.hostname,
      data: config.data,
      dns: config.dns.servers.length > 0 ? config.dns.servers : 'system',
    },
    `Loft is running: ${where}`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info({ event: 'server.stopping', signal });
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await loft.stop();
  log.info({ event: 'server.stopped' });
  await new Promise<void>((resolve) => log.flush(() => resolve()));
}
