/**
 * Entry point of the `loft` command (bin/loft and `npm start`).
 */
import { runCli } from './cli/main.ts';

// Message files are written and fsynced on the libuv pool; give concurrent deliveries room.
process.env.UV_THREADPOOL_SIZE ??= '16';

process.exitCode = await runCli(process.argv.slice(2));
