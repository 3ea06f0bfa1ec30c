/**
 * Address lists (RFC 5322 §3.4) with groups, display names, comments and the obsolete syntax of
 * §4.4 (routes, CFWS around dots, empty list elements), parsed for IMAP's ENVELOPE
 * (RFC 9051 §7.5.2). Garbage never throws: whatever cannot be read as an address is dropped or
 * yields a mailbox with an empty local part or domain.
 *
 * Display names are returned as IMAP wants them: quotes removed, quoted-pairs resolved, words
 * joined by one space, RFC 2047 encoded words left for the client to decode. Like Dovecot, the
 * comment after a bare `addr-spec` (`jdoe@example.org (John Doe)`) is used as the name.
 */

import { comment, isWsp, quotedString } from './lexer.ts';
import type { AddressList, Group, Mailbox } from './types.ts';

/** Lexical tokens (RFC 5322 §3.2). `ws` tells whether white space or a comment came before. */
type Token =
  | { kind: 'word'; text: string; quoted: boolean; ws: boolean }
  | { kind: 'special'; text: string; ws: boolean }
  | { kind: 'literal'; text: string; ws: boolean }
  | { kind: 'comment'; text: string; ws: boolean };

const SPECIALS = '()<>[]:;@\\,."';

/** At most this many addresses are returned from one field (a guard against absurd headers). */
const MAX_ADDRESSES = 10_000;

/** Parses an unfolded address-list value (RFC 5322 §3.4 `address-list`). Never throws. */
export function parseAddressList(value: string): AddressList {
  const tokens = tokenize(value);
  const out: AddressList = [];
  let i = 0;
  while (i < tokens.length && out.length < MAX_ADDRESSES) {
    const t = tokens[i]!;
    if (isSpecial(t, ',') || isSpecial(t, ';') || isSpecial(t, '>') || t.kind === 'comment') {
      i++;
      continue;
    }
    const colon = groupColon(tokens, i);
    if (colon !== -1) {
      const group: Group = { group: phrase(tokens.slice(i, colon)), members: [] };
      i = colon + 1;
      while (i < tokens.length && !isSpecial(tokens[i]!, ';')) {
        if (isSpecial(tokens[i]!, ',') || tokens[i]!.kind === 'comment') {
          i++;
          continue;
        }
        const end = mailboxEnd(tokens, i, true);
        const mailbox = readMailbox(tokens.slice(i, end));
        if (mailbox !== undefined && group.members.length < MAX_ADDRESSES) group.members.push(mailbox);
        i = Math.max(end, i + 1);
      }
      i++; // the ';'
      out.push(group);
      continue;
    }
    const end = mailboxEnd(tokens, i, false);
    const mailbox = readMailbox(tokens.slice(i, end));
    if (mailbox !== undefined) out.push(mailbox);
    i = Math.max(end, i + 1);
  }
  return out;
}

/** True for a group entry of an {@link AddressList}. */
export function isGroup(entry: Mailbox | Group): entry is Group {
  return 'group' in entry;
}

function tokenize(value: string): Token[] {
  const tokens: Token[] = [];
  const c = { s: value, i: 0 };
  let ws = false;
  while (c.i < value.length) {
    const ch = value[c.i]!;
    if (isWsp(ch)) {
      ws = true;
      c.i++;
    } else if (ch === '(') {
      tokens.push({ kind: 'comment', text: comment(c), ws });
      ws = true;
    } else if (ch === '"') {
      tokens.push({ kind: 'word', text: quotedString(c), quoted: true, ws });
      ws = false;
    } else if (ch === '[') {
      const close = value.indexOf(']', c.i);
      const end = close === -1 ? value.length : close + 1;
      tokens.push({ kind: 'literal', text: value.slice(c.i, end), ws });
      c.i = end;
      ws = false;
    } else if (SPECIALS.includes(ch) && ch !== '\\') {
      tokens.push({ kind: 'special', text: ch, ws });
      c.i++;
      ws = false;
    } else {
      const from = c.i;
      while (c.i < value.length) {
        const x = value[c.i]!;
        if (isWsp(x) || (SPECIALS.includes(x) && x !== '\\')) break;
        c.i++;
      }
      tokens.push({ kind: 'word', text: value.slice(from, c.i), quoted: false, ws });
      ws = false;
    }
  }
  return tokens;
}

function isSpecial(t: Token, ch: string): boolean {
  return t.kind === 'special' && t.text === ch;
}

/**
 * The index of the `:` that makes tokens[i…] a group (`display-name ":"`), or -1: only words,
 * dots and comments may come before it.
 */
function groupColon(tokens: Token[], i: number): number {
  for (let j = i; j < tokens.length; j++) {
    const t = tokens[j]!;
    if (t.kind === 'word' || t.kind === 'comment' || isSpecial(t, '.')) continue;
    return isSpecial(t, ':') && j > i ? j : -1;
  }
  return -1;
}

