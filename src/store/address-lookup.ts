/**
 * The rows of the one-statement address lookup (`Store.lookupAddress`), the same on both
 * backends: kind 0 says the domain is local, kind 1 is an alias (`name` its source), kind 2 an
 * account (`name` its address) with the id of its INBOX.
 */
import type { AddressLookup } from './records.ts';

export interface AddressLookupRow {
  kind: number;
  name: string | null;
  target: string | null;
  id: number | null;
  inbox: number | null;
}

/** The three candidate parameters of the statement: a shorter list repeats its last address. */
export function candidateParams(candidates: readonly string[]): [string, string, string] {
  const [a = '', b = a, c = b] = candidates;
  return [a, b, c];
}

export function addressLookupOf(rows: readonly AddressLookupRow[]): AddressLookup {
  const out: AddressLookup = { localDomain: false, aliases: [], accounts: [] };
  for (const row of rows) {
    if (row.kind === 0) out.localDomain = true;
    else if (row.kind === 1) out.aliases.push({ source: row.name!, target: row.target! });
    else out.accounts.push({ id: row.id!, address: row.name!, inboxId: row.inbox ?? undefined });
  }
  return out;
}
