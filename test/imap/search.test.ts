/**
 * SEARCH, UID SEARCH, ESEARCH (RFC 4731) and SEARCHRES (RFC 5182) against a real server: a small
 * mailbox delivered over SMTP with crafted headers and bodies (RFC 2047 subjects, base64 and
 * ISO-8859-1 bodies, an attached message), every key, OR/NOT nesting, the response forms, SAVE
 * with `$`, and BADCHARSET. The evaluator is also run alone over a fake mailbox to show that the
 * full-text index narrows what is read, and the index's case folding is checked against the
 * confirming test.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { parseCommand, type SearchKey } from '../../src/proto/imap/parse/index.ts';
import { sentDay, zoneOffset } from '../../src/server/imap/search/dates.ts';
import { runSearch, type SearchScope } from '../../src/server/imap/search/evaluate.ts';
import { compileSearch, inRanges } from '../../src/server/imap/search/query.ts';
import { sequenceSetOf } from '../../src/server/imap/search/response.ts';
import { fold } from '../../src/server/imap/search/text.ts';
import type { MailboxAccess, MessageRecord } from '../../src/server/imap/services.ts';
import { structureOf } from '../../src/services/delivery/delivery.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { sendOne } from '../helpers/smtp-send.ts';
import { ImapDialog } from './dialog.ts';
import { esearch } from './responses.ts';

let server: TestServer;

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** The mailbox, by sequence number once the first (throwaway) message is expunged: UID = seq + 1. */
const MESSAGES = [
  'From: x@example.com\r\nSubject: throwaway\r\n\r\nexpunged before the tests\r\n',
  // 1 (UID 2): a plain message; its Date is 1 Jan in its own zone, 2 Jan in UTC.
  'From: "Alice Example" <alice@example.com>\r\nTo: bob@loft.test\r\nSubject: Quarterly report\r\n' +
    'Date: Mon, 1 Jan 2024 23:30:00 -0500\r\nMessage-ID: <q1@example.com>\r\n\r\nThe Zanzibar figures are attached.\r\n',
  // 2 (UID 3): an RFC 2047 subject, a base64 UTF-8 body, a Cc.
  `From: dave@example.net\r\nTo: team@loft.test\r\nCc: Carol <carol@example.org>\r\nSubject: =?UTF-8?B?${b64('Café crème')}?=\r\n` +
    'Date: Fri, 15 Mar 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n' +
    `Content-Transfer-Encoding: base64\r\n\r\n${b64('Grüße aus München, lieber Jürgen')}\r\n`,
  // 3 (UID 4): an ISO-8859-1 Q-encoded subject, a quoted-printable ISO-8859-1 body, Bcc, a custom field.
  'From: eve@example.fr\r\nTo: bob@loft.test\r\nBcc: secret@example.net\r\nSubject: =?ISO-8859-1?Q?Fran=E7ais?=\r\n' +
    'X-Custom: Hello-World-Token\r\nDate: Thu, 20 Jun 2024 08:00:00 +0200\r\nMIME-Version: 1.0\r\n' +
    'Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n' +
    'Le gar=E7on a mang=E9 la pomme.\r\n',
  // 4 (UID 5): multipart with an attached message.
  'From: frank@example.com\r\nTo: bob@loft.test\r\nSubject: Forwarded\r\nDate: Tue, 10 Oct 2023 12:00:00 +0000\r\n' +
    'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\n' +
    'See the attached note.\r\n--zz\r\nContent-Type: message/rfc822\r\n\r\nFrom: inner@example.com\r\nSubject: Inner note\r\n\r\n' +
    'A platypus was seen.\r\n--zz--\r\n',
  // 5 (UID 6): no Date header, a two-letter body.
  'From: gina@example.com\r\nSubject: tiny\r\n\r\nxq\r\n',
];

