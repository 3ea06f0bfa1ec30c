/**
 * Black-box transcripts of the IMAP extensions Loft advertises, read against their RFCs: CONDSTORE
 * and QRESYNC (RFC 7162), ESEARCH (RFC 4731), SEARCHRES (RFC 5182), SORT and ESORT (RFC 5256,
 * RFC 5267, RFC 5957), BINARY (RFC 3516), UIDPLUS (RFC 4315), MOVE (RFC 6851), ID (RFC 2971),
 * UNSELECT (RFC 3691), NAMESPACE (RFC 2342), LITERAL+ (RFC 7888), SASL-IR (RFC 4959) and PREVIEW
 * (RFC 8970). Only what the RFCs require is asserted; each assertion names its section.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { ImapDialog } from './dialog.ts';
import { expandSet, highestModseq, modseqs } from './responses.ts';

const USER = 'ext@loft.test';
let server: TestServer;
let port: number;
let boxes = 0;
/** A session that only creates and fills mailboxes (it never selects one). */
let setup: ImapDialog;

before(async () => {
  server = await startTestServer({ auth: { max_failures_per_ip: 1000 } });
  await provision(server, ['loft.test'], [USER]);
  port = server.ports.imap!;
  setup = await ImapDialog.login(port, USER);
});
after(async () => {
  await setup.logout();
  await server.close();
});

const crlf = (lines: string[]): string => lines.join('\r\n');
const short = (n: number | string, extra = ''): string =>
  `From: s${n}@example.com\r\nTo: t@example.com\r\nSubject: m${n}\r\n${extra}\r\nbody ${n}\r\n`;

function session(): Promise<ImapDialog> {
  return ImapDialog.login(port, USER);
}

type Seed = string | { body: string; options: string };

/** A new mailbox holding `messages` (UIDs 1…n), created and filled by the setup session. */
async function freshBox(messages: Seed[], prefix = 'Box'): Promise<string> {
  boxes += 1;
  const name = `${prefix}${boxes}`;
  await setup.ok(`CREATE ${name}`);
  for (const m of messages) {
    const tagged =
      typeof m === 'string' ? await setup.append(name, m) : await setup.append(name, m.body, m.options);
    assert.match(tagged, /^OK/, tagged);
  }
  return name;
}

function uidValidity(lines: readonly string[]): number {
  const line = lines.find((l) => l.startsWith('* OK [UIDVALIDITY '));
  assert.ok(line, `no UIDVALIDITY in ${lines.join(' | ')}`);
  return Number(/UIDVALIDITY (\d+)/.exec(line)![1]);
}

/** The UIDs of every VANISHED response (with or without EARLIER) among these lines. */
function vanished(lines: readonly string[], earlier: boolean): number[] {
  const re = earlier ? /^\* VANISHED \(EARLIER\) ([\d:,]+)$/ : /^\* VANISHED ([\d:,]+)$/;
  return lines.flatMap((l) => {
    const m = re.exec(l);
    return m ? expandSet(m[1]!) : [];
  });
}

/** The numbers of a `* SORT …` or `* SEARCH …` line (without any trailing `(MODSEQ n)`). */
function numbers(lines: readonly string[], verb: 'SORT' | 'SEARCH'): number[] {
  const line = lines.find((l) => l.startsWith(`* ${verb}`));
  assert.ok(line !== undefined, `no ${verb} in ${lines.join(' | ')}`);
  return line
    .slice(`* ${verb}`.length)
    .replace(/\(MODSEQ \d+\)/, '')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
}

/** Sequence numbers and UIDs of `FETCH $ (UID)`, in the order sent. */
async function fetchDollar(imap: ImapDialog): Promise<number[]> {
  const reply = await imap.ok('FETCH $ (UID)');
  return reply.untagged.flatMap((l) => {
    const m = /^\* \d+ FETCH \(UID (\d+)\)$/.exec(l);
    return m ? [Number(m[1])] : [];
  });
}

/** A command whose responses are kept as octets (for literals holding 8-bit data). */
async function rawCommand(imap: ImapDialog, line: string): Promise<{ untagged: Buffer[]; tagged: string }> {
  const tag = imap.nextTag();
  imap.send(`${tag} ${line}`);
  const untagged: Buffer[] = [];
  for (;;) {
    const bytes = await imap.responseBytes();
    assert.ok(bytes, `connection closed during ${line}`);
    const text = bytes.toString('latin1');
    if (text.startsWith(`${tag} `)) return { untagged, tagged: text.slice(tag.length + 1) };
    untagged.push(bytes);
  }
}

/** The value of FETCH item `name` in a response (quoted, literal, literal8 or NIL), as octets. */
function itemBytes(
  response: Buffer,
  name: string,
): { value: Buffer | null; form: 'quoted' | 'literal' | 'literal8' | 'nil' } {
  const at = response.indexOf(`${name} `);
  assert.ok(at >= 0, `no ${name} in ${response.toString('latin1')}`);
  let i = at + name.length + 1;
  if (response.subarray(i, i + 3).toString() === 'NIL') return { value: null, form: 'nil' };
  if (response[i] === 0x22) {
    const out: number[] = [];
    i += 1;
    while (response[i] !== 0x22) {
      if (response[i] === 0x5c) i += 1;
      out.push(response[i]!);
      i += 1;
    }
    return { value: Buffer.from(out), form: 'quoted' };
  }
  const m = /^(~?)\{(\d+)\}\r\n/.exec(response.subarray(i, i + 30).toString('latin1'));
  assert.ok(m, `no value for ${name}: ${response.subarray(i, i + 30).toString('latin1')}`);
  const start = i + m[0].length;
  return { value: response.subarray(start, start + Number(m[2])), form: m[1] ? 'literal8' : 'literal' };
}

// ---------------------------------------------------------------------------------------------

