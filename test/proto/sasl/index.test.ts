import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  advertisedMechanisms,
  createSaslServer,
  decodeBase64Strict,
  findMechanism,
  SASL_MECHANISMS,
} from '../../../src/proto/sasl/index.ts';
import { b, RFC7677, rfcCredentials } from './helpers.ts';

describe('SASL registry', () => {
  it('lists SCRAM-SHA-256, PLAIN and LOGIN with their plaintext flags', () => {
    assert.deepEqual(
      SASL_MECHANISMS.map((m) => [m.name, m.plaintext]),
      [
        ['SCRAM-SHA-256', false],
        ['PLAIN', true],
        ['LOGIN', true],
      ],
    );
    assert.ok(Object.isFrozen(SASL_MECHANISMS));
  });

  it('advertises plaintext mechanisms only on a secure channel', () => {
    assert.deepEqual(advertisedMechanisms(true), ['SCRAM-SHA-256', 'PLAIN', 'LOGIN']);
    assert.deepEqual(advertisedMechanisms(false), ['SCRAM-SHA-256']);
  });

  it('finds mechanisms case-insensitively and creates the matching server', () => {
    for (const name of ['plain', 'Login', 'scram-sha-256', 'SCRAM-SHA-256']) {
      const server = createSaslServer(name, rfcCredentials());
      assert.equal(server?.mechanism, name.toUpperCase());
      assert.equal(findMechanism(name)?.name, name.toUpperCase());
    }
  });

  it('returns undefined for unknown mechanisms', () => {
    for (const name of ['CRAM-MD5', 'SCRAM-SHA-256-PLUS', 'SCRAM-SHA-1', 'XOAUTH2', '', 'PLAIN ']) {
      assert.equal(createSaslServer(name, rfcCredentials()), undefined, name);
      assert.equal(findMechanism(name), undefined, name);
    }
  });

  it('passes options to SCRAM (RFC 7677 example through the registry)', async () => {
    const server = createSaslServer('SCRAM-SHA-256', rfcCredentials(), { nonce: () => RFC7677.serverNonce })!;
    const first = await server.start(b(RFC7677.clientFirst));
    assert.equal(first.kind === 'challenge' && first.data.toString(), RFC7677.serverFirst);
    const last = await server.step(b(RFC7677.clientFinal));
    assert.equal(last.kind === 'success' && last.data?.toString(), RFC7677.serverFinal);
  });

  it('authenticates PLAIN from base64 as a session would', async () => {
    const initial = decodeBase64Strict(Buffer.from('\0user\0pencil').toString('base64'));
    assert.ok(initial);
    assert.deepEqual(await createSaslServer('PLAIN', rfcCredentials())!.start(initial), {
      kind: 'success',
      username: 'user',
    });
  });
});

describe('every mechanism under random input', () => {
  const names = SASL_MECHANISMS.map((m) => m.name);

  it('never throws and never succeeds, whatever the client sends', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...names),
        fc.option(fc.uint8Array({ maxLength: 60 }), { nil: undefined }),
        fc.array(fc.uint8Array({ maxLength: 60 }), { maxLength: 4 }),
        async (name, initial, responses) => {
          const server = createSaslServer(name, rfcCredentials())!;
          let step = await server.start(initial === undefined ? undefined : Buffer.from(initial));
          assert.notEqual(step.kind, 'success');
          for (const r of responses) {
            step = await server.step(Buffer.from(r));
            assert.notEqual(step.kind, 'success');
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never succeeds on random printable text either', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...names),
        fc.array(fc.string({ maxLength: 60 }), { minLength: 1, maxLength: 4 }),
        async (name, lines) => {
          const server = createSaslServer(name, rfcCredentials())!;
          let step = await server.start(undefined);
          for (const line of lines) {
            step = await server.step(b(line));
            assert.notEqual(step.kind, 'success');
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
