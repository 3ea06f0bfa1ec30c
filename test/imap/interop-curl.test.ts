/**
 * Interoperability with curl's IMAP client: imap:// (plain on loopback, and STARTTLS with
 * --ssl-reqd) and imaps:// (implicit TLS, -k for the self-signed certificate): listing
 * mailboxes, fetching a message by UID (`INBOX;UID=n`) and a section, a custom command with -X,
 * and SASL mechanisms chosen with --login-options.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { requireTool, run } from '../interop/tools.ts';
import { deliver } from '../pop3/support.ts';

let server: TestServer;

before(async () => {
  await requireTool('curl', 'curl', ['--version']);
  server = await startTestServer({ auth: { max_failures_per_ip: 1000 } });
  await provision(server, ['loft.test'], ['alice@loft.test']);
  await deliver(server, 'alice@loft.test', 'Subject: one\r\n\r\nFirst body\r\n');
  await deliver(
    server,
    'alice@loft.test',
    'Subject: two\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n' +
      '--b\r\nContent-Type: text/plain\r\n\r\npart one\r\n--b\r\nContent-Type: text/plain\r\n\r\npart two\r\n--b--\r\n',
  );
});
after(() => server?.close());

async function curl(args: string[], user = 'alice@loft.test:secret'): Promise<string> {
  const result = await run('curl', ['-sS', '--max-time', '30', '-u', user, ...args], { timeoutMs: 60_000 });
  assert.equal(result.code, 0, `curl ${args.join(' ')} failed (${result.code}):\n${result.stderr}`);
  return result.stdout;
}

const url = (scheme: 'imap' | 'imaps', path = '') =>
  `${scheme}://127.0.0.1:${scheme === 'imap' ? server.ports.imap : server.ports.imaps}/${path}`;

describe('curl imap:// and imaps://', () => {
  test('listing mailboxes over imap:// and imaps://', async () => {
    for (const args of [[url('imap')], ['-k', url('imaps')], ['--ssl-reqd', '-k', url('imap')]]) {
      const listing = await curl(args);
      const lines = listing.trimEnd().split('\r\n');
      assert.equal(lines.length, 6, listing);
      assert.ok(lines.includes('* LIST (\\HasNoChildren) "/" "INBOX"'), listing);
      assert.ok(
        lines.some((l) => l.includes('\\Trash') && l.endsWith('"Trash"')),
        listing,
      );
    }
  });

  test('a message by UID, byte for byte', async () => {
    const stored = await mailboxContents(server, 'alice@loft.test');
    assert.equal(await curl([url('imap', 'INBOX;UID=1')]), stored[0]!.toString());
    assert.equal(await curl(['-k', url('imaps', 'INBOX;UID=2')]), stored[1]!.toString());
    const missing = await run('curl', ['-sS', '-u', 'alice@loft.test:secret', url('imap', 'INBOX;UID=99')], {
      timeoutMs: 60_000,
    });
    assert.notEqual(missing.code, 0, 'a UID that does not exist is an error for curl');
  });

  // curl 7.88 reads FETCH data only from a literal ("Failed to parse FETCH response", exit 8,
  // when a short section came as a quoted string): message data is always a literal now.
  test('a short section of a message by UID', async () => {
    assert.equal(await curl(['-k', url('imaps', 'INBOX;UID=2;SECTION=2')]), 'part two');
    assert.equal(await curl(['--ssl-reqd', '-k', url('imap', 'INBOX;UID=2;SECTION=1')]), 'part one');
  });

  test('-X "EXAMINE INBOX" shows the untagged data', async () => {
    const out = await curl(['-X', 'EXAMINE INBOX', url('imap')]);
    assert.match(out, /^\* 2 EXISTS\r$/m);
    assert.match(out, /^\* OK \[UIDVALIDITY \d+\]/m);
    assert.match(out, /^\* OK \[UIDNEXT 3\]/m);
    assert.match(out, /^\* OK \[PERMANENTFLAGS \(\)\]/m);
    const status = await curl(['-k', '-X', 'STATUS INBOX (MESSAGES UIDNEXT)', url('imaps')]);
    assert.equal(status, '* STATUS "INBOX" (MESSAGES 2 UIDNEXT 3)\r\n');
  });

  test('SASL PLAIN and LOGIN chosen with --login-options; a wrong password fails', async () => {
    const stored = await mailboxContents(server, 'alice@loft.test');
    for (const mech of ['PLAIN', 'LOGIN']) {
      assert.equal(
        await curl(['-k', '--login-options', `AUTH=${mech}`, url('imaps', 'INBOX;UID=1')]),
        stored[0]!.toString(),
        mech,
      );
    }
    const wrong = await run(
      'curl',
      ['-sS', '-k', '-u', 'alice@loft.test:wrong', url('imaps', 'INBOX;UID=1')],
      {
        timeoutMs: 60_000,
      },
    );
    assert.equal(wrong.code, 67, `login denied is curl exit 67: ${wrong.stderr}`);
  });
});
