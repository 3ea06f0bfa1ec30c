/**
 * SORT and UID SORT (RFC 5256), DISPLAYFROM / DISPLAYTO (RFC 5957) and ESORT (RFC 5267) against a
 * real server, over five messages built so that every sort key gives a different order: RFC 2047
 * subjects and names, `Re:`, `Fwd:`, `[blob]`, `(fwd)` and `[fwd: …]` around the base subject,
 * a Date in another zone, a message without Date, a group in To, a missing Cc, names that differ
 * only in case, and ties (broken by sequence number, whatever REVERSE says). UIDs differ from
 * sequence numbers. Also the base-subject algorithm alone (RFC 5256 §2.1) and python3's imaplib.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { baseSubject } from '../../src/server/imap/search/base-subject.ts';
import { asciiCasemap, displayValue } from '../../src/server/imap/search/sort.ts';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { requireTool, run } from '../interop/tools.ts';
import { ImapDialog } from './dialog.ts';

describe('base subject (RFC 5256 §2.1)', () => {
  const cases: [string, string][] = [
    ['Re: apple', 'apple'],
    ['RE: Re: re:apple', 'apple'],
    ['Fwd: [list] apple (fwd)', 'apple'],
    ['Fw: apple (FWD) (fwd)  ', 'apple'],
    ['[fwd: Cherry]', 'Cherry'],
    ['[FWD: Re: [fwd: nested]]', 'nested'],
    ['re: [fwd: RE: banana]', 'banana'],
    ['[list] Re: [other] plain', 'plain'],
    ['[list][tag] Re[2]: text', 'text'],
    ['[only a blob]', '[only a blob]'],
    ['Re:', ''],
    ['Re: (fwd)', ''],
    ['=?UTF-8?B?UmU6IMOpdMOp?=', 'été'],
    ['=?ISO-8859-1?Q?Fwd=3A_caf=E9?=  \t  time', 'café time'],
    ['Refund: money back', 'Refund: money back'],
    ['Fwdx: not a marker', 'Fwdx: not a marker'],
    ['  spaces \t inside  ', 'spaces inside'],
  ];
  for (const [subject, base] of cases) {
    test(JSON.stringify(subject), () => assert.equal(baseSubject(subject), base));
  }

  test('i;ascii-casemap folds ASCII letters only; the display value falls back to the address', () => {
    assert.deepEqual(asciiCasemap('abcÉé'), Buffer.from('ABCÉé'));
    assert.equal(displayValue({ name: '=?UTF-8?Q?=C3=89mile?=', mailbox: 'a', host: 'b' }), 'Émile');
    assert.equal(displayValue({ name: '', mailbox: 'a', host: 'b' }), 'a@b');
    assert.equal(displayValue({ mailbox: 'a', host: '' }), 'a');
    assert.equal(displayValue(undefined), '');
  });
});

const pad = (n: number): string => `${'x'.repeat(n)}\r\n`;

/**
 * The mailbox, by sequence number (UID = seq + 1: a first message is expunged). Bodies are padded
 * so that sizes are 2 < 5 < 1 < 4 < 3 (217, 365, 433, 554, 597 octets).
 */
