/**
 * Runs Loft as a separate process (`node src/main.ts …`), as users and CI do: the CLI commands,
 * and `loft serve` on port 0 with the bound ports read from its JSON log.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

const root = path.resolve(import.meta.dirname, '..', '..');
const main = path.join(root, 'src', 'main.ts');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `loft ARGS…` to completion, with `input` on standard input. */
export function runLoft(args: string[], input = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

export interface ServeProcess {
  child: ChildProcess;
  ports: Record<string, number>;
  /** Log lines seen so far (JSON strings). */
  log: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `loft serve` with `--listen NAME=127.0.0.1:0` for each name and waits until all listen. */
export async function serveLoft(
  dataDir: string,
  listeners: string[],
  extra: string[] = [],
): Promise<ServeProcess> {
  const args = [main, 'serve', '--data', dataDir, ...extra];
  const all = ['smtp', 'submission', 'submissions', 'imap', 'imaps', 'pop3', 'pop3s'];
  for (const name of all)
    args.push('--listen', listeners.includes(name) ? `${name}=127.0.0.1:0` : `${name}=off`);
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  const ports: Record<string, number> = {};
  const log: string[] = [];
  const lines = createInterface({ input: child.stderr! });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`loft serve did not start:\n${log.join('\n')}`)), 20_000);
    lines.on('line', (line) => {
      log.push(line);
      try {
        const entry = JSON.parse(line) as { event?: string; listener?: string; port?: number };
        if (entry.event === 'listener.start' && entry.listener && entry.port)
          ports[entry.listener] = entry.port;
        if (entry.event === 'server.ready') {
          clearTimeout(timer);
          resolve();
        }
      } catch {
        // not JSON: keep it for the error message
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`loft serve exited with ${code}:\n${log.join('\n')}`));
    });
  });
  return {
    child,
    ports,
    log,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
