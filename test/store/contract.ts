/**
 * The storage contract: every backend (SQLite now, PostgreSQL later) must pass this suite.
 * `makeStore` returns a fresh, empty store; `cleanup` removes it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isLoftError } from '../../src/core/errors.ts';
import type { MessageStates } from '../../src/core/message-states.ts';
import type { BlobRef } from '../../src/store/blob/blob-store.ts';
import type { Store } from '../../src/store/store.ts';
import { dkimKeysContract } from './contract-dkim.ts';

export interface StoreFactory {
  makeStore(): Promise<Store>;
  cleanup(store: Store): Promise<void>;
}

const MAILBOXES = [
  { name: 'INBOX', specialUse: undefined },
  { name: 'Sent', specialUse: '\\Sent' as const },
];
const KEYS = {
  salt: Buffer.from('salt'),
  iterations: 4096,
  storedKey: Buffer.alloc(32, 1),
  serverKey: Buffer.alloc(32, 2),
};

let blobCounter = 0;
function fakeBlob(size = 100): BlobRef {
  blobCounter++;
  return { id: `20260101-0000-${String(blobCounter).padStart(24, '0')}`, size };
}

function rejectsWith(code: string) {
  return (err: unknown) => {
    assert.ok(isLoftError(err), `expected a LoftError, got ${err}`);
    assert.equal(err.code, code);
    return true;
  };
}

export function storeContract(name: string, factory: StoreFactory): void {
  describe(`storage contract: ${name}`, () => {
    let store: Store;
    before(async () => {
      store = await factory.makeStore();
    });
    after(() => factory.cleanup(store));

    dkimKeysContract(() => store);

    test('domains: add, get, list, duplicates, remove', async () => {
      const d = await store.addDomain('a.test');
      assert.equal(d.name, 'a.test');
      assert.equal((await store.getDomain('a.test'))?.id, d.id);
      assert.equal(await store.getDomain('missing.test'), undefined);
      await assert.rejects(store.addDomain('a.test'), rejectsWith('EXISTS'));
      await store.addDomain('b.test');
      assert.deepEqual(
        (await store.listDomains()).map((x) => x.name).filter((n) => n.endsWith('.test') && n.length === 6),
        ['a.test', 'b.test'],
      );
      await store.removeDomain('b.test');
      assert.equal(await store.getDomain('b.test'), undefined);
      await assert.rejects(store.removeDomain('b.test'), rejectsWith('NOTFOUND'));
    });

    test('accounts: created with their mailboxes; a domain in use cannot be removed', async () => {
      const domain = await store.addDomain('acct.test');
      const account = await store.addAccount({
        address: 'u@acct.test',
        domainId: domain.id,
        passwordHash: 'h1',
        scram: KEYS,
        mailboxes: MAILBOXES,
      });
      assert.equal(account.address, 'u@acct.test');
      assert.deepEqual((await store.getAccount('u@acct.test'))?.scram, KEYS);
      assert.equal((await store.getAccountById(account.id))?.address, 'u@acct.test');
      await assert.rejects(
        store.addAccount({
          address: 'u@acct.test',
          domainId: domain.id,
          passwordHash: 'x',
          scram: undefined,
          mailboxes: [],
        }),
        rejectsWith('EXISTS'),
      );
      const boxes = await store.listMailboxes(account.id);
      assert.deepEqual(boxes.map((b) => b.name).sort(), ['INBOX', 'Sent']);
      assert.equal(boxes.find((b) => b.name === 'Sent')?.specialUse, '\\Sent');
      const validities = boxes.map((b) => b.uidValidity);
      assert.equal(new Set(validities).size, validities.length, 'UIDVALIDITY differs per mailbox');
      for (const box of boxes) {
        assert.equal(box.uidNext, 1);
        assert.ok(box.uidValidity > 0);
      }
      await store.setPassword('u@acct.test', 'h2', undefined);
      const changed = await store.getAccount('u@acct.test');
      assert.equal(changed?.passwordHash, 'h2');
      assert.equal(changed?.scram, undefined);
      await assert.rejects(store.setPassword('nobody@acct.test', 'h', undefined), rejectsWith('NOTFOUND'));
      await assert.rejects(store.removeDomain('acct.test'), rejectsWith('INUSE'));
      assert.deepEqual(
        (await store.listAccounts('acct.test')).map((a) => a.address),
        ['u@acct.test'],
      );
    });

    test('aliases: add, list, duplicate, remove one target or all', async () => {
      await store.addAlias('team@al.test', 'a@al.test');
      await store.addAlias('team@al.test', 'b@al.test');
      await store.addAlias('@al.test', 'a@al.test');
      await assert.rejects(store.addAlias('team@al.test', 'a@al.test'), rejectsWith('EXISTS'));
      assert.deepEqual(
        (await store.listAliases('team@al.test')).map((a) => a.target),
        ['a@al.test', 'b@al.test'],
      );
      assert.equal(await store.removeAlias('team@al.test', 'a@al.test'), 1);
      assert.equal(await store.removeAlias('team@al.test'), 1);
      assert.deepEqual(await store.listAliases('team@al.test'), []);
      assert.equal((await store.listAliases('@al.test')).length, 1);
    });

    test('lookupAddress: the domain, aliases and accounts (with their INBOX) of the candidates at once', async () => {
      const domain = await store.addDomain('look.test');
      const account = await store.addAccount({
        address: 'u@look.test',
        domainId: domain.id,
        passwordHash: 'h',
        scram: undefined,
        mailboxes: MAILBOXES,
      });
      const inbox = await store.getMailbox(account.id, 'INBOX');
      await store.addAlias('u@look.test', 'z@look.test');
      await store.addAlias('u@look.test', 'y@elsewhere.test');
      await store.addAlias('@look.test', 'u@look.test');
      await store.addAlias('other@look.test', 'u@look.test');

      const all = await store.lookupAddress('look.test', ['u+tag@look.test', 'u@look.test', '@look.test']);
      assert.equal(all.localDomain, true);
      assert.deepEqual(all.aliases, [
        { source: '@look.test', target: 'u@look.test' },
        { source: 'u@look.test', target: 'y@elsewhere.test' },
        { source: 'u@look.test', target: 'z@look.test' },
      ]);
      assert.deepEqual(all.accounts, [{ id: account.id, address: 'u@look.test', inboxId: inbox!.id }]);

      // Fewer candidates; nothing of another domain's aliases or accounts.
      const one = await store.lookupAddress('look.test', ['nobody@look.test', '@look.test']);
      assert.deepEqual(one, {
        localDomain: true,
        aliases: [{ source: '@look.test', target: 'u@look.test' }],
        accounts: [],
      });
      assert.deepEqual(await store.lookupAddress('unknown.test', ['u@unknown.test', '@unknown.test']), {
        localDomain: false,
        aliases: [],
        accounts: [],
      });
    });

    test('deliveries: UIDs strictly increasing, MODSEQ growing, one blob for many mailboxes', async () => {
      const domain = await store.addDomain('dl.test');
      const a = await store.addAccount({
        address: 'a@dl.test',
        domainId: domain.id,
        passwordHash: 'h',
        scram: undefined,
        mailboxes: MAILBOXES,
      });
      const b = await store.addAccount({
        address: 'b@dl.test',
        domainId: domain.id,
        passwordHash: 'h',
        scram: undefined,
        mailboxes: MAILBOXES,
      });
      const inboxA = (await store.getMailbox(a.id, 'INBOX'))!;
      const inboxB = (await store.getMailbox(b.id, 'INBOX'))!;
      const blob = fakeBlob(123);
      const first = await store.commitDelivery({
        blob,
        structure: '{"t":"text"}',
        internalDate: 1_700_000_000_000,
        placements: [{ mailboxId: inboxA.id }, { mailboxId: inboxB.id, flags: 1, keywords: ['$Label'] }],
      });
      assert.deepEqual(
        first.placed.map((p) => [p.mailboxId, p.uid]),
        [
          [inboxA.id, 1],
          [inboxB.id, 1],
        ],
      );
      assert.equal(await store.getStructure(blob.id), '{"t":"text"}');
      const messagesB = await store.listMessages(inboxB.id);
      assert.equal(messagesB[0]?.blobId, blob.id);
      assert.equal(messagesB[0]?.flags, 1);
      assert.deepEqual(messagesB[0]?.keywords, ['$Label']);
      assert.equal(messagesB[0]?.internalDate, 1_700_000_000_000);
      assert.equal(messagesB[0]?.size, 123);

      // Many concurrent deliveries (group commit): every UID unique, strictly increasing, no gaps.
      const results = await Promise.all(
        Array.from({ length: 100 }, () =>
          store.commitDelivery({
            blob: fakeBlob(),
            structure: '{}',
            internalDate: Date.now(),
            placements: [{ mailboxId: inboxA.id }],
          }),
        ),
      );
      const uids = results.map((r) => r.placed[0]!.uid).sort((x, y) => x - y);
      assert.deepEqual(
        uids,
        Array.from({ length: 100 }, (_, i) => i + 2),
      );
      const box = (await store.getMailbox(a.id, 'INBOX'))!;
      assert.equal(box.uidNext, 102);
      const modseqs = (await store.listMessages(inboxA.id)).map((m) => m.modseq);
      assert.ok(
        modseqs.every((m, i) => i === 0 || m > modseqs[i - 1]!),
        'MODSEQ grows with each delivery',
      );
      assert.ok(box.highestModseq >= modseqs.at(-1)!);
    });

    test('a failing delivery does not fail the others committed with it', async () => {
      const domain = await store.addDomain('gc.test');
      const a = await store.addAccount({
        address: 'a@gc.test',
        domainId: domain.id,
        passwordHash: 'h',
        scram: undefined,
        mailboxes: MAILBOXES,
      });
      const inbox = (await store.getMailbox(a.id, 'INBOX'))!;
      const outcomes = await Promise.allSettled([
        store.commitDelivery({
          blob: fakeBlob(),
          structure: '{}',
          internalDate: 1,
          placements: [{ mailboxId: inbox.id }],
        }),
        store.commitDelivery({
          blob: fakeBlob(),
          structure: '{}',
          internalDate: 1,
          placements: [{ mailboxId: 999_999 }],
        }),
        store.commitDelivery({
          blob: fakeBlob(),
          structure: '{}',
          internalDate: 1,
          placements: [{ mailboxId: inbox.id }],
        }),
      ]);
      assert.deepEqual(
        outcomes.map((o) => o.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.equal((await store.listMessages(inbox.id)).length, 2);
    });

    test('commitDeliveries: a set is committed all or nothing (RFC 3502 §3)', async () => {
      const domain = await store.addDomain('multi.test');
      const a = await store.addAccount({
        address: 'a@multi.test',
        domainId: domain.id,
        passwordHash: 'h',
        scram: undefined,
        mailboxes: MAILBOXES,
      });
      const inbox = (await store.getMailbox(a.id, 'INBOX'))!;
      const one = (mailboxId: number, flags = 0) => ({
        blob: fakeBlob(),
        structure: '{}',
        internalDate: 1,
        placements: [{ mailboxId, flags }],
      });
      assert.deepEqual(await store.commitDeliveries([]), []);
      const good = await store.commitDeliveries([one(inbox.id, 1), one(inbox.id), one(inbox.id, 4)]);
      assert.deepEqual(
        good.map((r) => r.placed[0]!.uid),
        [1, 2, 3],
        'UIDs in the order given',
      );
      assert.deepEqual(
        (await store.listMessages(inbox.id)).map((m) => [m.uid, m.flags]),
        [
          [1, 1],
          [2, 0],
          [3, 4],
        ],
      );
      // A set whose last message cannot be placed leaves nothing behind, while a delivery
      // committed in the same batch is unaffected.
      const before = (await store.getMailbox(a.id, 'INBOX'))!;
      const outcomes = await Promise.allSettled([
        store.commitDeliveries([one(inbox.id), one(inbox.id), one(999_999)]),
        store.commitDelivery(one(inbox.id)),
      ]);
      assert.equal(outcomes[0].status, 'rejected');
      assert.ok(isLoftError((outcomes[0] as PromiseRejectedResult).reason));
      assert.equal(outcomes[1].status, 'fulfilled');
      const after = await store.listMessages(inbox.id);
      assert.deepEqual(
        after.map((m) => m.uid),
        [1, 2, 3, 4],
        'only the single delivery was stored',
      );
      const box = (await store.getMailbox(a.id, 'INBOX'))!;
      assert.equal(box.uidNext, before.uidNext + 1, 'the failed set used no UID');
    });

    test('commitDeliveries: a message and a queue-only notice about it, together (RFC 3461 §5.2.3)', async () => {
      const domain = await store.addDomain('notice.test');
      const a = await store.addAccount({
        address: 'a@notice.test',
        domainId: domain.id,
        passwordHash: 'h',
        scram: undefined,
        mailboxes: MAILBOXES,
      });
      const inbox = (await store.getMailbox(a.id, 'INBOX'))!;
      const notice = fakeBlob(300);
      const queued = (await store.listQueue()).length;
      const [message, report] = await store.commitDeliveries([
        { blob: fakeBlob(), structure: '{}', internalDate: 1, placements: [{ mailboxId: inbox.id }] },
        {
          blob: notice,
          structure: '{}',
          internalDate: 1,
          placements: [],
          queue: {
            sender: '',
            recipients: [{ address: 'sender@remote.example', notify: ['NEVER'] }],
            blob: notice,
            blobOffset: 0,
            requireTls: false,
            smtpUtf8: false,
            eightBit: false,
          },
        },
      ]);
      assert.equal(message!.placed.length, 1);
      assert.equal(message!.queueId, undefined);
      assert.deepEqual(report!.placed, []);
      assert.ok(report!.queueId !== undefined);
      const entry = await store.getQueued(report!.queueId!);
      assert.equal(entry?.sender, '');
      assert.equal(entry?.blobId, notice.id);
      assert.deepEqual(
        entry?.recipients.map((r) => [r.address, r.notify]),
        [['sender@remote.example', ['NEVER']]],
      );
      assert.equal((await store.listQueue()).length, queued + 1);
    });

    test('queue: a delivery with remote recipients is queued with its DSN parameters', async () => {
      const blob = fakeBlob(500);
      const result = await store.commitDelivery({
        blob,
        structure: '{}',
        internalDate: Date.now(),
        placements: [],
        queue: {
          sender: 'me@q.test',
          recipients: [
            {
              address: 'x@remote.example',
              notify: ['SUCCESS', 'FAILURE'],
              orcpt: { type: 'rfc822', address: 'x@remote.example' },
            },
            { address: 'y@remote.example' },
          ],
          blob,
          blobOffset: 40,
          envId: 'env-1',
          ret: 'HDRS',
          requireTls: true,
          smtpUtf8: false,
          eightBit: true,
        },
      });
      assert.ok(result.queueId !== undefined);
      const queued = await store.getQueued(result.queueId);
      assert.ok(queued);
      assert.equal(queued.sender, 'me@q.test');
      assert.equal(queued.blobOffset, 40);
      assert.equal(queued.size, 460);
      assert.equal(queued.envId, 'env-1');
      assert.equal(queued.ret, 'HDRS');
      assert.equal(queued.requireTls, true);
      assert.equal(queued.eightBit, true);
      assert.deepEqual(
        queued.recipients.map((r) => [r.address, r.status, r.notify, r.orcpt?.type]),
        [
          ['x@remote.example', 'pending', ['SUCCESS', 'FAILURE'], 'rfc822'],
          ['y@remote.example', 'pending', undefined, undefined],
        ],
      );
      assert.ok((await store.listQueue()).some((q) => q.id === result.queueId));
      assert.equal(await store.isBlobReferenced(blob.id), true);
    });

    test('flags: add, remove, keywords; only real changes get a new MODSEQ', async () => {
      const domain = await store.addDomain('fl.test');
      const a = await store.addAccount({
        address: 'a@fl.test',
        domainId: domain.id,
        passwordHash: 'h',
        scram: undefined,
        mailboxes: MAILBOXES,
      });
      const inbox = (await store.getMailbox(a.id, 'INBOX'))!;
      for (let i = 0; i < 3; i++) {
        await store.commitDelivery({
          blob: fakeBlob(),
          structure: '{}',
          internalDate: 1,
          placements: [{ mailboxId: inbox.id }],
        });
      }
      const before = (await store.getMailbox(a.id, 'INBOX'))!.highestModseq;
      const first = await store.updateFlags(inbox.id, [1, 2, 99], {
        add: 1 | 4,
        addKeywords: ['$Junk', 'Work'],
      });
      assert.deepEqual(
        first.map((u) => [u.uid, u.flags, u.keywords]),
        [
          [1, 5, ['$Junk', 'Work']],
          [2, 5, ['$Junk', 'Work']],
        ],
      );
      assert.ok(first[0]!.modseq > before && first[1]!.modseq > first[0]!.modseq);
      assert.deepEqual(
        await store.updateFlags(inbox.id, [1], { add: 1, addKeywords: ['work'] }),
        [],
        'no change, no MODSEQ',
      );
      const second = await store.updateFlags(inbox.id, [1, 3], { remove: 4, removeKeywords: ['$JUNK'] });
      assert.deepEqual(
        second.map((u) => [u.uid, u.flags, u.keywords]),
        [[1, 1, ['Work']]],
      );
      const rows = await store.listMessages(inbox.id);
      assert.deepEqual(
        rows.map((m) => [m.uid, m.flags]),
        [
          [1, 1],
          [2, 5],
          [3, 0],
        ],
      );
      assert.equal(rows[0]!.modseq, second[0]!.modseq);
    });

    test('directoryVersion: changed by directory changes, not by mail', async () => {
      assert.equal(typeof (await store.directoryVersion()), 'number', 'both backends keep one');
      const version = async () => (await store.directoryVersion())!;
      let last = await version();
      const raised = async (what: string) => {
        const now = await version();
        assert.notEqual(now, last, `${what} changes the version`);
        last = now;
      };
      const domain = await store.addDomain('dv.test');
      await raised('a domain');
      const a = await store.addAccount({
        address: 'a@dv.test',
        domainId: domain.id,
        passwordHash: 'h',
        scram: undefined,
        mailboxes: MAILBOXES,
      });
      await raised('an account');
      await store.addAlias('al@dv.test', 'a@dv.test');
      await raised('an alias');
      const inbox = (await store.getMailbox(a.id, 'INBOX'))!;
      await store.commitDelivery({
        blob: fakeBlob(),
        structure: '{}',
        internalDate: 1,
        placements: [{ mailboxId: inbox.id }],
      });
      await store.updateFlags(inbox.id, [1], { add: 1 });
      assert.equal(await version(), last, 'a delivery and a flag change leave it');
      const box = await store.createMailbox(a.id, 'Lists');
      await raised('a mailbox');
      await store.renameMailboxes(a.id, [['Lists', 'Lists2']]);
      await raised('a mailbox renamed');
      await store.deleteMailbox(box.id);
      await raised('a mailbox deleted');
      await store.removeAlias('al@dv.test');
      await raised('an alias removed');
      await store.removeAccount('a@dv.test');
      await raised('an account removed');
      await store.removeDomain('dv.test');
      await raised('a domain removed');
    });

    test('system flags of many messages at once: in the order asked, MODSEQs above every earlier one', async () => {
      const domain = await store.addDomain('sf.test');
      const a = await store.addAccount({
        address: 'a@sf.test',
        domainId: domain.id,
        passwordHash: 'h',
        scram: undefined,
        mailboxes: MAILBOXES,
      });
      const inbox = (await store.getMailbox(a.id, 'INBOX'))!;
      for (let i = 0; i < 5; i++) {
        await store.commitDelivery({
          blob: fakeBlob(),
          structure: '{}',
          internalDate: 1,
          placements: [{ mailboxId: inbox.id }],
        });
      }
      await store.updateFlags(inbox.id, [2], { add: 1 });
      const before = (await store.getMailbox(a.id, 'INBOX'))!.highestModseq;
      // 2 has \Seen already, 9 does not exist: neither is changed.
      const seen = await store.updateFlags(inbox.id, [4, 2, 9, 1, 5], { add: 1 });
      assert.deepEqual(
        seen.map((u) => [u.uid, u.flags, u.keywords]),
        [
          [4, 1, []],
          [1, 1, []],
          [5, 1, []],
        ],
      );
      assert.ok(seen.every((u) => u.modseq > before));
      const after = (await store.getMailbox(a.id, 'INBOX'))!.highestModseq;
      assert.equal(after, Math.max(...seen.map((u) => u.modseq)), 'HIGHESTMODSEQ is the highest given');
      const rows = await store.listMessages(inbox.id);
      assert.deepEqual(
        rows.map((m) => [m.uid, m.flags, m.modseq > before]),
        [
          [1, 1, true],
          [2, 1, false],
          [3, 0, false],
          [4, 1, true],
          [5, 1, true],
        ],
      );
      for (const u of seen) assert.equal(rows.find((m) => m.uid === u.uid)!.modseq, u.modseq);
      assert.deepEqual(await store.changedSince(inbox.id, before), [1, 4, 5]);
      const unseen = await store.updateFlags(inbox.id, [1, 3], { remove: 1 });
      assert.deepEqual(
        unseen.map((u) => u.uid),
        [1],
      );
      assert.ok(unseen[0]!.modseq > after, 'the next change gets a higher MODSEQ');
      assert.deepEqual(await store.updateFlags(inbox.id, [], { add: 1 }), []);
    });

    test('expunge: rows gone, UIDs never reused, unreferenced blobs reported', async () => {
      const domain = await store.addDomain('ex.test');
      const a = await store.addAccount({
        address: 'a@ex.test',
        domainId: domain.id,
        passwordHash: 'h',
        scram: undefined,
        mailboxes: MAILBOXES,
      });
      const inbox = (await store.getMailbox(a.id, 'INBOX'))!;
      const sent = (await store.getMailbox(a.id, 'Sent'))!;
      const shared = fakeBlob();
      const own = fakeBlob();
      await store.commitDelivery({
        blob: shared,
        structure: '{}',
        internalDate: 1,
        placements: [{ mailboxId: inbox.id }, { mailboxId: sent.id }],
      });
      await store.commitDelivery({
        blob: own,
        structure: '{}',
        internalDate: 1,
        placements: [{ mailboxId: inbox.id }],
      });
      const result = await store.expunge(inbox.id, [1, 2, 7]);
      assert.deepEqual(
        result.expunged.map((e) => e.uid),
        [1, 2],
      );
      assert.deepEqual(result.orphanBlobs, [own.id]);
      assert.equal(await store.isBlobReferenced(shared.id), true);
      assert.deepEqual(await store.listMessages(inbox.id), []);
      const again = await store.commitDelivery({
        blob: fakeBlob(),
        structure: '{}',
        internalDate: 1,
        placements: [{ mailboxId: inbox.id }],
      });
      assert.equal(again.placed[0]!.uid, 3, 'UIDs are never reused');
      assert.ok(result.expunged[0]!.modseq < again.placed[0]!.modseq);
      assert.deepEqual((await store.expunge(inbox.id, [1])).expunged, []);
    });

    test('inline bodies: stored with the commit, read whole or by range, gone with their last message', async () => {
      const domain = await store.addDomain('in.test');
      const a = await store.addAccount({
        address: 'a@in.test',
        domainId: domain.id,
        passwordHash: 'h',
        scram: undefined,
        mailboxes: MAILBOXES,
      });
      const inbox = (await store.getMailbox(a.id, 'INBOX'))!;
      const content = Buffer.from('Subject: inline\r\n\r\nbody\r\n');
      const blob = { ...fakeBlob(content.length), inline: content };
      await store.commitDelivery({
        blob,
        structure: '{}',
        internalDate: 1,
        placements: [{ mailboxId: inbox.id }],
      });
      assert.deepEqual(await store.readInlineBody(blob.id), content);
      assert.equal((await store.readInlineBody(blob.id, 9, 15))?.toString(), 'inline');
      assert.equal((await store.readInlineBody(blob.id, 19))?.toString(), 'body\r\n');
      const fileBlob = fakeBlob(10);
      await store.commitDelivery({
        blob: fileBlob,
        structure: '{}',
        internalDate: 1,
        placements: [{ mailboxId: inbox.id }],
      });
      assert.equal(await store.readInlineBody(fileBlob.id), undefined, 'not inline');
      const many = await store.readInlineBodies([blob.id, fileBlob.id, 'missing']);
      assert.deepEqual([...many.keys()], [blob.id], 'only inline bodies come back');
      assert.deepEqual(many.get(blob.id), content);
      const expunged = await store.expunge(inbox.id, [1]);
      assert.deepEqual(expunged.orphanBlobs, [], 'an inline body has no file to remove');
      assert.equal(await store.readInlineBody(blob.id), undefined);
      assert.equal(await store.isBlobReferenced(blob.id), false);
      assert.deepEqual((await store.expunge(inbox.id, [2])).orphanBlobs, [fileBlob.id]);
    });

    test('mailboxes: create, rename (UIDVALIDITY kept), subscribe, delete', async () => {
      const domain = await store.addDomain('mb.test');
      const a = await store.addAccount({
        address: 'a@mb.test',
        domainId: domain.id,
        passwordHash: 'h',
        scram: undefined,
        mailboxes: MAILBOXES,
      });
      assert.deepEqual(
        await store.listSubscriptions(a.id),
        ['INBOX', 'Sent'],
        'new accounts subscribe their mailboxes',
      );
      const work = await store.createMailbox(a.id, 'Work');
      const child = await store.createMailbox(a.id, 'Work/2026', '\\Archive');
      assert.equal(child.specialUse, '\\Archive');
      await assert.rejects(store.createMailbox(a.id, 'Work'), rejectsWith('EXISTS'));
      assert.ok(work.uidValidity > 0 && child.uidValidity > work.uidValidity - 1);
      assert.equal((await store.getMailboxById(work.id))?.name, 'Work');
      await store.setSubscribed(a.id, 'Work', true);
      await store.setSubscribed(a.id, 'Gone/Never', true);
      assert.equal((await store.getMailbox(a.id, 'Work'))?.subscribed, true);
      assert.equal((await store.getMailbox(a.id, 'Work/2026'))?.subscribed, false);
      await store.renameMailboxes(a.id, [
        ['Work', 'Job'],
        ['Work/2026', 'Job/2026'],
      ]);
      const renamed = await store.getMailbox(a.id, 'Job/2026');
      assert.equal(renamed?.id, child.id);
      assert.equal(renamed?.uidValidity, child.uidValidity);
      assert.equal(await store.getMailbox(a.id, 'Work'), undefined);
      await assert.rejects(store.renameMailboxes(a.id, [['Job', 'Sent']]), rejectsWith('EXISTS'));
      await assert.rejects(store.renameMailboxes(a.id, [['Nope', 'X']]), rejectsWith('NOTFOUND'));
      await store.setSubscribed(a.id, 'Gone/Never', false);
      assert.deepEqual(await store.listSubscriptions(a.id), ['INBOX', 'Sent', 'Work']);
      await store.commitDelivery({
        blob: fakeBlob(),
        structure: '{}',
        internalDate: 1,
        placements: [{ mailboxId: child.id }],
      });
      await store.deleteMailbox(child.id);
      assert.equal(await store.getMailbox(a.id, 'Job/2026'), undefined);
      await assert.rejects(store.deleteMailbox(child.id), rejectsWith('NOTFOUND'));
    });

    /** An account with `count` messages in its INBOX (UIDs 1…count). */
    async function mailboxWith(domainName: string, count: number) {
      const domain = await store.addDomain(domainName);
      const a = await store.addAccount({
        address: `a@${domainName}`,
        domainId: domain.id,
        passwordHash: 'h',
        scram: undefined,
        mailboxes: MAILBOXES,
      });
      const inbox = (await store.getMailbox(a.id, 'INBOX'))!;
      for (let i = 0; i < count; i++) {
        await store.commitDelivery({
          blob: fakeBlob(),
          structure: '{}',
          internalDate: 1,
          placements: [{ mailboxId: inbox.id, keywords: ['Old'] }],
        });
      }
      return { account: a, inbox, sent: (await store.getMailbox(a.id, 'Sent'))! };
    }

    test('flags: `keywords` replaces the whole set; the same set again is no change', async () => {
      const { inbox } = await mailboxWith('kw.test', 1);
      const [first] = await store.updateFlags(inbox.id, [1], { add: 1, keywords: ['New', 'old'] });
      assert.deepEqual(first?.keywords, ['Old', 'New'], 'kept in their order, new ones appended');
      assert.deepEqual(await store.updateFlags(inbox.id, [1], { keywords: ['new', 'OLD'] }), []);
      const [cleared] = await store.updateFlags(inbox.id, [1], { keywords: [] });
      assert.deepEqual(cleared?.keywords, []);
      assert.equal(cleared?.flags, 1, 'system flags untouched');
    });

    test('getMessages by span or by list: only the UIDs asked, ascending; getStructures by blob', async () => {
      const { inbox } = await mailboxWith('span.test', 8);
      await store.expunge(inbox.id, [4]);
      const uidsOf = async (uids: number[]) => (await store.getMessages(inbox.id, uids)).map((m) => m.uid);
      assert.deepEqual(await uidsOf([1, 2, 3]), [1, 2, 3], 'a whole span');
      assert.deepEqual(await uidsOf([2, 3, 4, 5, 6]), [2, 3, 5, 6], 'an expunged UID in the span');
      assert.deepEqual(await uidsOf([1, 3, 5, 7]), [1, 3, 5, 7], 'a dense span with gaps not asked for');
      assert.deepEqual(await uidsOf([1, 8]), [1, 8], 'a sparse set');
      assert.deepEqual(await uidsOf([6, 2, 1]), [1, 2, 6], 'unordered');
      assert.deepEqual(await uidsOf([7, 8, 9, 10]), [7, 8], 'beyond the last UID');
      assert.deepEqual(await uidsOf([]), []);
      const rows = await store.getMessages(inbox.id, [1, 2]);
      const other = fakeBlob();
      await store.commitDelivery({
        blob: other,
        structure: '{"s":2}',
        internalDate: 1,
        placements: [{ mailboxId: inbox.id }],
      });
      const structures = await store.getStructures([rows[0]!.blobId, other.id, 'no-such-blob']);
      assert.deepEqual(
        [...structures].sort(([x], [y]) => x.localeCompare(y)),
        [
          [rows[0]!.blobId, '{}'],
          [other.id, '{"s":2}'],
        ].sort(([x], [y]) => x!.localeCompare(y!)),
      );
      assert.equal((await store.getStructures([])).size, 0);
    });

    test('conditional flags (RFC 7162 §3.1.3): only messages unchanged since the limit change', async () => {
      const { inbox } = await mailboxWith('cs.test', 3);
      const rows = await store.getMessages(inbox.id, [1, 2, 3]);
      const limit = rows[1]!.modseq;
      const result = await store.updateFlagsUnchangedSince(inbox.id, [3, 1, 2, 99], { add: 4 }, limit);
      assert.deepEqual(result.modified, [3], 'message 3 was delivered after the limit');
      assert.deepEqual(
        result.updated.map((u) => u.uid),
        [1, 2],
      );
      assert.ok(result.updated.every((u) => u.modseq > rows[2]!.modseq && u.flags === 4));
      assert.deepEqual(
        (await store.getMessages(inbox.id, [3])).map((m) => m.flags),
        [0],
        'the modified message kept its flags',
      );
      const zero = await store.updateFlagsUnchangedSince(inbox.id, [1, 2, 3], { add: 1 }, 0);
      assert.deepEqual(zero, { updated: [], modified: [1, 2, 3] }, 'UNCHANGEDSINCE 0 always fails');
      const highest = (await store.getMailboxById(inbox.id))!.highestModseq;
      const noop = await store.updateFlagsUnchangedSince(inbox.id, [1], { add: 4 }, highest);
      assert.deepEqual(noop, { updated: [], modified: [] }, 'passing but already so: nothing to change');
    });

    test('conditional flags: of two racing changes with the same limit, one wins each message', async () => {
      const { inbox } = await mailboxWith('race.test', 4);
      const limit = (await store.getMailboxById(inbox.id))!.highestModseq;
      const uids = [1, 2, 3, 4];
      const [a, b] = await Promise.all([
        store.updateFlagsUnchangedSince(inbox.id, uids, { add: 4 }, limit),
        store.updateFlagsUnchangedSince(inbox.id, uids, { add: 8 }, limit),
      ]);
      for (const uid of uids) {
        const wonA = a.updated.some((u) => u.uid === uid);
        const wonB = b.updated.some((u) => u.uid === uid);
        assert.ok(wonA !== wonB, `exactly one change wins message ${uid}`);
        assert.equal(a.modified.includes(uid), !wonA);
        assert.equal(b.modified.includes(uid), !wonB);
      }
      const flags = (await store.getMessages(inbox.id, uids)).map((m) => m.flags);
      assert.ok(
        flags.every((f) => f === 4 || f === 8),
        `never both: ${flags}`,
      );
    });

    test('changedSince and expungedSince (RFC 7162 §3.2.5): what changed and what went since a MODSEQ', async () => {
      const { inbox, sent } = await mailboxWith('qr.test', 5);
      const start = (await store.getMailboxById(inbox.id))!.highestModseq;
      assert.deepEqual(await store.changedSince(inbox.id, start), []);
      assert.deepEqual(await store.expungedSince(inbox.id, start), []);
      assert.deepEqual(await store.expungedSince(inbox.id, 0), [], 'a new mailbox has its whole history');
      await store.updateFlags(inbox.id, [4], { add: 1 });
      assert.deepEqual(await store.changedSince(inbox.id, start), [4]);
      const { expunged } = await store.expunge(inbox.id, [2, 3]);
      const afterExpunge = (await store.getMailboxById(inbox.id))!.highestModseq;
      assert.equal(afterExpunge, expunged[0]!.modseq, 'the expunge raised HIGHESTMODSEQ');
      assert.deepEqual(await store.expungedSince(inbox.id, start), [2, 3]);
      assert.deepEqual(await store.expungedSince(inbox.id, afterExpunge), []);
      await store.copyMessages(inbox.id, [5], sent.id, true);
      const afterMove = (await store.getMailboxById(inbox.id))!.highestModseq;
      assert.ok(afterMove > afterExpunge, 'a move raises the source HIGHESTMODSEQ');
      assert.deepEqual(await store.expungedSince(inbox.id, start), [2, 3, 5], 'moved out counts as expunged');
      assert.deepEqual(await store.expungedSince(inbox.id, afterExpunge), [5]);
      assert.deepEqual(await store.changedSince(inbox.id, start), [4], 'only what is still there');
      await store.deleteMailbox(inbox.id);
      assert.deepEqual(await store.expungedSince(inbox.id, 0), [], 'gone with its mailbox');
    });

    test('copy and move: new UIDs in order, flags and dates kept, move removes the source', async () => {
      const domain = await store.addDomain('cp.test');
      const a = await store.addAccount({
        address: 'a@cp.test',
        domainId: domain.id,
        passwordHash: 'h',
        scram: undefined,
        mailboxes: MAILBOXES,
      });
      const inbox = (await store.getMailbox(a.id, 'INBOX'))!;
      const sent = (await store.getMailbox(a.id, 'Sent'))!;
      for (let i = 0; i < 3; i++) {
        await store.commitDelivery({
          blob: fakeBlob(),
          structure: '{}',
          internalDate: 1000 + i,
          placements: [{ mailboxId: inbox.id, flags: i, keywords: [`k${i}`] }],
        });
      }
      const copy = await store.copyMessages(inbox.id, [3, 1, 99], sent.id, false);
      assert.deepEqual(copy.copied, [
        [3, 1],
        [1, 2],
      ]);
      assert.equal(copy.expungeModseq, undefined);
      const copiedRows = await store.listMessages(sent.id);
      assert.deepEqual(
        copiedRows.map((m) => [m.uid, m.flags, m.keywords, m.internalDate]),
        [
          [1, 2, ['k2'], 1002],
          [2, 0, ['k0'], 1000],
        ],
      );
      assert.equal((await store.listMessages(inbox.id)).length, 3);
      const move = await store.copyMessages(inbox.id, [2], sent.id, true);
      assert.deepEqual(move.copied, [[2, 3]]);
      assert.ok(move.expungeModseq !== undefined);
      assert.deepEqual(
        (await store.listMessages(inbox.id)).map((m) => m.uid),
        [1, 3],
      );
      assert.equal((await store.getMailbox(a.id, 'Sent'))!.uidNext, 4);
      assert.deepEqual(await store.listUids(sent.id), [1, 2, 3]);
      assert.deepEqual(await store.listUids(sent.id, 1), [2, 3], 'only the UIDs above the one given');
    });

    test('locks: exclusive per name, renewable by the owner, free after release or expiry', async () => {
      assert.equal(await store.tryLock('pop3:1', 'one', 60_000), true);
      assert.equal(await store.tryLock('pop3:1', 'two', 60_000), false);
      assert.equal(await store.tryLock('pop3:2', 'two', 60_000), true);
      assert.equal(await store.tryLock('pop3:1', 'one', 60_000), true, 'the owner renews');
      await store.releaseLock('pop3:1', 'two');
      assert.equal(await store.tryLock('pop3:1', 'two', 60_000), false, 'only the owner releases');
      await store.releaseLock('pop3:1', 'one');
      assert.equal(await store.tryLock('pop3:1', 'two', 1), true);
      await new Promise((r) => setTimeout(r, 5));
      assert.equal(await store.tryLock('pop3:1', 'three', 60_000), true, 'an expired lease is taken over');
    });

    test('full-text candidates: the index narrows BODY/TEXT/HEADER needles; text goes with its blob', async () => {
      const domain = await store.addDomain('fts.test');
      const a = await store.addAccount({
        address: 'a@fts.test',
        domainId: domain.id,
        passwordHash: 'h',
        scram: undefined,
        mailboxes: MAILBOXES,
      });
      const inbox = (await store.getMailbox(a.id, 'INBOX'))!;
      const sent = (await store.getMailbox(a.id, 'Sent'))!;
      const deliver = async (mailboxId: number, headers: string, body: string, truncated = false) => {
        const blob = fakeBlob();
        const result = await store.commitDelivery({
          blob,
          structure: '{}',
          internalDate: 1,
          placements: [{ mailboxId }],
        });
        // The commit puts the blob on the backlog; the indexer (here: the test) adds its text.
        const backlog = await store.searchBacklog(1000);
        assert.deepEqual(backlog.at(-1), { blobId: blob.id, structure: '{}' });
        await store.indexSearchText([{ blobId: blob.id, text: { headers, body, truncated } }]);
        assert.ok(!(await store.searchBacklog(1000)).some((item) => item.blobId === blob.id));
        return { blob, uid: result.placed[0]!.uid };
      };
      const m1 = await deliver(inbox.id, 'Subject: Quarterly report', 'The Zanzibar figures are in.');
      const m2 = await deliver(inbox.id, 'Subject: Lunch', 'Meet at the café, zanzibar style.');
      const m3 = await deliver(inbox.id, 'Subject: Zanzibar trip', 'Nothing else here.');
      const elsewhere = await deliver(sent.id, 'Subject: x', 'zanzibar in another mailbox');
      const cut = await deliver(inbox.id, 'Subject: long', 'only the start was indexed', true);
      // A message without indexed text (e.g. stored before the index existed) is always a candidate.
      const plainBlob = fakeBlob();
      const plain = await store.commitDelivery({
        blob: plainBlob,
        structure: '{}',
        internalDate: 1,
        placements: [{ mailboxId: inbox.id }],
      });
      const unindexed = plain.placed[0]!.uid;
      // A body that could not be read leaves the backlog without text: the message stays a candidate.
      await store.indexSearchText([{ blobId: plainBlob.id, text: null }]);
      assert.ok(!(await store.searchBacklog(1000)).some((item) => item.blobId === plainBlob.id));
      assert.equal(await store.getSearchText(plainBlob.id), undefined);
      const always = [cut.uid, unindexed];
      const sorted = (xs: number[]) => [...xs].sort((x, y) => x - y);

      assert.deepEqual(
        await store.searchCandidates(inbox.id, [{ field: 'body', needle: 'ZANZIBAR' }]),
        sorted([m1.uid, m2.uid, ...always]),
        'case-insensitive substring of the body; other mailboxes excluded',
      );
      assert.deepEqual(
        await store.searchCandidates(inbox.id, [{ field: 'headers', needle: 'zanzi' }]),
        sorted([m3.uid, ...always]),
      );
      assert.deepEqual(
        await store.searchCandidates(inbox.id, [{ field: 'text', needle: 'anzib' }]),
        sorted([m1.uid, m2.uid, m3.uid, ...always]),
      );
      assert.deepEqual(
        await store.searchCandidates(inbox.id, [
          { field: 'text', needle: 'zanzibar' },
          { field: 'body', needle: 'CAFÉ' },
        ]),
        sorted([m2.uid, ...always]),
        'needles are ANDed; non-ASCII letters fold',
      );
      assert.deepEqual(
        await store.searchCandidates(inbox.id, [{ field: 'body', needle: 'say "hi"' }]),
        sorted(always),
        'quotes in a needle are escaped, not FTS syntax',
      );
      assert.deepEqual(
        await store.searchCandidates(inbox.id, [{ field: 'body', needle: 'ca' }]),
        sorted([m1.uid, m2.uid, m3.uid, ...always]),
        'a needle too short for trigrams does not narrow',
      );
      assert.deepEqual(await store.getSearchText(m2.blob.id), {
        headers: 'Subject: Lunch',
        body: 'Meet at the café, zanzibar style.',
        truncated: false,
      });
      assert.equal((await store.getSearchText(cut.blob.id))?.truncated, true);
      assert.equal(await store.getSearchText(fakeBlob().id), undefined);

      // Expunge, mailbox deletion and account removal drop the text with the blob.
      await store.expunge(inbox.id, [m1.uid]);
      assert.equal(await store.getSearchText(m1.blob.id), undefined);
      assert.deepEqual(
        await store.searchCandidates(inbox.id, [{ field: 'body', needle: 'zanzibar' }]),
        sorted([m2.uid, ...always]),
      );
      const box = await store.createMailbox(a.id, 'Temp');
      const temp = await deliver(box.id, 'Subject: t', 'temporary zanzibar');
      await store.deleteMailbox(box.id);
      assert.equal(await store.getSearchText(temp.blob.id), undefined);
      await store.removeAccount('a@fts.test');
      assert.equal(await store.getSearchText(m2.blob.id), undefined);
      assert.equal(await store.getSearchText(elsewhere.blob.id), undefined);
    });

    test('search backlog: placed blobs wait in order, queue-only blobs never; removal takes them off', async () => {
      const domain = await store.addDomain('backlog.test');
      const a = await store.addAccount({
        address: 'a@backlog.test',
        domainId: domain.id,
        passwordHash: 'h',
        scram: undefined,
        mailboxes: MAILBOXES,
      });
      const inbox = (await store.getMailbox(a.id, 'INBOX'))!;
      const before = new Set((await store.searchBacklog(100_000)).map((item) => item.blobId));
      const fresh = async () =>
        (await store.searchBacklog(100_000)).filter((item) => !before.has(item.blobId)).map((i) => i.blobId);
      const first = fakeBlob();
      const second = fakeBlob();
      const outbound = fakeBlob();
      await store.commitDelivery({
        blob: first,
        structure: '{"a":1}',
        internalDate: 1,
        placements: [{ mailboxId: inbox.id }],
      });
      await store.commitDelivery({
        blob: second,
        structure: '{}',
        internalDate: 1,
        placements: [{ mailboxId: inbox.id }],
      });
      await store.commitDelivery({
        blob: outbound,
        structure: '{}',
        internalDate: 1,
        placements: [],
        queue: {
          sender: 'a@backlog.test',
          recipients: [{ address: 'x@remote.test' }],
          blob: outbound,
          blobOffset: 0,
          requireTls: false,
          smtpUtf8: false,
          eightBit: false,
          accountId: a.id,
        },
      });
      assert.deepEqual(
        await fresh(),
        [first.id, second.id],
        'oldest first; the queue-only blob is not there',
      );
      const limited = await store.searchBacklog(1);
      assert.equal(limited.length, 1);
      const uid = (await store.listUids(inbox.id)).at(-1)!;
      await store.expunge(inbox.id, [uid]);
      assert.deepEqual(await fresh(), [first.id], 'an expunged message leaves the backlog with its blob');
      // Indexing a blob removed meanwhile is harmless.
      await store.indexSearchText([{ blobId: second.id, text: { headers: 'h', body: 'b' } }]);
      assert.equal(await store.getSearchText(second.id), undefined);
      await store.removeAccount('a@backlog.test');
      assert.deepEqual(await fresh(), []);
    });

    test('import: a mailbox and its messages keep UIDVALIDITY, UIDs, flags, keywords, dates and MODSEQs', async () => {
      const domain = await store.addDomain('import.test');
      const a = await store.addAccount({
        address: 'a@import.test',
        domainId: domain.id,
        passwordHash: 'h',
        scram: undefined,
        mailboxes: [],
      });
      const box = await store.importMailbox({
        accountId: a.id,
        name: 'Archive/2019',
        specialUse: '\\Archive',
        uidValidity: 4_000_000_000,
        uidNext: 90,
        highestModseq: 500,
      });
      assert.equal(box.uidValidity, 4_000_000_000);
      assert.equal(box.specialUse, '\\Archive');
      await assert.rejects(
        store.importMailbox({
          accountId: a.id,
          name: 'Archive/2019',
          specialUse: undefined,
          uidValidity: 1,
          uidNext: 1,
          highestModseq: 1,
        }),
        rejectsWith('EXISTS'),
      );
      const first = { ...fakeBlob(3), inline: Buffer.from('one') };
      const second = fakeBlob(7);
      await store.importMessages(box.id, [
        {
          uid: 12,
          flags: 1 | 4,
          keywords: ['$Forwarded', 'work'],
          internalDate: 1_500_000_000_000,
          modseq: 400,
          blob: first,
          structure: '{"s":1}',
        },
        {
          uid: 95,
          flags: 0,
          keywords: [],
          internalDate: 1_600_000_000_000,
          modseq: 650,
          blob: second,
          structure: '{}',
        },
      ]);
      const rows = await store.listMessages(box.id);
      assert.deepEqual(
        rows.map((m) => [m.uid, m.flags, m.keywords, m.internalDate, m.modseq, m.blobId, m.size]),
        [
          [12, 5, ['$Forwarded', 'work'], 1_500_000_000_000, 400, first.id, 3],
          [95, 0, [], 1_600_000_000_000, 650, second.id, 7],
        ],
      );
      assert.deepEqual(await store.readInlineBody(first.id), Buffer.from('one'));
      assert.equal(await store.getStructure(first.id), '{"s":1}');
      const after = (await store.getMailboxById(box.id))!;
      assert.equal(after.uidNext, 96, 'UIDNEXT passes the highest UID imported');
      assert.equal(after.highestModseq, 650);
      const backlog = (await store.searchBacklog(100_000)).map((i) => i.blobId);
      assert.ok(
        backlog.includes(first.id) && backlog.includes(second.id),
        'imported text waits for the index',
      );
      await assert.rejects(
        store.importMessages(box.id, [
          { uid: 12, flags: 0, keywords: [], internalDate: 1, modseq: 1, blob: fakeBlob(), structure: '{}' },
        ]),
        rejectsWith('EXISTS'),
      );
      // A delivery after the import continues above the imported UIDs and MODSEQs.
      const next = await store.commitDelivery({
        blob: fakeBlob(),
        structure: '{}',
        internalDate: 1,
        placements: [{ mailboxId: box.id }],
      });
      assert.equal(next.placed[0]!.uid, 96);
      assert.ok(next.placed[0]!.modseq > 650);
      // A mailbox created later never reuses an imported UIDVALIDITY.
      const fresh = await store.createMailbox(a.id, 'Later');
      assert.ok(fresh.uidValidity > 4_000_000_000);
      await store.removeAccount('a@import.test');
    });

    test('readMessageStates: every message of the mailbox as getMessages gives it, in columns', async () => {
      const domain = await store.addDomain('states.test');
      const a = await store.addAccount({
        address: 'a@states.test',
        domainId: domain.id,
        passwordHash: 'h',
        scram: undefined,
        mailboxes: MAILBOXES,
      });
      const inbox = (await store.getMailbox(a.id, 'INBOX'))!;
      const columnsOf = (states: MessageStates) =>
        Array.from({ length: states.length }, (_, i) => states.row(i));
      assert.equal((await store.readMessageStates(inbox.id)).length, 0);
      for (let i = 0; i < 6; i++)
        await store.commitDelivery({
          blob: fakeBlob(100 + i),
          structure: '{}',
          internalDate: 1_700_000_000_000 + i * 60_000,
          placements: [{ mailboxId: inbox.id, flags: i % 3 }],
        });
      // Keywords (one with a quote and a non-ASCII letter), a gap in the UIDs, another mailbox.
      await store.updateFlags(inbox.id, [2, 5], { addKeywords: ['$Forwarded', 'Été"x'] });
      await store.updateFlags(inbox.id, [3], { add: 4 });
      await store.expunge(inbox.id, [4]);
      const sent = (await store.getMailbox(a.id, 'Sent'))!;
      await store.commitDelivery({
        blob: fakeBlob(),
        structure: '{}',
        internalDate: 1,
        placements: [{ mailboxId: sent.id, flags: 0 }],
      });
      const states = await store.readMessageStates(inbox.id);
      const rows = await store.getMessages(inbox.id, [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(
        columnsOf(states),
        rows.map(({ uid, flags, keywords, modseq, size, internalDate }) => ({
          uid,
          flags,
          keywords,
          modseq,
          size,
          internalDate,
        })),
      );
      assert.deepEqual([...states.uids], [1, 2, 3, 5, 6]);
      assert.deepEqual(states.keywords(1), ['$Forwarded', 'Été"x']);
      assert.deepEqual(states.keywords(0), []);
      assert.equal(states.sizes[4], 105);
      await store.removeAccount('a@states.test');
    });

    test('openMailbox: the mailbox with its lowest UID without \\Seen, read together', async () => {
      const domain = await store.addDomain('unseen.test');
      const a = await store.addAccount({
        address: 'a@unseen.test',
        domainId: domain.id,
        passwordHash: 'h',
        scram: undefined,
        mailboxes: MAILBOXES,
      });
      const inbox = (await store.getMailbox(a.id, 'INBOX'))!;
      const firstUnseen = async () => (await store.openMailbox(a.id, 'INBOX'))!.firstUnseenUid;
      assert.deepEqual(await store.openMailbox(a.id, 'INBOX'), { mailbox: inbox, firstUnseenUid: undefined });
      assert.equal(await store.openMailbox(a.id, 'Nonexistent'), undefined);
      for (let i = 0; i < 4; i++)
        await store.commitDelivery({
          blob: fakeBlob(),
          structure: '{}',
          internalDate: 1,
          placements: [{ mailboxId: inbox.id, flags: i === 2 ? 0 : 1 }],
        });
      assert.equal(await firstUnseen(), 3);
      const opened = (await store.openMailbox(a.id, 'INBOX'))!;
      assert.deepEqual(opened.mailbox, await store.getMailbox(a.id, 'INBOX'), 'the same row as getMailbox');
      assert.equal(opened.mailbox.uidNext, 5);
      await store.updateFlags(inbox.id, [3], { add: 1 });
      assert.equal(await firstUnseen(), undefined);
      await store.updateFlags(inbox.id, [2, 4], { remove: 1 });
      assert.equal(await firstUnseen(), 2);
      // Another mailbox's unseen messages are not this one's.
      const sent = (await store.getMailbox(a.id, 'Sent'))!;
      await store.commitDelivery({
        blob: fakeBlob(),
        structure: '{}',
        internalDate: 1,
        placements: [{ mailboxId: sent.id, flags: 0 }],
      });
      await store.updateFlags(inbox.id, [2, 4], { add: 1 });
      assert.equal(await firstUnseen(), undefined);
      assert.equal((await store.openMailbox(a.id, 'Sent'))!.firstUnseenUid, 1);
      await store.removeAccount('a@unseen.test');
    });

    test('removing an account removes its mail and reports blobs no longer used', async () => {
      const domain = await store.addDomain('rm.test');
      const a = await store.addAccount({
        address: 'a@rm.test',
        domainId: domain.id,
        passwordHash: 'h',
        scram: undefined,
        mailboxes: MAILBOXES,
      });
      const b = await store.addAccount({
        address: 'b@rm.test',
        domainId: domain.id,
        passwordHash: 'h',
        scram: undefined,
        mailboxes: MAILBOXES,
      });
      const inboxA = (await store.getMailbox(a.id, 'INBOX'))!;
      const inboxB = (await store.getMailbox(b.id, 'INBOX'))!;
      const shared = fakeBlob();
      const own = fakeBlob();
      await store.commitDelivery({
        blob: shared,
        structure: '{}',
        internalDate: 1,
        placements: [{ mailboxId: inboxA.id }, { mailboxId: inboxB.id }],
      });
      await store.commitDelivery({
        blob: own,
        structure: '{}',
        internalDate: 1,
        placements: [{ mailboxId: inboxA.id }],
      });
      const { orphanBlobs } = await store.removeAccount('a@rm.test');
      assert.deepEqual(orphanBlobs, [own.id]);
      assert.equal(await store.getAccount('a@rm.test'), undefined);
      assert.equal(await store.isBlobReferenced(shared.id), true);
      assert.equal(await store.isBlobReferenced(own.id), false);
      assert.equal((await store.listMessages(inboxB.id)).length, 1);
      await assert.rejects(store.removeAccount('a@rm.test'), rejectsWith('NOTFOUND'));
    });
  });
}
