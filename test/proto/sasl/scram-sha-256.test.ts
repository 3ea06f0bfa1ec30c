import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { SaslStep } from '../../../src/proto/sasl/mechanism.ts';
import { fakeSalt, ScramSha256Server } from '../../../src/proto/sasl/scram-sha-256.ts';
import {
  b,
  clientFinal,
  expectedServerFinal,
  MemoryCredentials,
  RFC7677,
  rfcCredentials,
} from './helpers.ts';

const SECRET = Buffer.from('a server secret for tests');

function rfcServer(store = rfcCredentials()): ScramSha256Server {
  return new ScramSha256Server(store, { nonce: () => RFC7677.serverNonce, secret: SECRET });
}

function text(step: SaslStep): string {
  assert.equal(step.kind, 'challenge', JSON.stringify(step));
  return step.kind === 'challenge' ? step.data.toString('utf8') : '';
}

function failure(step: SaslStep): string | undefined {
  return step.kind === 'failure' ? step.reason : undefined;
}

/** Runs the first half of an exchange and returns the server and its server-first message. */
async function begin(clientFirst: string, store = rfcCredentials()) {
  const server = new ScramSha256Server(store, { secret: SECRET });
  const serverFirst = text(await server.start(b(clientFirst)));
  return { server, serverFirst };
}

/** A full exchange with the independent test client. */
async function exchange(user: string, password: string, gs2Header = 'n,,', store = rfcCredentials()) {
  const bare = `n=${user.replaceAll('=', '=3D').replaceAll(',', '=2C')},r=clientnonce123`;
  const { server, serverFirst } = await begin(gs2Header + bare, store);
  const final = clientFinal({ password, gs2Header, clientFirstBare: bare, serverFirst });
  const result = await server.step(b(final));
  return { result, serverFirst, final, bare };
}

describe('ScramSha256Server: RFC 7677 §3 example', () => {
  it('reproduces the published exchange byte for byte', async () => {
    const server = rfcServer();
    assert.equal(server.mechanism, 'SCRAM-SHA-256');
    assert.equal(text(await server.start(b(RFC7677.clientFirst))), RFC7677.serverFirst);
    const result = await server.step(b(RFC7677.clientFinal));
    assert.equal(result.kind, 'success');
    assert.equal(result.kind === 'success' && result.username, 'user');
    assert.equal(result.kind === 'success' && result.data?.toString(), RFC7677.serverFinal);
  });

  it('works when the client first message comes after an empty challenge', async () => {
    const server = rfcServer();
    const first = await server.start(undefined);
    assert.equal(text(first), '');
    assert.equal(text(await server.step(b(RFC7677.clientFirst))), RFC7677.serverFirst);
    assert.equal((await server.step(b(RFC7677.clientFinal))).kind, 'success');
  });

  it('fails a step after success', async () => {
    const server = rfcServer();
    await server.start(b(RFC7677.clientFirst));
    await server.step(b(RFC7677.clientFinal));
    assert.equal(failure(await server.step(b(RFC7677.clientFinal))), 'malformed');
    assert.equal(failure(await server.start(b(RFC7677.clientFirst))), 'malformed');
  });
});

describe('ScramSha256Server: exchanges', () => {
  it('authenticates with a random server nonce, and the v= proves the server knows the key', async () => {
    const { result, serverFirst, final, bare } = await exchange('bob', 'bob-secret');
    assert.equal(result.kind, 'success');
    assert.match(serverFirst, /^r=clientnonce123[A-Za-z0-9+/]{24},s=[A-Za-z0-9+/=]+,i=4096$/);
    const expected = expectedServerFinal({
      password: 'bob-secret',
      clientFirstBare: bare,
      serverFirst,
      clientFinal: final,
    });
    assert.equal(result.kind === 'success' && result.data?.toString(), expected);
  });

  it('accepts the y flag and an authzid equal to the user, echoed in c=', async () => {
    assert.equal((await exchange('bob', 'bob-secret', 'y,,')).result.kind, 'success');
    assert.equal((await exchange('bob', 'bob-secret', 'y,a=bob,')).result.kind, 'success');
    assert.equal((await exchange('bob', 'bob-secret', 'n,a=bob,')).result.kind, 'success');
  });

  it('handles =2C / =3D in user names', async () => {
    const store = new MemoryCredentials({ 'we,ird=name': 'pw' });
    const { result } = await exchange('we,ird=name', 'pw', 'n,,', store);
    assert.equal(result.kind === 'success' && result.username, 'we,ird=name');
    assert.deepEqual(store.calls, ['scram:we,ird=name']);
  });

  it('SASLprep: a password stored with a soft hyphen matches the one without (RFC 4013)', async () => {
    const store = new MemoryCredentials({ alice: 'I\u00adX' });
    assert.equal((await exchange('alice', 'IX', 'n,,', store)).result.kind, 'success');
  });

  it('uses a fresh server nonce for each exchange', async () => {
    const a = await begin('n,,n=bob,r=same');
    const c = await begin('n,,n=bob,r=same');
    assert.notEqual(a.serverFirst, c.serverFirst);
  });
});

