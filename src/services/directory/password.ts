/**
 * Password storage: memory-hard scrypt hashes for PLAIN / LOGIN, and SCRAM-SHA-256 keys for
 * SCRAM. Passwords are SASLprep'd first (RFC 4013; RFC 5802 §2.2, RFC 7677), so that the same
 * password typed in another Unicode form still matches.
 *
 * Stored hash format (PHC-like, self-describing so parameters can change later):
 * `$scrypt$ln=<log2 N>,r=<block size>,p=<parallelism>$<salt>$<hash>`, salt and hash in
 * unpadded standard base64.
 */

import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import saslprep from '@mongodb-js/saslprep';
import { LoftError } from '../../core/errors.ts';
import type { ScramCredentials } from '../../proto/sasl/mechanism.ts';
import { deriveScramSha256 } from '../../proto/sasl/scram-crypto.ts';

/** scrypt cost parameters. N = 2^ln. */
export interface ScryptParams {
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

/** The default cost: N = 2^15, r = 8, p = 1 (32 MiB, about 0.1 s on a current core). */
export const DEFAULT_SCRYPT: ScryptParams = Object.freeze({ ln: 15, r: 8, p: 1 });

const SALT_LENGTH = 16;
const HASH_LENGTH = 32;
/** The most memory a stored hash may make us spend (128 · N · r bytes), against forged entries. */
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

/** SASLprep (RFC 4013) for a stored password, or `undefined` when the password is prohibited. */
function prepare(password: string): string | undefined {
  try {
    return saslprep(password);
  } catch {
    return undefined;
  }
}

/** Bytes to hash: the SASLprep'd password, or its raw UTF-8 when SASLprep refuses it. */
function passwordBytes(password: string): Buffer {
  return Buffer.from(prepare(password) ?? password, 'utf8');
}

function validParams(params: ScryptParams): boolean {
  const { ln, r, p } = params;
  if (!Number.isSafeInteger(ln) || !Number.isSafeInteger(r) || !Number.isSafeInteger(p)) return false;
  if (ln < 1 || ln > 24 || r < 1 || r > 64 || p < 1 || p > 16) return false;
  return 128 * 2 ** ln * r <= MAX_SCRYPT_MEMORY;
}

function scryptAsync(password: Buffer, salt: Buffer, keylen: number, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.ln;
  // Node refuses when 128·N·r exceeds maxmem (default 32 MiB, exactly our default's need).
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 2 * 128 * N * params.r };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/**
 * Hashes `password` for storage with scrypt on the libuv thread pool, with a fresh 16-byte
 * salt. `params` exists for tests and future tuning; the default is {@link DEFAULT_SCRYPT}.
 *
 * @throws LoftError `INVALID` when `params` are out of range.
 */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  if (!validParams(params)) throw new LoftError('INVALID', 'scrypt parameters out of range');
  const salt = randomBytes(SALT_LENGTH);
  const hash = await scryptAsync(passwordBytes(password), salt, HASH_LENGTH, params);
  return formatHash(params, salt, hash);
}

function formatHash(params: ScryptParams, salt: Buffer, hash: Buffer): string {
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

/** A parsed stored hash. */
interface StoredHash {
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

const STORED =
  /^\$scrypt\$ln=([1-9][0-9]?),r=([1-9][0-9]?),p=([1-9][0-9]?)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** Decodes unpadded base64 strictly (no stray bits), or undefined. */
function unpaddedBase64(text: string): Buffer | undefined {
  if (text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64').replace(/=+$/, '') === text ? bytes : undefined;
}

function parseStored(stored: string): StoredHash | undefined {
  const m = STORED.exec(stored);
  if (m === null) return undefined;
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  const salt = unpaddedBase64(m[4]!);
  const hash = unpaddedBase64(m[5]!);
  if (!validParams(params) || salt === undefined || hash === undefined) return undefined;
  if (salt.length < 8 || hash.length < 16 || hash.length > 64) return undefined;
  return { params, salt, hash };
}

/**
 * True when `password` matches `stored` (made by {@link hashPassword}); the comparison is
 * constant-time. A malformed or unsupported `stored` string gives false, never an exception.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseStored(stored);
  if (parsed === undefined) return false;
  const candidate = await scryptAsync(
    passwordBytes(password),
    parsed.salt,
    parsed.hash.length,
    parsed.params,
  );
  return timingSafeEqual(candidate, parsed.hash);
}

const dummySalt = randomBytes(SALT_LENGTH);

/**
 * Spends the same work as verifying against a default-cost hash and resolves to false. Call it
 * for an unknown user so that the response time does not reveal which users exist.
 */
export async function verifyPasswordOfNobody(password: string): Promise<false> {
  await scryptAsync(passwordBytes(password), dummySalt, HASH_LENGTH, DEFAULT_SCRYPT);
  return false;
}

/**
 * True when `stored` should be recomputed at the next successful login: it is malformed, or
 * its cost is below `params`.
 */
export function passwordNeedsRehash(stored: string, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  const parsed = parseStored(stored);
  if (parsed === undefined) return true;
  const p = parsed.params;
  return p.ln < params.ln || p.r < params.r || p.p < params.p || parsed.hash.length < HASH_LENGTH;
}

/**
 * Computes the SCRAM-SHA-256 keys of `password` (RFC 5802 §3, RFC 7677) for storage:
 * SASLprep'd password, `salt` (default: 16 random bytes), `iterations` (RFC 7677 §4: at least
 * 4096 recommended). Synchronous; 4096 iterations take a few milliseconds.
 *
 * @throws LoftError `INVALID` when SASLprep rejects the password (a SCRAM client would fail
 * on it too), or when the salt is empty or `iterations` is not a positive integer.
 */
export function scramSha256Keys(password: string, salt?: Buffer, iterations = 4096): ScramCredentials {
  const prepared = prepare(password);
  if (prepared === undefined) {
    throw new LoftError(
      'INVALID',
      'password contains characters SASLprep prohibits; SCRAM keys cannot be made',
    );
  }
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    throw new LoftError('INVALID', 'SCRAM iteration count must be a positive integer');
  }
  const s = salt ?? randomBytes(SALT_LENGTH);
  if (s.length === 0) throw new LoftError('INVALID', 'SCRAM salt must not be empty');
  return deriveScramSha256(prepared, s, iterations);
}
