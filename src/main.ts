/**
 * Entry point of the `loft` command (bin/loft and `npm start`).
 */
import { setFlagsFromString } from 'node:v8';
import { runCli } from './cli/main.ts';

// Message files are written and fsynced on the libuv pool; give concurrent deliveries room.
process.env.UV_THREADPOOL_SIZE ??= '16';

// V8 drops the bytecode of functions that have not run for a few collections, and a server that
// idles between bursts then compiles its hot paths again on the next command: in the IMAP
// benchmark, a FETCH of 100,000 flags after a quiet spell cost Loft 150-200 ms of CPU instead of
// about 60 ms. A server's code is small; keep it compiled (checked at every collection, so
// setting it here, before any collection of note, is enough).
setFlagsFromString('--no-flush-bytecode');
// Functions get V8's baseline machine code (Sparkplug) at their first call instead of being
// interpreted until they have run often: the commands a session sends a few times (SELECT,
// LOGOUT, STATUS …) never get hot, and interpreted, parsing and answering a SELECT after a
// LOGIN took 0.6-0.8 ms; with baseline code 0.4-0.5 ms. Baseline code is quick to make and
// small next to the server's memory; hot code is optimized further as before.
setFlagsFromString('--always-sparkplug');

process.exitCode = await runCli(process.argv.slice(2));
