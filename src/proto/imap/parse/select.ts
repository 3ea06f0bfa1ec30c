/**
 * SELECT and EXAMINE (RFC 9051 §6.3.2, §6.3.3) with their parameters (RFC 4466 §2.1
 * `select-params`): CONDSTORE (RFC 7162 §3.1.8) and QRESYNC (RFC 7162 §3.2.5).
 */

import type { Cursor } from './cursor.ts';
import { type MailboxName, mailbox } from './mailbox.ts';
import { type SequenceSet, uidSet } from './sequence.ts';

/** RFC 7162 §3.2.5 QRESYNC parameters: what the client knew when it last synchronised. */
export interface QresyncParams {
  readonly uidValidity: number;
  readonly modSeq: bigint;
  /** The UIDs the client knows (`known-uids`), or null when not sent. */
  readonly knownUids: SequenceSet | null;
  /** `seq-match-data`: message numbers and the UIDs they had, or null. */
  readonly seqMatch: { readonly seqs: SequenceSet; readonly uids: SequenceSet } | null;
}

/** `SELECT mailbox [(params)]` or `EXAMINE mailbox [(params)]`. */
export interface SelectCommand {
  readonly name: 'SELECT' | 'EXAMINE';
  readonly mailbox: MailboxName;
  readonly condstore: boolean;
  readonly qresync: QresyncParams | null;
}

/**
 * RFC 7162 §7 `"QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids]
 * [SP seq-match-data] ")"`, `seq-match-data = "(" known-sequence-set SP known-uid-set ")"`.
 */
function qresync(c: Cursor): QresyncParams {
  c.SP();
  c.expect('(');
  c.enter();
  const uidValidity = c.nzNumber('a UIDVALIDITY');
  c.SP();
  const modSeq = c.modSequence(false);
  let knownUids: SequenceSet | null = null;
  let seqMatch: QresyncParams['seqMatch'] = null;
  let sp = c.acceptSP();
  if (sp && c.peek() !== '(' && c.peek() !== ')') {
    knownUids = uidSet(c);
    sp = c.acceptSP();
  }
  if (sp && c.accept('(')) {
    const seqs = uidSet(c);
    c.SP();
    const uids = uidSet(c);
    c.expect(')');
    seqMatch = { seqs, uids };
  }
  c.expect(')');
  c.leave();
  return { uidValidity, modSeq, knownUids, seqMatch };
}

/** RFC 9051 §9 `select = "SELECT" SP mailbox [select-params]` (and `examine`). */
export function parseSelect(name: 'SELECT' | 'EXAMINE'): (c: Cursor) => SelectCommand {
  return (c) => {
    c.SP();
    const box = mailbox(c);
    let condstore = false;
    let qresyncParams: QresyncParams | null = null;
    if (c.moreArgs()) {
      c.SP();
      c.list(
        () => {
          const param = c.atom('a SELECT parameter').toUpperCase();
          if (param === 'CONDSTORE') condstore = true;
          else if (param !== 'QRESYNC') c.fail(`Unknown SELECT parameter ${param}`);
          else if (qresyncParams !== null) c.fail('QRESYNC given twice');
          else qresyncParams = qresync(c);
        },
        false,
        'SELECT parameters',
      );
    }
    c.end();
    return { name, mailbox: box, condstore, qresync: qresyncParams };
  };
}