describe('CONDSTORE STORE UNCHANGEDSINCE (RFC 7162 §3.1.3)', () => {
  test('UNCHANGEDSINCE 0 on a system flag fails for every message: [MODIFIED] names them, nothing changes', async () => {
    const box = await freshBox([short(1), short(2), short(3)]);
    const imap = await session();
    await imap.ok(`SELECT ${box} (CONDSTORE)`);
    const reply = await imap.command('STORE 1:3 (UNCHANGEDSINCE 0) +FLAGS.SILENT (\\Flagged)');
    // RFC 7162 §3.1.3: "Use of UNCHANGEDSINCE with a modification sequence of 0 always fails if the
    // metadata item exists. A system flag MUST always be considered existent"; the MODIFIED
    // response code (in OK, or NO) lists every message that failed.
    const m = /^(?:OK|NO) \[MODIFIED ([\d:,]+)\]/.exec(reply.tagged);
    assert.ok(m, `expected [MODIFIED 1:3], got ${reply.tagged}`);
    assert.deepEqual(expandSet(m[1]!).sort(), [1, 2, 3]);
    const flags = await imap.ok('FETCH 1:3 (FLAGS)');
    assert.ok(
      flags.untagged.every((l) => !l.includes('\\Flagged')),
      `operation MUST NOT be performed: ${flags.untagged.join(' | ')}`,
    );
    await imap.logout();
  });

  test('UID STORE in a mixed set: unchanged messages are stored (with MODSEQ even .SILENT), MODIFIED lists UIDs', async () => {
    const box = await freshBox([short(1), short(2), short(3), short(4)]);
    const imap = await session();
    await imap.ok(`SELECT ${box} (CONDSTORE)`);
    // Expunge UID 1 so that sequence numbers and UIDs differ: seq 1..3 = UID 2..4.
    await imap.ok('STORE 1 +FLAGS.SILENT (\\Deleted)');
    await imap.ok('EXPUNGE');
    const known = Math.max(...modseqs((await imap.ok('FETCH 1:* (MODSEQ)')).untagged).values());
    const other = await session();
    await other.ok(`SELECT ${box}`);
    await other.ok('UID STORE 3 +FLAGS.SILENT ($Other)');
    await other.logout();
    const reply = await imap.command(`UID STORE 2:4 (UNCHANGEDSINCE ${known}) +FLAGS.SILENT (\\Seen)`);
    // §3.1.3: "The MODIFIED response code includes ... set of UIDs (for UID STORE) of all
    // messages that failed the UNCHANGEDSINCE test."
    const m = /^(?:OK|NO) \[MODIFIED ([\d:,]+)\]/.exec(reply.tagged);
    assert.ok(m, `expected [MODIFIED 3], got ${reply.tagged}`);
    assert.deepEqual(expandSet(m[1]!), [3]);
    // §3.1.3: for each message that passed, "An untagged FETCH response MUST be sent, even if the
    // .SILENT suffix is specified, and the response MUST include the MODSEQ message data item."
    for (const uid of [2, 4]) {
      assert.ok(
        reply.untagged.some(
          (l) =>
            new RegExp(`^\\* \\d+ FETCH \\(.*UID ${uid}\\b.*MODSEQ \\(\\d+\\)`).test(l) ||
            new RegExp(`^\\* \\d+ FETCH \\(.*MODSEQ \\(\\d+\\).*UID ${uid}\\b`).test(l),
        ),
        `FETCH with MODSEQ for UID ${uid}: ${reply.untagged.join(' | ')}`,
      );
    }
    const flags = (await imap.ok('UID FETCH 2:4 (FLAGS)')).untagged.join(' | ');
    assert.match(flags, /UID 2 FLAGS \([^)]*\\Seen/);
    assert.match(flags, /UID 4 FLAGS \([^)]*\\Seen/);
    assert.doesNotMatch(flags, /FLAGS \([^)]*\\Seen[^)]*\) UID 3|UID 3 FLAGS \([^)]*\\Seen/);
    await imap.logout();
  });

  test('a message named twice in the set does not fail its second occurrence', async () => {
    const box = await freshBox([short(1), short(2), short(3)]);
    const imap = await session();
    const highest = highestModseq((await imap.ok(`SELECT ${box} (CONDSTORE)`)).untagged);
    // §3.1.3 Note: "it MUST NOT fail the conditional STORE operation for the second (or
    // subsequent) occurrence of the message if the operation completed successfully for the first".
    const reply = await imap.command(`STORE 2,1:3 (UNCHANGEDSINCE ${highest}) +FLAGS.SILENT (\\Answered)`);
    assert.match(reply.tagged, /^OK/, reply.tagged);
    assert.doesNotMatch(reply.tagged, /MODIFIED/);
    await imap.logout();
  });

  test('two UNCHANGEDSINCE modifiers in one STORE are a syntax error (BAD)', async () => {
    const box = await freshBox([short(1)]);
    const imap = await session();
    const highest = highestModseq((await imap.ok(`SELECT ${box} (CONDSTORE)`)).untagged);
    // §7: store-modifier =/ "UNCHANGEDSINCE" SP mod-sequence-valzer ;; "Only a single
    // UNCHANGEDSINCE may be specified in a STORE operation."
    await imap.expect(`STORE 1 (UNCHANGEDSINCE ${highest} UNCHANGEDSINCE ${highest}) +FLAGS (\\Seen)`, 'BAD');
    await imap.logout();
  });
});

