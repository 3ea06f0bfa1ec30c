/**
 * A minimal SCRAM-SHA-256 client (RFC 5802 §3, §5, §7; RFC 7677) written independently of Loft's
 * server code, for transcript tests. No channel binding (gs2 header `n,,`); the user name is
 * escaped as a saslname; the password is used as given (ASCII test passwords need no SASLprep).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

const GS2_HEADER = 'n,,';

function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

/** RFC 5802 §5.1: "=" and "," in a user name are sent as "=3D" and "=2C". */
function saslname(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

export class ScramClient {
  readonly #username: string;
  readonly #password: string;
  readonly #nonce: string;
  #firstBare = '';
  #expectedServerSignature: Buffer | undefined;

  constructor(username: string, password: string, nonce = randomBytes(18).toString('base64')) {
    this.#username = username;
    this.#password = password;
    this.#nonce = nonce;
  }

  /** client-first-message = gs2-header client-first-message-bare. */
  first(): string {
    this.#firstBare = `n=${saslname(this.#username)},r=${this.#nonce}`;
    return GS2_HEADER + this.#firstBare;
  }

  /** The client-final-message for the server-first-message; throws if the server's nonce is wrong. */
  final(serverFirst: string): string {
    const fields = new Map(serverFirst.split(',').map((f) => [f.slice(0, 1), f.slice(2)] as const));
    const nonce = fields.get('r') ?? '';
    const salt = Buffer.from(fields.get('s') ?? '', 'base64');
    const iterations = Number(fields.get('i'));
    if (!nonce.startsWith(this.#nonce) || nonce.length === this.#nonce.length) {
      throw new Error(`server nonce does not extend the client's: ${serverFirst}`);
    }
    if (!Number.isInteger(iterations) || iterations < 1)
      throw new Error(`bad iteration count: ${serverFirst}`);
    const salted = pbkdf2Sync(Buffer.from(this.#password, 'utf8'), salt, iterations, 32, 'sha256');
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = createHash('sha256').update(clientKey).digest();
    const withoutProof = `c=${Buffer.from(GS2_HEADER).toString('base64')},r=${nonce}`;
    const authMessage = `${this.#firstBare},${serverFirst},${withoutProof}`;
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) proof[i] = clientKey[i]! ^ signature[i]!;
    this.#expectedServerSignature = hmac(hmac(salted, 'Server Key'), authMessage);
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  /** True when the server-final-message proves the server knows the password's keys. */
  verify(serverFinal: string): boolean {
    const expected = this.#expectedServerSignature;
    if (!expected || !serverFinal.startsWith('v=')) return false;
    const got = Buffer.from(serverFinal.slice(2), 'base64');
    return got.length === expected.length && timingSafeEqual(got, expected);
  }
}

/** Base64 of a UTF-8 string, as SMTP AUTH lines carry it (RFC 4954 §4). */
export function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** The UTF-8 text of a base64 challenge. */
export function unb64(text: string): string {
  return Buffer.from(text, 'base64').toString('utf8');
}
