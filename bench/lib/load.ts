/**
 * The load generators behind one interface: Postfix's `smtp-source` (the headline, the same
 * client for Loft and for Postfix) or Loft's own in-Node generator when smtp-source is missing.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { nodeSource, type SourceSpec } from './node-source.ts';

export const SMTP_SOURCE = '/usr/sbin/smtp-source';

export type GeneratorName = 'smtp-source' | 'node';

export interface LoadSpec extends Omit<SourceSpec, 'replyTimeoutMs'> {
  /** The whole run is abandoned (and the generator killed) after this long. */
  timeoutMs: number;
}

export interface LoadResult {
  generator: GeneratorName;
  /** Messages whose end of data got a 250 reply. */
  accepted: number;
  failed: number;
  /** Wall time from start to the last reply (the generator's exit, for smtp-source). */
  seconds: number;
  errors: string[];
}

/** Whether Postfix's smtp-source is installed. */
export function smtpSourceAvailable(): boolean {
  return existsSync(SMTP_SOURCE);
}

/** The last value of smtp-source's `-c` counter (it prints `\r`-separated counts). */
export function lastCount(output: string): number {
  const counts = output
    .split(/[\r\n]+/)
    .map((s) => s.trim())
    .filter((s) => /^\d+$/.test(s));
  return counts.length > 0 ? Number(counts[counts.length - 1]) : 0;
}

/** The smtp-source command line for `spec` (smtp-source(1)). */
export function smtpSourceArgs(spec: LoadSpec): string[] {
  return [
    '-c', // count completed DATA commands
    '-s',
    String(spec.sessions),
    '-m',
    String(spec.messages),
    '-l',
    String(spec.payloadBytes),
    '-f',
    spec.from,
    '-t',
    spec.to,
    '-M',
    spec.helo,
    ...(spec.reuseConnections ? ['-d'] : []),
    `127.0.0.1:${spec.port}`,
  ];
}

/**
 * Runs smtp-source. Without -A it stops at the first unexpected reply and exits non-zero, so
 * exit 0 means every message got its 250; on failure the counter tells how many did.
 */
function runSmtpSource(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(SMTP_SOURCE, smtpSourceArgs(spec), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('latin1').on('data', (s: string) => {
      stdout = (stdout + s).slice(-200);
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr = (stderr + s).slice(-2000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), spec.timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const counted = lastCount(stdout);
      const ok = code === 0;
      const accepted = ok ? spec.messages : Math.min(counted, spec.messages);
      const errors = ok
        ? []
        : [
            signal === 'SIGKILL'
              ? `timed out after ${spec.timeoutMs / 1000} s`
              : stderr.trim() || `exit ${code}`,
          ];
      if (ok && counted !== spec.messages) {
        errors.push(`smtp-source counted ${counted} DATA completions for ${spec.messages} messages`);
      }
      resolve({ generator: 'smtp-source', accepted, failed: spec.messages - accepted, seconds, errors });
    });
  });
}

async function runNode(spec: LoadSpec): Promise<LoadResult> {
  const started = process.hrtime.bigint();
  const outcome = await nodeSource({
    ...spec,
    replyTimeoutMs: Math.min(spec.timeoutMs, 120_000),
    deadline: Date.now() + spec.timeoutMs,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { generator: 'node', ...outcome, seconds };
}

/** Runs `spec` with the chosen generator. */
export function runLoad(generator: GeneratorName, spec: LoadSpec): Promise<LoadResult> {
  return generator === 'smtp-source' ? runSmtpSource(spec) : runNode(spec);
}
