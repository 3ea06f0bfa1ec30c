/**
 * A Loft of the IMAP benchmark, on either backend: its storage filled by a child process
 * (bench/lib/imap-fill.ts, Loft's own APPEND path) before it starts; then started with its
 * inspector (to collect garbage before memory readings) and waited for until its search backlog
 * is empty, so that no session is measured while it indexes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LoftBackend } from './loft-backend.ts';
import type { LoftServerName } from './loft-names.ts';
import { LoftServer } from './loft-server.ts';
import { freePort } from './net.ts';

/** How one Loft's mailbox was loaded. */
export interface ImapLoading {
  server: LoftServerName;
  /** The fill child, from its start to its last commit. */
  fillSeconds: number;
  /** From Loft's start until its search backlog was empty (undefined: not within the time allowed). */
  indexSeconds: number | undefined;
  /** Loft's CPU by then (on PostgreSQL with its database backends). */
  indexCpuSeconds: number | undefined;
}

export interface FillSpec {
  dataDir: string;
  messages: number;
  seed: number;
  user: string;
  password: string;
  /** Loft's PostgreSQL storage URL; absent for SQLite in `dataDir`. */
  storage: string | undefined;
}

/** Runs the fill child; resolves with its report or rejects with its stderr. */
export function fillLoftStorage(spec: FillSpec): Promise<{ seconds: number; octets: number }> {
  return new Promise((resolve, reject) => {
    const script = path.join(import.meta.dirname, 'imap-fill.ts');
    const args = [
      script,
      spec.dataDir,
      String(spec.messages),
      String(spec.seed),
      spec.user,
      spec.password,
      ...(spec.storage ? [spec.storage] : []),
    ];
    const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}'));
      else reject(new Error(`filling Loft's storage: ${err.trim().split('\n').slice(0, 5).join(' / ')}`));
    });
  });
}

/** The last V8 or Node.js fatal error in a log file (e.g. "Reached heap limit … heap out of memory"), if any. */
export function fatalError(logFile: string): string | undefined {
  try {
    const text = readFileSync(logFile, 'utf8');
    const lines = text.slice(-64 * 1024).split('\n');
    return lines
      .reverse()
      .find((line) => /^FATAL ERROR:/.test(line))
      ?.replace(/^FATAL ERROR:\s*/, '');
  } catch {
    return undefined;
  }
}

export interface StartSpec {
  /** The folder given to the fill (its `data/` is Loft's data folder). */
  root: string;
  backend: LoftBackend;
  domain: string;
  user: string;
  /** `limits.connections` and the per-IP and per-user limits. */
  connections: number;
  messages: number;
  /** Run under `node --cpu-prof`, the profiles written into this folder. */
  profileDir: string | undefined;
  log: (line: string) => void;
}

/** A started, indexed Loft and how long its indexing took. */
export interface StartedLoft {
  server: LoftServer;
  inspectPort: number;
  indexSeconds: number | undefined;
  indexCpuSeconds: number | undefined;
}

/** Starts the filled Loft and waits (up to 30 minutes) for its search backlog to empty. */
export async function startFilledLoft(spec: StartSpec): Promise<StartedLoft> {
  const inspectPort = await freePort();
  const started = process.hrtime.bigint();
  const server = await LoftServer.start({
    root: spec.root,
    domain: spec.domain,
    users: [spec.user],
    imap: true,
    provisioned: true,
    connections: spec.connections,
    storage: spec.backend.storage,
    nodeOptions: [
      `--inspect=127.0.0.1:${inspectPort}`, // to collect garbage before memory readings
      ...(spec.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${spec.profileDir}`] : []),
    ],
  });
  const name = spec.backend.name;
  spec.log(
    `${name}: pid ${server.pid}, IMAP 127.0.0.1:${server.imapPort}, ${spec.backend.description}; waiting for the search index…`,
  );
  if (!(await server.waitIndexed(spec.messages, 30 * 60_000))) {
    return { server, inspectPort, indexSeconds: undefined, indexCpuSeconds: undefined };
  }
  const indexSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const indexCpuSeconds = server.cpuSeconds();
  spec.log(
    `  search backlog empty ${indexSeconds.toFixed(1)} s after the start (${indexCpuSeconds.toFixed(1)} s CPU)`,
  );
  return { server, inspectPort, indexSeconds, indexCpuSeconds };
}
