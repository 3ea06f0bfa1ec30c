/**
 * The envelope of a message (RFC 9051 §7.5.2 ENVELOPE), read from its header fields, and its
 * IMAP form with the rules a client relies on.
 */

import { parseAddressList } from './address.ts';
import { parseDate } from './date.ts';
import { fieldText, type HeaderField } from './header.ts';
import type { AddressList, Envelope } from './types.ts';

/** One IMAP address structure (RFC 9051 §9 `address`): name, adl, mailbox, host; null is NIL. */
export interface ImapAddress {
  name: string | null;
  adl: string | null;
  mailbox: string | null;
  host: string | null;
}

/** The ten members of an IMAP ENVELOPE in order; null is NIL. */
export interface ImapEnvelope {
  date: string | null;
  subject: string | null;
  from: ImapAddress[] | null;
  sender: ImapAddress[] | null;
  replyTo: ImapAddress[] | null;
  to: ImapAddress[] | null;
  cc: ImapAddress[] | null;
  bcc: ImapAddress[] | null;
  inReplyTo: string | null;
  messageId: string | null;
}

const ADDRESS_FIELDS = [
  ['from', 'from'],
  ['sender', 'sender'],
  ['reply-to', 'replyTo'],
  ['to', 'to'],
  ['cc', 'cc'],
  ['bcc', 'bcc'],
] as const;

/**
 * Builds the envelope from a header's fields (first occurrence of each, as `indexFields` maps
 * them). Unstructured members are unfolded and trimmed; address fields are parsed. Never throws.
 */
export function readEnvelope(buf: Buffer, fields: ReadonlyMap<string, HeaderField>): Envelope {
  const env: Envelope = {};
  const text = (name: string): string | undefined => {
    const field = fields.get(name);
    return field === undefined ? undefined : fieldText(buf, field);
  };
  const date = text('date');
  if (date !== undefined) {
    env.date = date;
    const time = parseDate(date);
    if (time !== undefined) env.time = time;
  }
  const subject = text('subject');
  if (subject !== undefined) env.subject = subject;
  for (const [name, key] of ADDRESS_FIELDS) {
    const value = text(name);
    if (value !== undefined) env[key] = parseAddressList(value);
  }
  const inReplyTo = text('in-reply-to');
  if (inReplyTo !== undefined) env.inReplyTo = inReplyTo;
  const messageId = text('message-id');
  if (messageId !== undefined) env.messageId = messageId;
  return env;
}

/**
 * The IMAP ENVELOPE of `env` (RFC 9051 §7.5.2): Sender and Reply-To absent or empty become From;
 * an empty address list is NIL; a group is a start marker (NIL NIL "name" NIL), its members and an
 * end marker (NIL NIL NIL NIL); a missing local part or domain becomes `MISSING_MAILBOX` or
 * `MISSING_DOMAIN` as in Dovecot, so that a NIL host always means a group marker.
 */
export function toImapEnvelope(env: Envelope): ImapEnvelope {
  const from = imapAddresses(env.from);
  return {
    date: env.date ?? null,
    subject: env.subject ?? null,
    from,
    sender: imapAddresses(env.sender) ?? from,
    replyTo: imapAddresses(env.replyTo) ?? from,
    to: imapAddresses(env.to),
    cc: imapAddresses(env.cc),
    bcc: imapAddresses(env.bcc),
    inReplyTo: env.inReplyTo ?? null,
    messageId: env.messageId ?? null,
  };
}

/** The IMAP address structures of a list, or null (NIL) when it is absent or empty. */
export function imapAddresses(list: AddressList | undefined): ImapAddress[] | null {
  if (list === undefined || list.length === 0) return null;
  const out: ImapAddress[] = [];
  for (const entry of list) {
    if ('group' in entry) {
      out.push({ name: null, adl: null, mailbox: entry.group, host: null });
      for (const m of entry.members) out.push(mailbox(m.name, m.route, m.mailbox, m.host));
      out.push({ name: null, adl: null, mailbox: null, host: null });
    } else {
      out.push(mailbox(entry.name, entry.route, entry.mailbox, entry.host));
    }
  }
  return out;
}

function mailbox(
  name: string | undefined,
  route: string | undefined,
  local: string,
  host: string,
): ImapAddress {
  return {
    name: name === undefined || name === '' ? null : name,
    adl: route === undefined || route === '' ? null : route,
    mailbox: local === '' ? 'MISSING_MAILBOX' : local,
    host: host === '' ? 'MISSING_DOMAIN' : host,
  };
}
