/**
 * DKIM signing (RFC 6376 §5) through mailauth: one DKIM-Signature per key (RSA-SHA256 and
 * Ed25519-SHA256, RFC 8463), relaxed/relaxed canonicalization, over the header fields
 * RFC 6376 §5.4.1 recommends plus the MIME fields that change how the body is read.
 */
import { dkimSign } from 'mailauth';
import { LoftError } from '../core/errors.ts';
import type { DkimAlgorithm } from './keys.ts';

/**
 * The fields signed when present: RFC 6376 §5.4.1's list (From first, the one that must be
 * signed, §5.4), then Message-ID and the MIME fields (RFC 2045) whose change alters the body's
 * meaning.
 */
export const SIGNED_FIELDS: readonly string[] = [
  'From',
  'Reply-To',
  'Subject',
  'Date',
  'To',
  'Cc',
  'Resent-Date',
  'Resent-From',
  'Resent-To',
  'Resent-Cc',
  'In-Reply-To',
  'References',
  'List-Id',
  'List-Help',
  'List-Unsubscribe',
  'List-Subscribe',
  'List-Post',
  'List-Owner',
  'List-Archive',
  'Message-ID',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
];

/** A key to sign with. */
export interface SigningKey {
  selector: string;
  algorithm: DkimAlgorithm;
  /** PKCS #8 PEM. */
  privateKey: string;
}

/**
 * The DKIM-Signature fields (each ending in CRLF) for `message` signed by `domain` with each
 * key, to be prepended to it. Empty when there are no keys or the message has no From field. Throws LoftError('INTERNAL') when a
 * signature cannot be made (a broken key).
 */
export async function signMessage(
  message: Buffer,
  domain: string,
  keys: readonly SigningKey[],
  now: Date = new Date(),
): Promise<Buffer> {
  if (keys.length === 0) return Buffer.alloc(0);
  const result = await dkimSign(message, {
    signingDomain: domain,
    selector: keys[0]!.selector,
    privateKey: keys[0]!.privateKey,
    canonicalization: 'relaxed/relaxed', // RFC 6376 §3.4.2, §3.4.4
    headerList: [...SIGNED_FIELDS],
    signTime: now,
    signatureData: keys.map((key) => ({
      signingDomain: domain,
      selector: key.selector,
      privateKey: key.privateKey,
      algorithm: key.algorithm,
      canonicalization: 'relaxed/relaxed',
    })),
  });
  // A message without From cannot be signed (RFC 6376 §5.4): it goes out unsigned.
  if (result.errors.length > 0 && result.errors.every((e) => e.err?.code === 'ENOFROM')) {
    return Buffer.alloc(0);
  }
  if (result.errors.length > 0) {
    const detail = result.errors.map((e) => `${e.selector ?? '?'}: ${e.err?.message ?? e}`).join('; ');
    throw new LoftError('INTERNAL', `DKIM signing for ${domain} failed: ${detail}`);
  }
  return Buffer.from(result.signatures, 'utf8');
}
