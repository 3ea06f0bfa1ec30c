/**
 * FETCH ENVELOPE (RFC 9051 §7.5.2, RFC 3501 §7.4.2) as typed response data, built from the
 * envelope the MIME indexer stored at delivery. The IMAP defaulting rules (Sender and Reply-To fall
 * back to From, empty address lists are NIL, group markers) are those of `toImapEnvelope`.
 */

import { type ImapAddress, type ImapEnvelope, toImapEnvelope } from '../../../mime/envelope.ts';
import type { Envelope } from '../../../mime/types.ts';
import type { ImapValue } from '../value.ts';

/**
 * RFC 9051 §9 `envelope`: the ten members in order (date, subject, from, sender, reply-to, to, cc,
 * bcc, in-reply-to, message-id). Date, subject, in-reply-to and message-id are the field values
 * (unfolded, encoded words left for the client), NIL when the field is absent and `""` when it is
 * present but empty (§7.5.2). Address members are lists of {@link address} or NIL. Never throws.
 */
export function envelope(env: Envelope): readonly ImapValue[] {
  return imapEnvelope(toImapEnvelope(env));
}

/** {@link envelope} of an envelope already in its IMAP form (defaults applied). */
export function imapEnvelope(env: ImapEnvelope): readonly ImapValue[] {
  return [
    env.date, // env-date
    env.subject, // env-subject
    addressList(env.from), // env-from
    addressList(env.sender), // env-sender
    addressList(env.replyTo), // env-reply-to
    addressList(env.to), // env-to
    addressList(env.cc), // env-cc
    addressList(env.bcc), // env-bcc
    env.inReplyTo, // env-in-reply-to
    env.messageId, // env-message-id
  ];
}

/**
 * RFC 9051 §9 `address`: `(addr-name addr-adl addr-mailbox addr-host)`. A group start marker has
 * a NIL host and the group name as mailbox; an end marker is four NILs (§7.5.2).
 */
export function address(addr: ImapAddress): readonly ImapValue[] {
  return [addr.name, addr.adl, addr.mailbox, addr.host];
}

/** `"(" 1*address ")" / nil`, the form of env-from, env-to and the other address members. */
function addressList(list: readonly ImapAddress[] | null): ImapValue {
  return list === null || list.length === 0 ? null : list.map(address);
}
