/**
 * The data the MIME indexer computes once per message and stores beside it (see `codec.ts` for the
 * compact JSON form). Everything here is plain data: no methods, no Buffers, so it survives JSON.
 *
 * Offsets are absolute byte offsets into the raw message as stored, also inside encapsulated
 * messages. Sizes and line counts are of the raw bytes: a message stored with bare LF line ends
 * reports LF-based sizes, consistent with the bytes the IMAP server sends back.
 *
 * Strings taken from header fields are the field bytes decoded as UTF-8 when they are valid UTF-8
 * (ASCII included, RFC 6532), and as Latin-1 otherwise (one char per byte, never lossy). RFC 2047
 * encoded words are left as they are: IMAP returns them raw and the client decodes.
 */

/** A MIME parameter as sent: `[name, value]`, the name lower-cased, the value unquoted. */
export type MimeParam = [name: string, value: string];

/** A parsed Content-Disposition (RFC 2183): the type lower-cased and its parameters. */
export interface Disposition {
  type: string;
  params: MimeParam[];
}

/** One mailbox of an address list (RFC 5322 §3.4), as IMAP's ENVELOPE needs it (RFC 9051 §7.5.2). */
export interface Mailbox {
  /** The display name (phrase) with quotes removed, words joined by one space; or the comment of `a@b (Name)`. */
  name?: string;
  /** The obsolete source route, `@a,@b` (obs-route without the trailing colon). */
  route?: string;
  /** The local part, unquoted; empty when missing. */
  mailbox: string;
  /** The domain; empty when missing. */
  host: string;
}

/** A group (RFC 5322 §3.4: `display-name ":" [group-list] ";"`). */
export interface Group {
  group: string;
  members: Mailbox[];
}

/** An address list: mailboxes and groups in header order. */
export type AddressList = (Mailbox | Group)[];

/**
 * The envelope of a message (RFC 9051 §7.5.2), from the first occurrence of each field. A member
 * is absent when its field is absent. Unstructured values are unfolded and trimmed, otherwise raw.
 * The IMAP defaults (Sender and Reply-To fall back to From) are applied by `toImapEnvelope`.
 */
export interface Envelope {
  date?: string;
  /** The Date field parsed (RFC 5322 §3.3, obsolete forms included), in ms since the epoch. */
  time?: number;
  subject?: string;
  from?: AddressList;
  sender?: AddressList;
  replyTo?: AddressList;
  to?: AddressList;
  cc?: AddressList;
  bcc?: AddressList;
  inReplyTo?: string;
  messageId?: string;
}

/** A message: the top level, or the body of a message/rfc822 or message/global part. */
export interface MimeMessage {
  envelope: Envelope;
  /** The message's own entity: its header is the message header, its body the message text. */
  root: MimePart;
}

/**
 * One MIME entity (RFC 2045 §2.4): its header and body with offsets, and the fields
 * BODYSTRUCTURE reports (RFC 9051 §7.5.2).
 *
 * Invariants: `headerStart <= bodyStart <= bodyEnd`; the header block (including its blank line)
 * is `[headerStart, bodyStart)`, the body `[bodyStart, bodyEnd)`. Children lie inside the body in
 * order. A part was split as a multipart exactly when `children` is present; it may be empty
 * (no boundary line found, or one cut the part's header short), and IMAP should then write it as
 * Dovecot does, with one empty text/plain child. A part holds an encapsulated message exactly when
 * `message` is present. A multipart without a usable boundary, a message/rfc822 with a transfer
 * encoding other than 7bit/8bit/binary, and parts beyond the nesting or part limits are leaves
 * that keep their declared type.
 */
export interface MimePart {
  headerStart: number;
  bodyStart: number;
  bodyEnd: number;
  /** Number of LF in the header block, the blank line included. */
  headerLines: number;
  /**
   * Number of LF in the body, as Dovecot counts body-fld-lines (the line break before a boundary
   * belongs to the boundary). Present for text/*, message/rfc822 and message/global only.
   */
  bodyLines?: number;
  /** Media type, lower-cased (`text`, `multipart`…). */
  type: string;
  /** Media subtype, lower-cased. */
  subtype: string;
  /**
   * Content-Type parameters as sent, RFC 2231 continuations merged as Dovecot does (see
   * `content-type.ts`); `charset=us-ascii` is added to text/* when missing (RFC 2046 §4.1.2).
   */
  params: MimeParam[];
  /** Content-ID, unfolded. */
  id?: string;
  /** Content-Description, unfolded, encoded words kept. */
  description?: string;
  /** Content-Transfer-Encoding token, lower-cased; absent means 7bit (RFC 2045 §6.1). */
  encoding?: string;
  /** Content-MD5, unfolded. */
  md5?: string;
  disposition?: Disposition;
  /** Content-Language tags (RFC 3282). */
  language?: string[];
  /** Content-Location (RFC 2557), unfolded. */
  location?: string;
  /** The boundary of a multipart that was split (raw parameter value). */
  boundary?: string;
  children?: MimePart[];
  message?: MimeMessage;
}

/** The index of one stored message. */
export interface MessageStructure extends MimeMessage {
  /** Format version of this data; `decodeStructure` rejects other versions. */
  version: 1;
  /** Size of the raw message in bytes. */
  size: number;
  /** True when the nesting or part limit cut the tree short (the rest is opaque body). */
  limited?: boolean;
}
