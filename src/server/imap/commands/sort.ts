/**
 * SORT and UID SORT (RFC 5256 §3), with DISPLAYFROM and DISPLAYTO (RFC 5957) and the ESORT return
 * options MIN, MAX, ALL, COUNT (RFC 5267 §3.2) and SAVE (RFC 5182 §2.4). The messages are found as
 * SEARCH finds them (`../search/evaluate.ts`), then ordered by `../search/sort.ts`. The charset
 * is required and checked as for SEARCH: others are `NO [BADCHARSET (UTF-8 US-ASCII)]`.
 */
import type { SortCommand } from '../../../proto/imap/parse/index.ts';
import { atom } from '../../../proto/imap/value.ts';
import { enableCondstore } from '../condstore.ts';
import { runSearch } from '../search/evaluate.ts';
import { modseqResult } from '../search/modseq.ts';
import { compileSearch, usesModseq } from '../search/query.ts';
import { esearchResponse, savedUids } from '../search/response.ts';
import { sortHits } from '../search/sort.ts';
import { SEARCH_CHARSETS } from '../search/text.ts';
import type { Completion, ImapSession } from '../session.ts';
import { savedResult, saveResult } from '../sets.ts';

export async function sort(session: ImapSession, tag: string, command: SortCommand): Promise<Completion> {
  const selected = session.selected!;
  const save = command.returns?.save === true;
  const done = `${command.uid ? 'UID SORT' : 'SORT'} completed`;
  // RFC 5182 §2.1: a command with SAVE that fails leaves `$` empty.
  const fail = (completion: Completion): Completion => {
    if (save) saveResult(selected, []);
    return completion;
  };
  const badCharset = (): Completion =>
    fail({
      kind: 'NO',
      text: `Unsupported charset ${command.charset}`,
      code: { name: 'BADCHARSET', args: [SEARCH_CHARSETS.map(atom)] },
    });
  // RFC 5256 §3: a charset the server does not support is NO, whether or not a key uses it.
  if (!SEARCH_CHARSETS.includes(command.charset.toUpperCase() as 'UTF-8')) return badCharset();
  const compiled = compileSearch(command.key, {
    charset: command.charset,
    count: selected.count,
    maxUid: selected.lastUid ?? 0,
  });
  if (!compiled.ok) return badCharset();
  const modseq = usesModseq(compiled.query);
  if (modseq) await enableCondstore(session); // RFC 7162 §3.1
  let sorted: Awaited<ReturnType<typeof sortHits>>;
  try {
    const access = session.services.mailboxes;
    const mailboxId = selected.mailbox.id;
    const hits = await runSearch(
      { access, mailboxId, uids: selected.uids, saved: new Set(savedResult(selected)) },
      compiled.query,
    );
    sorted = await sortHits(access, mailboxId, hits, command.criteria);
  } catch (err) {
    if (save) saveResult(selected, []);
    throw err;
  }
  const returns = command.returns;
  if (returns === null) {
    // RFC 5256 §4: `* SORT` with the numbers in sort order; RFC 7162 §3.1.9: `(MODSEQ n)` after
    // them when the criteria use MODSEQ and something matched.
    const numbers = sorted.map((h) => (command.uid ? h.uid : h.seq));
    const result = modseq ? await modseqResult(session, sorted, null) : undefined;
    session.untagged(atom('SORT'), ...numbers, ...(result ? [result] : []));
    return { kind: 'OK', text: done };
  }
  // RFC 5267 §3.2: ESEARCH with MIN and MAX the first and last in sort order, ALL in sort order.
  const esearch = esearchResponse(tag, sorted, command.uid, returns);
  if (esearch) {
    // RFC 7162 §3.1.10: and the MODSEQ result option.
    if (modseq) esearch.push(...((await modseqResult(session, sorted, returns)) ?? []));
    session.untagged(...esearch);
  }
  // RFC 5182 §2.4: `$` keeps the messages, not their order.
  if (returns.save)
    saveResult(
      selected,
      savedUids(sorted, returns).sort((a, b) => a - b),
    );
  return { kind: 'OK', text: done };
}
