/**
 * TLS for POP3: STLS (RFC 2595 §4) with command injection refused (input pipelined after STLS is
 * discarded), implicit TLS on pop3s (RFC 8314), and plaintext passwords only over TLS when the
 * policy says so (`auth.plaintext = "tls"`), as for SMTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { Pop3Dialog } from './dialog.ts';
import { b64, deliver } from './support.ts';

let server: TestServer;

before(async () => {
  // Loopback does not count as secure here: plaintext only over TLS.
  server = await startTestServer({ auth: { plaintext: 'tls' } });
  await provision(server, ['loft.test'], ['alice@loft.test']);
  await deliver(server, 'alice@loft.test', 'Subject: hi\r\n\r\nHello');
});
after(() => server.close());

describe('plaintext policy "tls"', () => {
  test('without TLS: no USER and no PLAIN/LOGIN in CAPA; USER, PASS and AUTH PLAIN refused with [AUTH]', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    const capa = (await pop.multi('CAPA')).lines;
    assert.ok(capa.includes('STLS'));
    assert.ok(!capa.includes('USER'));
    assert.ok(capa.includes('SASL SCRAM-SHA-256'), capa.join('|'));
    await pop.command('USER alice@loft.test', false, /^\[AUTH\] Plaintext authentication disallowed/);
    await pop.command('PASS secret', false, /^No user name given/);
    await pop.command(`AUTH PLAIN ${b64('\0alice@loft.test\0secret')}`, false, /^\[AUTH\] Plaintext/);
    await pop.command('AUTH LOGIN', false, /^\[AUTH\] Plaintext/);
    assert.deepEqual((await pop.multi('AUTH')).lines, ['SCRAM-SHA-256']);
    await pop.quit();
  });

  test('after STLS: USER/PASS work, CAPA offers USER and PLAIN and no longer STLS', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    await pop.command('STLS', true, /^Begin TLS negotiation/);
    await pop.startTls();
    const capa = (await pop.multi('CAPA')).lines;
    assert.ok(!capa.includes('STLS'), 'STLS is not offered once TLS is active');
    assert.ok(capa.includes('USER'));
    assert.ok(capa.includes('SASL SCRAM-SHA-256 PLAIN LOGIN'));
    await pop.command('STLS', false, /^Command not permitted when TLS active/);
    await pop.command('USER alice@loft.test', true);
    await pop.command('PASS secret', true, /^Logged in/);
    await pop.command('STAT', true, /^1 /);
    await pop.quit();
  });

  test('pop3s: implicit TLS, plaintext allowed at once, no STLS', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3s!, { tls: true });
    const capa = (await pop.multi('CAPA')).lines;
    assert.ok(capa.includes('USER') && !capa.includes('STLS'));
    await pop.command('STLS', false, /TLS active/);
    await pop.command('USER alice@loft.test', true);
    await pop.command('PASS secret', true, /^Logged in/);
    const retr = await pop.multi('RETR 1');
    assert.ok(retr.content.toString().endsWith('Subject: hi\r\n\r\nHello\r\n'));
    await pop.quit();
  });
});

describe('STLS command injection (RFC 2595 §4, CVE-2011-0411)', () => {
  test('commands pipelined after STLS in the same packet are discarded, not run under TLS', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    pop.write('STLS\r\nCAPA\r\n');
    await pop.expectOk(/^Begin TLS/);
    await pop.startTls();
    // Had CAPA been kept, its multi-line response would come before NOOP's answer.
    await pop.command('NOOP', false, /^NOOP is only valid after login/);
    await pop.quit();
  });

  test('an injected USER/PASS does not survive: the session is still in AUTHORIZATION state', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    pop.write('STLS\r\nUSER alice@loft.test\r\nPASS secret\r\nDELE 1\r\nQUIT\r\n');
    await pop.expectOk(/^Begin TLS/);
    await pop.startTls();
    await pop.command('STAT', false, /only valid after login/);
    await pop.command('PASS secret', false, /^No user name given/);
    await pop.quit();
    // Nothing was deleted by the injected commands.
    const check = await Pop3Dialog.login(server.ports.pop3s!, 'alice@loft.test', 'secret', { tls: true });
    await check.command('STAT', true, /^1 /);
    await check.quit();
  });

  test('STLS is refused after login', async () => {
    const pop = await Pop3Dialog.login(server.ports.pop3s!, 'alice@loft.test', 'secret', { tls: true });
    await pop.command('STLS', false, /^STLS is not valid after login/);
    await pop.quit();
  });
});
