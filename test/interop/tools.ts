/**
 * Shared pieces of the interoperability tests: running real client programs (swaks, curl,
 * python3) without blocking the in-process server, checking that they are installed, splitting
 * Loft's trace headers off a stored message, and a TCP relay that records who sent what when.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** What a finished child process left behind. */
export interface RunResult {
  /** The exit code, or null when a signal ended it. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program asynchronously (the server under test lives in this same process, so a
 * synchronous spawn would deadlock it). Rejects only when the program cannot be started or
 * runs past `timeoutMs`; a non-zero exit is a normal result.
 */
export function run(
  command: string,
  args: readonly string[],
  options: { input?: string | Buffer; timeoutMs?: number; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, LC_ALL: 'C.UTF-8', PYTHONIOENCODING: 'utf-8' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${command} ran longer than ${options.timeoutMs ?? 60_000} ms\n${Buffer.concat(out)}${Buffer.concat(err)}`,
        ),
      );
    }, options.timeoutMs ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Fails with a clear message when a client program is missing, naming the Debian package that
 * provides it. Interop tests must not skip silently: CI (`.ci/run`) installs these packages.
 */
export async function requireTool(
  command: string,
  debianPackage: string,
  versionArgs: string[],
): Promise<void> {
  let result: RunResult;
  try {
    result = await run(command, versionArgs, { timeoutMs: 20_000 });
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing
        ? `interop test needs \`${command}\`, which is not installed: apt-get install ${debianPackage} (.ci/run must install it)`
        : `interop test cannot run \`${command} ${versionArgs.join(' ')}\`: ${(err as Error).message}`,
    );
  }
  assert.equal(
    result.code,
    0,
    `\`${command} ${versionArgs.join(' ')}\` failed (package ${debianPackage}):\n${result.stdout}${result.stderr}`,
  );
}

/** A fresh temporary folder and a function that removes it. */
export async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'loft-interop-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A stored message split into Loft's trace header fields and the content the client sent. */
export interface StoredParts {
  /** The Return-Path field, without its CRLF. */
  returnPath: string;
  /** The Received field, unfolded (continuation line breaks removed), without its CRLF. */
  received: string;
  /** Everything after the trace fields: what the client transmitted (unstuffed). */
  content: Buffer;
}

/**
 * Splits the trace header fields Loft prepends at delivery (one Return-Path line, then one
 * Received field folded over tab-indented lines) off a stored message, asserting that exactly
 * that shape is there.
 */
export function splitTrace(stored: Buffer): StoredParts {
  let at = stored.indexOf('\r\n');
  assert.ok(at > 0, 'stored message has a first line');
  const returnPath = stored.subarray(0, at).toString('utf8');
  assert.match(returnPath, /^Return-Path: <[^>\r\n]*>$/, 'first field is Return-Path');
  const start = at + 2;
  at = stored.indexOf('\r\n', start);
  assert.ok(at > 0, 'stored message has a Received field');
  assert.match(stored.subarray(start, at).toString('latin1'), /^Received: from /, 'second field is Received');
  // Continuation lines of the folded Received field start with a tab.
  while (stored[at + 2] === 0x09) {
    const next = stored.indexOf('\r\n', at + 2);
    assert.ok(next > 0, 'folded Received field ends with CRLF');
    at = next;
  }
  const received = stored
    .subarray(start, at)
    .toString('utf8')
    .replace(/\r\n\t/g, ' ');
  return { returnPath, received, content: stored.subarray(at + 2) };
}

/** One chunk seen by the recording relay, in arrival order. */
export interface RelayEvent {
  from: 'client' | 'server';
  data: Buffer;
}

/**
 * A TCP relay on 127.0.0.1 in front of `targetPort` that records every chunk in both directions
 * in arrival order, to observe on the wire what a client library really did (e.g. whether it
 * pipelined). Only meaningful for plaintext sessions.
 */
export async function recordingRelay(
  targetPort: number,
): Promise<{ port: number; events: RelayEvent[]; close: () => Promise<void> }> {
  const events: RelayEvent[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (data: Buffer) => {
      events.push({ from: 'client', data });
      upstream.write(data);
    });
    upstream.on('data', (data: Buffer) => {
      events.push({ from: 'server', data });
      client.write(data);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    events,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
