/**
 * The client side of the examples of RFC 9051 §6 and §8 (and RFC 3501, and the extensions Loft
 * implements), framed and parsed as one pipelined stream, whole and in chunks of 1, 2, 4 … 512
 * bytes, with IDLE and AUTHENTICATE continuation lines read in the framer's line mode.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandFramer } from '../../../src/proto/imap/framer.ts';
import { type Command, type ParseResult, parseCommand } from '../../../src/proto/imap/parse/index.ts';
import { CHUNK_SIZES, show, split } from './helpers.ts';

interface Step {
  /** The command as the client sends it, literals included, without the final CRLF. */
  readonly c: string;
  /** Continuation lines the client sends after it (IDLE, AUTHENTICATE). */
  readonly lines?: readonly string[];
  /** Checks on the parsed command. */
  readonly check?: (cmd: Command) => void;
}

const message = [
  'Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)',
  'From: Fred Foobar <foobar@Blurdybloop.example>',
  'Subject: afternoon meeting',
  'To: mooch@owatagu.siam.edu.example',
  'Message-Id: <B27397-0100000@Blurdybloop.example>',
  'MIME-Version: 1.0',
  'Content-Type: TEXT/PLAIN; CHARSET=US-ASCII',
  '',
  'Hello Joe, do you think we can meet at 3:30 tomorrow?',
  '',
].join('\r\n');
const utf8Text = Buffer.from('Привет', 'utf8').toString('latin1');

const STEPS: readonly Step[] = [
  // RFC 9051 §8: the sample session
  {
    c: 'a001 login mrc secret',
    check: (c) => assert.deepEqual(c, { name: 'LOGIN', userid: 'mrc', password: 'secret' }),
  },
  { c: 'a002 select inbox', check: (c) => assert.equal(c.name === 'SELECT' && c.mailbox.utf8, 'INBOX') },
  { c: 'a003 fetch 12 full', check: (c) => assert.equal(c.name === 'FETCH' && c.macro, 'FULL') },
  {
    c: 'a004 fetch 12 body[header]',
    check: (c) => assert.equal(c.name === 'FETCH' && c.items[0]!.type, 'BODY[]'),
  },
  {
    c: 'a005 store 12 +flags \\deleted',
    check: (c) => assert.deepEqual(c.name === 'STORE' && c.flags, ['\\Deleted']),
  },
  // §6.1 any state
  { c: 'abcd CAPABILITY' },
  { c: 'a002 NOOP' },
  { c: 'a047 NOOP' },
  // §6.2 not authenticated
  { c: 'a002 STARTTLS' },
  {
    c: 'A001 AUTHENTICATE GSSAPI',
    lines: [
      'YIIB+wYJKoZIhvcSAQICAQBuggHqMIIB5qADAgEFoQMCAQ6iBwMFACAAAACjggEmYYIBIjCCAR6gAwIBBaESGxB1',
      '',
      'BQQF/wAAAAA=',
    ],
    check: (c) => assert.deepEqual(c, { name: 'AUTHENTICATE', mechanism: 'GSSAPI', initialResponse: null }),
  },
  {
    c: 'a01 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=',
    check: (c) =>
      assert.deepEqual(c.name === 'AUTHENTICATE' && c.initialResponse, Buffer.from('test\0test\0test')),
  },
  { c: 'a001 LOGIN SMITH SESAME' },
  {
    c: 'A001 LOGIN {11+}\r\nFRED FOOBAR {7+}\r\nfat man',
    check: (c) => assert.equal(c.name === 'LOGIN' && c.password, 'fat man'),
  },
  // §6.3 authenticated
  { c: 't2 ENABLE CONDSTORE X-GOOD-IDEA' },
  { c: 'A142 SELECT INBOX' },
  { c: 'A932 EXAMINE blurdybloop' },
  { c: 'A003 CREATE owatagusiam/' },
  { c: 'A004 CREATE owatagusiam/blurdybloop' },
  {
    c: 't1 CREATE "Everything" (USE (\\All))',
    check: (c) => assert.deepEqual(c.name === 'CREATE' && c.specialUse, ['\\All']),
  },
  { c: 'A682 LIST "" *' },
  { c: 'A683 DELETE blurdybloop' },
  { c: 'A685 DELETE foo/bar' },
  { c: 'A86 LIST "" %' },
  { c: 'A683 RENAME blurdybloop sarasoop' },
  { c: 'Z433 RENAME INBOX old-mail' },
  { c: 'A002 SUBSCRIBE #news.comp.mail.mime' },
  { c: 'A002 UNSUBSCRIBE #news.comp.mail.mime' },
  { c: 'A101 LIST "" ""' },
  { c: 'A102 LIST #news.comp.mail.misc ""' },
  { c: 'A103 LIST /usr/staff/jones ""' },
  { c: 'A202 LIST ~/Mail/ %' },
  { c: 'A02 LIST (SUBSCRIBED) "" "*"' },
  { c: 'A03 LIST () "" "%" RETURN (CHILDREN)' },
  { c: 'A04 LIST (REMOTE) "" "%" RETURN (CHILDREN)' },
  { c: 'A05 LIST (REMOTE SUBSCRIBED) "" "*"' },
  { c: 'A06 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (CHILDREN)' },
  { c: 'A07 LIST "" ("foo" "foo/*")', check: (c) => assert.equal(c.name === 'LIST' && c.patterns.length, 2) },
  { c: 'A01 LIST "" % RETURN (STATUS (MESSAGES UNSEEN))' },
  { c: 't1 LIST "" "%" RETURN (SPECIAL-USE)' },
  { c: 't3 LIST (SPECIAL-USE) "" "*"' },
  { c: 'A002 LSUB "#news." "comp.mail.*"' },
  { c: 'A003 LSUB "#news." "comp.%"' },
  { c: 'A001 NAMESPACE' },
  { c: 'A042 STATUS blurdybloop (UIDNEXT MESSAGES)' },
  {
    c: `A003 APPEND saved-messages (\\Seen) {${message.length}}\r\n${message}`,
    check: (c) => assert.equal(c.name === 'APPEND' && c.messages[0]!.data.toString(), message),
  },
  {
    c: `A004 APPEND saved-messages (\\Seen) {${message.length}}\r\n${message} (\\Seen) " 7-Feb-1994 22:43:04 -0800" {${message.length}+}\r\n${message}`,
    check: (c) => assert.equal(c.name === 'APPEND' && c.messages.length, 2),
  },
  {
    c: 'A005 APPEND Drafts (\\Draft) ~{5}\r\na\0\r\nb',
    check: (c) => assert.equal(c.name === 'APPEND' && c.messages[0]!.binary, true),
  },
  { c: 'A001 IDLE', lines: ['DONE'] },
  { c: 'a023 ID ("name" "sodr" "version" "19.34" "vendor" "Pink Floyd Music Limited")' },
  { c: 'a024 ID NIL' },
  // §6.4 selected
  { c: 'FXXZ CHECK' },
  { c: 'A341 CLOSE' },
  { c: 'A342 UNSELECT' },
  { c: 'A202 EXPUNGE' },
  { c: 'A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"' },
  { c: 'A283 SEARCH RETURN () FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"' },
  { c: 'A284 SEARCH TEXT "string not in mailbox"' },
  { c: `A285 SEARCH CHARSET UTF-8 TEXT {12}\r\n${utf8Text}` },
  { c: `A286 SEARCH CHARSET UTF-8 TEXT {12+}\r\n${utf8Text}` },
  { c: 'A287 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"' },
  { c: 'A282 SEARCH RETURN (SAVE) FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"' },
  {
    c: 'A283 FETCH $ (UID INTERNALDATE FLAGS RFC822.SIZE)',
    check: (c) => assert.deepEqual(c.name === 'FETCH' && c.set, { kind: 'saved' }),
  },
  { c: 'a SEARCH MODSEQ "/flags/\\\\draft" all 620162338' },
  { c: 'A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])' },
  { c: 't4 FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1]<0.100>)' },
  { c: 'a FETCH 1 (PREVIEW (LAZY))' },
  { c: 's100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)' },
  { c: 'A003 STORE 2:4 +FLAGS (\\Deleted)' },
  { c: 'a103 UID STORE 6,4,8 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT (\\Deleted)' },
  { c: 'A003 COPY 2:4 MEETING' },
  { c: 'a UID MOVE 42:69 foo' },
  { c: 'A999 UID FETCH 4827313:4828442 FLAGS' },
  { c: 'A003 UID EXPUNGE 3000:3002' },
  { c: 'A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))' },
  { c: 'A023 LOGOUT' },
];

