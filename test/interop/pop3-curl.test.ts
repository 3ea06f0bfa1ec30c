/**
 * Interoperability with curl's POP3 client: pop3:// (plain on loopback, and STLS with
 * --ssl-reqd) and pop3s:// (implicit TLS, -k for the self-signed certificate): LIST, RETR, UIDL
 * and TOP as custom commands, DELE with -I, and SASL PLAIN / LOGIN chosen with --login-options.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { deliver, inbox } from '../pop3/support.ts';
import { requireTool, run } from './tools.ts';

let server: TestServer;

before(async () => {
  await requireTool('curl', 'curl', ['--version']);
  server = await startTestServer();
  await provision(server, ['loft.test'], ['alice@loft.test', 'bob@loft.test']);
  await deliver(server, 'alice@loft.test', 'Subject: one\r\n\r\nFirst\r\n.dot line');
  await deliver(server, 'alice@loft.test', 'Subject: two\r\n\r\nSecond');
  await deliver(server, 'bob@loft.test', 'Subject: bob 1\r\n\r\nx');
  await deliver(server, 'bob@loft.test', 'Subject: bob 2\r\n\r\ny');
});
after(() => server?.close());

async function curl(args: string[], user = 'alice@loft.test:secret'): Promise<string> {
  const result = await run('curl', ['-sS', '--max-time', '30', '-u', user, ...args], { timeoutMs: 60_000 });
  assert.equal(result.code, 0, `curl ${args.join(' ')} failed (${result.code}):\n${result.stderr}`);
  return result.stdout;
}

const url = (scheme: 'pop3' | 'pop3s', path = '') =>
  `${scheme}://127.0.0.1:${scheme === 'pop3' ? server.ports.pop3 : server.ports.pop3s}/${path}`;

describe('curl pop3:// and pop3s://', () => {
  test('LIST and RETR over pop3:// (loopback plaintext), byte for byte', async () => {
    const stored = await mailboxContents(server, 'alice@loft.test');
    assert.equal(await curl([url('pop3')]), stored.map((m, i) => `${i + 1} ${m.length}\r\n`).join(''));
    assert.equal(
      await curl([url('pop3', '1')]),
      stored[0]!.toString(),
      'RETR un-stuffed by curl equals the stored bytes',
    );
  });

  test('pop3:// with --ssl-reqd uses STLS; pop3s:// with -k uses implicit TLS', async () => {
    const stored = await mailboxContents(server, 'alice@loft.test');
    assert.equal(await curl(['--ssl-reqd', '-k', url('pop3', '2')]), stored[1]!.toString());
    assert.equal(await curl(['-k', url('pop3s', '2')]), stored[1]!.toString());
  });

  test('UIDL and TOP as custom commands', async () => {
    const { box, messages } = await inbox(server, 'alice@loft.test');
    const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
    assert.equal(
      await curl(['-k', '-X', 'UIDL', url('pop3s')]),
      messages.map((m, i) => `${i + 1} ${hex(m.uid)}${hex(box.uidValidity)}\r\n`).join(''),
    );
    const top = await curl(['-k', '-X', 'TOP 1 0', url('pop3s')]);
    assert.ok(top.endsWith('Subject: one\r\n\r\n'), JSON.stringify(top));
  });

  test('SASL PLAIN and LOGIN chosen with --login-options', async () => {
    const stored = await mailboxContents(server, 'alice@loft.test');
    for (const mech of ['PLAIN', 'LOGIN']) {
      assert.equal(
        await curl(['-k', '--login-options', `AUTH=${mech}`, url('pop3s', '1')]),
        stored[0]!.toString(),
        mech,
      );
    }
    const wrong = await run('curl', ['-sS', '-k', '-u', 'alice@loft.test:wrong', url('pop3s', '1')], {
      timeoutMs: 60_000,
    });
    assert.equal(wrong.code, 67, `login denied is curl exit 67: ${wrong.stderr}`);
  });

  test('DELE with -I removes the message at QUIT (download-and-delete)', async () => {
    assert.equal((await mailboxContents(server, 'bob@loft.test')).length, 2);
    await curl(['-k', '-X', 'DELE', '-I', url('pop3s', '1')], 'bob@loft.test:secret');
    const left = await mailboxContents(server, 'bob@loft.test');
    assert.equal(left.length, 1);
    assert.match(left[0]!.toString(), /Subject: bob 2/);
  });
});
