/**
 * Test doubles for the SASL tests: an in-memory credential store and an independent
 * SCRAM-SHA-256 client written straight from RFC 5802 §3 with node:crypto.
 */

import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import type { SaslCredentials, ScramCredentials } from '../../../src/proto/sasl/mechanism.ts';
import { scramSha256Keys } from '../../../src/services/directory/password.ts';

/** The RFC 7677 §3 example account. */
export const RFC7677 = {
  user: 'user',
  password: 'pencil',
  clientNonce: 'rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  salt: 'W22ZaJ0SNY7soEsUEjb6gQ==',
  iterations: 4096,
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal:
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
} as const;

/** A credential store over a fixed user → password map, recording its calls. */
export class MemoryCredentials implements SaslCredentials {
  readonly calls: string[] = [];
  readonly #passwords: Map<string, string>;
  readonly #scram = new Map<string, ScramCredentials>();
  failWith: Error | undefined;

  constructor(passwords: Record<string, string>, salts: Record<string, Buffer> = {}) {
    this.#passwords = new Map(Object.entries(passwords));
    for (const [user, password] of this.#passwords) {
      this.#scram.set(user, scramSha256Keys(password, salts[user] ?? Buffer.from(`salt-of-${user}`), 4096));
    }
  }

  async verifyPassword(username: string, password: string): Promise<boolean> {
    this.calls.push(`verify:${username}`);
    if (this.failWith) throw this.failWith;
    return this.#passwords.get(username) === password;
  }

  async scramCredentials(username: string): Promise<ScramCredentials | undefined> {
    this.calls.push(`scram:${username}`);
    if (this.failWith) throw this.failWith;
    return this.#scram.get(username);
  }
}

/** The store holding the RFC 7677 account with its published salt, plus a second user. */
export function rfcCredentials(): MemoryCredentials {
  return new MemoryCredentials(
    { [RFC7677.user]: RFC7677.password, bob: 'bob-secret' },
    { [RFC7677.user]: Buffer.from(RFC7677.salt, 'base64') },
  );
}

const hmac = (key: Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * Computes a client-final-message for `serverFirst`, as a client knowing `password` would.
 * `gs2Header` and `clientFirstBare` must be what the client sent.
 */
export function clientFinal(opts: {
  password: string;
  gs2Header: string;
  clientFirstBare: string;
  serverFirst: string;
  /** Sends this nonce instead of the server's, with a proof that is valid for it. */
  nonce?: string;
}): string {
  const fields = new Map(opts.serverFirst.split(',').map((a) => [a.slice(0, 1), a.slice(2)] as const));
  const nonce = opts.nonce ?? fields.get('r')!;
  const salt = Buffer.from(fields.get('s')!, 'base64');
  const iterations = Number(fields.get('i'));
  const salted = pbkdf2Sync(opts.password, salt, iterations, 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  const storedKey = createHash('sha256').update(clientKey).digest();
  const withoutProof = `c=${Buffer.from(opts.gs2Header).toString('base64')},r=${nonce}`;
  const signature = hmac(storedKey, `${opts.clientFirstBare},${opts.serverFirst},${withoutProof}`);
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
  return `${withoutProof},p=${proof.toString('base64')}`;
}

/** The v= a correct server sends for this exchange. */
export function expectedServerFinal(opts: {
  password: string;
  clientFirstBare: string;
  serverFirst: string;
  clientFinal: string;
}): string {
  const fields = new Map(opts.serverFirst.split(',').map((a) => [a.slice(0, 1), a.slice(2)] as const));
  const salted = pbkdf2Sync(
    opts.password,
    Buffer.from(fields.get('s')!, 'base64'),
    Number(fields.get('i')),
    32,
    'sha256',
  );
  const serverKey = hmac(salted, 'Server Key');
  const withoutProof = opts.clientFinal.slice(0, opts.clientFinal.lastIndexOf(',p='));
  const sig = hmac(serverKey, `${opts.clientFirstBare},${opts.serverFirst},${withoutProof}`);
  return `v=${sig.toString('base64')}`;
}

/** Buffer from a string, for short test lines. */
export const b = (text: string): Buffer => Buffer.from(text, 'utf8');