before(async () => {
  server = await startTestServer();
  await provision(server, ['loft.test'], ['bob@loft.test']);
  for (const message of MESSAGES) {
    assert.equal(await sendOne(server.ports.smtp!, 'sender@example.com', 'bob@loft.test', message), 250);
  }
  const imap = await ImapDialog.login(server.ports.imap!, 'bob@loft.test');
  await imap.ok('SELECT INBOX');
  await imap.ok('STORE 1 +FLAGS.SILENT (\\Deleted)');
  await imap.ok('EXPUNGE');
  await imap.ok('STORE 1 +FLAGS.SILENT (\\Seen \\Flagged)');
  await imap.ok('STORE 2 +FLAGS.SILENT (\\Answered $Work)');
  await imap.ok('STORE 3 +FLAGS.SILENT (\\Deleted \\Draft)');
  await imap.logout();
});
after(() => server.close());

async function session(rev2 = false): Promise<ImapDialog> {
  const imap = await ImapDialog.login(server.ports.imap!, 'bob@loft.test');
  if (rev2) await imap.ok('ENABLE IMAP4rev2');
  await imap.ok('SELECT INBOX');
  return imap;
}

/** The numbers of the one `* SEARCH` response of a command. */
async function found(imap: ImapDialog, command: string): Promise<number[]> {
  const { untagged } = await imap.ok(command);
  const lines = untagged.filter((l) => l.startsWith('* SEARCH'));
  assert.equal(lines.length, 1, `${command}: ${untagged.join(' | ')}`);
  return lines[0]!
    .slice('* SEARCH'.length)
    .trim()
    .split(' ')
    .filter((x) => x !== '')
    .map(Number);
}

