/**
 * Black-box IMAP conformance of FETCH, SEARCH, STORE and sequence sets, read against RFC 9051
 * (IMAP4rev2) and RFC 3501 (IMAP4rev1): body sections and partials, the implicit \Seen, the
 * RFC822.* items, BODYSTRUCTURE sizes and line counts, ENVELOPE defaults and groups, sequence
 * and UID sets at and beyond the edges, empty results in each SEARCH form, STORE variants, and
 * the rules for responses a second session causes. Every assertion names the RFC text behind it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { ImapDialog } from './dialog.ts';
import { esearch } from './responses.ts';

const USER = 'fresh@loft.test';
const crlf = (lines: string[]): string => lines.join('\r\n');

/** INBOX, by sequence number (UID = sequence number). Only ever opened with EXAMINE. */
const SIMPLE = crlf([
  'From: Alice <alice@example.com>',
  'To: bob@loft.test',
  'Subject: first line',
  ' continued here',
  'X-Mixed-Case: yes',
  'Date: Mon, 1 Jan 2024 23:30:00 -0500',
  'Message-ID: <m1@example.com>',
  '',
  'line one',
  'line two',
  'line three',
  '',
]);
const SIMPLE_BODY = 'line one\r\nline two\r\nline three\r\n';
const INNER = crlf([
  'From: inner@example.com',
  'Subject: inner subj',
  'MIME-Version: 1.0',
  'Content-Type: multipart/alternative; boundary="alt"',
  '',
  '--alt',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'plain body',
  '',
  '--alt',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>html</p>',
  '',
  '--alt--',
  '',
]);
const NESTED = crlf([
  'From: frank@example.com',
  'To: bob@loft.test',
  'Subject: outer',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="outer"',
  '',
  'preamble',
  '--outer',
  'Content-Type: text/plain; charset=us-ascii',
  '',
  'hello',
  'world',
  '',
  '--outer',
  'Content-Type: message/rfc822',
  'Content-Description: fwd',
  '',
  `${INNER}`,
  '--outer',
  'Content-Type: application/octet-stream;',
  " name*0*=UTF-8''na%C3%AFve;",
  ' name*1=".txt"',
  "Content-Disposition: attachment; filename*=UTF-8''na%C3%AFve.txt",
  'Content-Transfer-Encoding: base64',
  '',
  'AAEC',
  '',
  '--outer--',
  '',
]);
const ODD_ENVELOPE = crlf([
  'To: undisclosed-recipients:;',
  'Cc: Friends: a@example.com, "B b" <b@example.org>;, c@example.net',
  'Subject: =?UTF-8?B?Q2Fmw6k=?=',
  'Date: Fri, 15 Mar 2024 10:00:00 +0000',
  '',
  'x',
  '',
]);
/** A message with no body and no blank line (RFC 9051 §7.5.2's exception). */
const HEADER_ONLY = 'From: h@example.com\r\nSubject: headers only\r\n';
const EMPTY_SENDER = crlf([
  'From: Zed <zed@example.com>',
  'Sender:',
  'To: bob@loft.test',
  'Subject: sender',
  'In-Reply-To: <parent@example.com>',
  '',
  'y',
  '',
]);
const INBOX = [SIMPLE, NESTED, ODD_ENVELOPE, HEADER_ONLY, EMPTY_SENDER];

let server: TestServer;
let port: number;
let boxes = 0;

before(async () => {
  server = await startTestServer();
  await provision(server, ['loft.test'], [USER]);
  port = server.ports.imap!;
  const imap = await setupSession();
  for (const message of INBOX) await append(imap, 'INBOX', message);
  await imap.ok('CREATE Empty');
  await imap.logout();
});
after(() => server.close());

/**
 * A session that fills mailboxes. Some messages have 8-bit header fields, which an IMAP4rev1
 * client may only APPEND with UTF8=ACCEPT enabled (RFC 9755 §4); the sessions under test do not.
 */
async function setupSession(): Promise<ImapDialog> {
  const imap = await ImapDialog.login(port, USER);
  await imap.ok('ENABLE UTF8=ACCEPT');
  return imap;
}

async function append(imap: ImapDialog, mailbox: string, message: string, options = ''): Promise<void> {
  const completion = await imap.append(mailbox, message, options);
  assert.match(completion, /^OK/, completion);
}

/** A session with `mailbox` opened (EXAMINE unless `select`), IMAP4rev2 when asked. */
async function open(
  mailbox: string,
  options: { select?: boolean; rev2?: boolean } = {},
): Promise<ImapDialog> {
  const imap = await ImapDialog.login(port, USER);
  if (options.rev2) await imap.ok('ENABLE IMAP4rev2');
  await imap.ok(`${options.select ? 'SELECT' : 'EXAMINE'} ${mailbox}`);
  return imap;
}

/** A fresh mailbox holding `messages`, for tests that change flags. */
async function freshMailbox(messages: string[]): Promise<string> {
  boxes += 1;
  const name = `Box${boxes}`;
  const imap = await setupSession();
  await imap.ok(`CREATE ${name}`);
  for (const message of messages) await append(imap, name, message);
  await imap.logout();
  return name;
}

const short = (n: number): string => `From: s@example.com\r\nSubject: m${n}\r\n\r\nbody ${n}\r\n`;

// A small parser for FETCH responses: strings, literals, NIL, atoms and lists.
type Value = string | null | Value[];

function parseList(text: string, at: { i: number }): Value[] {
  const out: Value[] = [];
  assert.equal(text[at.i], '(', `list expected at ${at.i}: ${text.slice(at.i, at.i + 40)}`);
  at.i += 1;
  for (;;) {
    while (text[at.i] === ' ') at.i += 1;
    if (text[at.i] === ')') {
      at.i += 1;
      return out;
    }
    assert.ok(at.i < text.length, 'unterminated list');
    out.push(parseValue(text, at));
  }
}

function parseValue(text: string, at: { i: number }): Value {
  const c = text[at.i];
  if (c === '(') return parseList(text, at);
  if (c === '"') {
    let s = '';
    at.i += 1;
    while (text[at.i] !== '"') {
      if (text[at.i] === '\\') at.i += 1;
      s += text[at.i];
      at.i += 1;
    }
    at.i += 1;
    return s;
  }
  if (c === '{') {
    const m = /^\{(\d+)\}\r\n/.exec(text.slice(at.i));
    assert.ok(m, `bad literal at ${text.slice(at.i, at.i + 20)}`);
    const start = at.i + m[0].length;
    at.i = start + Number(m[1]);
    return text.slice(start, at.i);
  }
  // An atom; a section `[...]` may hold spaces and parentheses, and a `<n>` may follow it.
  let s = '';
  while (at.i < text.length && !' ()'.includes(text[at.i]!)) {
    if (text[at.i] === '[' && /^(BODY|BINARY)/i.test(s)) {
      const end = text.indexOf(']', at.i);
      s += text.slice(at.i, end + 1);
      at.i = end + 1;
    } else {
      s += text[at.i];
      at.i += 1;
    }
  }
  return s === 'NIL' ? null : s;
}

/** The items of one `* n FETCH (...)` line, by name as the server wrote them. */
function items(line: string): Map<string, Value> {
  const m = /^\* \d+ FETCH /.exec(line);
  assert.ok(m, `not a FETCH response: ${line}`);
  const at = { i: m[0].length };
  const list = parseList(line, at);
  assert.equal(at.i, line.length, `trailing data after the FETCH list: ${line.slice(at.i)}`);
  assert.equal(list.length % 2, 0, `odd item list: ${line}`);
  const out = new Map<string, Value>();
  for (let i = 0; i < list.length; i += 2) out.set(String(list[i]).toUpperCase(), list[i + 1]!);
  return out;
}

