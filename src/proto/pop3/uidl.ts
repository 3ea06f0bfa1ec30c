/**
 * The unique-id of a message for UIDL (RFC 1939 §7), derived from IMAP's identity of the message
 * so that POP3 and IMAP agree and the id survives sessions and restarts.
 *
 * Format (as Dovecot's default `%08Xu%08Xv`): the UID, then the mailbox's UIDVALIDITY, each as
 * eight (or more) upper-case hexadecimal digits. UIDs never repeat within a UIDVALIDITY
 * (RFC 9051 §2.3.1.1), so the pair is unique for the life of the mailbox.
 */

/** RFC 1939 §7: a unique-id is 1 to 70 characters in the range 0x21 to 0x7E. */
const UNIQUE_ID = /^[\x21-\x7e]{1,70}$/;

function hex8(n: number): string {
  return n.toString(16).toUpperCase().padStart(8, '0');
}

/**
 * The UIDL unique-id for the message `uid` of a mailbox with `uidValidity`.
 *
 * @throws RangeError when either value is not a non-negative safe integer.
 */
export function uniqueId(uid: number, uidValidity: number): string {
  if (!Number.isSafeInteger(uid) || uid < 0 || !Number.isSafeInteger(uidValidity) || uidValidity < 0) {
    throw new RangeError(`invalid uid ${uid} or uidvalidity ${uidValidity}`);
  }
  return hex8(uid) + hex8(uidValidity);
}

/** True when `id` is a valid RFC 1939 §7 unique-id. */
export function isUniqueId(id: string): boolean {
  return UNIQUE_ID.test(id);
}
