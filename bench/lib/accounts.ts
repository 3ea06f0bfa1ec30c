/**
 * Local system accounts, read from /etc/passwd and /etc/group: the benchmark's server instances
 * run their unprivileged processes under accounts their Debian packages create.
 */
import { readFileSync } from 'node:fs';

function entry(file: string, name: string): string[] | undefined {
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  return line?.split(':');
}

/** The uid and primary gid of a local account; throws when there is none. */
export function account(name: string): { uid: number; gid: number } {
  const fields = entry('/etc/passwd', name);
  if (!fields || fields.length < 4) throw new Error(`no local account ${name}`);
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

/** Whether a local account of that name exists. */
export function hasAccount(name: string): boolean {
  return entry('/etc/passwd', name) !== undefined;
}
