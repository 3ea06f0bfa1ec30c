/**
 * AUTHORIZATION state (RFC 1939 §4, §7; RFC 5034; RFC 3206; RFC 6856): greeting, CAPA,
 * USER/PASS, SASL PLAIN / LOGIN / SCRAM-SHA-256 over AUTH, APOP refused, UTF8, failures
 * answered `[AUTH]` and rate-limited with `[LOGIN-DELAY]`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { clientFinal, expectedServerFinal } from '../proto/sasl/helpers.ts';
import { Pop3Dialog } from './dialog.ts';
import { b64, deliver } from './support.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer({ auth: { max_failures_per_ip: 1000 } });
  await provision(
    server,
    ['loft.test', 'exämple.test'],
    ['alice@loft.test', ['carol@loft.test', 'pass with spaces'], ['josé@exämple.test', 'señal']],
  );
  await deliver(server, 'alice@loft.test', 'Subject: hi\r\n\r\nHello');
});
after(() => server.close());

describe('greeting and CAPA (RFC 2449 §5)', () => {
  test('the greeting has no APOP timestamp', async () => {
    const pop = await Pop3Dialog.connect(server.ports.pop3!);
    const greeting = await pop.expectOk(/^mx\.loft\.test Loft POP3 server ready$/);
    assert.ok(!/<.*@.*>/.test(greeting.text));
    pop.close();
  });

  test('CAPA lists the extensions; plaintext ones because this is loopback', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    const capa = await pop.multi('CAPA', /^Capability list follows/);
    for (const cap of [
      'TOP',
      'UIDL',
      'USER',
      'RESP-CODES',
      'AUTH-RESP-CODE',
      'PIPELINING',
      'STLS',
      'SASL SCRAM-SHA-256 PLAIN LOGIN',
      'UTF8 USER',
      'IMPLEMENTATION Loft',
    ]) {
      assert.ok(capa.lines.includes(cap), `CAPA offers ${cap}: ${capa.lines.join(' | ')}`);
    }
    assert.ok(!capa.lines.some((l) => l.startsWith('APOP') || l.startsWith('LOGIN-DELAY')));
    await pop.quit();
  });
});

describe('USER and PASS (RFC 1939 §7)', () => {
  test('a good login enters TRANSACTION state and reports the maildrop', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    await pop.command('USER alice@loft.test', true);
    await pop.command('PASS secret', true, /^Logged in, maildrop has 1 messages \(\d+ octets\)$/);
    await pop.command('STAT', true, /^1 \d+$/);
    await pop.quit();
  });

  test('user names are case-insensitive; passwords may contain spaces', async () => {
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'Carol@LOFT.test', 'pass with spaces');
    await pop.quit();
  });

  test('UTF-8 user names and passwords (RFC 6856 §2 "UTF8 USER"), after the UTF8 command or not', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    await pop.command('UTF8', true);
    await pop.command('USER josé@exämple.test', true);
    await pop.command('PASS señal', true, /^Logged in/);
    await pop.quit();
    const again = await Pop3Dialog.login(server.ports.pop3!, 'josé@exämple.test', 'señal');
    await again.quit();
  });

  test('a wrong password or an unknown user: -ERR [AUTH], and the client may try again', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    await pop.command('USER nobody@loft.test', true, /^Send PASS/);
    await pop.command('PASS secret', false, /^\[AUTH\] Authentication failed$/);
    await pop.command('USER alice@loft.test', true);
    await pop.command('PASS wrong', false, /^\[AUTH\] Authentication failed$/);
    await pop.command('PASS secret', false, /^No user name given/);
    await pop.command('USER alice@loft.test', true);
    await pop.command('PASS secret', true, /^Logged in/);
    await pop.quit();
  });

  test('PASS must follow USER immediately', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    await pop.command('PASS secret', false, /^No user name given/);
    await pop.command('USER alice@loft.test', true);
    assert.ok((await pop.multi('CAPA')).lines.length > 0);
    await pop.command('PASS secret', false, /^No user name given/);
    await pop.command('USER alice@loft.test', true);
    await pop.command('BOGUS', false, /^Unknown command/);
    await pop.command('PASS secret', false, /^No user name given/);
    await pop.quit();
  });

  test('a USER given before STLS is forgotten (RFC 2595 §4)', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    await pop.command('USER alice@loft.test', true);
    await pop.command('STLS', true);
    await pop.startTls();
    await pop.command('PASS secret', false, /^No user name given/);
    await pop.quit();
  });

  test('APOP is not offered and answers a clear -ERR', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    await pop.command(
      'APOP alice@loft.test c4c9334bac560ecc979e58001b3e22fb',
      false,
      /^APOP is not supported/,
    );
    await pop.command('UTF8 now', false, /takes no arguments/);
    await pop.quit();
  });
});

describe('AUTH (RFC 5034)', () => {
  test('bare AUTH lists the mechanisms', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    assert.deepEqual((await pop.multi('AUTH')).lines, ['SCRAM-SHA-256', 'PLAIN', 'LOGIN']);
    await pop.quit();
  });

  test('PLAIN with an initial response', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    await pop.command(`AUTH PLAIN ${b64('\0alice@loft.test\0secret')}`, true, /^Logged in/);
    await pop.command('STAT', true);
    await pop.quit();
  });

  test('PLAIN without an initial response: an empty challenge "+ "', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    pop.send('AUTH PLAIN');
    assert.equal((await pop.readLine())?.toString(), '+ ');
    pop.send(b64('\0alice@loft.test\0secret'));
    await pop.expectOk(/^Logged in/);
    await pop.quit();
  });

  test('LOGIN', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    pop.send('AUTH LOGIN');
    assert.match((await pop.readLine())!.toString(), /^\+ \S+$/);
    pop.send(b64('alice@loft.test'));
    assert.match((await pop.readLine())!.toString(), /^\+ \S+$/);
    pop.send(b64('secret'));
    await pop.expectOk(/^Logged in/);
    await pop.quit();
  });

  test('SCRAM-SHA-256: the server proves it knows the keys; its final message is a challenge answered empty', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    const gs2Header = 'n,,';
    const clientFirstBare = `n=alice@loft.test,r=${randomBytes(12).toString('base64')}`;
    pop.send(`AUTH SCRAM-SHA-256 ${b64(gs2Header + clientFirstBare)}`);
    const first = (await pop.readLine())!.toString();
    assert.match(first, /^\+ \S+$/);
    const serverFirst = Buffer.from(first.slice(2), 'base64').toString();
    const final = clientFinal({ password: 'secret', gs2Header, clientFirstBare, serverFirst });
    pop.send(b64(final));
    const second = (await pop.readLine())!.toString();
    assert.equal(
      Buffer.from(second.slice(2), 'base64').toString(),
      expectedServerFinal({ password: 'secret', clientFirstBare, serverFirst, clientFinal: final }),
    );
    pop.send('');
    await pop.expectOk(/^Logged in/);
    await pop.quit();
  });

  test('SCRAM-SHA-256 with a wrong password fails with [AUTH]', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    const clientFirstBare = 'n=alice@loft.test,r=abcdefghijklmnop';
    pop.send(`AUTH SCRAM-SHA-256 ${b64(`n,,${clientFirstBare}`)}`);
    const serverFirst = Buffer.from((await pop.readLine())!.toString().slice(2), 'base64').toString();
    pop.send(b64(clientFinal({ password: 'nope', gs2Header: 'n,,', clientFirstBare, serverFirst })));
    await pop.expectErr(/^\[AUTH\] Authentication failed/);
    await pop.quit();
  });

  test('cancel with "*", undecodable responses, unknown mechanisms, bad credentials', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    pop.send('AUTH PLAIN');
    await pop.readLine();
    await pop.command('*', false, /^Authentication cancelled/);
    pop.send('AUTH LOGIN');
    await pop.readLine();
    await pop.command('not base64!', false, /^Cannot decode base64/);
    await pop.command('AUTH CRAM-MD5', false, /^Unsupported authentication mechanism/);
    await pop.command('AUTH GSSAPI', false, /^Unsupported authentication mechanism/);
    await pop.command(
      `AUTH PLAIN ${b64('\0alice@loft.test\0wrong')}`,
      false,
      /^\[AUTH\] Authentication failed/,
    );
    await pop.command(`AUTH PLAIN ${b64('bob@loft.test\0alice@loft.test\0secret')}`, false, /^\[AUTH\]/);
    await pop.command('AUTH PLAIN !!!!', false, /^Invalid base64/);
    await pop.command(`AUTH PLAIN ${b64('no nul bytes')}`, false, /^Malformed authentication response/);
    await pop.command(`AUTH PLAIN ${b64('\0alice@loft.test\0secret')}`, true, /^Logged in/);
    await pop.quit();
  });

  test('SCRAM success data must be answered with an empty line', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    const clientFirstBare = 'n=alice@loft.test,r=0123456789abcdef';
    pop.send(`AUTH SCRAM-SHA-256 ${b64(`n,,${clientFirstBare}`)}`);
    const serverFirst = Buffer.from((await pop.readLine())!.toString().slice(2), 'base64').toString();
    pop.send(b64(clientFinal({ password: 'secret', gs2Header: 'n,,', clientFirstBare, serverFirst })));
    await pop.readLine();
    await pop.command(b64('unexpected'), false, /^Malformed authentication response/);
    await pop.command('STAT', false, /only valid after login/);
    await pop.quit();
  });
});