/** The FETCH responses of a command that must complete OK, parsed, keyed by sequence number. */
async function fetch(imap: ImapDialog, command: string): Promise<Map<number, Map<string, Value>>> {
  const { untagged } = await imap.ok(command);
  const out = new Map<number, Map<string, Value>>();
  for (const line of untagged.filter((l) => / FETCH \(/.test(l))) {
    const seq = Number(/^\* (\d+) FETCH/.exec(line)![1]);
    const parsed = items(line);
    out.set(seq, new Map([...(out.get(seq) ?? []), ...parsed]));
  }
  return out;
}

/** One item of one message. */
async function item(
  imap: ImapDialog,
  command: string,
  seq: number,
  name: string,
): Promise<Value | undefined> {
  return (await fetch(imap, command)).get(seq)?.get(name.toUpperCase());
}

/** The numbers of the one `* SEARCH` response of a command. */
async function searched(imap: ImapDialog, command: string): Promise<number[]> {
  const { untagged } = await imap.ok(command);
  const lines = untagged.filter((l) => /^\* SEARCH\b/.test(l));
  assert.equal(lines.length, 1, `${command}: ${untagged.join(' | ')}`);
  return lines[0]!.slice('* SEARCH'.length).trim().split(' ').filter(Boolean).map(Number);
}

const lineCount = (s: string): number => s.split('\r\n').length - 1;

describe('body sections and partials (EXAMINE INBOX)', () => {
  let imap: ImapDialog;
  before(async () => {
    imap = await open('INBOX');
  });
  after(() => imap.logout());

  test('an origin past the end gives an empty string, with the origin echoed', async () => {
    // RFC 3501 §6.4.5: "If the starting octet is beyond the end of the text, an empty string is
    // returned." RFC 9051 §7.5.2 / §9 msg-att-static: BODY section ["<" number ">"] SP nstring.
    const { untagged } = await imap.ok('FETCH 1 (BODY.PEEK[]<1000.5>)');
    assert.equal(untagged.length, 1, untagged.join(' | '));
    assert.match(untagged[0]!, /^\* 1 FETCH \(BODY\[\]<1000> (""|\{0\}\r\n)\)$/);
    // The origin exactly at the end is also beyond the last octet.
    const size = Buffer.byteLength(SIMPLE);
    assert.equal(
      await item(
        imap,
        `FETCH 1 BODY.PEEK[TEXT]<${SIMPLE_BODY.length}.10>`,
        1,
        `BODY[TEXT]<${SIMPLE_BODY.length}>`,
      ),
      '',
    );
    assert.equal(await item(imap, `FETCH 1 BODY.PEEK[]<${size}.1>`, 1, `BODY[]<${size}>`), '');
  });

  test('a partial is cut at the end of the text, and only the origin comes back', async () => {
    // RFC 3501 §6.4.5: "Any partial fetch that attempts to read beyond the end of the text is
    // truncated as appropriate"; §7.4.2 / RFC 9051 §9: the response names only the origin.
    assert.equal(await item(imap, 'FETCH 1 BODY.PEEK[TEXT]<5.3>', 1, 'BODY[TEXT]<5>'), 'one');
    assert.equal(
      await item(imap, 'FETCH 1 BODY.PEEK[TEXT]<20.1000>', 1, 'BODY[TEXT]<20>'),
      SIMPLE_BODY.slice(20),
    );
    assert.equal(await item(imap, 'FETCH 1 BODY.PEEK[]<0.4>', 1, 'BODY[]<0>'), 'From');
  });

  test('a partial without a length, or of length zero, is a syntax error', async () => {
    // RFC 9051 §9 / RFC 3501 §9: partial = "<" number "." nz-number ">".
    await imap.expect('FETCH 1 (BODY.PEEK[]<10>)', 'BAD');
    await imap.expect('FETCH 1 (BODY.PEEK[]<0.0>)', 'BAD');
  });

  test('HEADER.FIELDS: names match case-insensitively, folded fields whole, the blank line kept', async () => {
    // RFC 3501 §6.4.5: "The field-matching is case-insensitive but otherwise exact. Subsetting does
    // not exclude the [RFC-2822] delimiting blank line between the header and the body".
    const expected = 'Subject: first line\r\n continued here\r\n\r\n';
    const got = await fetch(imap, 'FETCH 1 (BODY.PEEK[HEADER.FIELDS (sUbJeCt x-mixed-CASE)])');
    const [name, value] = [...got.get(1)!][0]!;
    assert.match(name!, /^BODY\[HEADER\.FIELDS \(SUBJECT X-MIXED-CASE\)\]$/i);
    assert.equal(value, 'Subject: first line\r\n continued here\r\nX-Mixed-Case: yes\r\n\r\n');
    const only = await fetch(imap, 'FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])');
    assert.equal([...only.get(1)!.values()][0], expected);
    // A field that is not there: still the blank line.
    const none = await fetch(imap, 'FETCH 1 (BODY.PEEK[HEADER.FIELDS (X-Absent)])');
    assert.equal([...none.get(1)!.values()][0], '\r\n');
  });

  test('HEADER.FIELDS names may be quoted strings or literals (header-fld-name = astring)', async () => {
    // RFC 9051 §9: header-list = "(" header-fld-name *(SP header-fld-name) ")"; header-fld-name = astring.
    const tag = imap.nextTag();
    imap.write(`${tag} FETCH 1 (BODY.PEEK[HEADER.FIELDS ("Subject" {10+}\r\nMessage-ID)])\r\n`);
    const { untagged, tagged } = await imap.until(tag);
    assert.match(tagged, new RegExp(`^${tag} OK`), tagged);
    assert.equal(untagged.length, 1, untagged.join(' | '));
    const [value] = [...items(untagged[0]!).values()];
    assert.equal(value, 'Subject: first line\r\n continued here\r\nMessage-ID: <m1@example.com>\r\n\r\n');
  });

  test('HEADER.FIELDS with a partial takes the octets of the subset', async () => {
    // RFC 3501 §6.4.5: the partial applies to the section's text, here the subset of the header.
    const got = await fetch(imap, 'FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)]<9.10>)');
    const [name, value] = [...got.get(1)!][0]!;
    assert.match(name!, /^BODY\[HEADER\.FIELDS \(SUBJECT\)\]<9>$/i);
    assert.equal(value, 'first line');
  });

  test('HEADER.FIELDS.NOT leaves out the named fields, case-insensitively, and keeps the blank line', async () => {
    // RFC 3501 §6.4.5: "the subset returned by HEADER.FIELDS.NOT contains only the header fields with
    // a non-matching field-name."
    const got = await fetch(imap, 'FETCH 1 (BODY.PEEK[HEADER.FIELDS.NOT (subject DATE From to MESSAGE-id)])');
    assert.equal([...got.get(1)!.values()][0], 'X-Mixed-Case: yes\r\n\r\n');
  });

  test('nested parts: message/rfc822 inside multipart/mixed, multipart/alternative inside it', async () => {
    // RFC 3501 §6.4.5 (the part-number example): a part of type MESSAGE/RFC822 has HEADER and TEXT
    // of the encapsulated message, and its parts are numbered under it; MIME is the part's own header.
    const got = (
      await fetch(
        imap,
        'FETCH 2 (BODY.PEEK[1] BODY.PEEK[2] BODY.PEEK[2.HEADER] BODY.PEEK[2.TEXT] BODY.PEEK[2.1] BODY.PEEK[2.2] ' +
          'BODY.PEEK[2.MIME] BODY.PEEK[2.1.MIME] BODY.PEEK[2.HEADER.FIELDS (SUBJECT)] BODY.PEEK[3])',
      )
    ).get(2)!;
    const [innerHeader, innerText] = [
      INNER.slice(0, INNER.indexOf('\r\n\r\n') + 4),
      INNER.slice(INNER.indexOf('\r\n\r\n') + 4),
    ];
    assert.equal(got.get('BODY[1]'), 'hello\r\nworld\r\n');
    assert.equal(got.get('BODY[2]'), INNER, 'the whole encapsulated message, header included');
    assert.equal(got.get('BODY[2.HEADER]'), innerHeader);
    assert.equal(got.get('BODY[2.TEXT]'), innerText);
    assert.equal(got.get('BODY[2.1]'), 'plain body\r\n');
    assert.equal(got.get('BODY[2.2]'), '<p>html</p>\r\n');
    assert.equal(got.get('BODY[2.MIME]'), 'Content-Type: message/rfc822\r\nContent-Description: fwd\r\n\r\n');
    assert.equal(got.get('BODY[2.1.MIME]'), 'Content-Type: text/plain; charset=utf-8\r\n\r\n');
    assert.equal(got.get('BODY[2.HEADER.FIELDS (SUBJECT)]'), 'Subject: inner subj\r\n\r\n');
    assert.equal(got.get('BODY[3]'), 'AAEC\r\n');
  });

  test('a non-multipart message has a part 1, which is its body', async () => {
    // RFC 3501 §6.4.5: "Non-[MIME-IMB] messages, and non-multipart [MIME-IMB] messages with no
    // encapsulated message, only have a part 1."
    const got = (await fetch(imap, 'FETCH 1 (BODY.PEEK[1] BODY.PEEK[TEXT])')).get(1)!;
    assert.equal(got.get('BODY[1]'), SIMPLE_BODY);
    assert.equal(got.get('BODY[TEXT]'), SIMPLE_BODY);
  });

  test('MIME without a part number, and part 0, are syntax errors', async () => {
    // RFC 3501 §6.4.5: "The MIME part specifier MUST be prefixed by one or more numeric part
    // specifiers." RFC 9051 §9: section-part = nz-number *("." nz-number).
    await imap.expect('FETCH 1 (BODY.PEEK[MIME])', 'BAD');
    await imap.expect('FETCH 1 (BODY.PEEK[0])', 'BAD');
    await imap.expect('FETCH 2 (BODY.PEEK[2.0.1])', 'BAD');
  });

  test('a message with no body and no blank line: the header has no blank line, TEXT is empty', async () => {
    // RFC 9051 §7.5.2: "the blank line is always included as part of the header data, except in the
    // case of a message that has no body and no blank line."
    const got = (
      await fetch(imap, 'FETCH 4 (BODY.PEEK[HEADER] BODY.PEEK[TEXT] BODY.PEEK[] RFC822.SIZE)')
    ).get(4)!;
    assert.equal(got.get('BODY[]'), HEADER_ONLY);
    assert.equal(got.get('BODY[HEADER]'), HEADER_ONLY);
    assert.equal(got.get('BODY[TEXT]'), '');
    assert.equal(got.get('RFC822.SIZE'), String(HEADER_ONLY.length));
  });

  test('FAST, ALL and FULL expand to their items', async () => {
    // RFC 9051 §6.4.5: ALL = (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE), FAST = (FLAGS INTERNALDATE
    // RFC822.SIZE), FULL = (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY).
    const names = async (macro: string) => [...(await fetch(imap, `FETCH 1 ${macro}`)).get(1)!.keys()].sort();
    assert.deepEqual(await names('FAST'), ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE']);
    assert.deepEqual(await names('ALL'), ['ENVELOPE', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE']);
    assert.deepEqual(await names('FULL'), ['BODY', 'ENVELOPE', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE']);
  });
});

describe('BODYSTRUCTURE and ENVELOPE (EXAMINE INBOX)', () => {
  let imap: ImapDialog;
  before(async () => {
    imap = await open('INBOX');
  });
  after(() => imap.logout());

  test('no Content-Type: TEXT/PLAIN, 7BIT, size and line count of the body', async () => {
    // RFC 2045 §5.2 (default text/plain; charset=us-ascii), §6.1 (default 7BIT); RFC 9051 §7.5.2:
    // body size in octets, and for TEXT "the size of the body in text lines".
    const s = (await item(imap, 'FETCH 1 BODYSTRUCTURE', 1, 'BODYSTRUCTURE')) as Value[];
    assert.equal(String(s[0]).toUpperCase(), 'TEXT');
    assert.equal(String(s[1]).toUpperCase(), 'PLAIN');
    assert.equal(String(s[5]).toUpperCase(), '7BIT');
    assert.equal(s[6], String(SIMPLE_BODY.length));
    assert.equal(s[7], '3');
  });

  test('multipart/mixed with message/rfc822 and multipart/alternative: sizes and lines agree with the parts', async () => {
    // RFC 9051 §7.5.2: body size is the octets of the part's body as sent in BODY[n]; MESSAGE/RFC822
    // carries the envelope, body structure and "size in text lines of the encapsulated message".
    const got = (
      await fetch(
        imap,
        'FETCH 2 (BODYSTRUCTURE BODY.PEEK[1] BODY.PEEK[2] BODY.PEEK[2.1] BODY.PEEK[2.2] BODY.PEEK[3])',
      )
    ).get(2)!;
    const s = got.get('BODYSTRUCTURE') as Value[];
    const [text, message, attachment, subtype] = s as [Value[], Value[], Value[], string];
    assert.equal(subtype.toUpperCase(), 'MIXED');
    assert.equal(text[6], String((got.get('BODY[1]') as string).length));
    assert.equal(text[7], String(lineCount(got.get('BODY[1]') as string)));
    assert.equal(String(message[0]).toUpperCase(), 'MESSAGE');
    assert.equal(String(message[1]).toUpperCase(), 'RFC822');
    assert.equal(message[4], 'fwd', 'body description');
    assert.equal(message[6], String((got.get('BODY[2]') as string).length));
    const envelope = message[7] as Value[];
    assert.equal(envelope[1], 'inner subj', 'the envelope of the encapsulated message');
    const inner = message[8] as Value[];
    assert.equal(String(inner[2]).toUpperCase(), 'ALTERNATIVE');
    const [plain, html] = inner as [Value[], Value[]];
    assert.equal(String(plain[1]).toUpperCase(), 'PLAIN');
    assert.equal(plain[6], String((got.get('BODY[2.1]') as string).length));
    assert.equal(plain[7], String(lineCount(got.get('BODY[2.1]') as string)));
    assert.equal(String(html[1]).toUpperCase(), 'HTML');
    assert.equal(html[6], String((got.get('BODY[2.2]') as string).length));
    assert.equal(
      message[9],
      String(lineCount(got.get('BODY[2]') as string)),
      'lines of the encapsulated message',
    );
    assert.equal(String(attachment[5]).toUpperCase(), 'BASE64');
    assert.equal(attachment[6], String((got.get('BODY[3]') as string).length));
    // body-fld-param: attribute/value pairs (RFC 9051 §9: "(" string SP string *(SP string SP string) ")" / nil).
    const params = attachment[2];
    assert.ok(params === null || (Array.isArray(params) && params.length % 2 === 0 && params.length > 0));
  });

  test('ENVELOPE groups: start marker with the phrase, members, end marker (NIL NIL NIL NIL)', async () => {
    // RFC 9051 §7.5.2: group syntax is an address with hostname NIL; mailbox name NIL ends the group,
    // non-NIL starts it and holds the group name phrase.
    const e = (await item(imap, 'FETCH 3 ENVELOPE', 3, 'ENVELOPE')) as Value[];
    assert.deepEqual(e[5], [
      [null, null, 'undisclosed-recipients', null],
      [null, null, null, null],
    ]);
    assert.deepEqual(e[6], [
      [null, null, 'Friends', null],
      [null, null, 'a', 'example.com'],
      ['B b', null, 'b', 'example.org'],
      [null, null, null, null],
      [null, null, 'c', 'example.net'],
    ]);
  });

  test('ENVELOPE without From: from, sender, reply-to NIL; encoded words raw; absent fields NIL', async () => {
    // RFC 9051 §7.5.2: absent From/To/Cc/Bcc are NIL; absent Sender/Reply-To take the from member;
    // absent In-Reply-To and Message-ID are NIL. The subject is the header's string (RFC 2047
    // decoding is the client's: ENVELOPE is "computed ... by parsing the [RFC5322] header").
    const e = (await item(imap, 'FETCH 3 ENVELOPE', 3, 'ENVELOPE')) as Value[];
    assert.equal(e.length, 10);
    assert.equal(e[0], 'Fri, 15 Mar 2024 10:00:00 +0000');
    assert.equal(e[1], '=?UTF-8?B?Q2Fmw6k=?=');
    assert.equal(e[2], null, 'from');
    assert.equal(e[3], null, 'sender = from');
    assert.equal(e[4], null, 'reply-to = from');
    assert.equal(e[7], null, 'bcc');
    assert.equal(e[8], null, 'in-reply-to');
    assert.equal(e[9], null, 'message-id');
  });

  test('ENVELOPE: an empty Sender and an absent Reply-To take the from member; folded subject unfolded', async () => {
    // RFC 9051 §7.5.2: "If the Sender or Reply-To header fields are absent ... or are present but
    // empty, the server sets the corresponding member of the envelope to be the same value as the
    // from member"; absent Date is NIL.
    const e = (await item(imap, 'FETCH 5 ENVELOPE', 5, 'ENVELOPE')) as Value[];
    const from = [['Zed', null, 'zed', 'example.com']];
    assert.equal(e[0], null, 'no Date');
    assert.deepEqual(e[2], from);
    assert.deepEqual(e[3], from);
    assert.deepEqual(e[4], from);
    assert.equal(e[8], '<parent@example.com>');
    // RFC 5322 §2.2.3: unfolding removes the CRLF only.
    const simple = (await item(imap, 'FETCH 1 ENVELOPE', 1, 'ENVELOPE')) as Value[];
    assert.equal(simple[1], 'first line continued here');
    assert.equal(simple[9], '<m1@example.com>');
  });
});

describe('\\Seen and the RFC822 items', () => {
  test('BODY.PEEK[] leaves \\Seen alone; BODY[] sets it and reports the new FLAGS', async () => {
    // RFC 9051 §6.4.5: BODY[...] "The \Seen flag is implicitly set; if this causes the flags to
    // change, they SHOULD be included as part of the FETCH responses." BODY.PEEK: "without
    // implicitly setting the \Seen flag".
    const box = await freshMailbox([SIMPLE, SIMPLE]);
    const imap = await open(box, { select: true });
    try {
      const peek = await imap.ok('FETCH 1 BODY.PEEK[HEADER]');
      assert.ok(!peek.untagged.some((l) => /FLAGS/.test(l)), peek.untagged.join(' | '));
      assert.deepEqual(await item(imap, 'FETCH 1 FLAGS', 1, 'FLAGS'), []);
      const read = await fetch(imap, 'FETCH 1 BODY[TEXT]');
      assert.deepEqual(read.get(1)!.get('FLAGS'), ['\\Seen'], 'the implicit change is reported');
      assert.deepEqual(await item(imap, 'FETCH 1 FLAGS', 1, 'FLAGS'), ['\\Seen']);
      // A section of a part sets \Seen as well.
      await imap.ok('FETCH 2 BODY[1]');
      assert.deepEqual(await item(imap, 'FETCH 2 FLAGS', 2, 'FLAGS'), ['\\Seen']);
    } finally {
      await imap.logout();
    }
  });

  test('EXAMINE: BODY[] and RFC822.TEXT do not set \\Seen', async () => {
    // RFC 9051 §6.3.3 (EXAMINE): "No changes to the permanent state of the mailbox, including
    // per-user state, are permitted."
    const box = await freshMailbox([SIMPLE]);
    const imap = await open(box);
    try {
      await imap.ok('FETCH 1 (BODY[] RFC822.TEXT)');
      assert.deepEqual(await item(imap, 'FETCH 1 FLAGS', 1, 'FLAGS'), []);
    } finally {
      await imap.logout();
    }
    const again = await open(box, { select: true });
    try {
      assert.deepEqual(await item(again, 'FETCH 1 FLAGS', 1, 'FLAGS'), []);
    } finally {
      await again.logout();
    }
  });

  test('IMAP4rev1: RFC822, RFC822.HEADER, RFC822.TEXT are BODY[], BODY.PEEK[HEADER], BODY[TEXT]', async () => {
    // RFC 3501 §6.4.5: RFC822 ≡ BODY[] (response RFC822), RFC822.HEADER ≡ BODY.PEEK[HEADER],
    // RFC822.TEXT ≡ BODY[TEXT]; §7.4.2: each answered under its own name.
    const box = await freshMailbox([SIMPLE, SIMPLE]);
    const imap = await open(box, { select: true });
    try {
      const header = await fetch(imap, 'FETCH 1 RFC822.HEADER');
      assert.equal(header.get(1)!.get('RFC822.HEADER'), SIMPLE.slice(0, SIMPLE.indexOf('\r\n\r\n') + 4));
      assert.deepEqual(
        await item(imap, 'FETCH 1 FLAGS', 1, 'FLAGS'),
        [],
        'RFC822.HEADER does not set \\Seen',
      );
      const text = await fetch(imap, 'FETCH 1 RFC822.TEXT');
      assert.equal(text.get(1)!.get('RFC822.TEXT'), SIMPLE_BODY);
      assert.deepEqual(await item(imap, 'FETCH 1 FLAGS', 1, 'FLAGS'), ['\\Seen']);
      const whole = await fetch(imap, 'FETCH 2 (RFC822 RFC822.SIZE)');
      assert.equal(whole.get(2)!.get('RFC822'), SIMPLE);
      assert.equal(whole.get(2)!.get('RFC822.SIZE'), String(SIMPLE.length));
      assert.deepEqual(await item(imap, 'FETCH 2 FLAGS', 2, 'FLAGS'), ['\\Seen']);
    } finally {
      await imap.logout();
    }
  });

  test('IMAP4rev2: RFC822 items are refused, or answered as in IMAP4rev1', async () => {
    // RFC 9051 Appendix E: RFC822, RFC822.HEADER and RFC822.TEXT were deprecated (and are not in
    // §6.4.5's list); a server may refuse them (BAD), but if it answers, it must answer right.
    const imap = await open('INBOX', { rev2: true });
    try {
      const reply = await imap.command('FETCH 1 (RFC822.HEADER)');
      if (reply.tagged.startsWith('OK')) {
        assert.equal(reply.untagged.length, 1);
        assert.equal(
          items(reply.untagged[0]!).get('RFC822.HEADER'),
          SIMPLE.slice(0, SIMPLE.indexOf('\r\n\r\n') + 4),
        );
      } else {
        assert.match(reply.tagged, /^BAD /);
      }
    } finally {
      await imap.logout();
    }
  });
});

describe('more structures, octets and headers (a mailbox of their own)', () => {
  const TOP_RFC822 = crlf([
    'From: =?UTF-8?Q?Zo=C3=AB?= <zoe@example.com>',
    'Subject: top',
    'MIME-Version: 1.0',
    'Content-Type: message/rfc822',
    '',
    'From: deep@example.com',
    'Subject: deep',
    '',
    'deep body',
    'two',
    '',
  ]);
  const ALT_PART = crlf([
    '--b2',
    'Content-Type: text/plain',
    '',
    'alt plain',
    '',
    '--b2',
    'Content-Type: text/html',
    '',
    '<b>x</b>',
    '',
    '--b2--',
    '',
  ]);
  const MIXED_IN_MIXED = crlf([
    'From: a@example.com',
    'Subject: mixed2',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary=b1',
    '',
    '--b1',
    'Content-Type: multipart/alternative; boundary=b2',
    '',
    `${ALT_PART}`,
    '--b1',
    'Content-Type: message/rfc822',
    '',
    'From: "Smith, J" <j@example.com>',
    'Subject: fw',
    '',
    'fw body',
    '',
    '--b1--',
    '',
  ]);
  const UTF8 = crlf([
    'From: u@example.com',
    'Subject: Grüße aus München',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Grüße',
    'ÄÖÜ',
    '',
  ]);
  const HEADERS = crlf([
    'From: a@example.com',
    'To:',
    'Subject:',
    'X-A: 1',
    'X-A-B: 2',
    'Received: one',
    'X-Fold: a',
    '\tb',
    'Received: two',
    '',
    'body',
    '',
  ]);
  let imap: ImapDialog;
  before(async () => {
    const box = await freshMailbox([TOP_RFC822, MIXED_IN_MIXED, UTF8, HEADERS]);
    imap = await open(box);
  });
  after(() => imap.logout());

  /** The FETCH response of a command as octets (latin1), parsed: literal lengths are octet counts. */
  async function fetchOctets(command: string): Promise<Map<string, Value>> {
    const tag = imap.nextTag();
    imap.send(`${tag} ${command}`);
    const lines: string[] = [];
    for (;;) {
      const bytes = await imap.responseBytes();
      assert.ok(bytes, 'connection closed');
      const line = bytes.toString('latin1');
      if (line.startsWith(`${tag} `)) {
        assert.match(line, new RegExp(`^${tag} OK`), line);
        break;
      }
      lines.push(line);
    }
    assert.equal(lines.length, 1, lines.join(' | '));
    return items(lines[0]!);
  }
  const latin1 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

  test('a top-level message/rfc822: part 1 is the encapsulated message, 1.1 its body', async () => {
    // RFC 3501 §6.4.5: every message has at least one part number; a MESSAGE/RFC822 part has HEADER
    // and TEXT, and the parts of the encapsulated message below it (a non-multipart one has only 1).
    const got = (
      await fetch(
        imap,
        'FETCH 1 (BODY.PEEK[1] BODY.PEEK[1.HEADER] BODY.PEEK[1.TEXT] BODY.PEEK[1.1] BODYSTRUCTURE)',
      )
    ).get(1)!;
    const inner = 'From: deep@example.com\r\nSubject: deep\r\n\r\ndeep body\r\ntwo\r\n';
    assert.equal(got.get('BODY[1]'), inner);
    assert.equal(got.get('BODY[1.HEADER]'), 'From: deep@example.com\r\nSubject: deep\r\n\r\n');
    assert.equal(got.get('BODY[1.TEXT]'), 'deep body\r\ntwo\r\n');
    assert.equal(got.get('BODY[1.1]'), 'deep body\r\ntwo\r\n');
    // RFC 9051 §7.5.2: MESSAGE/RFC822 has envelope, body structure and lines after the basic fields.
    const s = got.get('BODYSTRUCTURE') as Value[];
    assert.equal(String(s[0]).toUpperCase(), 'MESSAGE');
    assert.equal(s[6], String(inner.length));
    assert.equal((s[7] as Value[])[1], 'deep');
    assert.equal((s[8] as Value[])[7], '2', 'lines of the encapsulated text');
    assert.equal(s[9], String(lineCount(inner)));
  });

  test('ENVELOPE display names keep their encoded words', async () => {
    // RFC 9051 §7.5.2: the envelope is computed by parsing the header; RFC 2047 decoding is left to
    // the client (the address structure holds the display name as written).
    const e = (await item(imap, 'FETCH 1 ENVELOPE', 1, 'ENVELOPE')) as Value[];
    assert.deepEqual(e[2], [['=?UTF-8?Q?Zo=C3=AB?=', null, 'zoe', 'example.com']]);
  });

  test('multipart inside multipart: BODY[1] is the inner multipart body, 2.1 the body of a forwarded text', async () => {
    // RFC 3501 §6.4.5 (example: 4 MULTIPART/MIXED, 4.1 IMAGE/GIF, 4.1.MIME, 4.2 MESSAGE/RFC822,
    // 4.2.HEADER, 4.2.TEXT, 4.2.1 TEXT/PLAIN).
    const got = (
      await fetch(
        imap,
        'FETCH 2 (BODY.PEEK[1] BODY.PEEK[1.MIME] BODY.PEEK[1.1] BODY.PEEK[1.2] BODY.PEEK[2.1] BODY.PEEK[2.TEXT] BODYSTRUCTURE)',
      )
    ).get(2)!;
    assert.equal(got.get('BODY[1]'), ALT_PART);
    assert.equal(got.get('BODY[1.MIME]'), 'Content-Type: multipart/alternative; boundary=b2\r\n\r\n');
    assert.equal(got.get('BODY[1.1]'), 'alt plain\r\n');
    assert.equal(got.get('BODY[1.2]'), '<b>x</b>\r\n');
    assert.equal(got.get('BODY[2.1]'), 'fw body\r\n');
    assert.equal(got.get('BODY[2.TEXT]'), 'fw body\r\n');
    const s = got.get('BODYSTRUCTURE') as Value[];
    const alt = s[0] as Value[];
    assert.equal(String(alt[2]).toUpperCase(), 'ALTERNATIVE');
    const fw = s[1] as Value[];
    assert.deepEqual((fw[7] as Value[])[2], [['Smith, J', null, 'j', 'example.com']]);
  });

  test('partials, sizes and literals count octets, not characters', async () => {
    // RFC 9051 §6.4.5: a partial is an octet position and a number of octets; §2.3.4: RFC822.SIZE is
    // in octets; §7.5.2: body size in octets; §4.3: a literal's count is of octets.
    const body = 'Grüße\r\nÄÖÜ\r\n';
    const got = await fetchOctets(
      'FETCH 3 (BODY.PEEK[TEXT]<2.2> BODY.PEEK[TEXT]<0.3> RFC822.SIZE BODYSTRUCTURE)',
    );
    assert.equal(got.get('BODY[TEXT]<2>'), latin1('ü'));
    assert.equal(got.get('BODY[TEXT]<0>'), latin1(body).slice(0, 3));
    assert.equal(got.get('RFC822.SIZE'), String(Buffer.byteLength(UTF8)));
    assert.equal((got.get('BODYSTRUCTURE') as Value[])[6], String(Buffer.byteLength(body)));
    const header = await fetchOctets('FETCH 3 (BODY.PEEK[HEADER.FIELDS (SUBJECT)]<9.6>)');
    assert.equal([...header.values()][0], latin1('Grüße').slice(0, 6));
    // SEARCH LARGER/SMALLER use the same octet size (RFC 9051 §6.4.4).
    const size = Buffer.byteLength(UTF8);
    assert.deepEqual(await searched(imap, `SEARCH 3 LARGER ${size - 1}`), [3]);
    assert.deepEqual(await searched(imap, `SEARCH 3 LARGER ${size}`), []);
    assert.deepEqual(await searched(imap, `SEARCH 3 SMALLER ${size + 1}`), [3]);
  });

  test('HEADER.FIELDS matches whole names, keeps repeated fields in order, drops folded lines with their field', async () => {
    // RFC 3501 §6.4.5: "The field-matching is case-insensitive but otherwise exact."
    const fields = await fetch(imap, 'FETCH 4 (BODY.PEEK[HEADER.FIELDS (x-a received)])');
    assert.equal([...fields.get(4)!.values()][0], 'X-A: 1\r\nReceived: one\r\nReceived: two\r\n\r\n');
    const not = await fetch(imap, 'FETCH 4 (BODY.PEEK[HEADER.FIELDS.NOT (X-FOLD X-A-B)])');
    assert.equal(
      [...not.get(4)!.values()][0],
      'From: a@example.com\r\nTo:\r\nSubject:\r\nX-A: 1\r\nReceived: one\r\nReceived: two\r\n\r\n',
    );
  });

  test('ENVELOPE: a To present but empty is NIL', async () => {
    // RFC 9051 §7.5.2: "If the From, To, Cc, and Bcc header fields are absent ... or are present but
    // empty, the corresponding member of the envelope is NIL."
    const e = (await item(imap, 'FETCH 4 ENVELOPE', 4, 'ENVELOPE')) as Value[];
    assert.equal(e[5], null);
    // A present but empty Subject: the empty string (§7.5.2; its note tolerates NIL).
    assert.ok(e[1] === '' || e[1] === null, String(e[1]));
  });

  test("commands and items are case-insensitive; the response names are the RFC's", async () => {
    // RFC 9051 §9 note: "all alphabetic characters are case insensitive"; §9 msg-att names.
    const got = await fetch(imap, 'fetch 4 (body.peek[header.fields (subject)] uid rfc822.size)');
    assert.deepEqual([...got.get(4)!.keys()], ['BODY[HEADER.FIELDS (SUBJECT)]', 'UID', 'RFC822.SIZE']);
    assert.deepEqual(await searched(imap, 'uid search uid 1:* larger 0 not deleted'), [1, 2, 3, 4]);
  });
});

describe('INTERNALDATE', () => {
  test("APPEND's date comes back in the date-time form, and date searches use the date shown", async () => {
    // RFC 9051 §9: date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone
    // DQUOTE; §6.3.12: the internal date SHOULD be set from APPEND's date-time; §6.4.4: ON/SINCE/
    // BEFORE compare the internal date "disregarding time and timezone".
    boxes += 1;
    const box = `Dated${boxes}`;
    const setup = await ImapDialog.login(port, USER);
    await setup.ok(`CREATE ${box}`);
    await append(setup, box, short(1), '" 1-Jan-2024 23:30:00 -0500"');
    await setup.logout();
    const imap = await open(box);
    try {
      const date = (await item(imap, 'FETCH 1 INTERNALDATE', 1, 'INTERNALDATE')) as string;
      const m =
        /^( \d|\d\d)-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-(\d{4}) (\d\d:\d\d:\d\d) ([+-]\d{4})$/.exec(
          date,
        );
      assert.ok(m, date);
      const iso = new Date(`${m[2]} ${m[1]!.trim()} ${m[3]} ${m[4]} GMT${m[5]}`);
      assert.equal(iso.getTime(), Date.parse('2024-01-02T04:30:00Z'), `the instant appended: ${date}`);
      const shown = `${m[1]!.trim()}-${m[2]}-${m[3]}`;
      assert.deepEqual(await searched(imap, `SEARCH ON ${shown}`), [1], `ON ${shown} (INTERNALDATE ${date})`);
      assert.deepEqual(await searched(imap, `SEARCH SINCE ${shown}`), [1]);
      assert.deepEqual(await searched(imap, `SEARCH BEFORE ${shown}`), []);
    } finally {
      await imap.logout();
    }
  });
});

describe('sequence sets and UID sets in FETCH', () => {
  test('FETCH 0 and FETCH 1:0 are syntax errors', async () => {
    // RFC 9051 §9: seq-number = nz-number / "*".
    const imap = await open('INBOX');
    try {
      await imap.expect('FETCH 0 FLAGS', 'BAD');
      await imap.expect('FETCH 1:0 FLAGS', 'BAD');
      await imap.expect('UID FETCH 0 FLAGS', 'BAD');
    } finally {
      await imap.logout();
    }
  });

  test('a sequence number beyond EXISTS is BAD; * and reversed ranges resolve', async () => {
    // RFC 9051 §9 (seq-number): "The server should respond with a tagged BAD response to a command
    // that uses a message sequence number greater than the number of messages in the selected
    // mailbox." "*" is the number of messages; 4:2 and 2:4 are equivalent (§9 seq-range).
    const imap = await open('INBOX');
    try {
      await imap.expect(`FETCH ${INBOX.length + 1} FLAGS`, 'BAD');
      const star = await fetch(imap, 'FETCH * UID');
      assert.deepEqual([...star.keys()], [INBOX.length]);
      const reversed = await fetch(imap, 'FETCH 4:2 UID');
      assert.deepEqual([...reversed.keys()].sort(), [2, 3, 4]);
      const starFirst = await fetch(imap, 'FETCH *:4 UID');
      assert.deepEqual([...starFirst.keys()].sort(), [4, 5]);
    } finally {
      await imap.logout();
    }
  });

  test('UID FETCH: unknown UIDs are ignored, n:* always includes the last message, UID always sent', async () => {
    // RFC 9051 §6.4.9: "A nonexistent unique identifier is ignored without any error message
    // generated"; "a UID range of 559:* always includes the UID of the last message in the
    // mailbox, even if 559 is higher than any assigned UID value"; the UID item is returned in
    // every FETCH response of a UID command.
    const imap = await open('INBOX');
    try {
      const none = await imap.ok('UID FETCH 100:200 FLAGS');
      assert.deepEqual(none.untagged, []);
      const last = await fetch(imap, 'UID FETCH 999:* FLAGS');
      assert.deepEqual([...last.keys()], [INBOX.length]);
      assert.equal(last.get(INBOX.length)!.get('UID'), String(INBOX.length));
      const some = await fetch(imap, 'UID FETCH 2,77,4 FLAGS');
      assert.deepEqual([...some.keys()].sort(), [2, 4]);
      for (const m of some.values()) assert.ok(m.has('UID'));
    } finally {
      await imap.logout();
    }
  });

  test('sets in any order, overlapping or repeated, name each message once, in ascending order', async () => {
    // RFC 9051 §6.4.8 and §9 (sequence-set): ranges in either order; the server answers each
    // message once. A mailbox with gaps in its UIDs (messages 3, 4 and 8 expunged), so sequence
    // numbers and UIDs differ.
    const box = await freshMailbox(Array.from({ length: 10 }, (_, i) => short(i + 1)));
    const setup = await open(box, { select: true });
    await setup.ok('STORE 3:4,8 +FLAGS (\\Deleted)');
    await setup.ok('EXPUNGE');
    await setup.logout();
    const uids = [1, 2, 5, 6, 7, 9, 10];
    const imap = await open(box);
    try {
      const order = async (command: string): Promise<[number, number][]> => {
        const { untagged } = await imap.ok(command);
        return untagged
          .filter((l) => / FETCH \(/.test(l))
          .map((l) => [Number(/^\* (\d+) FETCH/.exec(l)![1]), Number(items(l).get('UID'))]);
      };
      const bySeq = (seqs: number[]): [number, number][] => seqs.map((seq) => [seq, uids[seq - 1]!]);
      assert.deepEqual(await order('FETCH 5:2,3,1:2,7:* UID'), bySeq([1, 2, 3, 4, 5, 7]));
      assert.deepEqual(await order('FETCH 2:3,3:4,4:6 UID'), bySeq([2, 3, 4, 5, 6]));
      assert.deepEqual(await order('FETCH *,1,*:6 UID'), bySeq([1, 6, 7]));
      // UIDs 3, 4 and 8 are gone: ignored, and 4:1 is the same range as 1:4.
      assert.deepEqual(await order('UID FETCH 10,4:1,8:6,5 UID'), bySeq([1, 2, 3, 4, 5, 7]));
      assert.deepEqual(await order('UID FETCH 9:*,1:2,2:1 FLAGS'), bySeq([1, 2, 6, 7]));
    } finally {
      await imap.logout();
    }
  });

  test('empty mailbox: FETCH * is BAD, UID FETCH 1:* is OK with nothing', async () => {
    // RFC 9051 §9 (seq-number): the BAD "includes "*" if the selected mailbox is empty"; for UIDs,
    // "*" is then the mailbox's UIDNEXT, and nonexistent UIDs are ignored (§6.4.9).
    const imap = await open('Empty');
    try {
      await imap.expect('FETCH * FLAGS', 'BAD');
      await imap.expect('FETCH 1:* FLAGS', 'BAD');
      assert.deepEqual((await imap.ok('UID FETCH 1:* FLAGS')).untagged, []);
    } finally {
      await imap.logout();
    }
  });
});

describe('SEARCH', () => {
  test('sequence sets with *, reversed ranges, and UID n:* past the highest UID', async () => {
    // RFC 9051 §9: "*" is the largest number in use; seq-range in either order; §6.4.9: n:* always
    // includes the last message.
    const imap = await open('INBOX');
    try {
      assert.deepEqual(await searched(imap, 'SEARCH 4:2'), [2, 3, 4]);
      assert.deepEqual(await searched(imap, 'SEARCH *'), [5]);
      assert.deepEqual(await searched(imap, 'SEARCH *:4'), [4, 5]);
      assert.deepEqual(await searched(imap, 'UID SEARCH UID 999:*'), [5]);
      assert.deepEqual(await searched(imap, 'UID SEARCH UID *:999'), [5]);
      assert.deepEqual(await searched(imap, 'SEARCH UID 999:*'), [5]);
      assert.deepEqual(await searched(imap, 'UID SEARCH UID 100:200'), []);
    } finally {
      await imap.logout();
    }
  });

  test('OR and NOT over sequence sets, keys and parentheses', async () => {
    // RFC 9051 §6.4.4: OR <key1> <key2>, NOT <key>, a parenthesized list is an AND.
    const imap = await open('INBOX');
    try {
      assert.deepEqual(await searched(imap, 'SEARCH OR 1 5'), [1, 5]);
      assert.deepEqual(await searched(imap, 'SEARCH NOT 2:4'), [1, 5]);
      assert.deepEqual(await searched(imap, 'SEARCH NOT (1:3 NOT 2)'), [2, 4, 5]);
      assert.deepEqual(await searched(imap, 'SEARCH OR (1 SUBJECT first) (UID 5 SUBJECT nomatch)'), [1]);
      assert.deepEqual(await searched(imap, 'SEARCH OR NOT SUBJECT outer 2 2:3'), [2, 3]);
    } finally {
      await imap.logout();
    }
  });

  test('CHARSET UTF-8 with a synchronizing literal', async () => {
    // RFC 9051 §4.3 / §7.5: a synchronizing literal waits for the "+" continuation; §6.4.4 CHARSET.
    const imap = await open('INBOX');
    try {
      const needle = Buffer.from('continued', 'utf8');
      const tag = imap.nextTag();
      imap.send(`${tag} SEARCH CHARSET UTF-8 SUBJECT {${needle.length}}`);
      const cont = await imap.response();
      assert.match(cont!, /^\+/);
      imap.write(Buffer.concat([needle, Buffer.from('\r\n')]));
      const { untagged, tagged } = await imap.until(tag);
      assert.match(tagged, new RegExp(`^${tag} OK`));
      assert.deepEqual(untagged, ['* SEARCH 1']);
    } finally {
      await imap.logout();
    }
  });

  test('empty results: "* SEARCH" alone in IMAP4rev1, ESEARCH with only its correlator (and UID)', async () => {
    // RFC 3501 §7.2.5: mailbox-data "SEARCH" *(SP nz-number). RFC 4731 §3.1: no MIN/MAX/ALL when
    // nothing matches, but COUNT 0 is sent; the UID indicator is kept for UID SEARCH.
    const imap = await open('Empty');
    try {
      assert.deepEqual((await imap.ok('SEARCH ALL')).untagged, ['* SEARCH']);
      assert.deepEqual((await imap.ok('UID SEARCH ALL')).untagged, ['* SEARCH']);
      assert.equal(await esearch(imap, 'SEARCH RETURN (MIN MAX ALL) ALL'), '');
      assert.equal(await esearch(imap, 'UID SEARCH RETURN (MIN MAX COUNT) ALL'), 'UID COUNT 0');
      assert.equal(await esearch(imap, 'UID SEARCH RETURN () ALL'), 'UID');
    } finally {
      await imap.logout();
    }
  });

  test('IMAP4rev2: SEARCH answers ESEARCH, never SEARCH; UID in UID SEARCH results, empty or not', async () => {
    // RFC 9051 §6.4.4: without RETURN the server answers ESEARCH with ALL; §7.3.4 ESEARCH.
    const imap = await open('INBOX', { rev2: true });
    try {
      assert.equal(await esearch(imap, 'SEARCH 4:2'), 'ALL 2:4');
      assert.equal(await esearch(imap, 'UID SEARCH UID 999:*'), 'UID ALL 5');
      assert.equal(await esearch(imap, 'UID SEARCH SUBJECT nothing-like-this'), 'UID');
      assert.equal(await esearch(imap, 'SEARCH SUBJECT nothing-like-this'), '');
      const { untagged } = await imap.ok('SEARCH ALL');
      assert.ok(!untagged.some((l) => /^\* SEARCH\b/.test(l)), untagged.join(' | '));
    } finally {
      await imap.logout();
    }
  });

  test('IMAP4rev2: SEARCH RETURN (SAVE) feeds $ in FETCH, STORE and SEARCH', async () => {
    // RFC 9051 §6.4.4.1 / RFC 5182 §2: "$" names the saved result in any command taking a set.
    const box = await freshMailbox([short(1), short(2), short(3), short(4)]);
    const imap = await open(box, { select: true, rev2: true });
    try {
      assert.deepEqual((await imap.ok('SEARCH RETURN (SAVE) OR SUBJECT m4 SUBJECT m2')).untagged, []);
      const uids = await fetch(imap, 'UID FETCH $ UID');
      assert.deepEqual([...uids.keys()].sort(), [2, 4]);
      await imap.ok('STORE $ +FLAGS.SILENT (\\Flagged)');
      assert.equal(await esearch(imap, 'SEARCH FLAGGED'), 'ALL 2,4');
      assert.equal(await esearch(imap, 'UID SEARCH NOT $'), 'UID ALL 1,3');
    } finally {
      await imap.logout();
    }
  });
});

describe('STORE', () => {
  test('+FLAGS.SILENT sends no FETCH; -FLAGS of an absent flag changes nothing', async () => {
    // RFC 9051 §6.4.6: "+FLAGS.SILENT Equivalent to +FLAGS, but without returning a new value."
    const box = await freshMailbox([short(1), short(2)]);
    const imap = await open(box, { select: true });
    try {
      const silent = await imap.ok('STORE 1 +FLAGS.SILENT (\\Flagged $Work)');
      assert.deepEqual(silent.untagged, []);
      const removed = await fetch(imap, 'STORE 1 -FLAGS (\\Answered $Absent)');
      const flags = removed.get(1)?.get('FLAGS') as string[] | undefined;
      if (flags) assert.deepEqual([...flags].sort(), ['$Work', '\\Flagged']);
      assert.deepEqual(((await item(imap, 'FETCH 1 FLAGS', 1, 'FLAGS')) as string[]).sort(), [
        '$Work',
        '\\Flagged',
      ]);
      assert.deepEqual(await item(imap, 'FETCH 2 FLAGS', 2, 'FLAGS'), []);
      assert.deepEqual((await imap.ok('STORE 2 FLAGS.SILENT ()')).untagged, []);
    } finally {
      await imap.logout();
    }
  });

  test('keywords that are odd but valid atoms round-trip exactly and can be searched', async () => {
    // RFC 9051 §9: flag-keyword = atom; ATOM-CHAR is any CHAR but atom-specials ("(" ")" "{" SP
    // CTL "%" "*" DQUOTE "\" "]"), so "[", ",", ":", "&", "~", "!" and "'" are allowed.
    const box = await freshMailbox([short(1)]);
    const imap = await open(box, { select: true });
    const odd = ['foo[bar', 'a,b', 'x:y', 'Q&A', '$Junk~1', "it's!", 'a.b-c_d+e=f#g@h'];
    try {
      const stored = await fetch(imap, `STORE 1 +FLAGS (${odd.join(' ')})`);
      assert.deepEqual(((stored.get(1)!.get('FLAGS') as string[]) ?? []).sort(), [...odd].sort());
      assert.deepEqual(((await item(imap, 'FETCH 1 FLAGS', 1, 'FLAGS')) as string[]).sort(), [...odd].sort());
      for (const keyword of odd)
        assert.deepEqual(await searched(imap, `SEARCH KEYWORD ${keyword}`), [1], keyword);
      assert.deepEqual(await searched(imap, 'SEARCH UNKEYWORD foo[bar'), []);
      // "]" is a resp-special, not an ATOM-CHAR: a syntax error.
      await imap.expect('STORE 1 +FLAGS (a]b)', 'BAD');
    } finally {
      await imap.logout();
    }
  });

  test('STORE * in an empty mailbox is BAD; UID STORE of unknown UIDs is OK and silent', async () => {
    // RFC 9051 §9 (seq-number): BAD for a sequence number beyond EXISTS, "This includes "*" if the
    // selected mailbox is empty"; §6.4.9: a UID STORE may "return an OK without performing any
    // operations".
    const imap = await open('Empty', { select: true });
    try {
      await imap.expect('STORE * +FLAGS (\\Seen)', 'BAD');
      assert.deepEqual((await imap.ok('UID STORE 1:* +FLAGS (\\Seen)')).untagged, []);
    } finally {
      await imap.logout();
    }
    const other = await open('INBOX', { select: true });
    try {
      assert.deepEqual((await other.ok('UID STORE 900:950 +FLAGS (\\Seen)')).untagged, []);
    } finally {
      await other.logout();
    }
  });

  test('UID STORE responses carry the UID', async () => {
    // RFC 3501 §6.4.8: the UID data item is part of any FETCH response caused by a UID command.
    const box = await freshMailbox([short(1), short(2)]);
    const imap = await open(box, { select: true });
    try {
      const got = await fetch(imap, 'UID STORE 2 +FLAGS (\\Answered)');
      assert.equal(got.get(2)!.get('UID'), '2');
      assert.deepEqual(got.get(2)!.get('FLAGS'), ['\\Answered']);
    } finally {
      await imap.logout();
    }
  });

  test('STORE in a read-only (EXAMINEd) mailbox changes nothing and does not say OK', async () => {
    // RFC 9051 §6.3.3: EXAMINE allows no changes to the permanent state of the mailbox.
    const box = await freshMailbox([short(1)]);
    const imap = await open(box);
    try {
      const reply = await imap.command('STORE 1 +FLAGS (\\Flagged)');
      assert.match(reply.tagged, /^(NO|BAD) /);
      assert.deepEqual(await item(imap, 'FETCH 1 FLAGS', 1, 'FLAGS'), []);
    } finally {
      await imap.logout();
    }
  });
});

describe('responses caused by another session', () => {
  test('no EXPUNGE during FETCH, STORE or SEARCH; sequence numbers stay until NOOP', async () => {
    // RFC 9051 §7.5.1: "An EXPUNGE response MUST NOT be sent when no command is in progress, nor
    // while responding to a FETCH, STORE, or SEARCH command."
    const box = await freshMailbox([short(1), short(2), short(3)]);
    const a = await open(box, { select: true });
    const b = await open(box, { select: true });
    try {
      await b.ok('STORE 2 +FLAGS.SILENT (\\Deleted)');
      await b.ok('EXPUNGE');
      const f = await a.ok('FETCH 3 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])');
      assert.ok(!f.untagged.some((l) => / EXPUNGE$/.test(l)), f.untagged.join(' | '));
      assert.deepEqual(
        f.untagged.filter((l) => / FETCH /.test(l)),
        ['* 3 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {15}\r\nSubject: m3\r\n\r\n)'],
        'message 3 is still the third message',
      );
      const s = await a.ok('STORE 3 +FLAGS (\\Flagged)');
      assert.ok(!s.untagged.some((l) => / EXPUNGE$/.test(l)), s.untagged.join(' | '));
      const q = await a.ok('SEARCH ALL');
      assert.ok(!q.untagged.some((l) => / EXPUNGE$/.test(l)), q.untagged.join(' | '));
      assert.equal(await a.anythingWithin(200), false, 'nothing while no command is in progress');
      const n = await a.ok('NOOP');
      assert.ok(n.untagged.includes('* 2 EXPUNGE'), n.untagged.join(' | '));
      assert.deepEqual(await searched(a, 'SEARCH FLAGGED'), [2], 'the old third message is now the second');
    } finally {
      await a.logout();
      await b.logout();
    }
  });

  test("IMAP4rev2: an unsolicited FETCH for another session's flag change includes UID", async () => {
    // RFC 9051 §7.5.2 (UID): "If the server chooses to send unsolicited FETCH responses, they MUST
    // include UID FETCH item."
    const box = await freshMailbox([short(1), short(2)]);
    const a = await open(box, { select: true, rev2: true });
    const b = await open(box, { select: true });
    try {
      await b.ok('STORE 2 +FLAGS (\\Flagged)');
      await b.ok('FETCH 1 BODY[TEXT]');
      const { untagged } = await a.ok('NOOP');
      const fetches = untagged.filter((l) => / FETCH /.test(l));
      for (const line of fetches) assert.ok(items(line).has('UID'), line);
    } finally {
      await a.logout();
      await b.logout();
    }
  });
});
