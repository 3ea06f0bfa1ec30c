/**
 * A description of the machine a benchmark ran on, so results from two machines are not
 * compared blindly: CPUs, memory, kernel, Node.js, Postfix, and the disk's fsync latency (every
 * server here is bound by fsync when it acknowledges only durable mail).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface HostInfo {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  kernel: string;
  node: string;
  postfix: string | undefined;
  /** Median time of a 4 KiB write + fdatasync in the benchmark's temp folder, in ms. */
  fsyncMs: number;
  /** The 1-minute load average when the benchmark started: other work on the machine skews results. */
  loadAverage: number;
}

/** Median ms of `rounds` 4 KiB write + fdatasync in `dir`. */
export function fsyncLatencyMs(dir: string, rounds = 30): number {
  const file = path.join(dir, `fsync-probe-${process.pid}`);
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(4096, 0x61);
  const times: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const start = process.hrtime.bigint();
      writeSync(fd, block);
      fdatasyncSync(fd);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

function postfixVersion(): string | undefined {
  try {
    return execFileSync('/usr/sbin/postconf', ['-dh', 'mail_version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/** Describes this machine; `dir` is where the fsync probe writes (the benchmark's temp folder). */
export function hostInfo(dir: string): HostInfo {
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    postfix: postfixVersion(),
    fsyncMs: Math.round(fsyncLatencyMs(dir) * 100) / 100,
    loadAverage: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}
