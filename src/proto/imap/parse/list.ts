/**
 * LIST (RFC 9051 §6.3.9) with LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819) and SPECIAL-USE
 * (RFC 6154 §5.2), and LSUB (RFC 3501 §6.3.9).
 */

import type { Cursor } from './cursor.ts';
import { listMailbox, type MailboxName, mailbox } from './mailbox.ts';
import { type StatusItem, statusAttList } from './status.ts';

/** LIST selection options (RFC 5258 §3.1, RFC 6154 §5.2). */
export interface ListSelection {
  readonly subscribed: boolean;
  readonly remote: boolean;
  readonly recursiveMatch: boolean;
  readonly specialUse: boolean;
}

/** LIST return options (RFC 5258 §3.2, RFC 5819 §2, RFC 6154 §5.2). */
export interface ListReturn {
  readonly subscribed: boolean;
  readonly children: boolean;
  readonly specialUse: boolean;
  /** The STATUS items to return for each mailbox listed, or null. */
  readonly status: readonly StatusItem[] | null;
}

/** `LIST [(selection)] reference pattern|(patterns) [RETURN (options)]`. */
export interface ListCommand {
  readonly name: 'LIST';
  readonly reference: MailboxName;
  readonly patterns: readonly MailboxName[];
  readonly selection: ListSelection;
  readonly returns: ListReturn;
  /**
   * True when the command used LIST-EXTENDED syntax (selection options, a pattern list or
   * return options, RFC 5258 §3): the response then follows RFC 5258 (CHILDINFO, \NonExistent).
   */
  readonly extended: boolean;
}

/** `LSUB reference pattern`. */
export interface LsubCommand {
  readonly name: 'LSUB';
  readonly reference: MailboxName;
  readonly pattern: MailboxName;
}

/**
 * RFC 5258 §6 `list-select-opts = "(" [(*(list-select-mod-opt SP) list-select-base-opt
 * *(SP list-select-opt)) / (list-select-independent-opt *(SP list-select-independent-opt))] ")"`:
 * base options SUBSCRIBED and SPECIAL-USE, modifier RECURSIVEMATCH (which needs a base option,
 * §3.1), independent REMOTE. Unknown options are BAD, as Dovecot answers.
 */
function listSelectOpts(c: Cursor): ListSelection {
  const sel = { subscribed: false, remote: false, recursiveMatch: false, specialUse: false };
  c.list(
    () => {
      const opt = c.atom('a LIST selection option').toUpperCase();
      if (opt === 'SUBSCRIBED') sel.subscribed = true;
      else if (opt === 'REMOTE') sel.remote = true;
      else if (opt === 'RECURSIVEMATCH') sel.recursiveMatch = true;
      else if (opt === 'SPECIAL-USE') sel.specialUse = true;
      else c.fail(`Unknown LIST selection option ${opt}`);
    },
    true,
    'LIST selection options',
  );
  if (sel.recursiveMatch && !sel.subscribed && !sel.specialUse) {
    c.fail('RECURSIVEMATCH needs another selection option');
  }
  return sel;
}

/**
 * RFC 5258 §6 `list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")"`,
 * `return-option = "SUBSCRIBED" / "CHILDREN" / status-option / option-extension` (RFC 5819 §6:
 * `status-option = "STATUS" SP "(" status-att *(SP status-att) ")"`; RFC 6154 §6:
 * `return-option =/ "SPECIAL-USE"`).
 */
function listReturnOpts(c: Cursor): ListReturn {
  c.expect('RETURN', 'RETURN');
  c.SP();
  const ret = { subscribed: false, children: false, specialUse: false, status: null as StatusItem[] | null };
  c.list(
    () => {
      const opt = c.atom('a LIST return option').toUpperCase();
      if (opt === 'SUBSCRIBED') ret.subscribed = true;
      else if (opt === 'CHILDREN') ret.children = true;
      else if (opt === 'SPECIAL-USE') ret.specialUse = true;
      else if (opt === 'STATUS') {
        c.SP();
        ret.status = [...new Set([...(ret.status ?? []), ...statusAttList(c)])];
      } else c.fail(`Unknown LIST return option ${opt}`);
    },
    true,
    'LIST return options',
  );
  return ret;
}

/**
 * RFC 5258 §6 `list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat
 * [SP list-return-opts]`, `mbox-or-pat = list-mailbox / patterns`,
 * `patterns = "(" list-mailbox *(SP list-mailbox) ")"`.
 */
export function parseList(c: Cursor): ListCommand {
  c.SP();
  let extended = false;
  let selection: ListSelection = {
    subscribed: false,
    remote: false,
    recursiveMatch: false,
    specialUse: false,
  };
  if (c.peek() === '(') {
    selection = listSelectOpts(c);
    extended = true;
    c.SP();
  }
  const reference = mailbox(c);
  c.SP();
  let patterns: MailboxName[];
  if (c.peek() === '(') {
    patterns = c.list(() => listMailbox(c), false, 'mailbox patterns');
    extended = true;
  } else {
    patterns = [listMailbox(c)];
  }
  let returns: ListReturn = { subscribed: false, children: false, specialUse: false, status: null };
  if (c.moreArgs()) {
    c.SP();
    returns = listReturnOpts(c);
    extended = true;
  }
  c.end();
  return { name: 'LIST', reference, patterns, selection, returns, extended };
}

/** RFC 3501 §9 `lsub = "LSUB" SP mailbox SP list-mailbox`. */
export function parseLsub(c: Cursor): LsubCommand {
  c.SP();
  const reference = mailbox(c);
  c.SP();
  const pattern = listMailbox(c);
  c.end();
  return { name: 'LSUB', reference, pattern };
}