function utcDate(offsetDays: number): string {
  const d = new Date(Date.now() + offsetDays * 86_400_000);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${d.getUTCDate()}-${months[d.getUTCMonth()]}-${d.getUTCFullYear()}`;
}

describe('SEARCH over a delivered mailbox', () => {
  let imap: ImapDialog;
  before(async () => {
    imap = await session();
  });
  after(() => imap.logout());

  test('ESEARCH and SEARCHRES are advertised', async () => {
    const { untagged } = await imap.ok('CAPABILITY');
    assert.match(untagged[0]!, / ESEARCH /);
    assert.match(untagged[0]!, / SEARCHRES\b/);
  });

  test('flags, keywords, NEW/OLD/RECENT, ALL', async () => {
    assert.deepEqual(await found(imap, 'SEARCH ALL'), [1, 2, 3, 4, 5]);
    assert.deepEqual(await found(imap, 'SEARCH SEEN'), [1]);
    assert.deepEqual(await found(imap, 'SEARCH UNSEEN'), [2, 3, 4, 5]);
    assert.deepEqual(await found(imap, 'SEARCH FLAGGED'), [1]);
    assert.deepEqual(await found(imap, 'SEARCH UNFLAGGED'), [2, 3, 4, 5]);
    assert.deepEqual(await found(imap, 'SEARCH ANSWERED'), [2]);
    assert.deepEqual(await found(imap, 'SEARCH UNANSWERED'), [1, 3, 4, 5]);
    assert.deepEqual(await found(imap, 'SEARCH DELETED'), [3]);
    assert.deepEqual(await found(imap, 'SEARCH UNDELETED'), [1, 2, 4, 5]);
    assert.deepEqual(await found(imap, 'SEARCH DRAFT'), [3]);
    assert.deepEqual(await found(imap, 'SEARCH UNDRAFT'), [1, 2, 4, 5]);
    assert.deepEqual(await found(imap, 'SEARCH KEYWORD $work'), [2], 'keywords compare case-insensitively');
    assert.deepEqual(await found(imap, 'SEARCH UNKEYWORD $Work'), [1, 3, 4, 5]);
    assert.deepEqual(await found(imap, 'SEARCH NEW'), [], 'no \\Recent in Loft');
    assert.deepEqual(await found(imap, 'SEARCH RECENT'), []);
    assert.deepEqual(await found(imap, 'SEARCH OLD'), [1, 2, 3, 4, 5]);
  });

  test('header keys match decoded values case-insensitively', async () => {
    assert.deepEqual(await found(imap, 'SEARCH FROM alice'), [1]);
    assert.deepEqual(await found(imap, 'SEARCH FROM "ALICE EXAMPLE"'), [1]);
    assert.deepEqual(await found(imap, 'SEARCH TO team@loft'), [2]);
    assert.deepEqual(await found(imap, 'SEARCH CC carol'), [2]);
    assert.deepEqual(await found(imap, 'SEARCH BCC secret@'), [3]);
    assert.deepEqual(await found(imap, 'SEARCH SUBJECT report'), [1]);
    assert.deepEqual(await found(imap, 'SEARCH SUBJECT note'), [], 'only the top-level header');
    assert.deepEqual(await found(imap, 'SEARCH HEADER X-Custom world-tok'), [3]);
    assert.deepEqual(await found(imap, 'SEARCH HEADER x-custom ""'), [3], 'empty string: the field exists');
    assert.deepEqual(await found(imap, 'SEARCH HEADER Date ""'), [1, 2, 3, 4]);
    assert.deepEqual(await found(imap, 'SEARCH HEADER Subject Quarterly'), [1]);
    // RFC 2047: UTF-8 base64 and ISO-8859-1 Q words, matched with non-ASCII case folding.
    const crème = Buffer.from('CAFÉ CRÈME', 'utf8');
    assert.deepEqual(await found(imap, `SEARCH CHARSET UTF-8 SUBJECT {${crème.length}+}\r\n${crème}`), [2]);
    const français = Buffer.from('français', 'utf8');
    assert.deepEqual(await found(imap, `SEARCH SUBJECT {${français.length}+}\r\n${français}`), [3]);
  });

  test('BODY and TEXT: decoded text parts, attached messages, short needles', async () => {
    assert.deepEqual(await found(imap, 'SEARCH BODY zanzibar'), [1]);
    assert.deepEqual(await found(imap, 'SEARCH BODY Quarterly'), [], 'BODY does not look at the header');
    assert.deepEqual(await found(imap, 'SEARCH TEXT Quarterly'), [1]);
    assert.deepEqual(await found(imap, 'SEARCH TEXT ZANZIBAR'), [1]);
    const münchen = Buffer.from('münchen', 'utf8');
    assert.deepEqual(
      await found(imap, `SEARCH CHARSET UTF-8 BODY {${münchen.length}+}\r\n${münchen}`),
      [2],
      'base64 UTF-8 body',
    );
    const garçon = Buffer.from('GARÇON', 'utf8');
    assert.deepEqual(
      await found(imap, `SEARCH BODY {${garçon.length}+}\r\n${garçon}`),
      [3],
      'quoted-printable ISO-8859-1 body',
    );
    assert.deepEqual(await found(imap, 'SEARCH BODY platypus'), [4], 'text of an attached message');
    assert.deepEqual(await found(imap, 'SEARCH BODY xq'), [5], 'needles too short for the index still match');
    assert.deepEqual(await found(imap, 'SEARCH BODY "figures are"'), [1]);
    assert.deepEqual(await found(imap, 'SEARCH BODY "figures  are"'), [], 'exact substring');
    assert.deepEqual(await found(imap, 'SEARCH BODY nowhere-to-be-found'), []);
  });

  test('dates: internal date in UTC, Date header as written', async () => {
    assert.deepEqual(await found(imap, `SEARCH ON ${utcDate(0)}`), [1, 2, 3, 4, 5]);
    assert.deepEqual(await found(imap, `SEARCH SINCE ${utcDate(0)}`), [1, 2, 3, 4, 5]);
    assert.deepEqual(await found(imap, `SEARCH SINCE ${utcDate(1)}`), []);
    assert.deepEqual(await found(imap, `SEARCH BEFORE ${utcDate(0)}`), []);
    assert.deepEqual(await found(imap, `SEARCH BEFORE ${utcDate(1)}`), [1, 2, 3, 4, 5]);
    assert.deepEqual(await found(imap, 'SEARCH SENTON 1-Jan-2024'), [1], 'the zone is disregarded');
    assert.deepEqual(await found(imap, 'SEARCH SENTON 2-Jan-2024'), []);
    assert.deepEqual(await found(imap, 'SEARCH SENTBEFORE 1-Jan-2024'), [4]);
    assert.deepEqual(await found(imap, 'SEARCH SENTBEFORE 2-Jan-2024'), [1, 4]);
    assert.deepEqual(
      await found(imap, 'SEARCH SENTSINCE 15-Mar-2024'),
      [2, 3, 5],
      'no Date header: the internal date',
    );
  });

  test('sizes', async () => {
    const { untagged } = await imap.ok('FETCH 1:* RFC822.SIZE');
    const sizes = untagged.map((l) => Number(/RFC822\.SIZE (\d+)/.exec(l)![1]));
    const smallest = Math.min(...sizes);
    const seqOfSmallest = sizes.indexOf(smallest) + 1;
    assert.deepEqual(await found(imap, `SEARCH SMALLER ${smallest + 1}`), [seqOfSmallest]);
    assert.deepEqual(await found(imap, `SEARCH SMALLER ${smallest}`), []);
    assert.deepEqual(
      await found(imap, `SEARCH LARGER ${smallest}`),
      [1, 2, 3, 4, 5].filter((s) => s !== seqOfSmallest),
    );
    assert.deepEqual(await found(imap, `SEARCH LARGER ${Math.max(...sizes)}`), []);
  });

  test('sequence sets, UID sets, UID SEARCH', async () => {
    assert.deepEqual(await found(imap, 'SEARCH 2:3'), [2, 3]);
    assert.deepEqual(await found(imap, 'SEARCH 4:*'), [4, 5]);
    assert.deepEqual(await found(imap, 'SEARCH 3,1 SEEN'), [1]);
    assert.deepEqual(await found(imap, 'SEARCH 9'), [], 'beyond the last message: nothing');
    assert.deepEqual(await found(imap, 'SEARCH UID 2,4'), [1, 3]);
    assert.deepEqual(await found(imap, 'UID SEARCH UID 2,4'), [2, 4]);
    assert.deepEqual(await found(imap, 'UID SEARCH 1:2'), [2, 3], 'bare set: sequence numbers');
    assert.deepEqual(await found(imap, 'UID SEARCH UID 5:*'), [5, 6]);
    assert.deepEqual(await found(imap, 'UID SEARCH BODY platypus'), [5]);
  });

  test('OR, NOT and parenthesised lists nest', async () => {
    assert.deepEqual(await found(imap, 'SEARCH OR SEEN ANSWERED'), [1, 2]);
    assert.deepEqual(await found(imap, 'SEARCH OR OR SEEN ANSWERED DELETED'), [1, 2, 3]);
    assert.deepEqual(await found(imap, 'SEARCH NOT (OR FROM alice SUBJECT fran)'), [2, 4, 5]);
    assert.deepEqual(await found(imap, 'SEARCH NOT NOT SEEN'), [1]);
    assert.deepEqual(await found(imap, 'SEARCH (UNSEEN (OR BODY platypus BODY zanzibar))'), [4]);
    assert.deepEqual(await found(imap, 'SEARCH OR BODY platypus (SEEN BODY zanzibar)'), [1, 4]);
    assert.deepEqual(await found(imap, 'SEARCH NOT BODY zanzibar UNDELETED'), [2, 4, 5]);
    assert.deepEqual(await found(imap, 'SEARCH OR NOT BODY platypus FLAGGED'), [1, 2, 3, 5]);
  });

  test('ESEARCH: MIN, MAX, COUNT, ALL, UID, empty results', async () => {
    assert.equal(await esearch(imap, 'SEARCH RETURN (MIN MAX COUNT) UNSEEN'), 'MIN 2 MAX 5 COUNT 4');
    assert.equal(await esearch(imap, 'UID SEARCH RETURN () ALL'), 'UID ALL 2:6');
    assert.equal(await esearch(imap, 'SEARCH RETURN (ALL) OR SEEN DELETED'), 'ALL 1,3');
    assert.equal(await esearch(imap, 'UID SEARCH RETURN (COUNT MIN) BODY nothing-here'), 'UID COUNT 0');
    assert.equal(await esearch(imap, 'SEARCH RETURN (MIN MAX) BODY nothing-here'), '');
  });

  test('BADCHARSET for charsets other than UTF-8 and US-ASCII', async () => {
    const { tagged } = await imap.expect('SEARCH CHARSET KOI8-R BODY x', 'NO');
    assert.match(tagged, /^NO \[BADCHARSET \(UTF-8 US-ASCII\)\]/);
    assert.deepEqual(await found(imap, 'SEARCH CHARSET us-ascii BODY zanzibar'), [1]);
    // MODSEQ is a CONDSTORE key now (test/imap/condstore.test.ts); beyond 2^63-1 it is still BAD.
    await imap.expect('SEARCH MODSEQ 9223372036854775808', 'BAD');
  });
});

describe('SAVE and $ (RFC 5182)', () => {
  test('the saved result feeds FETCH $, SEARCH $ and UID SEARCH UID $', async () => {
    const imap = await session();
    try {
      const { untagged } = await imap.ok('SEARCH RETURN (SAVE) OR BODY platypus BODY zanzibar');
      assert.deepEqual(untagged, [], 'SAVE alone sends no ESEARCH');
      const fetched = await imap.ok('FETCH $ (UID)');
      assert.deepEqual(fetched.untagged, ['* 1 FETCH (UID 2)', '* 4 FETCH (UID 5)']);
      assert.deepEqual(await found(imap, 'SEARCH $ SEEN'), [1]);
      assert.deepEqual(await found(imap, 'UID SEARCH UID $'), [2, 5]);
      assert.deepEqual(await found(imap, 'SEARCH NOT $'), [2, 3, 5]);
      // With MIN and MAX but not ALL, only the lowest and highest are kept.
      assert.equal(await esearch(imap, 'SEARCH RETURN (SAVE MIN MAX) UNSEEN'), 'MIN 2 MAX 5');
      assert.deepEqual((await imap.ok('UID FETCH $ (FLAGS)')).untagged.length, 2);
      assert.deepEqual(await found(imap, 'SEARCH $'), [2, 5]);
      // SAVE with ALL keeps everything, and the ESEARCH response is still sent.
      assert.equal(await esearch(imap, 'SEARCH RETURN (SAVE ALL) UNSEEN'), 'ALL 2:5');
      assert.deepEqual(await found(imap, 'SEARCH $'), [2, 3, 4, 5]);
      // A failed SEARCH with SAVE empties $.
      await imap.expect('SEARCH RETURN (SAVE) CHARSET KOI8-R BODY x', 'NO');
      assert.deepEqual(await found(imap, 'SEARCH $'), []);
      // A new selection starts with an empty $.
      await imap.ok('SEARCH RETURN (SAVE) ALL');
      await imap.ok('SELECT INBOX');
      assert.deepEqual((await imap.ok('FETCH $ (UID)')).untagged, []);
    } finally {
      await imap.logout();
    }
  });
});

describe('IMAP4rev2 clients always get ESEARCH', () => {
  test('SEARCH without RETURN answers ESEARCH ALL', async () => {
    const imap = await session(true);
    try {
      assert.equal(await esearch(imap, 'SEARCH UNSEEN'), 'ALL 2:5');
      assert.equal(await esearch(imap, 'UID SEARCH BODY zanzibar'), 'UID ALL 2');
      assert.equal(await esearch(imap, 'SEARCH BODY nothing-here'), '');
    } finally {
      await imap.logout();
    }
  });
});

/** A fake mailbox of `n` messages: message i has UID 10·i, flags \Seen on even i, text "msg i". */
function fakeAccess(n: number, candidates: number[] | undefined) {
  const read: number[] = [];
  const textRead: string[] = [];
  const rows = new Map<number, MessageRecord>();
  for (let i = 1; i <= n; i++) {
    const uid = i * 10;
    rows.set(uid, {
      mailboxId: 1,
      uid,
      blobId: `b${uid}`,
      size: 100 + i,
      internalDate: 0,
      flags: i % 2 === 0 ? 1 : 0,
      keywords: [],
      modseq: 1,
    });
  }
  const access = {
    async messagesByUid(_mailbox: number, uids: readonly number[]) {
      read.push(...uids);
      return uids.map((u) => rows.get(u)).filter((r): r is MessageRecord => r !== undefined);
    },
    async searchCandidates() {
      return candidates ?? [...rows.keys()];
    },
    async searchText(message: { blobId: string }) {
      textRead.push(message.blobId);
      return { headers: 'Subject: s', body: `msg ${Number(message.blobId.slice(1)) / 10} needle` };
    },
  } as unknown as MailboxAccess;
  const scope: SearchScope = { access, mailboxId: 1, uids: [...rows.keys()], saved: new Set() };
  return { scope, read, textRead };
}

function compiled(line: string) {
  // Parse a search program through the real parser to keep the test honest about key shapes.
  const result = compileSearch(parseKey(line), { charset: null, count: 1200, maxUid: 12000 });
  assert.ok(result.ok);
  return result.query;
}

function parseKey(program: string): SearchKey {
  const line = Buffer.from(`a SEARCH ${program}`);
  const parsed = parseCommand({ tag: 'a', lines: [line], literals: [], size: line.length });
  assert.ok(parsed.ok, `parse ${program}`);
  return (parsed.command as unknown as { key: SearchKey }).key;
}

describe('the evaluator', () => {
  test('the full-text index narrows: only candidates are read and confirmed', async () => {
    const { scope, read, textRead } = fakeAccess(1200, [30, 600, 12345]);
    const hits = await runSearch(scope, compiled('BODY needle'));
    assert.deepEqual(
      hits.map((h) => h.uid),
      [30, 600],
      '12345 is no message of the mailbox; the rest were ruled out by the index',
    );
    assert.deepEqual(read, [30, 600]);
    assert.deepEqual(textRead, ['b30', 'b600']);
  });

  test('confirmation rejects what the index let through; cheap keys run first', async () => {
    const { scope, textRead } = fakeAccess(1200, undefined);
    const hits = await runSearch(scope, compiled('BODY "msg 7 " SEEN'));
    assert.deepEqual(hits, []);
    assert.equal(textRead.length, 600, 'text is read only for the messages SEEN lets through');
    const odd = await runSearch(scope, compiled('BODY "msg 7 " UNSEEN'));
    assert.deepEqual(odd, [{ seq: 7, uid: 70 }]);
  });

  test('text cut at the index limit, or never indexed, is extracted again from the message', async () => {
    const raw = Buffer.from(
      'Subject: whole\r\nContent-Type: text/plain\r\n\r\nbeginning ... and the far end\r\n',
    );
    const structure = structureOf(raw);
    for (const stored of [{ headers: 'Subject: whole', body: 'beginning', truncated: true }, undefined]) {
      const { scope } = fakeAccess(3, undefined);
      Object.assign(scope.access, {
        searchText: async () => stored,
        structure: async () => structure,
        read: async () => raw,
      });
      const hits = await runSearch(scope, compiled('BODY "FAR END"'));
      assert.deepEqual(
        hits.map((h) => h.seq),
        [1, 2, 3],
      );
    }
  });

  test('sequence and UID ranges over slices, without reading rows', async () => {
    const { scope, read } = fakeAccess(1200, undefined);
    const hits = await runSearch(scope, compiled('OR 1:2,1199:* UID 5000:5010'));
    assert.deepEqual(
      hits.map((h) => h.seq),
      [1, 2, 500, 501, 1199, 1200],
    );
    assert.deepEqual(read, [], 'no key needed the index rows');
  });
});

describe('helpers', () => {
  test('sequenceSetOf joins ranges, inRanges agrees with a naive test', () => {
    assert.equal(sequenceSetOf([1, 2, 3, 5, 7, 8]), '1:3,5,7:8');
    assert.equal(sequenceSetOf([]), '');
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 200 }), { maxLength: 60 }), (values) => {
        const sorted = [...values].sort((a, b) => a - b);
        const text = sequenceSetOf(sorted);
        const q = compiled(text === '' ? 'ALL' : `UID ${text}`);
        for (let n = 1; n <= 200; n++) {
          const expected = text === '' || sorted.includes(n);
          const actual = q.t === 'range' ? inRanges(q.ranges, n) : q.t === 'all';
          if (actual !== expected) return false;
        }
        return true;
      }),
    );
  });

  test('Date zones: the day as written', () => {
    assert.equal(zoneOffset('Mon, 1 Jan 2024 23:30:00 -0500'), -300);
    assert.equal(zoneOffset('1 Jan 2024 23:30 +05:30'), 330);
    assert.equal(zoneOffset('1 Jan 2024 23:30:00 PDT'), -420);
    assert.equal(zoneOffset('1 Jan 2024'), 0);
    const time = Date.UTC(2024, 0, 2, 4, 30);
    assert.equal(
      sentDay({ time, date: 'Mon, 1 Jan 2024 23:30:00 -0500' }, 0),
      Date.UTC(2024, 0, 1) / 86_400_000,
    );
    assert.equal(sentDay({}, Date.UTC(2020, 5, 5, 23)), Date.UTC(2020, 5, 5) / 86_400_000);
  });
});

describe('the index folds case as the confirming test does', () => {
  let store: SqliteStore;
  let dir: string;
  let mailboxId: number;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loft-search-'));
    store = new SqliteStore(path.join(dir, 'loft.db'));
    const domain = await store.addDomain('f.test');
    const account = await store.addAccount({
      address: 'u@f.test',
      domainId: domain.id,
      passwordHash: 'h',
      scram: undefined,
      mailboxes: [{ name: 'INBOX', specialUse: undefined }],
    });
    mailboxId = (await store.getMailbox(account.id, 'INBOX'))!.id;
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a message the exact test matches is always a candidate', async () => {
    const alphabet = [...'aAbBéÉßẞσςΣİıiIKkKÅåøØœŒǅǆǄ ç Ç-"'];
    const word = fc
      .array(fc.constantFrom(...alphabet), { minLength: 3, maxLength: 12 })
      .map((a) => a.join(''));
    // Needles cut from the body with the case of each character changed at random, or unrelated.
    const pair = fc.oneof(
      fc.tuple(word, word),
      word.chain((body) =>
        fc
          .tuple(
            fc.nat({ max: body.length - 1 }),
            fc.integer({ min: 1, max: 8 }),
            fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
          )
          .map(([start, length, upper]): [string, string] => {
            const chars = [...body].slice(start, start + length);
            return [body, chars.map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join('')];
          }),
      ),
    );
    let counter = 0;
    let positives = 0;
    await fc.assert(
      fc.asyncProperty(pair, async ([body, needle]) => {
        counter++;
        const blobId = `20260101-0000-${String(counter).padStart(24, '0')}`;
        const result = await store.commitDelivery({
          blob: { id: blobId, size: 1 },
          structure: '{}',
          internalDate: 0,
          placements: [{ mailboxId }],
        });
        await store.indexSearchText([{ blobId, text: { headers: '', body: body.normalize('NFC') } }]);
        const uid = result.placed[0]!.uid;
        const expected = fold(body).includes(fold(needle));
        if (expected && [...needle].length >= 3) positives++;
        const candidates = await store.searchCandidates(mailboxId, [
          { field: 'body', needle: needle.normalize('NFC') },
        ]);
        return !expected || candidates.includes(uid);
      }),
      { numRuns: 300 },
    );
    assert.ok(positives > 20, `enough indexed needles that match (${positives})`);
  });
});