describe('ScramSha256Server: failures', () => {
  it('fails a wrong password at the proof', async () => {
    const { result } = await exchange('bob', 'not-bobs');
    assert.equal(failure(result), 'credentials');
  });

  it('runs a fake exchange for an unknown user and fails it at the proof', async () => {
    const store = rfcCredentials();
    const { result, serverFirst } = await exchange('nobody', 'anything', 'n,,', store);
    assert.equal(failure(result), 'credentials');
    assert.deepEqual(store.calls, ['scram:nobody']);
    // The salt is the deterministic fake one, with the default iteration count.
    assert.match(
      serverFirst,
      new RegExp(`,s=${fakeSalt(SECRET, 'nobody').toString('base64').replaceAll('+', '\\+')},i=4096$`),
    );
  });

  it('shows the same salt for an unknown user every time, and a different one per name', async () => {
    const a = await begin('n,,n=ghost,r=x');
    const c = await begin('n,,n=ghost,r=y');
    const d = await begin('n,,n=phantom,r=x');
    const salt = (s: string) => s.split(',')[1];
    assert.equal(salt(a.serverFirst), salt(c.serverFirst));
    assert.notEqual(salt(a.serverFirst), salt(d.serverFirst));
    assert.equal(fakeSalt(SECRET, 'ghost').length, 16);
  });

  it('announces the configured iteration count for unknown users', async () => {
    const server = new ScramSha256Server(rfcCredentials(), { secret: SECRET, fakeIterations: 10000 });
    assert.match(text(await server.start(b('n,,n=ghost,r=x'))), /,i=10000$/);
  });

  it('never succeeds for an unknown user, even with a proof computed from the fake salt', async () => {
    // A client that guesses any password computes a self-consistent proof; the keys are random.
    const { result } = await exchange('ghost', '');
    assert.equal(failure(result), 'credentials');
  });

  it('refuses the authzid of another user before any lookup', async () => {
    const store = rfcCredentials();
    const server = new ScramSha256Server(store, { secret: SECRET });
    assert.equal(failure(await server.start(b('n,a=admin,n=user,r=abc'))), 'authzid');
    assert.deepEqual(store.calls, []);
  });

  it('refuses a channel-binding request (p=), since -PLUS is not offered', async () => {
    const step = await rfcServer().start(b('p=tls-server-end-point,,n=user,r=abc'));
    assert.equal(failure(step), 'malformed');
  });

  it('refuses a tampered nonce', async () => {
    const server = rfcServer();
    await server.start(b(RFC7677.clientFirst));
    const tampered = RFC7677.clientFinal.replace('hNlF$k0', 'hNlF$k1');
    assert.equal(failure(await server.step(b(tampered))), 'credentials');
  });

  it('refuses a changed nonce even when the proof is valid for it', async () => {
    const bare = 'n=bob,r=cn';
    const { server, serverFirst } = await begin(`n,,${bare}`);
    const nonce = `${serverFirst.slice(2, serverFirst.indexOf(','))}X`;
    const final = clientFinal({
      password: 'bob-secret',
      gs2Header: 'n,,',
      clientFirstBare: bare,
      serverFirst,
      nonce,
    });
    assert.equal(failure(await server.step(b(final))), 'credentials');
  });

  it('refuses a nonce that drops the server part', async () => {
    const server = rfcServer();
    await server.start(b(RFC7677.clientFirst));
    const final = RFC7677.clientFinal.replace(RFC7677.serverNonce, '');
    assert.equal(failure(await server.step(b(final))), 'credentials');
  });

  it('refuses a c= that does not echo the gs2 header', async () => {
    // The client said n,, but claims y,, (eSws) in c=: a downgrade sign (RFC 5802 §6).
    const server = rfcServer();
    await server.start(b(RFC7677.clientFirst));
    assert.equal(
      failure(await server.step(b(RFC7677.clientFinal.replace('c=biws', 'c=eSws')))),
      'credentials',
    );
    // Proof recomputed by a real client for the wrong header still fails on c=.
    const bare = 'n=bob,r=cn';
    const { server: s2, serverFirst } = await begin(`y,,${bare}`);
    const wrongHeader = clientFinal({
      password: 'bob-secret',
      gs2Header: 'n,,',
      clientFirstBare: bare,
      serverFirst,
    });
    assert.equal(failure(await s2.step(b(wrongHeader))), 'credentials');
  });

  it('refuses a wrong proof of the right length', async () => {
    const server = rfcServer();
    await server.start(b(RFC7677.clientFirst));
    const final = RFC7677.clientFinal.replace(/p=.*$/, `p=${Buffer.alloc(32, 7).toString('base64')}`);
    assert.equal(failure(await server.step(b(final))), 'credentials');
  });

  it('refuses a proof of the wrong length as malformed', async () => {
    const server = rfcServer();
    await server.start(b(RFC7677.clientFirst));
    const final = RFC7677.clientFinal.replace(/p=.*$/, `p=${Buffer.alloc(31).toString('base64')}`);
    assert.equal(failure(await server.step(b(final))), 'malformed');
  });

  for (const [name, message] of [
    ['a missing username', 'n,,r=abc'],
    ['a missing nonce', 'n,,n=user'],
    ['a bad escape in the username', 'n,,n=us=er,r=abc'],
    ['the reserved m= extension', 'n,,m=1,n=user,r=abc'],
    ['no gs2 header', 'n=user,r=abc'],
    ['invalid UTF-8', '\xff'],
  ]) {
    it(`refuses a client-first with ${name}`, async () => {
      const store = rfcCredentials();
      const bytes = name === 'invalid UTF-8' ? Buffer.from([0x6e, 0x2c, 0x2c, 0xff]) : b(message!);
      assert.equal(failure(await rfcServer(store).start(bytes)), 'malformed');
      assert.deepEqual(store.calls, []);
    });
  }

  for (const [name, message] of [
    ['a missing proof', `c=biws,r=${RFC7677.clientNonce}${RFC7677.serverNonce}`],
    ['a missing channel binding', `r=${RFC7677.clientNonce}${RFC7677.serverNonce},p=${'A'.repeat(43)}=`],
    ['bad base64 in the proof', RFC7677.clientFinal.replace('p=dHzb', 'p=*Hzb')],
    ['bad base64 in c=', RFC7677.clientFinal.replace('c=biws', 'c=biw')],
    ['attributes out of order', RFC7677.clientFinal.replace(/^c=biws,(r=[^,]+)/, '$1,c=biws')],
  ]) {
    it(`refuses a client-final with ${name}`, async () => {
      const server = rfcServer();
      await server.start(b(RFC7677.clientFirst));
      assert.equal(failure(await server.step(b(message!))), 'malformed');
    });
  }

  it('reports a failing store as unavailable', async () => {
    const store = rfcCredentials();
    store.failWith = new Error('db down');
    const step = await rfcServer(store).start(b(RFC7677.clientFirst));
    assert.equal(failure(step), 'unavailable');
    assert.equal(step.kind === 'failure' && step.error, store.failWith);
  });

  it('reports corrupt stored credentials as unavailable', async () => {
    const broken = {
      verifyPassword: async () => false,
      scramCredentials: async () => ({
        salt: Buffer.from('s'),
        iterations: 4096,
        storedKey: Buffer.alloc(20),
        serverKey: Buffer.alloc(32),
      }),
    };
    const step = await new ScramSha256Server(broken).start(b(RFC7677.clientFirst));
    assert.equal(failure(step), 'unavailable');
  });

  it('reports a bad nonce generator as unavailable', async () => {
    const server = new ScramSha256Server(rfcCredentials(), { nonce: () => 'has,comma' });
    assert.equal(failure(await server.start(b(RFC7677.clientFirst))), 'unavailable');
  });
});

