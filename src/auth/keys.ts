/**
 * DKIM keys: generating a pair per algorithm, naming its selector, and the TXT record that
 * publishes it (RFC 6376 §3.6.1; RSA 2048 bits per RFC 8301 §3.2, Ed25519 per RFC 8463 §4).
 */
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

const generate = promisify(generateKeyPair);

/** A signing algorithm Loft generates keys for. */
export type DkimAlgorithm = 'rsa-sha256' | 'ed25519-sha256';

/** Both algorithms, in the order keys are made and signatures added. */
export const DKIM_ALGORITHMS: readonly DkimAlgorithm[] = ['rsa-sha256', 'ed25519-sha256'];

/** A key pair as stored: private key in PKCS #8 PEM, public key as the `p=` value. */
export interface GeneratedDkimKey {
  algorithm: DkimAlgorithm;
  privateKey: string;
  publicKey: string;
}

/** Generates a key pair: RSA with a 2048-bit modulus, or Ed25519. */
export async function generateDkimKey(algorithm: DkimAlgorithm): Promise<GeneratedDkimKey> {
  const pair: { publicKey: KeyObject; privateKey: KeyObject } =
    algorithm === 'rsa-sha256'
      ? await generate('rsa', { modulusLength: 2048, publicExponent: 0x10001 })
      : await generate('ed25519');
  return {
    algorithm,
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKeyValue(algorithm, pair.publicKey),
  };
}

/**
 * The `p=` value: for RSA the base64 of the DER SubjectPublicKeyInfo (RFC 6376 §3.6.1, as
 * `openssl rsa -pubout` gives it); for Ed25519 the base64 of the raw 32-octet key, not wrapped
 * in SubjectPublicKeyInfo (RFC 8463 §4).
 */
function publicKeyValue(algorithm: DkimAlgorithm, key: KeyObject): string {
  const spki = key.export({ type: 'spki', format: 'der' });
  return (algorithm === 'rsa-sha256' ? spki : spki.subarray(spki.length - 32)).toString('base64');
}

/** The selector of a key made at `date`: `loft-rsa-YYYYMM` or `loft-ed-YYYYMM` (UTC). */
export function selectorFor(algorithm: DkimAlgorithm, date: Date): string {
  const month = `${date.getUTCFullYear()}${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
  return `loft-${algorithm === 'rsa-sha256' ? 'rsa' : 'ed'}-${month}`;
}

/** A selector not in `taken`: `base`, else `base-2`, `base-3`… (several rotations in one month). */
export function freeSelector(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** The key record's text (RFC 6376 §3.6.1): `v=DKIM1; k=rsa; p=…` or `k=ed25519` (RFC 8463 §4). */
export function dkimRecordText(algorithm: DkimAlgorithm, publicKey: string): string {
  return `v=DKIM1; k=${algorithm === 'rsa-sha256' ? 'rsa' : 'ed25519'}; p=${publicKey}`;
}

/** The name the key record lives at (RFC 6376 §3.6.2.1): `selector._domainkey.domain`. */
export function dkimRecordName(selector: string, domain: string): string {
  return `${selector}._domainkey.${domain}`;
}
