/**
 * Conformance transcripts for IMAP internationalisation and text search, against a real server:
 * modified UTF-7 mailbox names in IMAP4rev1 sessions (RFC 3501 §5.1.3), UTF-8 names in IMAP4rev2
 * sessions (RFC 9051 §5.1) with NFC normalisation, SEARCH CHARSET (RFC 3501 / RFC 9051 §6.4.4),
 * and BODY / TEXT / SUBJECT / FROM / HEADER matching on decoded text: quoted-printable and base64
 * bodies, ISO-8859-1 / windows-1252 / UTF-16 / ISO-2022-JP charsets, RFC 2047 encoded words,
 * multipart messages, 1- and 2-character needles, and the same answers before and after the
 * background indexer ran. Each assertion names the RFC text it checks; only requirements (MUST,
 * grammar, defined results) are asserted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { sendOne } from '../helpers/smtp-send.ts';
import { type Exchange, ImapDialog } from './dialog.ts';
import { expandSet } from './responses.ts';

let server: TestServer;
let port: number;
let userCount = 0;

async function freshUser(): Promise<string> {
  userCount += 1;
  const address = `i18n${userCount}@loft.test`;
  await provision(server, [], [address]);
  return address;
}

async function login(user: string, rev2 = false): Promise<ImapDialog> {
  const imap = await ImapDialog.login(port, user);
  if (rev2) await imap.ok('ENABLE IMAP4rev2');
  return imap;
}

type Piece = string | Buffer;

/** A non-synchronizing literal (RFC 7888 LITERAL+, advertised) holding `data`. */
function lit(data: Piece): Buffer {
  const bytes = Buffer.from(data);
  return Buffer.concat([Buffer.from(`{${bytes.length}+}\r\n`), bytes]);
}

/** Writes one tagged command made of `pieces` (strings are UTF-8) and reads to its completion. */
async function run(imap: ImapDialog, ...pieces: Piece[]): Promise<Exchange> {
  const tag = imap.nextTag();
  imap.write(
    Buffer.concat([Buffer.from(`${tag} `), ...pieces.map((p) => Buffer.from(p)), Buffer.from('\r\n')]),
  );
  const exchange = await imap.until(tag);
  return { untagged: exchange.untagged, tagged: exchange.tagged.slice(tag.length + 1) };
}

/** Writes several commands in one write and reads each completion, in order. */
async function pipelined(imap: ImapDialog, commands: Piece[][]): Promise<Exchange[]> {
  const tags: string[] = [];
  const bytes: Buffer[] = [];
  for (const pieces of commands) {
    const tag = imap.nextTag();
    tags.push(tag);
    bytes.push(
      Buffer.concat([Buffer.from(`${tag} `), ...pieces.map((p) => Buffer.from(p)), Buffer.from('\r\n')]),
    );
  }
  imap.write(Buffer.concat(bytes));
  const out: Exchange[] = [];
  for (const tag of tags) {
    const { untagged, tagged } = await imap.until(tag);
    out.push({ untagged, tagged: tagged.slice(tag.length + 1) });
  }
  return out;
}

/** The message numbers of a SEARCH (IMAP4rev1 `* SEARCH`, IMAP4rev2 `* ESEARCH … ALL`). */
function numbersOf(exchange: Exchange, what: string): number[] {
  assert.match(exchange.tagged, /^OK\b/, `${what} → ${exchange.tagged}`);
  const search = exchange.untagged.filter((l) => l.startsWith('* SEARCH'));
  const esearch = exchange.untagged.filter((l) => l.startsWith('* ESEARCH'));
  assert.equal(search.length + esearch.length, 1, `${what}: ${exchange.untagged.join(' | ')}`);
  if (search.length === 1) {
    return search[0]!
      .slice('* SEARCH'.length)
      .trim()
      .split(' ')
      .filter((x) => x !== '')
      .map(Number)
      .sort((a, b) => a - b);
  }
  const all = / ALL (\S+)/.exec(esearch[0]!);
  return all ? expandSet(all[1]!).sort((a, b) => a - b) : [];
}

/** Mailbox names of the LIST/LSUB responses (quoted, atom or literal form), unescaped. */
function listNames(exchange: Exchange): string[] {
  const out: string[] = [];
  for (const line of exchange.untagged) {
    const head = /^\* (?:LIST|LSUB) \([^)]*\) (?:"(?:[^"\\]|\\.)"|NIL) /.exec(line);
    if (!head) continue;
    const rest = line.slice(head[0].length);
    const literal = /^\{(\d+)\+?\}\r\n/.exec(rest);
    if (literal) {
      const bytes = Buffer.from(rest.slice(literal[0].length));
      out.push(bytes.subarray(0, Number(literal[1])).toString('utf8'));
      continue;
    }
    const quoted = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
    out.push(quoted ? quoted[1]!.replace(/\\(.)/g, '$1') : rest.split(' ')[0]!);
  }
  return out;
}

async function names(imap: ImapDialog, command = 'LIST "" "*"'): Promise<string[]> {
  const exchange = await imap.ok(command);
  return listNames(exchange);
}

before(async () => {
  server = await startTestServer();
  await provision(server, ['loft.test'], []);
  port = server.ports.imap!;
});
after(() => server.close());

