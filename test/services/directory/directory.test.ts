/**
 * Recipient resolution and routing of the directory service on a real SQLite store: aliases,
 * subaddresses, catch-alls, alias chains and loops, remote forwards, and the INBOX handed on to
 * the delivery.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type LoftServices, openServices } from '../../../src/open-services.ts';
import { Directory } from '../../../src/services/directory/directory.ts';
import { RouteCache } from '../../../src/services/directory/route-cache.ts';

let dir: string;
let s: LoftServices;
const ids: Record<string, { account: number; inbox: number }> = {};

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'loft-directory-'));
  s = await openServices(dir);
  await s.directory.addDomain('d.test');
  await s.directory.addDomain('catch.test');
  for (const user of ['ann@d.test', 'bo@d.test', 'cy@catch.test']) {
    const account = await s.directory.addUser(user, 'pw');
    ids[user] = { account: account.id, inbox: (await s.mailboxes.inbox(account.id)).id };
  }
  await s.directory.addAlias('team@d.test', ['ann@d.test', 'bo@d.test']);
  await s.directory.addAlias('all@d.test', ['team@d.test', 'friend@far.example']);
  await s.directory.addAlias('loop1@d.test', ['loop2@d.test']);
  await s.directory.addAlias('loop2@d.test', ['loop1@d.test', 'ann@d.test']);
  await s.directory.addAlias('@catch.test', ['cy@catch.test']);
});
after(async () => {
  await s.store.close();
  await rm(dir, { recursive: true, force: true });
});

const inboxes = (...users: string[]) => new Map(users.map((u) => [ids[u]!.account, ids[u]!.inbox]));

describe('Directory.route', () => {
  test('an account, any case, with its INBOX', async () => {
    assert.deepEqual(await s.directory.route('Ann@D.TEST'), {
      kind: 'local',
      resolution: { accounts: [ids['ann@d.test']!.account], remote: [], inboxes: inboxes('ann@d.test') },
    });
  });

  test('a subaddress resolves to the account without its +tag', async () => {
    const route = await s.directory.route('bo+lists@d.test');
    assert.equal(route.kind, 'local');
    assert.deepEqual(route.kind === 'local' && route.resolution.accounts, [ids['bo@d.test']!.account]);
  });

  test('an alias chain reaches accounts and remote forwards, each once', async () => {
    const route = await s.directory.route('all@d.test');
    assert.deepEqual(route, {
      kind: 'local',
      resolution: {
        accounts: [ids['ann@d.test']!.account, ids['bo@d.test']!.account],
        remote: ['friend@far.example'],
        inboxes: inboxes('ann@d.test', 'bo@d.test'),
      },
    });
  });

  test('an alias loop ends; what it reaches besides counts', async () => {
    const route = await s.directory.route('loop1@d.test');
    assert.equal(route.kind, 'local');
    assert.deepEqual(route.kind === 'local' && route.resolution.accounts, [ids['ann@d.test']!.account]);
  });

  test('the catch-all takes unknown users of its domain; others are unknown', async () => {
    const caught = await s.directory.route('whoever@catch.test');
    assert.deepEqual(caught.kind === 'local' && caught.resolution.accounts, [ids['cy@catch.test']!.account]);
    assert.deepEqual(await s.directory.route('nobody@d.test'), { kind: 'unknown' });
  });

  test('other domains and address literals are remote; a malformed local address is unknown', async () => {
    assert.deepEqual(await s.directory.route('x@far.example'), { kind: 'remote' });
    assert.deepEqual(await s.directory.route('x@[192.0.2.1]'), { kind: 'remote' });
    assert.deepEqual(await s.directory.route('a b@d.test'), { kind: 'unknown' });
  });

  test('resolve agrees with route for local addresses', async () => {
    const route = await s.directory.route('team@d.test');
    assert.deepEqual(await s.directory.resolve('team@d.test'), route.kind === 'local' && route.resolution);
    assert.equal(await s.directory.resolve('nobody@d.test'), undefined);
    assert.deepEqual(await s.directory.resolve('x@far.example'), {
      accounts: [],
      remote: ['x@far.example'],
      inboxes: new Map(),
    });
  });

  test('changes made through the directory apply at once', async () => {
    await s.directory.addUser('new@d.test', 'pw');
    assert.equal((await s.directory.route('new@d.test')).kind, 'local');
    await s.directory.removeUser('new@d.test');
    assert.deepEqual(await s.directory.route('new@d.test'), { kind: 'unknown' });
  });
});

describe('Directory.route and changes made elsewhere', () => {
  const accounts = async (directory: Directory, address: string) => {
    const route = await directory.route(address);
    return route.kind === 'local' ? route.resolution.accounts : route.kind;
  };

  test('a change made by another process (straight in the store) applies at once', async () => {
    const directory = new Directory(s.store);
    const cy = [ids['cy@catch.test']!.account];
    assert.deepEqual(await accounts(directory, 'zed@catch.test'), cy, 'the catch-all');
    assert.deepEqual(await accounts(directory, 'zed@catch.test'), cy, 'again');
    await s.store.addAlias('zed@catch.test', 'ann@d.test');
    try {
      assert.deepEqual(await accounts(directory, 'ZED@catch.test'), [ids['ann@d.test']!.account]);
    } finally {
      await s.store.removeAlias('zed@catch.test');
    }
    assert.deepEqual(await accounts(directory, 'zed@catch.test'), cy);
  });

  test('an unknown address becomes known at once, and a removed domain goes', async () => {
    const directory = new Directory(s.store);
    assert.equal(await accounts(directory, 'nobody@d.test'), 'unknown');
    await s.store.addAlias('nobody@d.test', 'bo@d.test');
    try {
      assert.deepEqual(await accounts(directory, 'nobody@d.test'), [ids['bo@d.test']!.account]);
    } finally {
      await s.store.removeAlias('nobody@d.test');
    }
    assert.equal(await accounts(directory, 'nobody@d.test'), 'unknown');
    await s.store.addDomain('brief.test');
    assert.equal(await accounts(directory, 'x@brief.test'), 'unknown');
    await s.store.removeDomain('brief.test');
    assert.equal(await accounts(directory, 'x@brief.test'), 'remote');
  });

  test('each caller gets a route of its own', async () => {
    const directory = new Directory(s.store);
    const first = await directory.route('team@d.test');
    assert.equal(first.kind, 'local');
    if (first.kind === 'local') {
      first.resolution.accounts.push(999);
      first.resolution.inboxes.clear();
    }
    assert.deepEqual(await directory.route('team@d.test'), {
      kind: 'local',
      resolution: {
        accounts: [ids['ann@d.test']!.account, ids['bo@d.test']!.account],
        remote: [],
        inboxes: inboxes('ann@d.test', 'bo@d.test'),
      },
    });
  });
});

describe('RouteCache', () => {
  test('a route is reused only at the version it was looked up at', () => {
    const cache = new RouteCache();
    const route = {
      kind: 'local' as const,
      resolution: { accounts: [1], remote: [], inboxes: new Map([[1, 7]]) },
    };
    cache.set('a@d.test', route, 3);
    assert.deepEqual(cache.get('a@d.test', 3), route);
    assert.notEqual(cache.get('a@d.test', 3), route, 'a copy');
    assert.equal(cache.get('a@d.test', 4), undefined, 'the directory changed');
    assert.equal(cache.get('a@d.test', 3), undefined, 'and the entry is gone');
    cache.set('b@d.test', { kind: 'unknown' }, 4);
    assert.deepEqual(cache.get('b@d.test', 4), { kind: 'unknown' });
  });
});

describe('postmaster (RFC 5321 §4.5.1: MUST be accepted at every local domain)', () => {
  test('without an alias or account of its own, postmaster goes to the domain’s first account', async () => {
    for (const address of ['postmaster@d.test', 'PostMaster@D.TEST']) {
      const route = await s.directory.route(address);
      assert.equal(route.kind, 'local', address);
      assert.deepEqual(route.kind === 'local' && route.resolution.accounts, [ids['ann@d.test']!.account]);
      assert.deepEqual(await s.directory.resolve(address), route.kind === 'local' && route.resolution);
    }
  });

  test('an explicit alias, or the domain’s catch-all, takes precedence', async () => {
    await s.directory.addAlias('postmaster@d.test', ['bo@d.test']);
    try {
      const route = await s.directory.route('postmaster@d.test');
      assert.deepEqual(route.kind === 'local' && route.resolution.accounts, [ids['bo@d.test']!.account]);
    } finally {
      await s.directory.removeAlias('postmaster@d.test', []);
    }
    // As an alias's target too: abuse@ → postmaster@, which nothing else claims.
    await s.directory.addAlias('abuse@d.test', ['postmaster@d.test']);
    try {
      const route = await s.directory.route('abuse@d.test');
      assert.deepEqual(route.kind === 'local' && route.resolution.accounts, [ids['ann@d.test']!.account]);
    } finally {
      await s.directory.removeAlias('abuse@d.test', []);
    }
    const caught = await s.directory.route('postmaster@catch.test');
    assert.deepEqual(caught.kind === 'local' && caught.resolution.accounts, [ids['cy@catch.test']!.account]);
  });

  test('a local domain without accounts hands it to the first account of all; other names stay unknown', async () => {
    await s.directory.addDomain('empty.test');
    try {
      const route = await s.directory.route('postmaster@empty.test');
      assert.deepEqual(route.kind === 'local' && route.resolution.accounts, [ids['ann@d.test']!.account]);
      assert.deepEqual(await s.directory.route('nobody@empty.test'), { kind: 'unknown' });
      assert.deepEqual(await s.directory.route('postmaster@far.example'), { kind: 'remote' });
    } finally {
      await s.directory.removeDomain('empty.test');
    }
  });
});
