/**
 * The SCRAM-SHA-256 key schedule (RFC 5802 §3 with H = SHA-256, RFC 7677 §3). Pure functions
 * over bytes; password normalization (SASLprep) is the caller's job.
 */

import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import type { ScramCredentials } from './mechanism.ts';

/** Length in bytes of SHA-256 output, hence of every SCRAM-SHA-256 key, signature and proof. */
export const SCRAM_SHA_256_KEY_LENGTH = 32;

/** RFC 5802 §2.2 `H(str)`: SHA-256. */
export function h(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/** RFC 5802 §2.2 `HMAC(key, str)` with SHA-256. */
export function hmac(key: Uint8Array, data: Uint8Array | string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/**
 * Derives the stored SCRAM-SHA-256 credentials from an already SASLprep'd password:
 * SaltedPassword = Hi(password, salt, i) (PBKDF2-HMAC-SHA-256, RFC 5802 §2.2),
 * StoredKey = H(HMAC(SaltedPassword, "Client Key")), ServerKey = HMAC(SaltedPassword, "Server Key").
 * Synchronous: 4096 iterations cost a few milliseconds.
 */
export function deriveScramSha256(
  normalizedPassword: string,
  salt: Buffer,
  iterations: number,
): ScramCredentials {
  const salted = pbkdf2Sync(
    Buffer.from(normalizedPassword, 'utf8'),
    salt,
    iterations,
    SCRAM_SHA_256_KEY_LENGTH,
    'sha256',
  );
  const clientKey = hmac(salted, 'Client Key');
  return { salt, iterations, storedKey: h(clientKey), serverKey: hmac(salted, 'Server Key') };
}

/**
 * Checks a ClientProof (RFC 5802 §3): ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage),
 * then H(ClientKey) must equal StoredKey, compared in constant time.
 */
export function verifyClientProof(storedKey: Buffer, authMessage: string, proof: Buffer): boolean {
  if (proof.length !== SCRAM_SHA_256_KEY_LENGTH || storedKey.length !== SCRAM_SHA_256_KEY_LENGTH)
    return false;
  const signature = hmac(storedKey, authMessage);
  const clientKey = Buffer.alloc(SCRAM_SHA_256_KEY_LENGTH);
  for (let i = 0; i < SCRAM_SHA_256_KEY_LENGTH; i++) clientKey[i] = proof[i]! ^ signature[i]!;
  return timingSafeEqual(h(clientKey), storedKey);
}

/** RFC 5802 §3: ServerSignature = HMAC(ServerKey, AuthMessage), sent as `v=` in server-final. */
export function serverSignature(serverKey: Buffer, authMessage: string): Buffer {
  return hmac(serverKey, authMessage);
}
