import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LoginServer, loginValue } from '../../../src/proto/sasl/login.ts';
import type { SaslStep } from '../../../src/proto/sasl/mechanism.ts';
import { b, MemoryCredentials } from './helpers.ts';

const creds = () => new MemoryCredentials({ 'tim@example.org': 'tanstaaftanstaaf' });

function challengeText(step: SaslStep): string | undefined {
  return step.kind === 'challenge' ? step.data.toString('ascii') : undefined;
}

describe('loginValue', () => {
  it('accepts non-empty UTF-8 without NUL', () => {
    assert.equal(loginValue(b('tim@example.org')), 'tim@example.org');
    assert.equal(loginValue(b(' pässwörd ')), ' pässwörd ');
  });
  it('refuses empty, NUL and ill-formed UTF-8', () => {
    assert.equal(loginValue(Buffer.alloc(0)), undefined);
    assert.equal(loginValue(b('tim\0')), undefined);
    assert.equal(loginValue(Buffer.from([0x74, 0xc3])), undefined);
  });
});

describe('LoginServer', () => {
  it('prompts Username: then Password: and authenticates', async () => {
    const server = new LoginServer(creds());
    assert.equal(server.mechanism, 'LOGIN');
    assert.equal(challengeText(await server.start(undefined)), 'Username:');
    assert.equal(challengeText(await server.step(b('tim@example.org'))), 'Password:');
    assert.deepEqual(await server.step(b('tanstaaftanstaaf')), {
      kind: 'success',
      username: 'tim@example.org',
    });
  });

  it('takes an initial response as the user name', async () => {
    const server = new LoginServer(creds());
    assert.equal(challengeText(await server.start(b('tim@example.org'))), 'Password:');
    assert.deepEqual(await server.step(b('tanstaaftanstaaf')), {
      kind: 'success',
      username: 'tim@example.org',
    });
  });

  it('fails a wrong password and an unknown user alike', async () => {
    for (const [user, password] of [
      ['tim@example.org', 'wrong'],
      ['eve@example.org', 'tanstaaftanstaaf'],
    ]) {
      const server = new LoginServer(creds());
      await server.start(b(user!));
      assert.deepEqual(await server.step(b(password!)), { kind: 'failure', reason: 'credentials' });
    }
  });

  it('refuses an empty user name or password', async () => {
    const a = new LoginServer(creds());
    await a.start(undefined);
    assert.deepEqual(await a.step(Buffer.alloc(0)), { kind: 'failure', reason: 'malformed' });
    assert.deepEqual(await new LoginServer(creds()).start(Buffer.alloc(0)), {
      kind: 'failure',
      reason: 'malformed',
    });
    const c = new LoginServer(creds());
    await c.start(b('tim@example.org'));
    assert.deepEqual(await c.step(Buffer.alloc(0)), { kind: 'failure', reason: 'malformed' });
  });

  it('refuses ill-formed UTF-8 and NUL', async () => {
    const a = new LoginServer(creds());
    await a.start(undefined);
    assert.deepEqual(await a.step(Buffer.from([0xff])), { kind: 'failure', reason: 'malformed' });
    const c = new LoginServer(creds());
    await c.start(b('tim@example.org'));
    assert.deepEqual(await c.step(b('tanstaaf\0tanstaaf')), { kind: 'failure', reason: 'malformed' });
  });

  it('reports a failing store as unavailable', async () => {
    const store = creds();
    store.failWith = new Error('timeout');
    const server = new LoginServer(store);
    await server.start(b('tim@example.org'));
    const step = await server.step(b('tanstaaftanstaaf'));
    assert.equal(step.kind === 'failure' && step.reason, 'unavailable');
  });

  it('fails any call after the end, and a step before start', async () => {
    const server = new LoginServer(creds());
    await server.start(b('tim@example.org'));
    await server.step(b('tanstaaftanstaaf'));
    assert.deepEqual(await server.step(b('again')), { kind: 'failure', reason: 'malformed' });
    assert.deepEqual(await new LoginServer(creds()).step(b('tim@example.org')), {
      kind: 'failure',
      reason: 'malformed',
    });
  });

  it('never throws and never succeeds on random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 4 }),
        async (msgs) => {
          const server = new LoginServer(creds());
          let step = await server.start(undefined);
          for (const m of msgs) {
            step = await server.step(Buffer.from(m));
            assert.notEqual(step.kind, 'success');
          }
        },
      ),
    );
  });
});
