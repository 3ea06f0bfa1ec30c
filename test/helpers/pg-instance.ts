/**
 * A PostgreSQL server of a test's own (initdb in a temporary folder, its own port on 127.0.0.1),
 * for fault tests that stop or crash the database without disturbing the shared test server.
 * Runs the server as the `postgres` user (initdb refuses root), with trust auth for `root`.
 */
import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export class PgInstance {
  readonly dir: string;
  readonly port: number;

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
  }

  /** `postgres://root@127.0.0.1:<port>/postgres` */
  get url(): string {
    return `postgres://root@127.0.0.1:${this.port}/postgres`;
  }

  static async create(): Promise<PgInstance> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'loft-pg-'));
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
    const instance = new PgInstance(dir, await freePort());
    await instance.#pg('initdb', [
      '-D',
      instance.#data,
      '-A',
      'trust',
      '-U',
      'root',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ]);
    await instance.start();
    return instance;
  }

  get #data(): string {
    return path.join(this.dir, 'data');
  }

  #pg(tool: string, args: string[]): Promise<unknown> {
    return run('runuser', ['-u', 'postgres', '--', path.join(BIN, tool), ...args], { timeout: 60_000 });
  }

  #options(): string {
    return `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`;
  }

  start(): Promise<unknown> {
    return this.#pg('pg_ctl', [
      '-D',
      this.#data,
      '-o',
      this.#options(),
      '-l',
      path.join(this.dir, 'log'),
      '-w',
      'start',
    ]);
  }

  stop(mode: 'fast' | 'immediate' = 'fast'): Promise<unknown> {
    return this.#pg('pg_ctl', ['-D', this.#data, '-m', mode, '-w', 'stop']);
  }

  /** A crash and restart: `pg_ctl restart -m immediate` (no checkpoint; recovery from the WAL). */
  crashRestart(): Promise<unknown> {
    return this.#pg('pg_ctl', [
      '-D',
      this.#data,
      '-m',
      'immediate',
      '-o',
      this.#options(),
      '-l',
      path.join(this.dir, 'log'),
      '-w',
      'restart',
    ]);
  }

  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}
