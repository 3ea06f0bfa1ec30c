/**
 * Reading IMAP responses in transcript tests: the values tests look for in untagged lines, and
 * the one ESEARCH line of a command.
 */
import assert from 'node:assert/strict';
import type { ImapDialog } from './dialog.ts';

/** The numbers of a sequence or UID set such as `1:3,7` (ranges either way round), in order. */
export function expandSet(set: string): number[] {
  const out: number[] = [];
  for (const part of set.split(',')) {
    const [a, b] = part.split(':').map(Number);
    if (b === undefined) out.push(a!);
    else for (let i = Math.min(a!, b); i <= Math.max(a!, b); i++) out.push(i);
  }
  return out;
}

/** The number in `* OK [HIGHESTMODSEQ n]` among these lines. */
export function highestModseq(lines: readonly string[]): number {
  const line = lines.find((l) => l.startsWith('* OK [HIGHESTMODSEQ '));
  assert.ok(line, `no HIGHESTMODSEQ in ${lines.join(' | ')}`);
  return Number(/HIGHESTMODSEQ (\d+)/.exec(line)![1]);
}

/** The MODSEQ of each `* n FETCH (… MODSEQ (m) …)` line, by sequence number. */
export function modseqs(lines: readonly string[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of lines) {
    const m = /^\* (\d+) FETCH .*MODSEQ \((\d+)\)/.exec(line);
    if (m) out.set(Number(m[1]), Number(m[2]));
  }
  return out;
}

/** The one `* ESEARCH` line of a command, after its `(TAG "tag")` correlator (RFC 4731 §3.1). */
export async function esearch(imap: ImapDialog, command: string): Promise<string> {
  const tag = imap.nextTag();
  imap.send(`${tag} ${command}`);
  const { untagged, tagged } = await imap.until(tag);
  assert.match(tagged, new RegExp(`^${tag} OK`), `${command} → ${tagged}`);
  const lines = untagged.filter((l) => l.startsWith('* ESEARCH'));
  assert.equal(lines.length, 1, `${command}: ${untagged.join(' | ')}`);
  const prefix = `* ESEARCH (TAG "${tag}")`;
  assert.ok(lines[0]!.startsWith(prefix), lines[0]);
  return lines[0]!.slice(prefix.length).trim();
}