describe('CONDSTORE mod-sequences (RFC 7162 §3.1)', () => {
  test('an empty mailbox: SELECT HIGHESTMODSEQ is a positive number and STATUS HIGHESTMODSEQ is the same', async () => {
    const box = await freshBox([], 'Empty');
    const imap = await session();
    const status = (await imap.ok(`STATUS ${box} (HIGHESTMODSEQ)`)).untagged.join(' ');
    const fromStatus = Number(/HIGHESTMODSEQ (\d+)/.exec(status)?.[1]);
    const selected = highestModseq((await imap.ok(`SELECT ${box} (CONDSTORE)`)).untagged);
    // §7: resp-text-code =/ "HIGHESTMODSEQ" SP mod-sequence-value; mod-sequence-value = 1*DIGIT
    // ;; "Positive unsigned 63-bit integer (1 <= n <= 9,223,372,036,854,775,807)".
    assert.ok(selected >= 1, `HIGHESTMODSEQ ${selected} is not a mod-sequence-value`);
    // §3.1.7: the STATUS item "is the same value that is returned by the server in the
    // HIGHESTMODSEQ response code" (0 only for mailboxes without persistent mod-sequences).
    assert.equal(fromStatus, selected);
    await imap.logout();
  });

  test('APPEND, COPY and MOVE give the new message a mod-sequence above the target mailbox highest', async () => {
    const target = await freshBox([short('t1'), short('t2')]);
    // Raise the target's mod-sequence well above that of a fresh source message.
    const setup = await session();
    await setup.ok(`SELECT ${target}`);
    for (const flag of ['$a', '$b', '$c', '$d', '$e', '$f'])
      await setup.ok(`STORE 1:2 +FLAGS.SILENT (${flag})`);
    await setup.logout();
    const source = await freshBox([short('s1'), short('s2')]);
    const imap = await session();
    const targetHighest = async (): Promise<number> =>
      Number(
        /HIGHESTMODSEQ (\d+)/.exec((await imap.ok(`STATUS ${target} (HIGHESTMODSEQ)`)).untagged[0]!)![1],
      );
    const newestModseq = async (uid: number): Promise<number> => {
      await imap.ok(`EXAMINE ${target}`);
      const line = (await imap.ok(`UID FETCH ${uid} (MODSEQ)`)).untagged.find((l) => l.includes('MODSEQ ('));
      assert.ok(line, `no MODSEQ for UID ${uid}`);
      return Number(/MODSEQ \((\d+)\)/.exec(line)![1]);
    };
    // §3.1: "When a message is appended to a mailbox (via the IMAP APPEND command, COPY to the
    // mailbox, or using an external mechanism), the server generates a new modification sequence
    // that is higher than the highest modification sequence of all messages in the mailbox".
    let before = await targetHighest();
    const appended = await imap.append(target, short('a1'));
    const appendUid = Number(/APPENDUID \d+ (\d+)/.exec(appended)?.[1]);
    assert.ok((await newestModseq(appendUid)) > before, 'APPEND');

    before = await targetHighest();
    await imap.ok(`SELECT ${source}`);
    const copied = await imap.ok(`UID COPY 1 ${target}`);
    const copyUid = Number(/COPYUID \d+ \d+ (\d+)/.exec(copied.tagged)?.[1]);
    assert.ok((await newestModseq(copyUid)) > before, 'COPY');

    // RFC 6851 §4.4: "the server MUST generate and assign new modification sequence numbers to the
    // moved messages that are higher than the highest modification sequence of the messages
    // originally in the mailbox."
    before = await targetHighest();
    await imap.ok(`SELECT ${source}`);
    const moved = await imap.ok(`UID MOVE 2 ${target}`);
    const moveLine = [...moved.untagged, moved.tagged].find((l) => l.includes('COPYUID'))!;
    const moveUid = Number(/COPYUID \d+ \d+ (\d+)/.exec(moveLine)?.[1]);
    assert.ok((await newestModseq(moveUid)) > before, 'MOVE');
    await imap.logout();
  });

  test('once CONDSTORE is on, FETCH responses from an implicit \\Seen or a plain STORE carry UID and MODSEQ', async () => {
    const box = await freshBox([short(1), short(2)]);
    const imap = await session();
    await imap.ok('ENABLE CONDSTORE');
    await imap.ok(`SELECT ${box}`);
    // RFC 7162 §3.2.4 (a QRESYNC server): "Once a CONDSTORE enabling command is issued by the
    // client, the server MUST automatically include both UID and mod-sequence data in all
    // subsequent untagged FETCH responses ..., whether they were caused by a regular STORE/UID
    // STORE, ..., a FETCH/UID FETCH that implicitly set the \Seen flag, or an external agent."
    const seen = await imap.ok('FETCH 1 (BODY[TEXT])');
    const withFlags = seen.untagged.filter((l) => /FLAGS \(/.test(l));
    assert.ok(withFlags.length > 0, `the new \\Seen is reported: ${seen.untagged.join(' | ')}`);
    for (const line of withFlags) {
      assert.match(line, /\bUID 1\b/, line);
      assert.match(line, /MODSEQ \(\d+\)/, line);
    }
    const stored = await imap.ok('STORE 2 +FLAGS (\\Flagged)');
    assert.equal(stored.untagged.length, 1);
    assert.match(stored.untagged[0]!, /\bUID 2\b/);
    assert.match(stored.untagged[0]!, /MODSEQ \(\d+\)/);
    await imap.logout();
  });
});

/**
 * A fresh mailbox of three messages (subjects mc, ma, mb) selected with CONDSTORE, changed in the
 * order 1, 3, 2 so that the middle message has the highest mod-sequence: the session, the
 * HIGHESTMODSEQ before the changes, and each message's MODSEQ after them.
 */
async function threeChangedMessages(): Promise<{
  imap: ImapDialog;
  start: number;
  m1: number;
  m2: number;
  m3: number;
}> {
  const box = await freshBox([short('c'), short('a'), short('b')]);
  const imap = await session();
  const start = highestModseq((await imap.ok(`SELECT ${box} (CONDSTORE)`)).untagged);
  await imap.ok('STORE 1 +FLAGS.SILENT (\\Seen)');
  await imap.ok('STORE 3 +FLAGS.SILENT (\\Seen)');
  await imap.ok('STORE 2 +FLAGS.SILENT (\\Seen)');
  const m = modseqs((await imap.ok('FETCH 1:3 (MODSEQ)')).untagged);
  const [m1, m2, m3] = [m.get(1)!, m.get(2)!, m.get(3)!];
  assert.ok(m2 > m3 && m3 > m1);
  return { imap, start, m1, m2, m3 };
}

describe('MODSEQ with ESEARCH and SORT (RFC 4731 §3.2, RFC 7162 §3.1.9-3.1.10)', () => {
  test('ESEARCH: RETURN (MIN MAX) carries the higher MODSEQ of those two, MIN or MAX its own, COUNT that of all', async () => {
    const { imap, start, m1, m2, m3 } = await threeChangedMessages();
    const esearch = async (line: string): Promise<string> => {
      const reply = await imap.ok(line);
      assert.equal(reply.untagged.length, 1, reply.untagged.join(' | '));
      return reply.untagged[0]!.replace(/^\* ESEARCH \(TAG "[^"]+"\) /, '');
    };
    // RFC 4731 §3.2: "If the SEARCH/UID SEARCH command contained a single MIN or MAX result
    // option, the MODSEQ result option contains the mod-sequence for the found message. If ...
    // both MIN and MAX result options and no ALL/COUNT option, the MODSEQ result option contains
    // the highest mod-sequence for the two returned messages. Otherwise ... for all messages".
    assert.equal(await esearch(`SEARCH RETURN (MIN) MODSEQ ${start + 1}`), `MIN 1 MODSEQ ${m1}`);
    assert.equal(await esearch(`SEARCH RETURN (MAX) MODSEQ ${start + 1}`), `MAX 3 MODSEQ ${m3}`);
    assert.equal(await esearch(`SEARCH RETURN (MIN MAX) MODSEQ ${start + 1}`), `MIN 1 MAX 3 MODSEQ ${m3}`);
    assert.equal(await esearch(`SEARCH RETURN (COUNT) MODSEQ ${start + 1}`), `COUNT 3 MODSEQ ${m2}`);
    await imap.logout();
  });

  test('SORT with a MODSEQ criterion appends (MODSEQ n); ESORT answers ESEARCH with MODSEQ', async () => {
    const { imap, start, m2, m3 } = await threeChangedMessages();
    // RFC 7162 §3.1.9: with a MODSEQ criterion "the server MUST also append (to the end of the
    // untagged SORT response) the highest mod-sequence for all messages being returned";
    // "(omitted if no match)". Subjects ma (2), mb (3), mc (1).
    const sorted = (await imap.ok(`SORT (SUBJECT) UTF-8 MODSEQ ${start + 1} NOT 2`)).untagged;
    const empty = (await imap.ok(`SORT (SUBJECT) UTF-8 MODSEQ ${m2 + 1}`)).untagged;
    // §3.1.10: an extended SORT with MODSEQ "MUST return the ESEARCH response containing the
    // MODSEQ result option"; RFC 5267 §3.2: ALL lists the messages in sort order.
    const esort = (await imap.ok(`SORT RETURN (ALL) (SUBJECT) UTF-8 MODSEQ ${start + 1}`)).untagged;
    const e = /^\* ESEARCH \(TAG "t\d+"\) ALL ([\d:,]+)(?: MODSEQ (\d+))?$/.exec(esort[0] ?? '');
    assert.deepEqual(
      { sorted, empty, esort: e ? { all: expandSet(e[1]!), modseq: Number(e[2]) } : esort },
      { sorted: [`* SORT 3 1 (MODSEQ ${m3})`], empty: ['* SORT'], esort: { all: [2, 3, 1], modseq: m2 } },
    );
    await imap.logout();
  });
});

describe('QRESYNC (RFC 7162 §3.2)', () => {
  test('EXPUNGE and UID EXPUNGE answer VANISHED (no EARLIER) and OK [HIGHESTMODSEQ n] with the new value', async () => {
    const box = await freshBox([short(1), short(2), short(3), short(4)]);
    const imap = await session();
    await imap.ok('ENABLE QRESYNC');
    const start = highestModseq((await imap.ok(`SELECT ${box}`)).untagged);
    await imap.ok('STORE 1,3 +FLAGS.SILENT (\\Deleted)');
    const expunged = await imap.ok('EXPUNGE');
    // §3.2.10.2: "the server MUST use the VANISHED response without the EARLIER tag instead of the
    // EXPUNGE response".
    assert.deepEqual(vanished(expunged.untagged, false).sort(), [1, 3]);
    assert.ok(!expunged.untagged.some((l) => /^\* \d+ EXPUNGE$/.test(l)), expunged.untagged.join(' | '));
    // §3.2.7: "If at least one message got expunged and QRESYNC was enabled, the server MUST send
    // the updated per-mailbox modification sequence using the HIGHESTMODSEQ response code ... in
    // the tagged OK response."
    const after1 = /^OK \[HIGHESTMODSEQ (\d+)\]/.exec(expunged.tagged);
    assert.ok(after1, `tagged OK [HIGHESTMODSEQ]: ${expunged.tagged}`);
    assert.ok(Number(after1[1]) > start);
    await imap.ok('STORE 1 +FLAGS.SILENT (\\Deleted)');
    const byUid = await imap.ok('UID EXPUNGE 2');
    assert.deepEqual(vanished(byUid.untagged, false), [2]);
    // §3.2.9: the same rule for UID EXPUNGE.
    const after2 = /^OK \[HIGHESTMODSEQ (\d+)\]/.exec(byUid.tagged);
    assert.ok(after2, `tagged OK [HIGHESTMODSEQ]: ${byUid.tagged}`);
    assert.ok(Number(after2[1]) > Number(after1[1]));
    await imap.logout();
  });

  test('CLOSE expunges silently and its tagged OK carries no HIGHESTMODSEQ', async () => {
    const box = await freshBox([short(1), short(2)]);
    const imap = await session();
    await imap.ok('ENABLE QRESYNC');
    await imap.ok(`SELECT ${box}`);
    await imap.ok('STORE 1 +FLAGS.SILENT (\\Deleted)');
    const closed = await imap.ok('CLOSE');
    // §3.2.8: "No untagged EXPUNGE (or VANISHED) responses are sent." ... "The server MUST NOT send
    // the updated per-mailbox modification sequence using the HIGHESTMODSEQ response code".
    assert.doesNotMatch(closed.tagged, /HIGHESTMODSEQ/);
    assert.ok(!closed.untagged.some((l) => /VANISHED|EXPUNGE/.test(l)), closed.untagged.join(' | '));
    assert.match((await imap.ok(`STATUS ${box} (MESSAGES)`)).untagged[0]!, /MESSAGES 1\)/);
    await imap.logout();
  });

  test('UID MOVE with QRESYNC: VANISHED instead of EXPUNGE, and the new HIGHESTMODSEQ in an OK response', async () => {
    const box = await freshBox([short(1), short(2), short(3)]);
    const target = await freshBox([]);
    const imap = await session();
    await imap.ok('ENABLE QRESYNC');
    const start = highestModseq((await imap.ok(`SELECT ${box}`)).untagged);
    const moved = await imap.ok(`UID MOVE 2 ${target}`);
    // RFC 6851 §4.4 / RFC 7162 §3.2.10.2: VANISHED, not EXPUNGE, once QRESYNC is enabled.
    assert.deepEqual(vanished(moved.untagged, false), [2]);
    assert.ok(!moved.untagged.some((l) => /^\* \d+ EXPUNGE$/.test(l)), moved.untagged.join(' | '));
    // RFC 6851 §4.4: "If at least one message was moved, the server MUST send the updated
    // per-mailbox modification sequence using the HIGHESTMODSEQ response code ... in the tagged
    // or untagged OK response."
    const codes = [moved.tagged, ...moved.untagged.filter((l) => l.startsWith('* OK '))].join(' | ');
    const m = /\[HIGHESTMODSEQ (\d+)\]/.exec(codes);
    assert.ok(m, `no HIGHESTMODSEQ in ${codes}`);
    assert.ok(Number(m[1]) > start);
    await imap.logout();
  });

  test('SELECT (QRESYNC) with sequence match data that no longer holds still reports every expunge', async () => {
    const box = await freshBox([1, 2, 3, 4, 5, 6].map((n) => short(n)));
    const client = await session();
    await client.ok('ENABLE QRESYNC');
    const first = (await client.ok(`SELECT ${box}`)).untagged;
    const [validity, known] = [uidValidity(first), highestModseq(first)];
    await client.logout();
    const other = await session();
    await other.ok(`SELECT ${box}`);
    await other.ok('UID STORE 2,5 +FLAGS.SILENT (\\Deleted)');
    await other.ok('UID EXPUNGE 2,5');
    await other.ok('UID STORE 4 +FLAGS.SILENT (\\Flagged)');
    await other.logout();
    // Now seq 1..4 = UID 1,3,4,6. The client's pairs: seq 1 = UID 1 (still true), seq 3 = UID 3
    // (no longer: seq 3 is UID 4).
    const again = await session();
    await again.ok('ENABLE QRESYNC');
    const sel = await again.ok(`SELECT ${box} (QRESYNC (${validity} ${known} 1:6 (1,3 1,3)))`);
    const gone = vanished(sel.untagged, true);
    // §3.2.5.2: only a matching pair lets the server leave out UIDs up to it ("If a pair matches,
    // then the client knows of any expunges up to, and including, the message"); §3.2.5.1: "The
    // server sends the client ... expunges ... that have occurred in this mailbox since the
    // provided modification sequence." UIDs 2 and 5 went after `known`.
    assert.ok(gone.includes(2) && gone.includes(5), `VANISHED (EARLIER) ${gone} must name 2 and 5`);
    // §3.2.10 (Errata 3322): VANISHED never names a message that is still there.
    for (const present of [1, 3, 4, 6]) assert.ok(!gone.includes(present), `UID ${present} is present`);
    // §3.2.5.1: flag changes come as "FETCH responses that MUST contain UIDs".
    const fetches = sel.untagged.filter((l) => /^\* \d+ FETCH /.test(l));
    assert.ok(
      fetches.some((l) => /\bUID 4\b/.test(l) && /\\Flagged/.test(l) && /MODSEQ \(\d+\)/.test(l)),
      fetches.join(' | '),
    );
    for (const line of fetches) assert.match(line, /\bUID \d+/, line);
    // With the current HIGHESTMODSEQ nothing has changed since: no VANISHED, no FETCH.
    const now = highestModseq(sel.untagged);
    const quiet = await again.ok(`SELECT ${box} (QRESYNC (${validity} ${now}))`);
    assert.ok(
      !quiet.untagged.some((l) => /^\* VANISHED|^\* \d+ FETCH/.test(l)),
      `nothing changed since ${now}: ${quiet.untagged.join(' | ')}`,
    );
    await again.logout();
  });

  test('invalid QRESYNC parameters are BAD and leave no mailbox selected', async () => {
    const box = await freshBox([short(1)]);
    const imap = await session();
    await imap.ok('ENABLE QRESYNC');
    // §3.2.5: "If any parameter is not syntactically valid, the server returns the tagged BAD
    // response, and the mailbox remains unselected." uidvalidity = nz-number; the mod-sequence is
    // a mod-sequence-value (1*DIGIT, positive); known-uids: "*" is not allowed (§7).
    for (const params of ['(0 5)', '(1 0)', '(1 5 1:*)', '(1)', '(x 5)']) {
      await imap.expect(`SELECT ${box} (QRESYNC ${params})`, 'BAD');
      await imap.expect('FETCH 1 (FLAGS)', 'BAD');
    }
    await imap.logout();
  });
});

describe('ESEARCH (RFC 4731)', () => {
  test('the correlator names the tag; RETURN () is ALL; empty results still answer ESEARCH with COUNT 0', async () => {
    const box = await freshBox([short(1), short(2), short(3)]);
    const imap = await session();
    await imap.ok(`EXAMINE ${box}`);
    const run = async (tag: string, line: string): Promise<string[]> => {
      imap.send(`${tag} ${line}`);
      const { untagged, tagged } = await imap.until(tag);
      assert.match(tagged, new RegExp(`^${tag.replace('.', '\\.')} OK`), tagged);
      return untagged;
    };
    // §3.1: "If the list of result options is empty, that ... is equivalent to "(ALL)"."; the
    // search-correlator is (TAG tag-string) naming the command (RFC 4466 §2.6.2).
    const all = await run('x.1', 'SEARCH RETURN () ALL');
    assert.equal(all.length, 1);
    const m = /^\* ESEARCH \(TAG "x\.1"\) ALL ([\d:,]+)$/.exec(all[0]!);
    assert.ok(m, all[0]);
    assert.deepEqual(expandSet(m[1]!).sort(), [1, 2, 3]);
    // §3.1: MIN, MAX, ALL are left out when nothing matches, "however, it still MUST send the
    // ESEARCH response"; COUNT "MUST always be included"; a UID SEARCH carries the UID indicator.
    assert.deepEqual(await run('x.2', 'SEARCH RETURN (MIN MAX ALL) NOT ALL'), ['* ESEARCH (TAG "x.2")']);
    assert.deepEqual(await run('x.3', 'UID SEARCH RETURN (COUNT MIN) NOT ALL'), [
      '* ESEARCH (TAG "x.3") UID COUNT 0',
    ]);
    assert.deepEqual(await run('x.4', 'UID SEARCH RETURN (MIN MAX COUNT) 2:3'), [
      '* ESEARCH (TAG "x.4") UID MIN 2 MAX 3 COUNT 2',
    ]);
    await imap.logout();
  });
});

describe('SEARCHRES (RFC 5182)', () => {
  test('SAVE alone answers no SEARCH or ESEARCH; SAVE with MIN or MAX keeps only those, with COUNT all', async () => {
    const box = await freshBox([1, 2, 3, 4].map((n) => short(n)));
    const imap = await session();
    await imap.ok(`SELECT ${box}`);
    // §1: "In absence of any other SEARCH result option, the SAVE result option also suppresses
    // any SEARCH response that would have been otherwise returned".
    const saved = await imap.ok('SEARCH RETURN (SAVE) 2:4');
    assert.deepEqual(saved.untagged, []);
    assert.deepEqual(await fetchDollar(imap), [2, 3, 4]);
    // §2.4 table: SAVE MIN -> MIN; SAVE MAX -> MAX; SAVE MIN MAX -> MIN & MAX; SAVE with ALL
    // and/or COUNT -> all found messages.
    await imap.ok('SEARCH RETURN (SAVE MIN) 2:4');
    assert.deepEqual(await fetchDollar(imap), [2]);
    await imap.ok('SEARCH RETURN (MAX SAVE) 2:4');
    assert.deepEqual(await fetchDollar(imap), [4]);
    await imap.ok('SEARCH RETURN (MIN SAVE MAX) 2:4');
    assert.deepEqual(await fetchDollar(imap), [2, 4]);
    const counted = await imap.ok('SEARCH RETURN (SAVE COUNT MIN) 2:4');
    assert.match(counted.untagged[0]!, / MIN 2 COUNT 3$| COUNT 3 MIN 2$/);
    assert.deepEqual(await fetchDollar(imap), [2, 3, 4]);
    await imap.logout();
  });

  test('a SAVE answered NO empties $; a BAD search leaves it; expunges and SELECT update it', async () => {
    const box = await freshBox([1, 2, 3, 4].map((n) => short(n)));
    const imap = await session();
    await imap.ok(`SELECT ${box}`);
    await imap.ok('SEARCH RETURN (SAVE) 2:3');
    // §2.1: "Any of the following SEARCH commands MUST NOT change the search result variable:
    // a SEARCH command that caused the server to return the BAD tagged response".
    await imap.expect('SEARCH RETURN (SAVE) NOSUCHKEY 1', 'BAD');
    assert.deepEqual(await fetchDollar(imap), [2, 3]);
    // §2.1: "When a message listed in the search result variable is EXPUNGEd, it is automatically
    // removed from the list" (sequence numbers adjusted).
    await imap.ok('STORE 1,2 +FLAGS.SILENT (\\Deleted)');
    await imap.ok('EXPUNGE');
    const left = await imap.ok('FETCH $ (UID)');
    assert.deepEqual(left.untagged, ['* 1 FETCH (UID 3)']);
    // §2.1: "A SEARCH command with the SAVE result option that caused the server to return the NO
    // tagged response sets the value of the search result variable to the empty sequence."
    await imap.expect('SEARCH RETURN (SAVE) CHARSET X-NO-SUCH-CHARSET SUBJECT m', 'NO');
    // §2.1: an empty $ "must be treated ... as a valid, but non-matching list of messages. For
    // example, the "FETCH $" command would return a tagged OK response and no FETCH responses."
    assert.deepEqual((await imap.ok('FETCH $ (UID)')).untagged, []);
    // §2.1: "Upon successful completion of a SELECT or an EXAMINE command ..., the current search
    // result variable is reset to the empty sequence."
    await imap.ok('SEARCH RETURN (SAVE) ALL');
    await imap.ok(`SELECT ${box}`);
    assert.deepEqual((await imap.ok('FETCH $ (UID)')).untagged, []);
    await imap.logout();
  });

  test('pipelined SAVE, COPY $ and STORE $ run in order; a UID SEARCH result is usable as sequence numbers', async () => {
    const box = await freshBox([1, 2, 3, 4].map((n) => short(n)));
    const target = await freshBox([]);
    const imap = await session();
    await imap.ok(`SELECT ${box}`);
    // §2.3: "a server MUST execute the two commands in the order they were received."
    imap.write(
      `p1 SEARCH RETURN (SAVE) SUBJECT m3\r\np2 COPY $ ${target}\r\np3 STORE $ +FLAGS (\\Flagged)\r\n`,
    );
    assert.match((await imap.until('p1')).tagged, /^p1 OK/);
    const copied = await imap.until('p2');
    assert.match(copied.tagged, /^p2 OK \[COPYUID \d+ 3 1\]/, copied.tagged);
    const stored = await imap.until('p3');
    assert.match(stored.tagged, /^p3 OK/);
    assert.equal(stored.untagged.length, 1);
    assert.match(stored.untagged[0]!, /^\* 3 FETCH \(.*\\Flagged/);
    // §2.1 implementation note: "the "$" marker can be set as a result of a UID SEARCH (SAVE)
    // command and used as a parameter to a FETCH command (which accepts a message sequence".
    await imap.ok('STORE 1 +FLAGS.SILENT (\\Deleted)');
    await imap.ok('EXPUNGE');
    await imap.ok('UID SEARCH RETURN (SAVE) UID 3:4');
    assert.deepEqual((await imap.ok('FETCH $ (UID)')).untagged, ['* 2 FETCH (UID 3)', '* 3 FETCH (UID 4)']);
    assert.deepEqual(numbers((await imap.ok('UID SEARCH $')).untagged, 'SEARCH'), [3, 4]);
    await imap.logout();
  });
});

describe('SORT (RFC 5256), DISPLAY (RFC 5957) and ESORT (RFC 5267)', () => {
  test('REVERSE reverses one key only: ties still go by ascending sequence number', async () => {
    // Messages 1 and 2 have the same size and subject; 3 is larger.
    const box = await freshBox([
      short('x', 'X-A: 1\r\n'),
      short('x', 'X-B: 2\r\n'),
      short('x', 'X-C: 333\r\n'),
    ]);
    const imap = await session();
    await imap.ok(`EXAMINE ${box}`);
    // RFC 5256 §3: "REVERSE only reverses a single criterion, and does not affect the implicit
    // "sequence number" sort criterion if all other criteria are identical."
    assert.deepEqual(numbers((await imap.ok('SORT (REVERSE SIZE) UTF-8 ALL')).untagged, 'SORT'), [3, 1, 2]);
    assert.deepEqual(
      numbers((await imap.ok('SORT (REVERSE SUBJECT) UTF-8 ALL')).untagged, 'SORT'),
      [1, 2, 3],
    );
    assert.deepEqual(numbers((await imap.ok('SORT (SIZE) US-ASCII ALL')).untagged, 'SORT'), [1, 2, 3]);
    await imap.logout();
  });

  test('SUBJECT sorts by base subject: Re:/Fwd:/Fw: leaders, [blobs], (fwd) trailers, [fwd: …], encoded words', async () => {
    const subjects = [
      'Re: [list] Fwd: banana', // banana
      'apple (fwd)', // apple
      '[Fwd: cherry]', // cherry
      'RE:  re: Apple', // apple
      '[only]', // [only] (a blob is kept when nothing would be left)
      'Fw: [x] banana', // banana
      '=?UTF-8?Q?Re=3A_date?=', // date (encoded words are decoded first)
      'Re: Fwd: [fwd: elder] (fwd)', // elder
    ];
    const box = await freshBox(
      subjects.map((s, i) => `From: a@example.com\r\nSubject: ${s}\r\n\r\nb${i}\r\n`),
    );
    const imap = await session();
    await imap.ok(`EXAMINE ${box}`);
    // RFC 5256 §2.1 steps (1)-(7) and §3 (ties by sequence number); i;ascii-casemap collation.
    // Bases: apple (2, 4), banana (1, 6), cherry (3), date (7), elder (8), "[ONLY]" after letters.
    const sorted = numbers((await imap.ok('SORT (SUBJECT) UTF-8 ALL')).untagged, 'SORT');
    assert.deepEqual(sorted, [2, 4, 1, 6, 3, 7, 8, 5]);
    await imap.logout();
  });

  test('DATE is the sent date in UTC, INTERNALDATE when there is no Date:; ARRIVAL is the internal date and time', async () => {
    const box = await freshBox([
      { body: short(1, 'Date: Mon, 1 Jan 2024 23:30:00 -0500\r\n'), options: '"05-Jan-2030 00:00:00 +0000"' },
      { body: short(2, 'Date: Tue, 2 Jan 2024 02:00:00 +0000\r\n'), options: '"03-Jan-2030 23:30:00 +0000"' },
      { body: short(3), options: '"01-Jan-2024 12:00:00 +0000"' },
      { body: short(4, 'Date: Tue, 2 Jan 2024 04:30:00 +0000\r\n'), options: '"04-Jan-2030 01:00:00 +0200"' },
    ]);
    const imap = await session();
    await imap.ok(`EXAMINE ${box}`);
    // §2.2: sent date "adjusted by time zone to normalize to UTC" (1 is 04:30Z on 2 Jan, equal to
    // 4, so 1 comes first); "If the sent date cannot be determined (a Date: header is missing ...),
    // the INTERNALDATE for that message is used".
    assert.deepEqual(numbers((await imap.ok('SORT (DATE) UTF-8 ALL')).untagged, 'SORT'), [3, 2, 1, 4]);
    assert.deepEqual(
      numbers((await imap.ok('SORT (REVERSE DATE) UTF-8 ALL')).untagged, 'SORT'),
      [1, 4, 2, 3],
    );
    // §3 ARRIVAL: "Internal date and time of the message" (4 is 23:00Z on 3 Jan, before 2).
    assert.deepEqual(numbers((await imap.ok('SORT (ARRIVAL) UTF-8 ALL')).untagged, 'SORT'), [3, 4, 2, 1]);
    await imap.logout();
  });

  test('FROM, TO, CC sort on the first addr-mailbox, an absent header first; DISPLAYFROM on the decoded name', async () => {
    const box = await freshBox([
      crlf([
        'From: =?UTF-8?Q?Yvonne?= <zulu@example.com>',
        'To: b@x.example, a@x.example',
        'Subject: 1',
        '',
        'x',
        '',
      ]),
      crlf([
        'From: Bob <alpha@example.com>',
        'To: "A" <c@x.example>',
        'Cc: Mike <m@x.example>',
        'Subject: 2',
        '',
        'x',
        '',
      ]),
      crlf(['From: BRAVO@example.com', 'To: a@x.example', 'Cc: aaa@x.example', 'Subject: 3', '', 'x', '']),
    ]);
    const imap = await session();
    await imap.ok(`EXAMINE ${box}`);
    const sort = async (keys: string): Promise<number[]> =>
      numbers((await imap.ok(`SORT (${keys}) UTF-8 ALL`)).untagged, 'SORT');
    // RFC 5256 §3: FROM/TO/CC = "[IMAP] addr-mailbox of the first ... address"; "If the associated
    // RFC-822 header for a particular criterion is absent, it is treated as the empty string. The
    // empty string always collates before non-empty strings." (i;ascii-casemap: case folded)
    assert.deepEqual(await sort('FROM'), [2, 3, 1]); // alpha, BRAVO, zulu
    assert.deepEqual(await sort('TO'), [3, 1, 2]); // a, b, c
    assert.deepEqual(await sort('CC'), [1, 3, 2]); // "", aaa, m
    // RFC 5957 §3: the decoded addr-name when non-empty, else addr-mailbox@addr-host.
    assert.deepEqual(await sort('DISPLAYFROM'), [2, 3, 1]); // Bob, BRAVO@example.com, Yvonne
    // RFC 5267 §3.2 (ESORT): an extended SORT answers ESEARCH; ALL in sort order, COUNT, MIN/MAX
    // the first and last in sort order; UID SORT with the UID indicator.
    const esort = await imap.ok('UID SORT RETURN (COUNT MIN MAX) (FROM) UTF-8 ALL');
    assert.match(esort.untagged[0]!, /^\* ESEARCH \(TAG "t\d+"\) UID /);
    assert.match(esort.untagged[0]!, / MIN 2\b/);
    assert.match(esort.untagged[0]!, / MAX 1\b/);
    assert.match(esort.untagged[0]!, / COUNT 3\b/);
    await imap.logout();
  });
});

describe('BINARY (RFC 3516)', () => {
  const MULTI = crlf([
    'From: bin@example.com',
    'Subject: binary',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain; charset=us-ascii',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('Hello, world!').toString('base64'),
    '--b',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'a=3Db =',
    'c=C3=A9',
    '--b',
    'Content-Type: application/octet-stream',
    'Content-Transfer-Encoding: x-uuencode',
    '',
    'begin 644 x',
    '--b',
    'Content-Type: text/plain; charset=us-ascii',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('l1\nl2\n').toString('base64'),
    '--b--',
    '',
  ]);
  let box: string;
  before(async () => {
    box = await freshBox([MULTI, MULTI]);
  });

  test('BINARY decodes base64 and quoted-printable; BINARY.SIZE matches; a partial counts decoded octets', async () => {
    const imap = await session();
    await imap.ok(`EXAMINE ${box}`);
    const one = await rawCommand(imap, 'FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])');
    assert.match(one.tagged, /^OK/);
    // §4.3: "An <nstring> or <literal8> expressing the content of the specified section after
    // removing any CTE-related encoding"; BINARY.SIZE "MUST match the size of the <nstring> or
    // <literal8> that will be returned by the corresponding FETCH BINARY request."
    assert.equal(itemBytes(one.untagged[0]!, 'BINARY[1]').value?.toString(), 'Hello, world!');
    assert.match(one.untagged[0]!.toString(), /BINARY\.SIZE\[1\] 13\b/);
    const two = await rawCommand(imap, 'FETCH 1 (BINARY.PEEK[2] BINARY.SIZE[2])');
    const qp = itemBytes(two.untagged[0]!, 'BINARY[2]').value!;
    assert.equal(qp.toString('utf8'), 'a=b cé');
    assert.match(two.untagged[0]!.toString(), new RegExp(`BINARY\\.SIZE\\[2\\] ${qp.length}\\b`));
    // §4.2: "the <partial> arguments refer to the DECODED section data" (origin echoed, §4.3).
    const part = await rawCommand(imap, 'FETCH 1 (BINARY.PEEK[1]<7.5>)');
    assert.equal(itemBytes(part.untagged[0]!, 'BINARY[1]<7>').value?.toString(), 'world');
    await imap.logout();
  });

  test('textual sections are sent with CRLF line ends, and BINARY.SIZE counts them', async () => {
    const imap = await session();
    await imap.ok(`EXAMINE ${box}`);
    const reply = await rawCommand(imap, 'FETCH 1 (BINARY.PEEK[4] BINARY.SIZE[4])');
    // §6: "servers MUST ensure that textual line-oriented sections are always transmitted using
    // the IMAP4 CRLF line termination syntax, regardless of the underlying storage
    // representation"; §4.3: BINARY.SIZE "MUST match".
    const value = itemBytes(reply.untagged[0]!, 'BINARY[4]').value!;
    assert.equal(value.toString(), 'l1\r\nl2\r\n');
    assert.match(reply.untagged[0]!.toString(), /BINARY\.SIZE\[4\] 8\b/);
    await imap.logout();
  });

  test('an unknown CTE is NO [UNKNOWN-CTE]; BINARY sets \\Seen and BINARY.PEEK does not; bad sections are BAD', async () => {
    const imap = await session();
    await imap.ok(`SELECT ${box}`);
    // §4.3: "If the server does not know how to decode the section's CTE, it MUST fail the request
    // and issue a "NO" response that contains the "UNKNOWN-CTE" extended response code." (for
    // BINARY and for BINARY.SIZE)
    await imap.expect('FETCH 2 (BINARY.PEEK[3])', 'NO', /\[UNKNOWN-CTE\]/);
    await imap.expect('FETCH 2 (BINARY.SIZE[3])', 'NO', /\[UNKNOWN-CTE\]/);
    // §4.2: BINARY.PEEK is "An alternate form of FETCH BINARY that does not implicitly set the
    // \Seen flag" (so BINARY does, as BODY[] does, RFC 3501 §6.4.5).
    await imap.ok('FETCH 2 (BINARY.PEEK[1])');
    assert.doesNotMatch((await imap.ok('FETCH 2 (FLAGS)')).untagged[0]!, /\\Seen/);
    await imap.ok('FETCH 2 (BINARY[1])');
    assert.match((await imap.ok('FETCH 2 (FLAGS)')).untagged[0]!, /\\Seen/);
    // §7: section-binary = "[" [section-part] "]": no HEADER, TEXT or MIME.
    for (const item of ['BINARY[HEADER]', 'BINARY.PEEK[1.MIME]', 'BINARY.SIZE[TEXT]']) {
      await imap.expect(`FETCH 1 (${item})`, 'BAD');
    }
    await imap.logout();
  });

  test('APPEND with a synchronizing literal8 ~{n}: a continuation, then APPENDUID; the octets are kept', async () => {
    const target = await freshBox([]);
    const message = Buffer.from(
      'From: b@example.com\r\nSubject: 8bit\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: binary\r\n\r\ncafé\r\n',
    );
    const imap = await session();
    imap.send(`L1 APPEND ${target} ~{${message.length}}`);
    // RFC 3516 §7: append =/ ... SP literal8; a synchronizing literal waits for "+" (RFC 3501 §7.5).
    assert.match((await imap.response())!, /^\+/);
    imap.write(Buffer.concat([message, Buffer.from('\r\n')]));
    const { tagged } = await imap.until('L1');
    // RFC 4315 §3: APPENDUID <uidvalidity> <uid>.
    assert.match(tagged, /^L1 OK \[APPENDUID \d+ 1\]/);
    await imap.ok(`EXAMINE ${target}`);
    const body = await rawCommand(imap, 'FETCH 1 (BODY.PEEK[])');
    // §4.4: "any such transformation MUST NOT result in a loss of data."
    assert.ok(itemBytes(body.untagged[0]!, 'BODY[]').value!.includes(Buffer.from('café')));
    await imap.logout();
  });
});

describe('UIDPLUS (RFC 4315) and MOVE (RFC 6851)', () => {
  test('COPYUID pairs source and target UIDs in the same order; nothing copied, no COPYUID; MULTIAPPEND', async () => {
    const box = await freshBox([short(1), short(2), short(3)]);
    const target = await freshBox([short('pre')]);
    const imap = await session();
    await imap.ok(`SELECT ${box}`);
    const copied = await imap.ok(`UID COPY 3,1 ${target}`);
    // RFC 4315 §3: COPYUID "followed by the UIDVALIDITY of the destination mailbox, a UID set
    // containing the UIDs of the message(s) in the source mailbox that were copied, and a UID set
    // containing the UIDs assigned to the copied message(s) in the destination mailbox"; the
    // n-th UID of each set belong to the same message.
    const m = /\[COPYUID \d+ ([\d:,]+) ([\d:,]+)\]/.exec(copied.tagged);
    assert.ok(m, copied.tagged);
    const [src, dst] = [expandSet(m[1]!), expandSet(m[2]!)];
    assert.equal(src.length, 2);
    assert.equal(dst.length, 2);
    const subjects = new Map<number, string>();
    await imap.ok(`EXAMINE ${target}`);
    for (const uid of dst) {
      const line = (await imap.ok(`UID FETCH ${uid} (BODY.PEEK[HEADER.FIELDS (SUBJECT)])`)).untagged[0]!;
      subjects.set(uid, /Subject: (m\d)/.exec(line)![1]!);
    }
    for (const [i, uid] of src.entries()) {
      assert.equal(subjects.get(dst[i]!), `m${uid}`, `COPYUID pair ${uid} -> ${dst[i]}`);
    }
    // §3 grammar: resp-code-copy = "COPYUID" SP nz-number SP uid-set SP uid-set; a uid-set is never
    // empty, so nothing copied has no COPYUID.
    await imap.ok(`SELECT ${box}`);
    const none = await imap.ok(`UID COPY 99 ${target}`);
    assert.doesNotMatch(none.tagged, /COPYUID/);
    // §3: APPENDUID with a uid-set for a MULTIAPPEND (RFC 3502).
    const a = Buffer.from(short('ma'));
    const b = Buffer.from(short('mb'));
    imap.write(
      Buffer.concat([
        Buffer.from(`M1 APPEND ${target} {${a.length}+}\r\n`),
        a,
        Buffer.from(` {${b.length}+}\r\n`),
        b,
        Buffer.from('\r\n'),
      ]),
    );
    const multi = (await imap.until('M1')).tagged;
    const am = /^M1 OK \[APPENDUID \d+ ([\d:,]+)\]/.exec(multi);
    assert.ok(am, multi);
    assert.equal(expandSet(am[1]!).length, 2);
    await imap.logout();
  });

  test('UID EXPUNGE removes only messages both \\Deleted and in the set', async () => {
    const box = await freshBox([short(1), short(2), short(3)]);
    const imap = await session();
    await imap.ok(`SELECT ${box}`);
    await imap.ok('STORE 1:2 +FLAGS.SILENT (\\Deleted)');
    // RFC 4315 §2.1: "If a message either does not have the \Deleted flag set or has a UID that is
    // not included in the specified sequence set, it is not affected."
    const reply = await imap.ok('UID EXPUNGE 2:3');
    assert.deepEqual(reply.untagged, ['* 2 EXPUNGE']);
    assert.deepEqual(numbers((await imap.ok('UID SEARCH ALL')).untagged, 'SEARCH'), [1, 3]);
    await imap.logout();
  });

  test('MOVE into the selected mailbox itself is allowed: a new UID, the old one expunged', async () => {
    const box = await freshBox([short(1), short(2)]);
    const imap = await session();
    await imap.ok(`SELECT ${box}`);
    // RFC 6851 §3.3: "moving a message to the currently selected mailbox ... is allowed when
    // copying the message to the currently selected mailbox is allowed."
    await imap.ok(`COPY 2 ${box}`);
    const moved = await imap.ok(`UID MOVE 1 ${box}`);
    const line = [...moved.untagged, moved.tagged].find((l) => l.includes('COPYUID'));
    assert.ok(line, `COPYUID (RFC 6851 §4.3): ${moved.untagged.join(' | ')}`);
    const newUid = Number(/COPYUID \d+ 1 (\d+)/.exec(line)![1]);
    assert.ok(newUid > 3);
    assert.ok(moved.untagged.includes('* 1 EXPUNGE'), moved.untagged.join(' | '));
    // §3.3: "the \DELETED flag MUST NOT be set for any message."
    const all = await imap.ok('UID FETCH 1:* (FLAGS)');
    assert.deepEqual(numbers((await imap.ok('UID SEARCH ALL')).untagged, 'SEARCH'), [2, 3, newUid]);
    assert.ok(
      all.untagged.every((l) => !l.includes('\\Deleted')),
      all.untagged.join(' | '),
    );
    await imap.logout();
  });
});

describe('ID, NAMESPACE, UNSELECT', () => {
  test('ID NIL and ID with a field list, before and after login; the answer keeps the limits; odd lists are BAD', async () => {
    const imap = await ImapDialog.greeted(port);
    const check = (lines: string[]): void => {
      // RFC 2971 §3.1: the server answers one untagged ID (its list or NIL). §3.3: "Field strings
      // MUST NOT be longer than 30 octets. Value strings MUST NOT be longer than 1024 octets.
      // Implementations MUST NOT send more than 30 field-value pairs." and no field twice.
      const ids = lines.filter((l) => l.startsWith('* ID '));
      assert.equal(ids.length, 1, lines.join(' | '));
      if (ids[0] === '* ID NIL') return;
      const body = /^\* ID \((.*)\)$/.exec(ids[0]!);
      assert.ok(body, ids[0]);
      const items = [...body[1]!.matchAll(/"((?:[^"\\]|\\.)*)"|NIL/g)].map((x) =>
        x[0] === 'NIL' ? null : x[1]!,
      );
      assert.equal(items.length % 2, 0);
      assert.ok(items.length / 2 <= 30);
      const names = new Set<string>();
      for (let i = 0; i < items.length; i += 2) {
        const name = items[i]!;
        assert.ok(name !== null && Buffer.byteLength(name) <= 30, `field ${name}`);
        assert.ok(!names.has(name.toLowerCase()), `field ${name} twice`);
        names.add(name.toLowerCase());
        assert.ok(items[i + 1] === null || Buffer.byteLength(items[i + 1]!) <= 1024);
      }
    };
    // RFC 2971 §3.1: ID is not tied to the authenticated state; clients send it before LOGIN.
    check((await imap.ok('ID NIL')).untagged);
    await imap.ok(`LOGIN ${USER} secret`);
    check((await imap.ok('ID ("name" "rfc-test" "version" "1.0" "os" NIL)')).untagged);
    // §4 grammar: id_params_list ::= "(" #(string SPACE nstring) ")" / nil.
    await imap.expect('ID ("name")', 'BAD');
    await imap.expect('ID', 'BAD');
    await imap.logout();
  });

  test('NAMESPACE needs a login; UNSELECT needs a mailbox, expunges nothing and leaves the selected state', async () => {
    const box = await freshBox([short(1), short(2)]);
    const imap = await ImapDialog.greeted(port);
    // RFC 2342 §5: NAMESPACE is valid in the authenticated and selected states (RFC 3501 §6: BAD
    // for a command in the wrong state).
    await imap.expect('NAMESPACE', 'BAD');
    await imap.ok(`LOGIN ${USER} secret`);
    assert.match(
      (await imap.ok('NAMESPACE')).untagged[0]!,
      /^\* NAMESPACE (\(\(.*\)\)|NIL) (\(\(.*\)\)|NIL) (\(\(.*\)\)|NIL)$/,
    );
    // RFC 3691 §2: "BAD - command unknown or arguments invalid, no mailbox selected".
    await imap.expect('UNSELECT', 'BAD');
    await imap.ok(`SELECT ${box}`);
    await imap.ok('STORE 1 +FLAGS.SILENT (\\Deleted)');
    // §2: "no messages are removed"; no EXPUNGE responses; back to the authenticated state.
    const unselected = await imap.ok('UNSELECT');
    assert.ok(!unselected.untagged.some((l) => /EXPUNGE|VANISHED/.test(l)), unselected.untagged.join(' | '));
    await imap.expect('FETCH 1 (FLAGS)', 'BAD');
    assert.match((await imap.ok(`STATUS ${box} (MESSAGES)`)).untagged[0]!, /MESSAGES 2\)/);
    await imap.logout();
  });
});