const MESSAGES: { date: string; text: string }[] = [
  {
    date: '05-Jan-2024 00:00:00 +0000',
    text:
      'From: "Zed" <bob@x.test>\r\nTo: "Yolanda" <carl@x.test>\r\nCc: dan@x.test\r\nSubject: Re: apple\r\n' +
      `Date: Fri, 1 Mar 2024 10:00:00 +0000\r\n\r\n${pad(300)}`,
  },
  {
    date: '01-Jan-2024 00:00:00 +0000',
    text:
      'From: "alice" <zoe@x.test>\r\nTo: amy@x.test\r\nSubject: =?UTF-8?B?QmFuYW5h?=\r\n' +
      `Date: Mon, 1 Jan 2024 12:00:00 +0000\r\n\r\n${pad(100)}`,
  },
  {
    // No Date: the internal date is the sent date (Jan 2, 01:00 UTC).
    date: '02-Jan-2024 01:00:00 +0000',
    text:
      'From: mike@x.test\r\nTo: "Bert" <zack@x.test>\r\nCc: "x" <Aaron@x.test>\r\nSubject: [fwd: Cherry]\r\n' +
      `\r\n${pad(500)}`,
  },
  {
    // Jan 1, 23:30 in its own zone is Jan 2, 04:30 UTC: after message 3, not before it.
    date: '02-Jan-2024 00:00:00 +0000',
    text:
      'From: "Ann" <carol@x.test>\r\nTo: "ben" <xavier@x.test>\r\nCc: Ben <bill@x.test>\r\n' +
      `Subject: Fwd: [list] apple (fwd)\r\nDate: Mon, 1 Jan 2024 23:30:00 -0500\r\n\r\n${pad(400)}`,
  },
  {
    // The same instant as message 2's Date, written in another zone: a tie.
    date: '06-Jan-2024 00:00:00 +0000',
    text:
      'From: =?UTF-8?Q?=C3=89mile?= <adam@x.test>\r\nTo: undisclosed-recipients:;\r\nCc: carl@x.test\r\n' +
      `Subject: re: [fwd: RE: banana]\r\nDate: Mon, 1 Jan 2024 13:00:00 +0100\r\n\r\n${pad(200)}`,
  },
];

/** Each criterion and the sequence numbers in the order it must give. */
const ORDERS: [string, number[]][] = [
  ['ARRIVAL', [2, 4, 3, 1, 5]],
  ['DATE', [2, 5, 3, 4, 1]],
  ['SIZE', [2, 5, 1, 4, 3]],
  ['SUBJECT', [1, 4, 2, 5, 3]],
  ['FROM', [5, 1, 4, 3, 2]],
  ['TO', [2, 1, 5, 4, 3]],
  ['CC', [2, 3, 4, 5, 1]],
  ['DISPLAYFROM', [2, 4, 3, 1, 5]],
  ['DISPLAYTO', [2, 4, 3, 5, 1]],
  // REVERSE reverses the key, not the tie-break: equal subjects stay in mailbox order.
  ['REVERSE SUBJECT', [3, 2, 5, 1, 4]],
  ['REVERSE DATE', [1, 4, 3, 2, 5]],
  ['SUBJECT REVERSE SIZE', [4, 1, 5, 2, 3]],
  ['REVERSE ARRIVAL', [5, 1, 3, 4, 2]],
];

let server: TestServer;
let port: number;

before(async () => {
  server = await startTestServer();
  await provision(server, ['loft.test'], ['sorter@loft.test']);
  port = server.ports.imap!;
  const imap = await ImapDialog.login(port, 'sorter@loft.test');
  const first = 'Subject: throwaway\r\n\r\ngone\r\n';
  await imap.ok(`APPEND INBOX {${first.length}+}\r\n${first}`);
  for (const m of MESSAGES) {
    await imap.ok(`APPEND INBOX "${m.date}" {${Buffer.byteLength(m.text)}+}\r\n${m.text}`);
  }
  await imap.ok('SELECT INBOX');
  await imap.ok('STORE 1 +FLAGS (\\Deleted)');
  await imap.ok('EXPUNGE');
  await imap.logout();
});
after(() => server.close());

async function selected(): Promise<ImapDialog> {
  const imap = await ImapDialog.login(port, 'sorter@loft.test');
  const select = await imap.ok('SELECT INBOX');
  assert.ok(select.untagged.includes('* 5 EXISTS'));
  return imap;
}