type Outcome = ParseResult | { line: string } | { error: string };

/** Feeds the whole dialogue in chunks of `size` (or whole), as a session would. */
function run(size?: number): Outcome[] {
  const input = Buffer.from(
    STEPS.map((s) => [s.c, ...(s.lines ?? [])].map((l) => `${l}\r\n`).join('')).join(''),
    'latin1',
  );
  const framer = new CommandFramer();
  const out: Outcome[] = [];
  let linesLeft = 0;
  let commands = 0;
  for (const chunk of size === undefined ? [input] : split(input, size)) {
    framer.push(chunk);
    for (let e = framer.next(); e !== null; e = framer.next()) {
      if (e.kind === 'continue') continue;
      if (e.kind === 'error') {
        out.push({ error: e.reason });
      } else if (e.kind === 'line') {
        out.push({ line: e.line.toString('latin1') });
        if (--linesLeft === 0) framer.setMode('command');
      } else {
        const r = parseCommand(e.unit);
        out.push(r);
        // Each step is one command: its continuation lines follow in line mode.
        const step = STEPS[commands++];
        if (r.ok && (r.command.name === 'IDLE' || r.command.name === 'AUTHENTICATE') && step?.lines?.length) {
          linesLeft = step.lines.length;
          framer.setMode('line');
        }
      }
    }
  }
  return out;
}

describe('RFC examples', () => {
  const whole = run();

  it('parse every command, in order, with its continuation lines', () => {
    const expected = STEPS.flatMap((s) => [s.c, ...(s.lines ?? []).map((l) => `line:${l}`)]);
    assert.equal(whole.length, expected.length);
    let i = 0;
    for (const step of STEPS) {
      const r = whole[i++]!;
      assert.ok('ok' in r && r.ok, `${step.c}: ${show(r)}`);
      assert.equal(r.tag, step.c.split(' ')[0]);
      step.check?.(r.command);
      for (const line of step.lines ?? []) assert.deepEqual(whole[i++], { line });
    }
  });

  it('give identical results for every chunk size', () => {
    for (const size of CHUNK_SIZES) assert.deepEqual(run(size), whole, `chunk size ${size}`);
  });
});