describe('mailbox names: modified UTF-7 (IMAP4rev1) and UTF-8 (IMAP4rev2)', () => {
  test('a modified UTF-7 name created in IMAP4rev1 is the UTF-8 name in IMAP4rev2', async () => {
    const user = await freshUser();
    const rev1 = await login(user);
    const rev2 = await login(user, true);
    try {
      // RFC 3501 §5.1.3: non-ASCII characters are modified BASE64 of UTF-16 between "&" and "-";
      // "+" is part of the BASE64 alphabet, surrogate pairs encode characters outside the BMP.
      await rev1.ok('CREATE "R&AOk-pertoire"');
      await rev1.ok('CREATE "&BBIERQQ+BDQETwRJBDgENQ-"');
      await rev1.ok('CREATE "&2D3eAA-"');
      await rev1.ok('CREATE "&AOkA6Q-"');
      // RFC 9051 §5.1: in IMAP4rev2 mailbox names are Net-Unicode (UTF-8), not modified UTF-7.
      const listed = await names(rev2);
      for (const name of ['Répertoire', 'Входящие', '😀', 'éé']) {
        assert.ok(listed.includes(name), `${name} in ${listed.join(', ')}`);
      }
      assert.ok(!listed.includes('R&AOk-pertoire'), `no modified UTF-7 in IMAP4rev2: ${listed.join(', ')}`);
      // The same mailbox under both spellings: APPEND by one name, STATUS by the other.
      await rev2.ok('APPEND "Répertoire" {12+}\r\nSubject: x\r\n');
      const status = await rev1.ok('STATUS "R&AOk-pertoire" (MESSAGES)');
      assert.match(status.untagged.join('\n'), /\(MESSAGES 1\)/);
    } finally {
      await rev1.logout();
      await rev2.logout();
    }
  });

  test('a UTF-8 name created in IMAP4rev2 is sent to IMAP4rev1 in modified UTF-7, 7-bit only', async () => {
    const user = await freshUser();
    const rev1 = await login(user);
    const rev2 = await login(user, true);
    try {
      await rev2.ok('CREATE "Répertoire/日本語/😀"');
      await rev2.ok('CREATE "Ͽ-sigma"');
      const exchange = await rev1.ok('LIST "" "*"');
      // RFC 6855 §3: the server MUST NOT send UTF-8 in quoted strings unless the client enabled it
      // (RFC 3501 §9: quoted strings are 7-bit CHARs).
      for (const line of exchange.untagged)
        assert.doesNotMatch(line, /[^\x00-\x7f]/, `8-bit in IMAP4rev1: ${line}`);
      const listed = listNames(exchange);
      // RFC 3501 §5.1.3: UTF-16 in modified BASE64, "," instead of "/", no "=" padding, a run ends
      // with "-" (so "Ͽ-sigma" is "&A,8-" followed by the literal "-sigma"); one run per sequence.
      assert.ok(listed.includes('R&AOk-pertoire/&ZeVnLIqe-/&2D3eAA-'), listed.join(', '));
      assert.ok(listed.includes('&A,8--sigma'), listed.join(', '));
      // The encoded name works in IMAP4rev1 commands (RFC 3501 §5.1.3).
      await rev1.ok('SELECT "R&AOk-pertoire/&ZeVnLIqe-/&2D3eAA-"');
      const sub = await names(rev1, 'LIST "R&AOk-pertoire/" "%"');
      assert.deepEqual(sub, ['R&AOk-pertoire/&ZeVnLIqe-']);
      // LSUB too (RFC 3501 §6.3.9 returns names as LIST does).
      await rev2.ok('SUBSCRIBE "Ͽ-sigma"');
      assert.ok((await names(rev1, 'LSUB "" "*"')).includes('&A,8--sigma'));
    } finally {
      await rev1.logout();
      await rev2.logout();
    }
  });

  test('"&" is "&-" in modified UTF-7, a plain "&" in UTF-8', async () => {
    const user = await freshUser();
    const rev1 = await login(user);
    const rev2 = await login(user, true);
    try {
      // RFC 3501 §5.1.3: 'The character "&" (0x26) is represented by the two-octet sequence "&-".'
      await rev1.ok('CREATE "Tom &- Jerry"');
      await rev2.ok('CREATE "R&D"');
      const utf8 = await names(rev2);
      assert.ok(utf8.includes('Tom & Jerry'), utf8.join(', '));
      assert.ok(utf8.includes('R&D'), utf8.join(', '));
      const mutf7 = await names(rev1);
      assert.ok(mutf7.includes('R&-D'), mutf7.join(', '));
      assert.ok(mutf7.includes('Tom &- Jerry'), mutf7.join(', '));
      await rev1.ok('SELECT "R&-D"');
      // "é&" is "&AOk-&-": the "-&" here ends BASE64 and starts "&-", it is not a null shift
      // (RFC 3501 §5.1.3: 'note that "&-" while in US-ASCII means "&"').
      await rev2.ok('CREATE "é&"');
      assert.ok((await names(rev1)).includes('&AOk-&-'));
      await rev1.ok('CREATE "&AOk-&-x"');
      assert.ok((await names(rev2)).includes('é&x'));
      // In IMAP4rev2 "&" is an ordinary character (RFC 9051 §5.1: names are UTF-8, not modified
      // UTF-7), so "&AGE-" is a five-character name, not "a"; IMAP4rev1 sees it as "&-AGE-".
      await rev2.ok('CREATE "a"');
      await rev2.ok('CREATE "&AGE-"');
      assert.ok((await names(rev2)).includes('&AGE-'));
      assert.ok((await names(rev1)).includes('&-AGE-'));
    } finally {
      await rev1.logout();
      await rev2.logout();
    }
  });

  test('invalid modified UTF-7 names are refused in IMAP4rev1', async () => {
    const user = await freshUser();
    const rev1 = await login(user);
    try {
      const invalid = [
        '&', // "&" must be "&-" (RFC 3501 §5.1.3)
        '&Jjo', // no implicit shift back to US-ASCII; names MUST end in US-ASCII (§5.1.3)
        'x&AOk', // ends inside modified BASE64 (§5.1.3 "MUST end with a -")
        '&AGE-', // "a": modified BASE64 MUST NOT represent a printable US-ASCII character (§5.1.3)
        '&ACA-', // a space: printable US-ASCII (0x20-0x25, 0x27-0x7e) represents itself (§5.1.3)
        '&AH4-', // "~" (0x7e), printable, likewise
        '&ACY-', // "&" itself encoded: it can represent itself as "&-" (§5.1.3)
        '&AOk-&AOk-', // a null shift "-&": must be "&AOkA6Q-" (§5.1.3 "not permitted")
        '&AO-', // 12 bits: not whole UTF-16 code units (§5.1.3: modified BASE64 of UTF-16)
        '&2D0-', // a lone high surrogate is not UTF-16 (§5.1.3; RFC 2781 §2.2)
        '&A/8-', // "/" is not modified BASE64 (§5.1.3 uses ","), so this is "&A" + "/" + "8-"
      ];
      for (const name of invalid) {
        const reply = await rev1.command(`CREATE "${name}"`);
        assert.match(reply.tagged, /^(NO|BAD) /, `CREATE "${name}" → ${reply.tagged}`);
      }
      await rev1.ok('CREATE "plain"');
      for (const name of ['&AGE-', '&AOk-&AOk-']) {
        const reply = await rev1.command(`RENAME "plain" "${name}"`);
        assert.match(reply.tagged, /^(NO|BAD) /, `RENAME to "${name}" → ${reply.tagged}`);
      }
      // A name with a "-&" at a hierarchy level boundary is not a null shift: "-/&".
      await rev1.ok('CREATE "&AOk-/&AOk-"');
      const listed = await names(rev1);
      assert.ok(listed.includes('&AOk-/&AOk-'), listed.join(', '));
      for (const name of invalid)
        assert.ok(!listed.includes(name), `${name} was created: ${listed.join(', ')}`);
      assert.ok(!listed.includes('a'), 'the invalid "&AGE-" must not alias "a"');
    } finally {
      await rev1.logout();
    }
  });

  test('the modified BASE64 part is case-sensitive', async () => {
    const user = await freshUser();
    const rev1 = await login(user);
    try {
      // RFC 3501 §5.1.3: servers "MUST preserve the exact form of the modified BASE64 portion of a
      // modified UTF-7 name and treat that text as case-sensitive". "&AOk-" is é, "&aOk-" is U+68E9.
      await rev1.ok('CREATE "R&AOk-"');
      await rev1.ok('CREATE "R&aOk-"');
      await rev1.ok('APPEND "R&aOk-" {12+}\r\nSubject: x\r\n');
      const listed = await names(rev1);
      assert.ok(listed.includes('R&AOk-') && listed.includes('R&aOk-'), listed.join(', '));
      const status = await rev1.ok('STATUS "R&AOk-" (MESSAGES)');
      assert.match(status.untagged.join('\n'), /\(MESSAGES 0\)/);
    } finally {
      await rev1.logout();
    }
  });

  test('8-bit octets in a quoted name are refused in an IMAP4rev1 session', async () => {
    const user = await freshUser();
    const rev1 = await login(user);
    try {
      // RFC 3501 §9: quoted = DQUOTE *QUOTED-CHAR DQUOTE, built from 7-bit CHAR; RFC 6855 §3: "The
      // IMAP base specification forbids the use of 8-bit characters in atoms or quoted-strings."
      const reply = await run(rev1, 'CREATE "Caf\u00e9"');
      assert.match(reply.tagged, /^(NO|BAD) /, `CREATE "Café" in IMAP4rev1 → ${reply.tagged}`);
      const listed = await names(rev1);
      assert.ok(!listed.some((n) => n.startsWith('Caf')), listed.join(', '));
    } finally {
      await rev1.logout();
    }
  });

  test('invalid UTF-8 in a quoted name is BAD in IMAP4rev2', async () => {
    const user = await freshUser();
    const rev2 = await login(user, true);
    try {
      // RFC 9051 §9: quoted strings carry UTF8-2 / UTF8-3 / UTF8-4 (RFC 3629 §4); anything else with
      // the high bit set is a syntax error (RFC 6855 §3: "the server MUST reject, with a BAD
      // response, any octet sequences with the high bit set that fail to comply with ... UTF-8").
      for (const bytes of [[0xc3, 0x28], [0xff], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]) {
        const reply = await run(rev2, 'CREATE "bad', Buffer.from(bytes), '"');
        assert.match(
          reply.tagged,
          /^BAD /,
          `CREATE with ${Buffer.from(bytes).toString('hex')} → ${reply.tagged}`,
        );
      }
      // The session goes on.
      await rev2.ok('NOOP');
    } finally {
      await rev2.logout();
    }
  });

  test('IMAP4rev2: C1 control characters are not allowed in a name', async () => {
    const user = await freshUser();
    const rev2 = await login(user, true);
    try {
      // RFC 9051 §5.1: "Server implementations MUST prohibit the creation of 8-bit mailbox names
      // that do not comply with Net-Unicode"; RFC 5198 §2: U+0080..U+009F MUST NOT be used.
      const reply = await run(rev2, 'CREATE "bad\u0085name"');
      assert.match(reply.tagged, /^(NO|BAD) /, `CREATE with U+0085 → ${reply.tagged}`);
    } finally {
      await rev2.logout();
    }
  });

  test('UTF8=ACCEPT, once ENABLE turns it on: UTF-8 quoted names and the RFC 6855 name rules', async () => {
    const user = await freshUser();
    const utf8 = await login(user);
    const rev1 = await login(user);
    try {
      const enabled = await utf8.ok('ENABLE UTF8=ACCEPT');
      // RFC 5161 §3.2: ENABLED lists what was enabled; nothing to check if it was not.
      if (!enabled.untagged.some((l) => /^\* ENABLED\b.* UTF8=ACCEPT\b/i.test(l))) return;
      // RFC 6855 §3: servers that also support modified UTF-7 "MUST accept UTF8-quoted mailbox
      // names and convert them to the appropriate internal format".
      await utf8.ok('CREATE "Café"');
      assert.ok((await names(utf8)).includes('Café'));
      assert.ok((await names(rev1)).includes('Caf&AOk-'));
      // RFC 6855 §3: "the server MUST reject, with a "BAD" response, any octet sequences with the
      // high bit set that fail to comply with the formal syntax requirements of UTF-8".
      const bad = await run(utf8, 'CREATE "x', Buffer.from([0xe2, 0x82]), '"');
      assert.match(bad.tagged, /^BAD /, bad.tagged);
      // RFC 6855 §3: names "MUST NOT contain control characters (U+0000-U+001F and U+0080-U+009F),
      // a delete character (U+007F), a line separator (U+2028), or a paragraph separator (U+2029)".
      for (const c of ['\u0001', '\u007f', '\u0085', '\u2028', '\u2029']) {
        const reply = await run(utf8, `CREATE "x${c}y"`);
        const hex = c.codePointAt(0)!.toString(16).padStart(4, '0');
        assert.match(reply.tagged, /^(NO|BAD) /, `CREATE with U+${hex} → ${reply.tagged}`);
      }
    } finally {
      await utf8.logout();
      await rev1.logout();
    }
  });

  test('IMAP4rev2: an NFD name and its NFC form are one mailbox', async () => {
    const user = await freshUser();
    const rev2 = await login(user, true);
    const rev1 = await login(user);
    try {
      const nfd = 'Cafe\u0301';
      const nfc = 'Caf\u00e9';
      // RFC 9051 §5.1: "servers MUST accept the de-normalized UTF-8 mailbox name and convert it to
      // Unicode Normalization Form C (NFC) ... prior to mailbox creation."
      await rev2.ok(`CREATE "${nfd}"`);
      // RFC 9051 §6.3.4: "It is an error to attempt to create ... a mailbox with a name that refers
      // to an extant mailbox."
      const again = await rev2.command(`CREATE "${nfc}"`);
      assert.match(again.tagged, /^NO /, `CREATE NFC after NFD → ${again.tagged}`);
      const listed = (await names(rev2)).filter((n) => n.normalize('NFC') === nfc);
      assert.equal(listed.length, 1, `one mailbox: ${listed.map((n) => JSON.stringify(n)).join(', ')}`);
      await rev2.ok(`APPEND "${nfd}" {12+}\r\nSubject: x\r\n`);
      const selected = await rev2.ok(`SELECT "${nfc}"`);
      assert.ok(selected.untagged.includes('* 1 EXISTS'), selected.untagged.join(' | '));
      // An IMAP4rev1 client names it by the modified UTF-7 of the NFC name (RFC 6855 §3: UTF-8 names
      // are converted "to the appropriate internal format").
      const status = await rev1.ok('STATUS "Caf&AOk-" (MESSAGES)');
      assert.match(status.untagged.join('\n'), /\(MESSAGES 1\)/);
    } finally {
      await rev2.logout();
      await rev1.logout();
    }
  });

  test('IMAP4rev2: an NFC name blocks CREATE and RENAME to its NFD form; DELETE by NFD', async () => {
    const user = await freshUser();
    const rev2 = await login(user, true);
    try {
      const nfc = '\u00c5ngstr\u00f6m';
      const nfd = 'A\u030angstro\u0308m';
      await rev2.ok(`CREATE "${nfc}"`);
      // RFC 9051 §5.1 (NFC before creation) and §6.3.4 (an extant name is an error).
      const create = await rev2.command(`CREATE "${nfd}"`);
      assert.match(create.tagged, /^NO /, `CREATE NFD after NFC → ${create.tagged}`);
      await rev2.ok('CREATE "other"');
      // RFC 9051 §6.3.6: "It is an error to attempt to rename ... to a mailbox name that already exists."
      const rename = await rev2.command(`RENAME "other" "${nfd}"`);
      assert.match(rename.tagged, /^NO /, `RENAME onto the NFD form → ${rename.tagged}`);
      await rev2.ok(`DELETE "${nfd}"`);
      const listed = await names(rev2);
      assert.ok(!listed.some((n) => n.normalize('NFC') === nfc), listed.join(', '));
    } finally {
      await rev2.logout();
    }
  });

  test('IMAP4rev2: RENAME, COPY and MOVE normalise an NFD destination to NFC', async () => {
    const user = await freshUser();
    const rev2 = await login(user, true);
    try {
      const nfc = 'M\u00e1laga';
      const nfd = 'Ma\u0301laga';
      await rev2.ok('CREATE "src"');
      // RFC 9051 §5.1: a de-normalised name is converted to NFC before the mailbox is created,
      // and RENAME creates the new name (RFC 9051 §6.3.6).
      await rev2.ok(`RENAME "src" "${nfd}"`);
      const create = await rev2.command(`CREATE "${nfc}"`);
      assert.match(create.tagged, /^NO /, `CREATE NFC after RENAME to NFD → ${create.tagged}`);
      const listed = (await names(rev2)).filter((n) => n.normalize('NFC') === nfc);
      assert.equal(listed.length, 1, listed.map((n) => JSON.stringify(n)).join(', '));
      // COPY and MOVE name an extant mailbox by either form.
      await rev2.ok('APPEND INBOX {12+}\r\nSubject: x\r\n');
      await rev2.ok('APPEND INBOX {12+}\r\nSubject: y\r\n');
      await rev2.ok('SELECT INBOX');
      await rev2.ok(`COPY 1 "${nfd}"`);
      await rev2.ok(`MOVE 2 "${nfd}"`);
      const status = await rev2.ok(`STATUS "${nfc}" (MESSAGES)`);
      assert.match(status.untagged.join('\n'), /\(MESSAGES 2\)/);
    } finally {
      await rev2.logout();
    }
  });

  test('IMAP4rev2: LIST wildcards match non-ASCII characters', async () => {
    const user = await freshUser();
    const rev2 = await login(user, true);
    try {
      await rev2.ok('CREATE "Répertoire"');
      // RFC 9051 §6.3.9: "%" matches zero or more characters (not the delimiter), "*" any.
      assert.deepEqual(await names(rev2, 'LIST "" "R%pertoire"'), ['Répertoire']);
      assert.deepEqual(await names(rev2, 'LIST "" "Ré*"'), ['Répertoire']);
    } finally {
      await rev2.logout();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Text search over decoded text

const b64 = (data: Piece): string => Buffer.from(data).toString('base64');
const wrap76 = (text: string): string => text.replace(/.{76}/g, '$&\r\n');
const headers = (subject: string, extra = ''): string =>
  `From: sender@example.org\r\nTo: s@loft.test\r\nSubject: ${subject}\r\n${extra}`;
const LONG_B64_TEXT =
  'Grüße aus München, lieber Jürgen. Wir treffen uns am Donnerstag beim Brandenburger Tor und gehen danach zusammen essen.';
const LONG_B64 = wrap76(b64(LONG_B64_TEXT));
// UTF-16 big-endian with a byte order mark (RFC 2781 §3.2).
const UTF16 = Buffer.concat([
  Buffer.from([0xfe, 0xff]),
  Buffer.from('Grüezi mitenand in Zürich, utf16marker', 'utf16le').swap16(),
]);
// ISO-2022-JP (RFC 1468): ESC $ B switches to JIS X 0208, ESC ( B back to ASCII.
const JIS_BODY = Buffer.from([
  0x1b, 0x24, 0x42, 0x46, 0x7c, 0x4b, 0x5c, 0x38, 0x6c, 0x24, 0x4e, 0x25, 0x46, 0x25, 0x2d, 0x25, 0x39, 0x25,
  0x48, 0x1b, 0x28, 0x42,
]); // 日本語のテキスト
const JIS_SUBJECT = Buffer.from([0x1b, 0x24, 0x42, 0x32, 0x71, 0x35, 0x44, 0x1b, 0x28, 0x42]); // 会議
const ATTACHED = b64('attachedtextword in the notes\r\n');
/** Numbered words, ten to a line: every word occurs once, wherever a size limit cuts. */
const numbered = (prefix: string, from: number, to: number, eol: string): string => {
  const words: string[] = [];
  for (let i = from; i <= to; i++) words.push(`${prefix}${String(i).padStart(5, '0')}`);
  const lines: string[] = [];
  for (let i = 0; i < words.length; i += 10) lines.push(words.slice(i, i + 10).join(' '));
  return lines.join(eol);
};
const LONG_BODY = `${numbered('w', 1, 3000, '\r\n')}\r\nthe end zq tailneedle\r\n`;
const LONG_HEADER = `X-Long: ${numbered('h', 1, 3000, '\r\n ')}\r\nX-After: afterlong\r\n`;
const BINARY = b64(Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0x80, 0x81, 0x7f, 0x10, 0x20, 0x30]));

/** The search mailbox, in sequence order. */
const CORPUS: [string, Buffer][] = [
  [
    'qp',
    Buffer.from(
      `${headers('quoted printable sample', 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n')}\r\n` +
        'Le gar=E7on a mang=E9 la pomme, et le pas=\r\nsager aussi.\r\n',
    ),
  ],
  [
    'qputf8',
    Buffer.from(
      `${headers('qp utf8', 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n')}\r\n` +
        "Un caf=C3=\r\n=A9 noir, s'il vous pla=C3=AEt.\r\n",
    ),
  ],
  [
    'b64',
    Buffer.from(
      `${headers('base64 sample', 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n')}\r\n${LONG_B64}\r\n`,
    ),
  ],
  [
    'cp1252',
    Buffer.concat([
      Buffer.from(
        `${headers('windows-1252 sample', 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: 8bit\r\n')}\r\n`,
      ),
      Buffer.from('Preis: 100 \x80 netto, \x93zitiert\x94.\r\n', 'latin1'),
    ]),
  ],
  [
    'latin1',
    Buffer.concat([
      Buffer.from(
        `${headers('latin1 sample', 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n')}\r\n`,
      ),
      Buffer.from('Smørrebrød fra Ærøskøbing.\r\n', 'latin1'),
    ]),
  ],
  [
    'utf16',
    Buffer.from(
      `${headers('utf16 sample', 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-16\r\nContent-Transfer-Encoding: base64\r\n')}\r\n${wrap76(b64(UTF16))}\r\n`,
    ),
  ],
  [
    'jp',
    Buffer.concat([
      Buffer.from(
        'From: jp@example.jp\r\nTo: s@loft.test\r\n' +
          `Subject: =?ISO-2022-JP?B?${b64(JIS_SUBJECT)}?=\r\n` +
          'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n',
      ),
      JIS_BODY,
      Buffer.from('\r\n'),
    ]),
  ],
  [
    'rfc2047',
    Buffer.from(
      'From: =?ISO-8859-1?Q?Andr=E9_Lef=E8vre?= <andre@example.fr>\r\nTo: s@loft.test\r\n' +
        'Subject: =?UTF-8?Q?Caf=C3=A9_cr?=\r\n =?UTF-8?Q?=C3=A8me_br=C3=BBl=C3=A9e?=\r\n\r\ndessert body\r\n',
    ),
  ],
  [
    'adjacent',
    Buffer.from(
      'From: sender@example.org\r\nTo: s@loft.test\r\n' +
        `Subject: =?UTF-8?B?${b64('Stra')}?= =?UTF-8?B?${b64('ße')}?= und Platz\r\n\r\nstreet body\r\n`,
    ),
  ],
  [
    'headeronly',
    Buffer.from(`${headers('headeronlyword here', 'X-Marker: yes\r\n')}\r\nbodyonlyword here\r\n`),
  ],
  ['emptymarker', Buffer.from(`${headers('empty marker', 'X-Marker:\r\n')}\r\nnothing to see\r\n`)],
  [
    'multipart',
    Buffer.from(
      `${headers('multipart sample', 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n')}\r\n` +
        'This is a multi-part message in MIME format.\r\n' +
        '--b1\r\nContent-Type: multipart/alternative; boundary="b2"\r\n\r\n' +
        '--b2\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n' +
        'Voir la pi=C3=A8ce jointe: multipartneedle.\r\n' +
        '--b2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Voir la pi&egrave;ce jointe</p>\r\n' +
        '--b2--\r\n' +
        '--b1\r\nContent-Type: text/plain; charset=utf-8; name="notes.txt"\r\n' +
        'Content-Disposition: attachment; filename="notes.txt"\r\nContent-Transfer-Encoding: base64\r\n\r\n' +
        `${ATTACHED}\r\n` +
        '--b1\r\nContent-Type: application/octet-stream; name="blob.bin"\r\n' +
        'Content-Disposition: attachment; filename="blob.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n' +
        `${BINARY}\r\n--b1--\r\n`,
    ),
  ],
  ['plain', Buffer.from(`${headers('plain sample')}\r\nnothing special\r\n`)],
  [
    'caseparams',
    Buffer.from(
      `${headers('case of parameters', 'MIME-Version: 1.0\r\nContent-Type: TEXT/PLAIN; CHARSET="ISO-8859-1"\r\nContent-Transfer-Encoding: Quoted-Printable\r\n')}\r\n` +
        'K=F8benhavn er dejlig.\r\n',
    ),
  ],
  [
    'folded',
    Buffer.from(
      'From: sender@example.org\r\nTo: s@loft.test\r\nSubject: folded\r\n subject line\r\n' +
        'X-Folded: two\r\n words here\r\nX-Multi: one\r\nX-Multi: two\r\n\r\nfolded body\r\n',
    ),
  ],
  [
    'nested',
    Buffer.from(
      `${headers('forwarded', 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=zz\r\n')}\r\n` +
        '--zz\r\nContent-Type: text/plain\r\n\r\nSee the attached note.\r\n' +
        '--zz\r\nContent-Type: message/rfc822\r\n\r\n' +
        'From: inner@example.com\r\nSubject: =?UTF-8?Q?Inner_n=C3=B6te?=\r\nMIME-Version: 1.0\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n' +
        `${b64('Ein Schnabeltier wurde gesehen.')}\r\n--zz--\r\n`,
    ),
  ],
  [
    'lang',
    Buffer.from(
      `From: =?utf-8?b?${b64('Jürgen Weiß')}?= <jw@example.de>\r\nTo: s@loft.test\r\n` +
        'Subject: =?UTF-8*de?Q?Gr=C3=BC=C3=9Fe?= aus Wien\r\n\r\nlanguage body\r\n',
    ),
  ],
  [
    'tricky',
    Buffer.from(
      `${headers('tricky characters', 'X-Custom: =?UTF-8?Q?d=C3=A9cod=C3=A9_ici?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n')}\r\n` +
        'İstanbul ﬁnance Σίσυφος Cafe\u0301 au lait STRAẞE Ǆemal\r\n',
    ),
  ],
  ['long', Buffer.from(`${headers('long message', LONG_HEADER)}\r\n${LONG_BODY}`)],
];

/** Sequence numbers of corpus messages by name. */
function seq(...which: string[]): number[] {
  return which
    .map((name) => {
      const at = CORPUS.findIndex(([n]) => n === name);
      assert.ok(at >= 0, `no corpus message ${name}`);
      return at + 1;
    })
    .sort((a, b) => a - b);
}

/**
 * Searches that RFC 3501 §6.4.4 pins down for an IMAP4rev1 client naming CHARSET UTF-8: "a message
 * matches the key if the string is a substring of the field. The matching is case-insensitive."
 * and "[MIME-IMB] content transfer encodings, and [MIME-HDRS] strings in [RFC-2822]/[MIME-IMB]
 * headers, MUST be decoded before comparing text in a [CHARSET] other than US-ASCII" (RFC 9051
 * §6.4.4 drops the charset condition). Each: search key, needle (sent as a literal), expected.
 */
const DECODED_SEARCHES: [string, string, string[]][] = [
  // quoted-printable, ISO-8859-1: decoded and converted; a soft line break ("=" CRLF, RFC 2045
  // §6.7 rule 5) is not part of the text, so "pas=\r\nsager" is "passager".
  ['BODY', 'garçon', ['qp']],
  ['BODY', 'passager', ['qp']],
  ['BODY', 'PASSAGER AUSSI', ['qp']],
  ['BODY', 'pas=', []],
  ['BODY', '=E7', []],
  // quoted-printable UTF-8 with a soft break inside a two-octet character.
  ['BODY', 'café noir', ['qputf8']],
  // base64 UTF-8, wrapped at 76 columns: "am Donnerstag" straddles the first line end.
  ['BODY', 'München', ['b64']],
  ['BODY', 'am Donnerstag', ['b64']],
  ['BODY', 'brandenburger tor', ['b64']],
  ['BODY', LONG_B64.slice(8, 20), []],
  // 8-bit windows-1252 and ISO-8859-1.
  ['BODY', '100 €', ['cp1252']],
  ['BODY', '“zitiert”', ['cp1252']],
  ['BODY', 'Ærøskøbing', ['latin1']],
  // base64 UTF-16 with a byte order mark.
  ['BODY', 'Zürich', ['utf16']],
  ['BODY', 'utf16marker', ['utf16']],
  // ISO-2022-JP body and B-encoded subject.
  ['BODY', 'テキスト', ['jp']],
  ['SUBJECT', '会議', ['jp']],
  // RFC 2047 §6.2: linear white space between adjacent encoded words is ignored, so the two words
  // folded over two lines read "Café crème brûlée".
  ['SUBJECT', 'Café crème brûlée', ['rfc2047']],
  ['SUBJECT', 'é crème', ['rfc2047']],
  ['SUBJECT', '=?UTF-8?', []],
  ['HEADER SUBJECT', 'brûlée', ['rfc2047']],
  ['SUBJECT', 'Straße und', ['adjacent']],
  ['SUBJECT', 'Stra ße', []],
  // FROM: the decoded display name and the address (case-insensitive).
  ['FROM', 'andré lefèvre', ['rfc2047']],
  ['FROM', 'ANDRE@EXAMPLE.FR', ['rfc2047']],
  ['HEADER From', 'Lefèvre', ['rfc2047']],
  // multipart: the QP text part and the base64 text/plain attachment are text of the body.
  ['BODY', 'multipartneedle', ['multipart']],
  ['BODY', 'pièce jointe:', ['multipart']],
  ['BODY', 'attachedtextword', ['multipart']],
  // Parameter names, type, charset and transfer-encoding values are case-insensitive (RFC 2045
  // §5.1, §6.1; RFC 2046 §4.1.2).
  ['BODY', 'København', ['caseparams']],
  // An encapsulated message/rfc822 is part of the body; its base64 text is decoded too.
  ['BODY', 'Schnabeltier', ['nested']],
  // TEXT: "the header (including MIME header fields) or body of the message" (RFC 9051 §6.4.4);
  // a body part's header and an encapsulated message's header are in the message (RFC 2046 §5.1,
  // §5.2.1), and RFC 2047 §5 (1) encoded words in them are decoded too.
  ['TEXT', 'notes.txt', ['multipart']],
  ['TEXT', 'inner@example.com', ['nested']],
  ['TEXT', 'Inner nöte', ['nested']],
  // RFC 2047 §2: charset and encoding names are case-independent; RFC 2231 §5 adds a language
  // suffix to the charset of an encoded word.
  ['FROM', 'Jürgen Weiß', ['lang']],
  ['SUBJECT', 'Grüße aus Wien', ['lang']],
  // RFC 5322 §2.2.3: folded fields are unfolded (CRLF before WSP removed) before use.
  ['SUBJECT', 'folded subject line', ['folded']],
  ['HEADER X-Folded', 'two words', ['folded']],
  ['HEADER X-Multi', 'two', ['folded']],
  // Text far beyond any index size limit: the end of a long body and of a long header field.
  // Whatever case folding or normalisation is used, a string is a substring of itself.
  ['BODY', 'İstanbul', ['tricky']],
  ['BODY', 'ﬁnance', ['tricky']],
  ['BODY', 'Σίσυφος', ['tricky']],
  ['BODY', 'Cafe\u0301 au', ['tricky']],
  ['BODY', 'STRAẞE', ['tricky']],
  ['BODY', 'Ǆemal', ['tricky']],
  ['BODY', 'Grüße', ['b64']],
  // RFC 2047 §5 (1): encoded words may be in any unstructured field, X- fields included.
  ['HEADER X-Custom', 'décodé ici', ['tricky']],
  ['TEXT', 'décodé ici', ['tricky']],
  ['BODY', 'tailneedle', ['long']],
  ['BODY', 'zq', ['long']],
  ['BODY', 'w02999 w03000', ['long']],
  ['HEADER X-Long', 'h02999', ['long']],
  ['TEXT', 'h03000', ['long']],
  ['HEADER X-After', 'afterlong', ['long']],
  ['TEXT', 'afterlong', ['long']],
];

/** `SEARCH CHARSET UTF-8 <key> <literal>` for IMAP4rev1. */
function searchCommand(key: string, needle: string): Piece[] {
  return [`SEARCH CHARSET UTF-8 ${key} `, lit(needle)];
}

describe('SEARCH over decoded text', () => {
  let rev1: ImapDialog;
  before(async () => {
    await provision(server, [], ['s@loft.test']);
    rev1 = await login('s@loft.test');
    for (const [, raw] of CORPUS) assert.match((await run(rev1, 'APPEND INBOX ', lit(raw))).tagged, /^OK\b/);
    await rev1.ok('SELECT INBOX');
  });
  after(() => rev1.logout());

  test('the corpus is in place', async () => {
    assert.deepEqual(numbersOf(await run(rev1, 'SEARCH ALL'), 'ALL').length, CORPUS.length);
  });

  test('CHARSET: US-ASCII and UTF-8 are supported, names case-insensitively', async () => {
    // RFC 9051 §6.4.4: "Servers MUST support US-ASCII and UTF-8 charsets" (RFC 3501 §6.4.4: US-ASCII).
    assert.deepEqual(
      numbersOf(await run(rev1, 'SEARCH CHARSET US-ASCII SUBJECT printable'), 'US-ASCII'),
      seq('qp'),
    );
    assert.deepEqual(
      numbersOf(await run(rev1, 'SEARCH CHARSET UTF-8 SUBJECT printable'), 'UTF-8'),
      seq('qp'),
    );
    // Charset names from the IANA registry are case-insensitive (RFC 2978 §2.3).
    assert.deepEqual(
      numbersOf(await run(rev1, 'SEARCH CHARSET utf-8 SUBJECT printable'), 'utf-8'),
      seq('qp'),
    );
  });

  test('an unknown CHARSET is NO (not BAD), and a BADCHARSET list names the supported ones', async () => {
    const reply = await run(rev1, 'SEARCH CHARSET X-NO-SUCH-CHARSET BODY "x"');
    // RFC 9051 §6.4.4: "If the server does not support the specified [CHARSET], it MUST return a
    // tagged NO response (not a BAD)." The BADCHARSET code SHOULD be there and MAY list charsets;
    // a list names what is supported, which MUST include US-ASCII and UTF-8 (RFC 9051 §7.1).
    assert.match(reply.tagged, /^NO /, reply.tagged);
    const list = /\[BADCHARSET \(([^)]*)\)\]/.exec(reply.tagged);
    if (list) {
      const charsets = list[1]!.split(' ').map((c) => c.replace(/"/g, '').toUpperCase());
      assert.ok(charsets.includes('UTF-8') && charsets.includes('US-ASCII'), reply.tagged);
    }
    assert.equal(reply.untagged.filter((l) => l.startsWith('* SEARCH')).length, 0, 'no results with NO');
    await rev1.ok('NOOP');
  });

  test('CHARSET ISO-8859-1: either refused with NO or the needle is read as ISO-8859-1', async () => {
    const reply = await run(rev1, 'SEARCH CHARSET ISO-8859-1 BODY ', lit(Buffer.from('garçon', 'latin1')));
    // RFC 9051 §6.4.4: other charsets MAY be supported; unsupported is NO. If supported, CHARSET
    // "indicates the [CHARSET] of the strings that appear in the search criteria".
    if (reply.tagged.startsWith('NO ')) return;
    assert.deepEqual(numbersOf(reply, 'ISO-8859-1'), seq('qp'));
  });

  for (const [key, needle, expected] of DECODED_SEARCHES) {
    test(`${key} ${JSON.stringify(needle)} → ${expected.join(', ') || 'nothing'}`, async () => {
      const reply = await run(rev1, ...searchCommand(key, needle));
      assert.deepEqual(numbersOf(reply, `${key} ${needle}`), seq(...expected));
    });
  }

  test('HEADER with an empty string matches every message with that field, any case of its name', async () => {
    // RFC 9051 §6.4.4 HEADER: "If the string to search is zero-length, this matches all messages
    // that have a header field with the specified field-name regardless of the contents." RFC 5322
    // §1.2.2: header field names are case-insensitive.
    assert.deepEqual(
      numbersOf(await run(rev1, 'SEARCH HEADER X-Marker ""'), 'X-Marker'),
      seq('headeronly', 'emptymarker'),
    );
    assert.deepEqual(
      numbersOf(await run(rev1, 'SEARCH HEADER x-marker ""'), 'x-marker'),
      seq('headeronly', 'emptymarker'),
    );
    assert.deepEqual(numbersOf(await run(rev1, 'SEARCH HEADER X-Absent ""'), 'X-Absent'), []);
    assert.equal(numbersOf(await run(rev1, 'SEARCH HEADER Subject ""'), 'Subject').length, CORPUS.length);
    assert.deepEqual(
      numbersOf(await run(rev1, 'SEARCH HEADER X-Marker "yes"'), 'X-Marker yes'),
      seq('headeronly'),
    );
  });

  test('HEADER names a whole field name, not a prefix', async () => {
    // RFC 9051 §6.4.4 HEADER: "a header field with the specified field-name".
    assert.deepEqual(numbersOf(await run(rev1, 'SEARCH HEADER X-Mark ""'), 'X-Mark'), []);
    assert.deepEqual(numbersOf(await run(rev1, 'SEARCH HEADER X-Markers ""'), 'X-Markers'), []);
  });

  test('every word of a long body and header is found, wherever an index would cut', async () => {
    // RFC 3501 §6.4.4: a message matches if the string is a substring; no size is exempt.
    const missing: string[] = [];
    for (let i = 1; i <= 3000; i += i < 1800 || i > 2900 ? 97 : 3) {
      const w = `w${String(i).padStart(5, '0')}`;
      const body = numbersOf(await run(rev1, `SEARCH BODY ${w}`), w);
      if (body.join() !== seq('long').join()) missing.push(`BODY ${w} → ${body.join(',')}`);
      const h = `h${String(i).padStart(5, '0')}`;
      const header = numbersOf(await run(rev1, `SEARCH HEADER X-Long ${h}`), h);
      if (header.join() !== seq('long').join()) missing.push(`HEADER ${h} → ${header.join(',')}`);
    }
    assert.deepEqual(missing, []);
  });

  test('NOT and OR over text keys are the complement and union of the decoded matches', async () => {
    // RFC 9051 §6.4.4: NOT <search-key> / OR <search-key1> <search-key2>.
    const all = CORPUS.map((_, i) => i + 1);
    const not = numbersOf(await run(rev1, 'SEARCH CHARSET UTF-8 NOT BODY passager'), 'NOT');
    assert.deepEqual(
      not,
      all.filter((n) => !seq('qp').includes(n)),
    );
    const or = await run(rev1, 'SEARCH CHARSET UTF-8 OR BODY ', lit('München'), ' SUBJECT ', lit('brûlée'));
    assert.deepEqual(numbersOf(or, 'OR'), seq('b64', 'rfc2047'));
  });

  test('BODY does not see header text; TEXT sees header and body; SUBJECT does not see the body', async () => {
    // RFC 9051 §6.4.4 BODY: "Unlike TEXT (see below), this doesn't match any header fields." TEXT:
    // "Messages that contain the specified string in the header (including MIME header fields) or
    // body of the message." (RFC 3501 §6.4.4: BODY is "in the body", TEXT "in the header or body".)
    const q = (k: string) => run(rev1, k);
    assert.deepEqual(numbersOf(await q('SEARCH BODY headeronlyword'), 'BODY header'), []);
    assert.deepEqual(numbersOf(await q('SEARCH TEXT headeronlyword'), 'TEXT header'), seq('headeronly'));
    assert.deepEqual(numbersOf(await q('SEARCH TEXT bodyonlyword'), 'TEXT body'), seq('headeronly'));
    assert.deepEqual(numbersOf(await q('SEARCH BODY bodyonlyword'), 'BODY body'), seq('headeronly'));
    assert.deepEqual(numbersOf(await q('SEARCH SUBJECT bodyonlyword'), 'SUBJECT body'), []);
    // TEXT on decoded header text (RFC 9051 §6.4.4: MIME-HDRS strings MUST be decoded).
    const text = await run(rev1, ...searchCommand('TEXT', 'crème brûlée'));
    assert.deepEqual(numbersOf(text, 'TEXT crème brûlée'), seq('rfc2047'));
  });

  test('IMAP4rev2: UTF-8 needles in quoted strings, no CHARSET', async () => {
    const rev2 = await login('s@loft.test', true);
    try {
      await rev2.ok('SELECT INBOX');
      // RFC 9051 §6.4.4 (strings are UTF-8 in IMAP4rev2; encoded words and transfer encodings MUST
      // be decoded). BODY may use flexible matching, so only a whole word is asked of it there.
      const q = async (keys: string) => numbersOf(await run(rev2, `SEARCH ${keys}`), keys);
      assert.deepEqual(await q('SUBJECT "crème brûlée"'), seq('rfc2047'));
      assert.deepEqual(await q('FROM "Lefèvre"'), seq('rfc2047'));
      assert.deepEqual(await q('HEADER Subject "Straße"'), seq('adjacent'));
      assert.deepEqual(await q('SUBJECT "会議"'), seq('jp'));
      assert.deepEqual(await q('BODY "München"'), seq('b64'));
    } finally {
      await rev2.logout();
    }
  });
});

describe('UTF-8 header fields (RFC 6532) appended by an IMAP4rev2 client', () => {
  test('SUBJECT and FROM match raw UTF-8 header text', async () => {
    const user = await freshUser();
    const rev2 = await login(user, true);
    try {
      const raw = Buffer.from(
        'From: Jürgen Weiß <jw@example.de>\r\nTo: x@loft.test\r\nSubject: Grüße aus Köln\r\n' +
          'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDomplatte\r\n',
      );
      // RFC 9051 §6.3.12 / RFC 6532 §3: IMAP4rev2 accepts UTF-8 in header fields.
      await rev2.ok(Buffer.concat([Buffer.from('APPEND INBOX '), lit(raw)]).toString('utf8'));
      await rev2.ok('SELECT INBOX');
      const q = async (keys: string) => numbersOf(await run(rev2, `SEARCH ${keys}`), keys);
      // RFC 9051 §6.4.4: substring of the field, strings in UTF-8.
      assert.deepEqual(await q('SUBJECT "Grüße aus"'), [1]);
      assert.deepEqual(await q('SUBJECT "ö"'), [1]);
      assert.deepEqual(await q('FROM "Weiß"'), [1]);
      assert.deepEqual(await q('HEADER Subject "Köln"'), [1]);
    } finally {
      await rev2.logout();
    }
  });
});

describe('short needles and the background indexer', () => {
  const SHORT: Buffer[] = [
    Buffer.from('From: a@loft.test\r\nSubject: s1\r\n\r\nxq\r\n'),
    Buffer.from('From: a@loft.test\r\nSubject: s2\r\n\r\nabc\r\n'),
    Buffer.from(
      'From: a@loft.test\r\nSubject: s3\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\u00e9t\u00e9\r\n',
    ),
  ];
  // RFC 3501 §6.4.4: any substring matches, however short, case-insensitively.
  const SHORT_SEARCHES: [string, number[]][] = [
    ['q', [1]],
    ['Q', [1]],
    ['xq', [1]],
    ['XQ', [1]],
    ['bc', [2]],
    ['b', [2]],
    ['é', [3]],
    ['ét', [3]],
    ['qa', []],
  ];

  test('1- and 2-character needles are found by BODY', async () => {
    const user = await freshUser();
    const rev1 = await login(user);
    try {
      await rev1.ok('CREATE Short');
      for (const raw of SHORT) assert.match((await run(rev1, 'APPEND Short ', lit(raw))).tagged, /^OK\b/);
      await rev1.ok('SELECT Short');
      await new Promise((r) => setTimeout(r, 500));
      for (const [needle, expected] of SHORT_SEARCHES) {
        const reply = await run(rev1, ...searchCommand('BODY', needle));
        assert.deepEqual(numbersOf(reply, `BODY ${needle}`), expected, `BODY ${needle}`);
      }
    } finally {
      await rev1.logout();
    }
  });

  test('the same answers right after delivery and after the indexer has run', async () => {
    const user = await freshUser();
    const rev1 = await login(user);
    const problems: string[] = [];
    const check = (phase: string, what: string, actual: number[], expected: number[]) => {
      if (actual.join() !== expected.join())
        problems.push(`${phase}: ${what} → [${actual}] (expected [${expected}])`);
    };
    const searches = DECODED_SEARCHES.map(([key, needle]) => searchCommand(key, needle));
    const shortSearches = SHORT_SEARCHES.map(([needle]) => searchCommand('BODY', needle));
    try {
      await rev1.ok('CREATE Burst');
      await rev1.ok('CREATE Tiny');
      // APPEND: the appends, SELECT and the searches in one write, so the searches run before the
      // indexer's quiet period is over.
      const burst = await pipelined(rev1, [
        ...CORPUS.map(([, raw]) => ['APPEND Burst ', lit(raw)]),
        ['SELECT Burst'],
        ...searches,
      ]);
      for (const reply of burst.slice(0, CORPUS.length + 1))
        assert.match(reply.tagged, /^OK\b/, reply.tagged);
      const burstNow = burst.slice(CORPUS.length + 1).map((r, i) => numbersOf(r, `search ${i}`));
      const tiny = await pipelined(rev1, [
        ...SHORT.map((raw) => ['APPEND Tiny ', lit(raw)]),
        ['SELECT Tiny'],
        ...shortSearches,
      ]);
      const tinyNow = tiny.slice(SHORT.length + 1).map((r, i) => numbersOf(r, `short ${i}`));
      // SMTP: the 7-bit part of the corpus, searched straight after the last 250.
      const seven = CORPUS.filter(([, raw]) => !raw.some((b) => b > 0x7f));
      for (const [name, raw] of seven) {
        assert.equal(
          await sendOne(server.ports.smtp!, 'sender@example.org', user, raw.toString('latin1')),
          250,
          name,
        );
      }
      const smtp = await pipelined(rev1, [['SELECT INBOX'], ...searches]);
      const smtpNow = smtp.slice(1).map((r, i) => numbersOf(r, `smtp ${i}`));
      const inSeven = (expected: string[]): number[] =>
        seven.flatMap(([name], i) => (expected.includes(name) ? [i + 1] : []));

      await new Promise((r) => setTimeout(r, 2000));
      // RFC 3501 §6.4.4 defines the result by the messages' content alone: when they were indexed
      // does not change it.
      await rev1.ok('SELECT Burst');
      const burstLater = (await pipelined(rev1, searches)).map((r, i) => numbersOf(r, `search ${i}`));
      await rev1.ok('SELECT Tiny');
      const tinyLater = (await pipelined(rev1, shortSearches)).map((r, i) => numbersOf(r, `short ${i}`));
      await rev1.ok('SELECT INBOX');
      const smtpLater = (await pipelined(rev1, searches)).map((r, i) => numbersOf(r, `smtp ${i}`));
      for (const [i, [key, needle, expected]] of DECODED_SEARCHES.entries()) {
        const what = `${key} ${JSON.stringify(needle)}`;
        check('APPEND, immediately', what, burstNow[i]!, seq(...expected));
        check('APPEND, indexed', what, burstLater[i]!, seq(...expected));
        check('SMTP, immediately', what, smtpNow[i]!, inSeven(expected));
        check('SMTP, indexed', what, smtpLater[i]!, inSeven(expected));
      }
      for (const [i, [needle, expected]] of SHORT_SEARCHES.entries()) {
        check('short, immediately', `BODY ${needle}`, tinyNow[i]!, expected);
        check('short, indexed', `BODY ${needle}`, tinyLater[i]!, expected);
      }
      assert.deepEqual(problems, []);
    } finally {
      await rev1.logout();
    }
  });
});