describe('SORT over IMAP', () => {
  test('advertised: SORT, SORT=DISPLAY, ESORT', async () => {
    const imap = await ImapDialog.login(port, 'sorter@loft.test');
    const caps = (await imap.ok('CAPABILITY')).untagged[0]!.split(' ');
    for (const cap of ['SORT', 'SORT=DISPLAY', 'ESORT']) assert.ok(caps.includes(cap), caps.join(' '));
    await imap.expect('SORT (DATE) UTF-8 ALL', 'BAD', /Select a mailbox first/);
    await imap.logout();
  });

  test('every key gives its own order; ties go by sequence number', async () => {
    const imap = await selected();
    for (const [criteria, order] of ORDERS) {
      const reply = await imap.ok(`SORT (${criteria}) UTF-8 ALL`);
      assert.deepEqual(reply.untagged, [`* SORT ${order.join(' ')}`], criteria);
    }
    await imap.logout();
  });

  test('UID SORT answers UIDs; search keys select the messages; an empty result is a bare SORT', async () => {
    const imap = await selected();
    const reply = await imap.ok('UID SORT (DATE) US-ASCII ALL');
    assert.deepEqual(reply.untagged, ['* SORT 3 6 4 5 2']);
    const some = await imap.ok('SORT (DATE) UTF-8 NOT FROM zoe LARGER 400');
    assert.deepEqual(some.untagged, ['* SORT 3 4 1']);
    const uids = await imap.ok('UID SORT (REVERSE SIZE) UTF-8 UID 2:4');
    assert.deepEqual(uids.untagged, ['* SORT 4 2 3']);
    const none = await imap.ok('SORT (SUBJECT) UTF-8 SUBJECT nothing-like-this');
    assert.deepEqual(none.untagged, ['* SORT']);
    // An IMAP4rev2 client gets the SORT response too (ESEARCH only with RETURN).
    await imap.ok('ENABLE IMAP4rev2');
    assert.deepEqual((await imap.ok('SORT (SIZE) UTF-8 ALL')).untagged, ['* SORT 2 5 1 4 3']);
    await imap.logout();
  });

  test('ESORT: MIN and MAX are the first and last in sort order, ALL keeps the order', async () => {
    const imap = await selected();
    const tag = imap.nextTag();
    imap.send(`${tag} SORT RETURN (MIN MAX COUNT ALL) (DATE) UTF-8 ALL`);
    const reply = await imap.until(tag);
    assert.deepEqual(reply.untagged, [`* ESEARCH (TAG "${tag}") MIN 2 MAX 1 COUNT 5 ALL 2,5,3:4,1`]);
    const uidTag = imap.nextTag();
    imap.send(`${uidTag} UID SORT RETURN (COUNT) (SUBJECT) UTF-8 SEEN`);
    assert.deepEqual((await imap.until(uidTag)).untagged, [`* ESEARCH (TAG "${uidTag}") UID COUNT 0`]);
    // SAVE keeps the messages for `$` (RFC 5182).
    await imap.ok('SORT RETURN (SAVE) (REVERSE SIZE) UTF-8 LARGER 400');
    assert.deepEqual((await imap.ok('SEARCH $')).untagged, ['* SEARCH 1 3 4']);
    await imap.logout();
  });

  test('unknown charsets are NO [BADCHARSET]; bad criteria are BAD; the session goes on', async () => {
    const imap = await selected();
    await imap.expect('SORT (DATE) KOI8-R ALL', 'NO', /^NO \[BADCHARSET \(UTF-8 US-ASCII\)\]/);
    await imap.expect('SORT (DATE) ALL', 'BAD');
    await imap.expect('SORT (THREAD) UTF-8 ALL', 'BAD');
    await imap.expect('SORT (DATE) UTF-8 FROBNICATE', 'BAD');
    await imap.ok('SORT (DATE) UTF-8 ALL');
    await imap.logout();
  });
});

describe('python3 imaplib sort()', () => {
  test("client.sort('(REVERSE DATE)', 'UTF-8', 'ALL')", async () => {
    await requireTool('python3', 'python3', ['--version']);
    const script = `
import imaplib, json, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login('sorter@loft.test', 'secret')
m.select('INBOX')
typ, data = m.sort('(REVERSE DATE)', 'UTF-8', 'ALL')
typ2, data2 = m.uid('SORT', '(SUBJECT)', 'UTF-8', 'ALL')
m.logout()
print(json.dumps([typ, data[0].decode(), typ2, data2[0].decode()]))
`;
    const result = await run('python3', ['-c', script, String(port)], { timeoutMs: 60_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), ['OK', '1 4 3 2 5', 'OK', '2 5 3 6 4']);
  });
});