describe('LITERAL+ (RFC 7888) and SASL-IR (RFC 4959)', () => {
  test('LITERAL+ (not LITERAL-): a non-synchronizing literal over 4096 octets is accepted', async () => {
    const box = await freshBox([]);
    const imap = await session();
    const caps = (await imap.ok('CAPABILITY')).untagged[0]!;
    assert.match(caps, / LITERAL\+( |$)/);
    // RFC 7888 §3: with LITERAL+ the client may send non-synchronizing literals of any size; the
    // 4096-octet ceiling is LITERAL- only (§4).
    const big = short('big', `X-Pad: ${'p'.repeat(6000)}\r\n`);
    const tagged = await imap.append(box, big);
    assert.match(tagged, /^OK/, tagged);
    assert.match((await imap.ok(`STATUS ${box} (MESSAGES)`)).untagged[0]!, /MESSAGES 1\)/);
    await imap.logout();
  });

  test('AUTHENTICATE PLAIN with an initial response; "=" is an empty one, never a challenge', async () => {
    const good = Buffer.from(`\0${USER}\0secret`).toString('base64');
    const one = await ImapDialog.greeted(port);
    // RFC 4959 §3: the initial response is the base64 argument after the mechanism.
    await one.ok(`AUTHENTICATE PLAIN ${good}`);
    await one.ok('SELECT INBOX');
    await one.logout();
    const two = await ImapDialog.greeted(port);
    two.send('e1 AUTHENTICATE PLAIN =');
    // RFC 4959 §3: "=" is a zero-length initial response, which PLAIN (RFC 4616 §2: one message
    // authzid NUL authcid NUL passwd) cannot accept: the exchange fails, with no "+" challenge.
    const reply = await two.response();
    assert.match(reply!, /^e1 (NO|BAD)\b/, `got ${reply}`);
    await two.ok(`LOGIN ${USER} secret`);
    await two.logout();
  });

  test('AUTHENTICATE cancelled with "*" or answered with invalid base64 is BAD; the session goes on', async () => {
    const imap = await ImapDialog.greeted(port);
    // RFC 9051 §6.2.2 (RFC 3501 §6.2.2): "If the client wishes to cancel an authentication
    // exchange, it issues a line consisting of a single "*". If the server receives such a
    // response, or if it receives an invalid BASE64 string ..., it MUST reject the AUTHENTICATE
    // command by sending a tagged BAD response."
    imap.send('c1 AUTHENTICATE PLAIN');
    assert.match((await imap.response())!, /^\+/);
    imap.send('*');
    assert.match((await imap.response())!, /^c1 BAD\b/);
    imap.send('c2 AUTHENTICATE PLAIN');
    assert.match((await imap.response())!, /^\+/);
    imap.send('%%%not-base64%%%');
    assert.match((await imap.response())!, /^c2 BAD\b/);
    await imap.expect('AUTHENTICATE PLAIN ***', 'BAD');
    imap.send('c3 AUTHENTICATE PLAIN');
    assert.match((await imap.response())!, /^\+/);
    imap.send(Buffer.from(`\0${USER}\0secret`).toString('base64'));
    assert.match((await imap.response())!, /^c3 OK\b/);
    await imap.logout();
  });
});