/** Where the mailbox starting at `i` ends: at a `,` outside angle brackets, or `;` in a group. */
function mailboxEnd(tokens: Token[], i: number, inGroup: boolean): number {
  let angle = false;
  for (let j = i; j < tokens.length; j++) {
    const t = tokens[j]!;
    if (t.kind !== 'special') continue;
    if (t.text === '<') angle = true;
    else if (t.text === '>') angle = false;
    else if (!angle && t.text === ',') return j;
    else if (inGroup && t.text === ';') return j;
  }
  return tokens.length;
}

/** RFC 5322 §3.4 `mailbox = name-addr / addr-spec`, read from one list element. */
function readMailbox(tokens: Token[]): Mailbox | undefined {
  const open = tokens.findIndex((t) => isSpecial(t, '<'));
  if (open !== -1) {
    let close = tokens.findIndex((t, j) => j > open && isSpecial(t, '>'));
    if (close === -1) close = tokens.length;
    const name = phrase(tokens.slice(0, open).filter((t) => t.kind !== 'comment'));
    let inner = tokens.slice(open + 1, close).filter((t) => t.kind !== 'comment');
    let route: string | undefined;
    if (inner[0] !== undefined && isSpecial(inner[0], '@')) {
      // RFC 5322 §4.4 obs-angle-addr: "<" obs-route addr-spec ">".
      const colon = inner.findIndex((t) => isSpecial(t, ':'));
      if (colon !== -1) {
        route = obsRoute(inner.slice(0, colon));
        inner = inner.slice(colon + 1);
      }
    }
    const mailbox = addrSpec(inner);
    if (name !== '') mailbox.name = name;
    if (route !== undefined && route !== '') mailbox.route = route;
    return mailbox;
  }
  const mailbox = addrSpec(tokens.filter((t) => t.kind !== 'comment'));
  if (mailbox.mailbox === '' && mailbox.host === '') return undefined; // nothing but garbage
  const comments = tokens.filter((t) => t.kind === 'comment').map((t) => collapse(t.text));
  const last = comments.filter((text) => text !== '').at(-1);
  if (last !== undefined) mailbox.name = last;
  return mailbox;
}

/** RFC 5322 §3.4.1 `addr-spec = local-part "@" domain`; the last `@` separates them. */
function addrSpec(tokens: Token[]): Mailbox {
  let at = -1;
  for (let j = tokens.length - 1; j >= 0; j--) {
    if (isSpecial(tokens[j]!, '@')) {
      at = j;
      break;
    }
  }
  const local = at === -1 ? tokens : tokens.slice(0, at);
  const domain = at === -1 ? [] : tokens.slice(at + 1);
  return { mailbox: localPart(local), host: domainText(domain) };
}

/** `local-part = dot-atom / quoted-string / obs-local-part`: words and dots, CFWS dropped. */
function localPart(tokens: Token[]): string {
  let out = '';
  for (const t of tokens) {
    if (t.kind === 'word' || t.kind === 'literal' || isSpecial(t, '.')) {
      // Words side by side without a dot (`John Smith`) are garbage; keep a space between them.
      if (t.kind === 'word' && t.ws && out !== '' && !out.endsWith('.')) out += ' ';
      out += t.text;
    }
  }
  return out;
}

/** `domain = dot-atom / domain-literal / obs-domain`, CFWS dropped. */
function domainText(tokens: Token[]): string {
  let out = '';
  for (const t of tokens) {
    if (t.kind === 'word' || t.kind === 'literal' || isSpecial(t, '.')) out += t.text;
  }
  return out;
}

/** RFC 5322 §4.4 `obs-route` without its colon, as IMAP's addr-adl: `@a,@b`. */
function obsRoute(tokens: Token[]): string {
  const hops: string[] = [];
  let current: string | undefined;
  for (const t of tokens) {
    if (isSpecial(t, '@')) {
      if (current !== undefined) hops.push(current);
      current = '@';
    } else if (isSpecial(t, ',')) {
      if (current !== undefined) hops.push(current);
      current = undefined;
    } else if (current !== undefined && (t.kind === 'word' || t.kind === 'literal' || isSpecial(t, '.'))) {
      current += t.text;
    }
  }
  if (current !== undefined) hops.push(current);
  return hops.join(',');
}

/**
 * RFC 5322 §3.2.5 `phrase` (and obs-phrase with dots): words joined by one space where white
 * space separated them, quoted words unquoted.
 */
function phrase(tokens: Token[]): string {
  let out = '';
  for (const t of tokens) {
    if (t.kind === 'comment') continue;
    if (t.kind === 'special' && t.text !== '.') continue;
    if (out !== '' && t.ws) out += ' ';
    out += t.text;
  }
  return out.trim();
}

function collapse(text: string): string {
  return text.replace(/[ \t\r\n]+/g, ' ').trim();
}
