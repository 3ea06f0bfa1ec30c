/**
 * UTF8=ACCEPT (RFC 9755, which replaces RFC 6855) against a real server: advertised, enabled by
 * ENABLE, UTF-8 mailbox names, APPEND of messages with UTF-8 header fields (also in the
 * `UTF8 (~{n})` form of RFC 6855 §4 that clients still send), the refusal of 8-bit header fields
 * from IMAP4rev1 clients that did not enable it (RFC 9755 §4), and SEARCH without CHARSET
 * (RFC 9755 §3).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { ImapDialog } from './dialog.ts';

const USER = 'utf8@loft.test';
let server: TestServer;
let port: number;

before(async () => {
  server = await startTestServer({ auth: { max_failures_per_ip: 1000 } });
  await provision(server, ['loft.test'], [USER]);
  port = server.ports.imap!;
});
after(async () => {
  await server.close();
});

const UTF8_HEADER = Buffer.from(
  'From: Zoë <z@loft.test>\r\nSubject: Grüße aus Köln\r\n\r\nHallo\r\n',
  'utf8',
);
const EIGHT_BIT_BODY = Buffer.from('From: z@loft.test\r\nSubject: plain\r\n\r\nGrüße\r\n', 'utf8');

async function count(mailbox: string): Promise<number> {
  return (await mailboxContents(server, USER, mailbox)).length;
}

describe('UTF8=ACCEPT (RFC 9755)', () => {
  test('is advertised, before and after login, and ENABLE turns it on', async () => {
    const imap = await ImapDialog.greeted(port);
    try {
      const before = await imap.ok('CAPABILITY');
      assert.ok(before.untagged[0]!.split(' ').includes('UTF8=ACCEPT'), before.untagged[0]);
      await imap.ok(`LOGIN ${USER} secret`);
      const after = await imap.ok('CAPABILITY');
      assert.ok(after.untagged[0]!.split(' ').includes('UTF8=ACCEPT'), after.untagged[0]);
      const enabled = await imap.ok('ENABLE UTF8=ACCEPT');
      assert.deepEqual(enabled.untagged, ['* ENABLED UTF8=ACCEPT']);
      await imap.ok('CREATE "Grüße"');
      const list = await imap.ok('LIST "" "Gr*"');
      assert.deepEqual(
        list.untagged,
        ['* LIST (\\HasNoChildren) "/" "Grüße"'],
        'quoted UTF-8, no modified UTF-7',
      );
    } finally {
      await imap.logout();
    }
  });

  test('an IMAP4rev1 client that did not enable it may not APPEND 8-bit header fields (§4); 8-bit bodies are fine', async () => {
    const box = { name: await freshMailbox('Rev1') };
    const imap = await ImapDialog.login(port, USER);
    try {
      const refused = await imap.append(box.name, UTF8_HEADER);
      assert.match(refused, /^NO /, refused);
      assert.equal(await count(box.name), 0, 'nothing stored');
      const body = await imap.append(box.name, EIGHT_BIT_BODY);
      assert.match(body, /^OK \[APPENDUID \d+ 1\]/, body);
      // MULTIAPPEND is all or nothing (RFC 3502 §3): one bad message refuses them all.
      const tag = imap.nextTag();
      imap.write(
        Buffer.concat([
          Buffer.from(`${tag} APPEND ${box.name} {${EIGHT_BIT_BODY.length}+}\r\n`),
          EIGHT_BIT_BODY,
          Buffer.from(` {${UTF8_HEADER.length}+}\r\n`),
          UTF8_HEADER,
          Buffer.from('\r\n'),
        ]),
      );
      assert.match((await imap.until(tag)).tagged, /^t\d+ NO /);
      assert.equal(await count(box.name), 1);
    } finally {
      await imap.logout();
    }
  });

  test('after ENABLE UTF8=ACCEPT, APPEND takes UTF-8 header fields, as a literal and as UTF8 (~{n}) (RFC 6855 §4)', async () => {
    const box = { name: await freshMailbox('Accept') };
    const imap = await ImapDialog.login(port, USER);
    try {
      await imap.ok('ENABLE UTF8=ACCEPT');
      assert.match(await imap.append(box.name, UTF8_HEADER), /^OK \[APPENDUID \d+ 1\]/);
      // The RFC 6855 form, with a synchronizing literal8 and the closing parenthesis after it.
      const tag = imap.nextTag();
      imap.send(`${tag} APPEND ${box.name} (\\Seen) UTF8 (~{${UTF8_HEADER.length}}`);
      assert.match((await imap.response()) ?? '', /^\+ /);
      imap.write(Buffer.concat([UTF8_HEADER, Buffer.from(')\r\n')]));
      const done = await imap.until(tag);
      assert.match(done.tagged, /^t\d+ OK \[APPENDUID \d+ 2\]/, done.tagged);
      // And non-synchronizing, in a MULTIAPPEND next to a plain literal.
      const multi = imap.nextTag();
      imap.write(
        Buffer.concat([
          Buffer.from(`${multi} APPEND ${box.name} UTF8 (~{${UTF8_HEADER.length}+}\r\n`),
          UTF8_HEADER,
          Buffer.from(`) {${EIGHT_BIT_BODY.length}+}\r\n`),
          EIGHT_BIT_BODY,
          Buffer.from('\r\n'),
        ]),
      );
      assert.match((await imap.until(multi)).tagged, /^t\d+ OK \[APPENDUID \d+ 3:4\]/);
      const stored = await mailboxContents(server, USER, box.name);
      assert.deepEqual(
        stored,
        [UTF8_HEADER, UTF8_HEADER, UTF8_HEADER, EIGHT_BIT_BODY],
        'stored byte for byte',
      );
      await imap.ok(`SELECT ${box.name}`);
      const flags = await imap.ok('FETCH 2 (FLAGS)');
      assert.deepEqual(flags.untagged, ['* 2 FETCH (FLAGS (\\Seen))'], 'flags of the UTF8 form apply');
      const envelope = await imap.ok('FETCH 1 (ENVELOPE)');
      assert.match(
        envelope.untagged[0]!,
        /ENVELOPE \(NIL "Grüße aus Köln" \(\("Zoë" NIL "z" "loft\.test"\)\)/,
      );
    } finally {
      await imap.logout();
    }
  });

  test('the UTF8 form is checked: a plain literal or a missing parenthesis is BAD', async () => {
    const box = { name: await freshMailbox('Syntax') };
    const imap = await ImapDialog.login(port, USER);
    try {
      await imap.ok('ENABLE UTF8=ACCEPT');
      const plain = imap.nextTag();
      imap.write(Buffer.from(`${plain} APPEND ${box.name} UTF8 ({3+}\r\nabc)\r\n`));
      assert.match((await imap.until(plain)).tagged, /^t\d+ BAD /);
      const open = imap.nextTag();
      imap.write(Buffer.from(`${open} APPEND ${box.name} UTF8 (~{3+}\r\nabc\r\n`));
      assert.match((await imap.until(open)).tagged, /^t\d+ BAD /);
      await imap.ok('NOOP');
      assert.equal(await count(box.name), 0);
    } finally {
      await imap.logout();
    }
  });

  test('IMAP4rev2 clients append UTF-8 header fields without UTF8=ACCEPT (RFC 9051 carries UTF-8)', async () => {
    const box = { name: await freshMailbox('Rev2') };
    const imap = await ImapDialog.login(port, USER);
    try {
      await imap.ok('ENABLE IMAP4rev2');
      assert.match(await imap.append(box.name, UTF8_HEADER), /^OK /);
      assert.equal(await count(box.name), 1);
    } finally {
      await imap.logout();
    }
  });

  test('SEARCH with CHARSET is BAD once an IMAP4rev1 client enabled UTF8=ACCEPT (§3); UTF-8 strings search without it', async () => {
    const box = { name: await freshMailbox('Search') };
    const imap = await ImapDialog.login(port, USER);
    try {
      await imap.ok('ENABLE UTF8=ACCEPT');
      assert.match(await imap.append(box.name, UTF8_HEADER), /^OK /);
      assert.match(await imap.append(box.name, EIGHT_BIT_BODY), /^OK /);
      await imap.ok(`SELECT ${box.name}`);
      await imap.expect('SEARCH CHARSET UTF-8 SUBJECT "Köln"', 'BAD');
      await imap.expect('UID SEARCH CHARSET US-ASCII ALL', 'BAD');
      const found = await imap.ok('SEARCH SUBJECT "köln"');
      assert.deepEqual(found.untagged, ['* SEARCH 1']);
      const body = await imap.ok('SEARCH BODY "GRÜSSE"');
      assert.deepEqual(body.untagged, ['* SEARCH'], 'substring match, no ß folding');
      const text = await imap.ok('SEARCH TEXT "grüße"');
      assert.deepEqual(text.untagged, ['* SEARCH 1 2']);
    } finally {
      await imap.logout();
    }
    // An IMAP4rev2 client may still name the charset (RFC 9051 §6.4.4).
    const rev2 = await ImapDialog.login(port, USER);
    try {
      await rev2.ok('ENABLE IMAP4rev2 UTF8=ACCEPT');
      await rev2.ok(`SELECT ${box.name}`);
      const found = await rev2.ok('SEARCH CHARSET UTF-8 SUBJECT "Köln"');
      assert.equal(found.untagged.length, 1);
      assert.match(found.untagged[0]!, /^\* ESEARCH \(TAG "t\d+"\) ALL 1$/);
    } finally {
      await rev2.logout();
    }
  });
});

let boxes = 0;

/** A new, empty mailbox of its own for one test. */
async function freshMailbox(prefix: string): Promise<string> {
  boxes += 1;
  const name = `${prefix}${boxes}`;
  const setup = await ImapDialog.login(port, USER);
  await setup.ok(`CREATE ${name}`);
  await setup.logout();
  return name;
}