describe('PREVIEW (RFC 8970)', () => {
  test('decoded text of at most 256 characters; never NIL without LAZY; 8-bit text as a literal in IMAP4rev1', async () => {
    const text = 'Héllo wörld, this is the preview text. '.repeat(20);
    const box = await freshBox([
      crlf([
        'From: p@example.com',
        'Subject: preview',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: base64',
        '',
        ...(Buffer.from(text)
          .toString('base64')
          .match(/.{1,76}/g) ?? []),
        '',
      ]),
      crlf([
        'From: p@example.com',
        'Subject: qp',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'soft=',
        'ly caf=C3=A9',
        '',
      ]),
    ]);
    const imap = await session();
    await imap.ok(`EXAMINE ${box}`);
    for (const n of [1, 2]) {
      const reply = await rawCommand(imap, `FETCH ${n} (PREVIEW)`);
      assert.match(reply.tagged, /^OK/);
      const { value, form } = itemBytes(reply.untagged[0]!, 'PREVIEW');
      // §3.2: "A server MUST NOT return NIL to a FETCH PREVIEW request made without the LAZY
      // modifier."
      assert.notEqual(form, 'nil');
      // §3.3: "MUST be encoded in UTF-8"; "MUST NOT output preview text longer than 256 preview
      // characters"; "MUST NOT be content transfer encoded".
      const decoded = new TextDecoder('utf-8', { fatal: true }).decode(value!);
      assert.ok([...decoded].length <= 256, `${[...decoded].length} characters`);
      // RFC 3501 §9: in an IMAP4rev1 session a quoted string is 7-bit; 8-bit text needs a literal.
      if (form === 'quoted')
        assert.ok(
          value!.every((b) => b < 0x80),
          `8-bit quoted: ${decoded}`,
        );
      if (n === 1) {
        assert.match(decoded, /llo w.*rld, this is the preview/);
        assert.doesNotMatch(decoded, /SMOp/, 'not base64');
      } else {
        assert.match(decoded, /softly caf/);
        assert.doesNotMatch(decoded, /=C3|=$/m, 'not quoted-printable');
      }
    }
    // §4.1: "The LAZY modifier MUST be implemented"; the answer is a string or NIL.
    const lazy = await imap.ok('FETCH 1:2 (PREVIEW (LAZY))');
    assert.equal(lazy.untagged.filter((l) => /^\* \d FETCH \(PREVIEW (NIL|"|\{)/.test(l)).length, 2);
    await imap.logout();
  });
});