describe('ScramSha256Server: properties', () => {
  it('never throws and never succeeds on random client-first bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 80 }), async (bytes) => {
        const step = await new ScramSha256Server(rfcCredentials(), { secret: SECRET }).start(
          Buffer.from(bytes),
        );
        assert.notEqual(step.kind, 'success');
      }),
      { numRuns: 200 },
    );
  });

  it('never throws and never succeeds on random client-final bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 120 }), async (bytes) => {
        const server = rfcServer();
        await server.start(b(RFC7677.clientFirst));
        const step = await server.step(Buffer.from(bytes));
        assert.equal(step.kind, 'failure');
      }),
      { numRuns: 200 },
    );
  });

  it('never succeeds when one character of the RFC client-final is changed', async () => {
    const final = RFC7677.clientFinal;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: final.length - 1 }),
        fc.integer({ min: 0x21, max: 0x7e }),
        async (index, code) => {
          const changed = final.slice(0, index) + String.fromCharCode(code) + final.slice(index + 1);
          fc.pre(changed !== final);
          const server = rfcServer();
          await server.start(b(RFC7677.clientFirst));
          assert.equal((await server.step(b(changed))).kind, 'failure');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never succeeds when one character of the RFC client-first is changed', async () => {
    const first = RFC7677.clientFirst;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: first.length - 1 }),
        fc.integer({ min: 0x21, max: 0x7e }),
        async (index, code) => {
          const changed = first.slice(0, index) + String.fromCharCode(code) + first.slice(index + 1);
          fc.pre(changed !== first);
          const server = rfcServer();
          const step = await server.start(b(changed));
          if (step.kind !== 'challenge') return;
          assert.equal((await server.step(b(RFC7677.clientFinal))).kind, 'failure');
        },
      ),
      { numRuns: 300 },
    );
  });
});
