/**
 * SEARCH and UID SEARCH (RFC 9051 §6.4.4, RFC 3501 §6.4.4) with ESEARCH return options MIN, MAX,
 * ALL, COUNT (RFC 4731) and SAVE (SEARCHRES, RFC 5182). Text keys use the full-text index to
 * narrow and the exact substring test to confirm (see `../search/evaluate.ts`). CHARSET may be
 * UTF-8 or US-ASCII; others are refused with `NO [BADCHARSET (UTF-8 US-ASCII)]`. Dates of
 * BEFORE/ON/SINCE are taken in UTC, Loft's server timezone. The MODSEQ key (RFC 7162 §3.1.5) is
 * CONDSTORE enabling and ends the response with the highest MODSEQ of the messages returned.
 */
import type { SearchCommand } from '../../../proto/imap/parse/index.ts';
import { atom } from '../../../proto/imap/value.ts';
import { enableCondstore } from '../condstore.ts';
import { runSearch } from '../search/evaluate.ts';
import { modseqResult } from '../search/modseq.ts';
import { compileSearch, usesModseq } from '../search/query.ts';
import { esearchResponse, RETURN_ALL, savedUids, searchResponse } from '../search/response.ts';
import { SEARCH_CHARSETS } from '../search/text.ts';
import type { Completion, ImapSession } from '../session.ts';
import { savedResult, saveResult } from '../sets.ts';

export async function search(session: ImapSession, tag: string, command: SearchCommand): Promise<Completion> {
  const selected = session.selected!;
  const save = command.returns?.save === true;
  // RFC 5182 §2.1: a SEARCH with SAVE that fails leaves `$` empty.
  const fail = (completion: Completion): Completion => {
    if (save) saveResult(selected, []);
    return completion;
  };
  // RFC 9755 §3: once UTF8=ACCEPT is enabled an IMAP4rev1 client sends no CHARSET (its strings
  // are UTF-8); one that does gets BAD for the conflicting labels. IMAP4rev2 keeps CHARSET.
  if (command.charset !== null && session.enabled.has('UTF8=ACCEPT') && !session.rev2)
    return fail({
      kind: 'BAD',
      text: 'No CHARSET after ENABLE UTF8=ACCEPT: strings are UTF-8 (RFC 9755 §3)',
    });
  const compiled = compileSearch(command.key, {
    charset: command.charset,
    count: selected.count,
    maxUid: selected.lastUid ?? 0,
  });
  if (!compiled.ok) {
    return fail({
      kind: 'NO',
      text: `Unsupported charset ${command.charset}`,
      code: { name: 'BADCHARSET', args: [SEARCH_CHARSETS.map(atom)] },
    });
  }
  const modseq = usesModseq(compiled.query);
  if (modseq) await enableCondstore(session); // RFC 7162 §3.1
  let hits: Awaited<ReturnType<typeof runSearch>>;
  try {
    hits = await runSearch(
      {
        access: session.services.mailboxes,
        mailboxId: selected.mailbox.id,
        uids: selected.uids,
        saved: new Set(savedResult(selected)),
      },
      compiled.query,
    );
  } catch (err) {
    if (save) saveResult(selected, []);
    throw err;
  }
  // RFC 9051 §6.4.4: IMAP4rev2 clients always get ESEARCH; IMAP4rev1 ones only with RETURN.
  const returns = command.returns ?? (session.rev2 ? RETURN_ALL : null);
  if (returns === null) {
    const values = searchResponse(hits, command.uid);
    // RFC 7162 §3.1.5: `(MODSEQ n)`, the highest of the messages returned; none when none match.
    const result = modseq ? await modseqResult(session, hits, null) : undefined;
    if (result) values.push(result);
    session.untagged(...values);
  } else {
    const esearch = esearchResponse(tag, hits, command.uid, returns);
    if (esearch) {
      if (modseq) esearch.push(...((await modseqResult(session, hits, returns)) ?? []));
      session.untagged(...esearch);
    }
    if (returns.save) saveResult(selected, savedUids(hits, returns));
  }
  return { kind: 'OK', text: `${command.uid ? 'UID SEARCH' : 'SEARCH'} completed` };
}
