import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { message, PlainServer } from '../../../src/proto/sasl/plain.ts';
import { b, MemoryCredentials } from './helpers.ts';

const creds = () =>
  new MemoryCredentials({ 'tim@example.org': 'tanstaaftanstaaf', 'ünï@example.org': 'pässwörd' });

describe('PLAIN message (RFC 4616 §2)', () => {
  it('parses the fields with and without an authzid', () => {
    assert.deepEqual(message(b('\0tim\0secret')), { authzid: '', authcid: 'tim', passwd: 'secret' });
    assert.deepEqual(message(b('Ursel\0Kurt\0xipj3plmq')), {
      authzid: 'Ursel',
      authcid: 'Kurt',
      passwd: 'xipj3plmq',
    });
  });

  it('keeps spaces and non-ASCII as they are', () => {
    assert.deepEqual(message(b('\0 a b \0 p w ')), { authzid: '', authcid: ' a b ', passwd: ' p w ' });
    assert.deepEqual(message(b('\0ünï\0pässwörd')), { authzid: '', authcid: 'ünï', passwd: 'pässwörd' });
  });

  for (const [name, bytes] of [
    ['no NUL', b('timsecret')],
    ['one NUL', b('tim\0secret')],
    ['three NULs', b('\0tim\0sec\0ret')],
    ['an empty authcid', b('\0\0secret')],
    ['an empty password', b('\0tim\0')],
    ['only NULs', b('\0\0')],
    ['nothing', Buffer.alloc(0)],
    ['invalid UTF-8', Buffer.from([0, 0x74, 0, 0xc3, 0x28])],
  ] as const) {
    it(`refuses ${name}`, () => {
      assert.equal(message(bytes), undefined);
    });
  }
});

describe('PlainServer', () => {
  it('authenticates with an initial response', async () => {
    const server = new PlainServer(creds());
    assert.equal(server.mechanism, 'PLAIN');
    assert.deepEqual(await server.start(b('\0tim@example.org\0tanstaaftanstaaf')), {
      kind: 'success',
      username: 'tim@example.org',
    });
  });

  it('sends an empty challenge without an initial response, then authenticates', async () => {
    const server = new PlainServer(creds());
    const first = await server.start(undefined);
    assert.equal(first.kind, 'challenge');
    assert.equal(first.kind === 'challenge' && first.data.length, 0);
    const second = await server.step(b('\0ünï@example.org\0pässwörd'));
    assert.deepEqual(second, { kind: 'success', username: 'ünï@example.org' });
  });

  it('accepts an authzid equal to the authcid', async () => {
    const server = new PlainServer(creds());
    const step = await server.start(b('tim@example.org\0tim@example.org\0tanstaaftanstaaf'));
    assert.deepEqual(step, { kind: 'success', username: 'tim@example.org' });
  });

  it('fails a wrong password and an unknown user alike', async () => {
    const wrong = await new PlainServer(creds()).start(b('\0tim@example.org\0nope'));
    const unknown = await new PlainServer(creds()).start(b('\0eve@example.org\0tanstaaftanstaaf'));
    assert.deepEqual(wrong, { kind: 'failure', reason: 'credentials' });
    assert.deepEqual(unknown, { kind: 'failure', reason: 'credentials' });
  });

  it('refuses the authzid of another user without checking the password', async () => {
    const store = creds();
    const step = await new PlainServer(store).start(
      b('admin@example.org\0tim@example.org\0tanstaaftanstaaf'),
    );
    assert.deepEqual(step, { kind: 'failure', reason: 'authzid' });
    assert.deepEqual(store.calls, []);
  });

  it('refuses a malformed message without checking the password', async () => {
    const store = creds();
    assert.deepEqual(await new PlainServer(store).start(b('tim@example.org\0tanstaaftanstaaf')), {
      kind: 'failure',
      reason: 'malformed',
    });
    assert.deepEqual(await new PlainServer(store).start(Buffer.alloc(0)), {
      kind: 'failure',
      reason: 'malformed',
    });
    assert.deepEqual(store.calls, []);
  });

  it('reports a failing store as unavailable, with the cause', async () => {
    const store = creds();
    store.failWith = new Error('database is down');
    const step = await new PlainServer(store).start(b('\0tim@example.org\0tanstaaftanstaaf'));
    assert.equal(step.kind === 'failure' && step.reason, 'unavailable');
    assert.equal(step.kind === 'failure' && step.error, store.failWith);
  });

  it('fails any call after the end of the exchange', async () => {
    const server = new PlainServer(creds());
    await server.start(b('\0tim@example.org\0tanstaaftanstaaf'));
    assert.deepEqual(await server.step(b('\0tim@example.org\0tanstaaftanstaaf')), {
      kind: 'failure',
      reason: 'malformed',
    });
    assert.deepEqual(await server.start(undefined), { kind: 'failure', reason: 'malformed' });
  });

  it('fails step before start', async () => {
    const server = new PlainServer(creds());
    assert.deepEqual(await server.step(b('\0tim@example.org\0tanstaaftanstaaf')), {
      kind: 'failure',
      reason: 'malformed',
    });
  });

  it('never throws and never succeeds on random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), fc.boolean(), async (bytes, initial) => {
        const server = new PlainServer(creds());
        let step = await server.start(initial ? Buffer.from(bytes) : undefined);
        if (!initial) step = await server.step(Buffer.from(bytes));
        assert.equal(step.kind, 'failure');
      }),
    );
  });

  it('never succeeds with a wrong password (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 30 }), async (password) => {
        fc.pre(password !== 'tanstaaftanstaaf' && !password.includes('\0'));
        const step = await new PlainServer(creds()).start(b(`\0tim@example.org\0${password}`));
        assert.deepEqual(step, { kind: 'failure', reason: 'credentials' });
      }),
    );
  });
});
