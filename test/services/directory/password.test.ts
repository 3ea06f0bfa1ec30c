import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { describe, it } from 'node:test';
import saslprep from '@mongodb-js/saslprep';
import fc from 'fast-check';
import { isLoftError } from '../../../src/core/errors.ts';
import {
  DEFAULT_SCRYPT,
  hashPassword,
  passwordNeedsRehash,
  scramSha256Keys,
  verifyPassword,
  verifyPasswordOfNobody,
} from '../../../src/services/directory/password.ts';

/** The bytes a password is hashed as: SASLprep'd, or raw when SASLprep refuses it. */
function prepared(password: string): string {
  try {
    return saslprep(password);
  } catch {
    return password;
  }
}

/** Passwords from printable ASCII and from all of Unicode (well-formed strings only). */
const text = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 10 }));

/** Cheap parameters so that property tests stay fast; the format is the same. */
const CHEAP = { ln: 4, r: 8, p: 1 };

describe('hashPassword / verifyPassword', () => {
  it('hashes with the default cost in the self-describing format and verifies', async () => {
    const stored = await hashPassword('correct horse battery staple');
    assert.match(stored, /^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.equal(await verifyPassword('correct horse battery staple', stored), true);
    assert.equal(await verifyPassword('correct horse battery stapl', stored), false);
    assert.equal(await verifyPassword('', stored), false);
    assert.deepEqual(DEFAULT_SCRYPT, { ln: 15, r: 8, p: 1 });
  });

  it('salts every hash', async () => {
    const a = await hashPassword('same', CHEAP);
    const c = await hashPassword('same', CHEAP);
    assert.notEqual(a, c);
    assert.equal(await verifyPassword('same', a), true);
    assert.equal(await verifyPassword('same', c), true);
  });

  it('round-trips any password and rejects any other (property)', async () => {
    await fc.assert(
      fc.asyncProperty(text, text, async (password, other) => {
        const stored = await hashPassword(password, CHEAP);
        assert.equal(await verifyPassword(password, stored), true);
        // Different strings may still be SASLprep-equivalent; only distinct ones must fail.
        if (prepared(other) !== prepared(password)) assert.equal(await verifyPassword(other, stored), false);
      }),
      { numRuns: 60 },
    );
  });

  it('applies SASLprep: mapped-to-nothing, non-ASCII spaces and NFKC forms match (RFC 4013)', async () => {
    const stored = await hashPassword('I\u00adX', CHEAP);
    assert.equal(await verifyPassword('IX', stored), true);
    const spaced = await hashPassword('a\u00a0b', CHEAP);
    assert.equal(await verifyPassword('a b', spaced), true);
    const composed = await hashPassword('\u00c5', CHEAP);
    assert.equal(await verifyPassword('A\u030a', composed), true);
    assert.equal(await verifyPassword('A', composed), false);
  });

  it('hashes a password SASLprep prohibits as raw UTF-8, and still verifies it', async () => {
    const stored = await hashPassword('bell\u0007', CHEAP);
    assert.equal(await verifyPassword('bell\u0007', stored), true);
    assert.equal(await verifyPassword('bell', stored), false);
  });

  it('verifies hashes made with other parameters', async () => {
    const stored = await hashPassword('pw', { ln: 5, r: 4, p: 2 });
    assert.match(stored, /^\$scrypt\$ln=5,r=4,p=2\$/);
    assert.equal(await verifyPassword('pw', stored), true);
  });

  it('refuses parameters out of range', async () => {
    for (const params of [
      { ln: 0, r: 8, p: 1 },
      { ln: 15, r: 0, p: 1 },
      { ln: 15, r: 8, p: 0 },
      { ln: 1.5, r: 8, p: 1 },
      { ln: 22, r: 32, p: 1 },
    ]) {
      await assert.rejects(
        hashPassword('pw', params),
        (e) => isLoftError(e, 'INVALID'),
        JSON.stringify(params),
      );
    }
  });

  it('returns false, never throws, for malformed stored strings', async () => {
    const good = await hashPassword('pw', CHEAP);
    const [, , , salt, hash] = good.split('$');
    const malformed = [
      '',
      'pw',
      '$scrypt$',
      good.replace('$scrypt$', '$argon2id$'),
      good.replace('ln=4', 'ln=0'),
      good.replace('ln=4', 'ln=04'),
      good.replace('ln=4', 'ln=x'),
      good.replace('ln=4,', ''),
      good.replace(',p=1', ',p=1,q=2'),
      `$scrypt$ln=4,r=8,p=1$$${hash}`,
      `$scrypt$ln=4,r=8,p=1$${salt}$`,
      `$scrypt$ln=4,r=8,p=1$${salt}$${hash}$`,
      `$scrypt$ln=4,r=8,p=1$${salt}==$${hash}`,
      `$scrypt$ln=4,r=8,p=1$${salt}$${hash}=`,
      `$scrypt$ln=4,r=8,p=1$${salt}$${hash!.slice(0, 10)}`,
      `$scrypt$ln=4,r=8,p=1$AAAA$${hash}`,
      `$scrypt$ln=4,r=8,p=1$${salt}$${hash}A`,
      `$scrypt$ln=30,r=8,p=1$${salt}$${hash}`,
      `$scrypt$ln=22,r=99,p=1$${salt}$${hash}`,
      ` ${good}`,
      `${good}\n`,
    ];
    for (const stored of malformed) {
      assert.equal(await verifyPassword('pw', stored), false, stored);
    }
  });

  it('returns false for a hash whose bytes were tampered with', async () => {
    const good = await hashPassword('pw', CHEAP);
    assert.equal(await verifyPassword('pw', good), true);
    const parts = good.split('$');
    const hash = Buffer.from(parts[4]!, 'base64');
    hash[0]! ^= 1;
    parts[4] = hash.toString('base64').replace(/=+$/, '');
    assert.equal(await verifyPassword('pw', parts.join('$')), false);
    const other = good.split('$');
    const salt = Buffer.from(other[3]!, 'base64');
    salt[0]! ^= 1;
    other[3] = salt.toString('base64').replace(/=+$/, '');
    assert.equal(await verifyPassword('pw', other.join('$')), false);
  });

  it('verifyPasswordOfNobody always resolves false', async () => {
    assert.equal(await verifyPasswordOfNobody('anything'), false);
  });

  it('passwordNeedsRehash flags weaker or malformed hashes only', async () => {
    assert.equal(passwordNeedsRehash(await hashPassword('pw', CHEAP)), true);
    assert.equal(passwordNeedsRehash('garbage'), true);
    assert.equal(passwordNeedsRehash(await hashPassword('pw', CHEAP), CHEAP), false);
    assert.equal(passwordNeedsRehash(await hashPassword('pw', { ln: 5, r: 8, p: 1 }), CHEAP), false);
  });
});

describe('scramSha256Keys', () => {
  it('derives the keys of RFC 7677 §3 (user "user", password "pencil")', () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const keys = scramSha256Keys('pencil', salt, 4096);
    // Independent computation, RFC 5802 §3.
    const salted = pbkdf2Sync('pencil', salt, 4096, 32, 'sha256');
    const clientKey = createHmac('sha256', salted).update('Client Key').digest();
    assert.deepEqual(keys.storedKey, createHash('sha256').update(clientKey).digest());
    assert.deepEqual(keys.serverKey, createHmac('sha256', salted).update('Server Key').digest());
    assert.deepEqual(keys.salt, salt);
    assert.equal(keys.iterations, 4096);
  });

  it('defaults to a random 16-byte salt and 4096 iterations', () => {
    const a = scramSha256Keys('pw');
    const c = scramSha256Keys('pw');
    assert.equal(a.salt.length, 16);
    assert.equal(a.iterations, 4096);
    assert.notDeepEqual(a.salt, c.salt);
    assert.notDeepEqual(a.storedKey, c.storedKey);
    assert.equal(a.storedKey.length, 32);
    assert.equal(a.serverKey.length, 32);
  });

  it('SASLpreps the password', () => {
    const salt = Buffer.from('fixed salt');
    assert.deepEqual(scramSha256Keys('I\u00adX', salt, 4096), scramSha256Keys('IX', salt, 4096));
    assert.notDeepEqual(
      scramSha256Keys('IY', salt, 4096).storedKey,
      scramSha256Keys('IX', salt, 4096).storedKey,
    );
  });

  it('refuses a password SASLprep prohibits, with a clear error', () => {
    assert.throws(
      () => scramSha256Keys('bell\u0007'),
      (e) => isLoftError(e, 'INVALID') && /SASLprep/.test(e.message),
    );
  });

  it('refuses a bad iteration count or an empty salt', () => {
    for (const i of [0, -1, 1.5, Number.NaN]) {
      assert.throws(
        () => scramSha256Keys('pw', undefined, i),
        (e) => isLoftError(e, 'INVALID'),
        String(i),
      );
    }
    assert.throws(
      () => scramSha256Keys('pw', Buffer.alloc(0)),
      (e) => isLoftError(e, 'INVALID'),
    );
  });
});
