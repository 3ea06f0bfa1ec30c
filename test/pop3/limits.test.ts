/**
 * Bad input and limits: overlong lines (RFC 2449 §4: 255 octets; longer AUTH lines for RFC 5034),
 * bare line ends and invalid UTF-8, the idle timeout (RFC 1939 §3), failed logins delayed and
 * rate-limited across protocols, pipelining (RFC 2449 §6.6), and the same transcript fed whole and
 * in chunks of 1 … 512 octets.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { SmtpDialog } from '../helpers/smtp-dialog.ts';
import { CHUNK_SIZES } from '../proto/smtp/chunks.ts';
import { Pop3Dialog } from './dialog.ts';
import { b64, deliver, eventually } from './support.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer({ pop3: { idle_timeout: 0.4 }, auth: { max_failures_per_ip: 1000 } });
  await provision(server, ['loft.test'], ['alice@loft.test', 'idle@loft.test']);
  await deliver(server, 'alice@loft.test', 'Subject: one\r\n\r\n.first\r\nsecond');
  await deliver(server, 'idle@loft.test', 'Subject: idle\r\n\r\nx');
});
after(() => server.close());

describe('line limits', () => {
  test('255 octets with CRLF are accepted, 256 are refused, and the session goes on', async () => {
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'alice@loft.test');
    pop.send(`NOOP${' '.repeat(255 - 6)}`);
    await pop.expectOk();
    pop.send(`NOOP${' '.repeat(256 - 6)}`);
    await pop.expectErr(/^Line too long/);
    pop.send(`X${'A'.repeat(100_000)}`);
    await pop.expectErr(/^Line too long/);
    await pop.command('STAT', true, /^1 /);
    await pop.quit();
  });

  test('AUTH lines may be longer than 255 octets (RFC 5034), up to 8192', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    const long = b64(`\0alice@loft.test\0${'x'.repeat(3000)}`);
    await pop.command(`AUTH PLAIN ${long}`, false, /^\[AUTH\] Authentication failed/);
    pop.send('AUTH PLAIN');
    await pop.readLine();
    await pop.command(long, false, /^\[AUTH\] Authentication failed/);
    await pop.command(`AUTH PLAIN ${b64('x'.repeat(7000))}`, false, /^Line too long/);
    pop.send('AUTH LOGIN');
    await pop.readLine();
    await pop.command('A'.repeat(9000), false, /^Authentication exchange line is too long/);
    // A long line that is not AUTH is still refused at 255.
    await pop.command(`USER ${'a'.repeat(300)}@loft.test`, false, /^Line too long/);
    await pop.command(`AUTH PLAIN ${b64('\0alice@loft.test\0secret')}`, true, /^Logged in/);
    await pop.quit();
  });

  test('bare CR or LF inside a command, invalid UTF-8', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    pop.write('NOOP\nSTAT\r\n');
    await pop.expectErr(/^Bare CR or LF/);
    pop.write('USER a\rb\r\n');
    await pop.expectErr(/^Bare CR or LF/);
    pop.write(Buffer.from([0x55, 0x53, 0x45, 0x52, 0x20, 0xff, 0xfe, 0x0d, 0x0a]));
    await pop.expectErr(/^Invalid UTF-8/);
    await pop.quit();
  });
});

describe('idle timeout (RFC 1939 §3)', () => {
  test('closes without a response and without deleting, and frees the lock', async () => {
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'idle@loft.test');
    await pop.command('DELE 1', true);
    assert.ok(await pop.waitClosed(5000), 'the server closes an idle session');
    assert.equal(pop.pending().length, 0, 'no response is sent on autologout');
    assert.equal((await mailboxContents(server, 'idle@loft.test')).length, 1, 'nothing deleted');
    const next = await Pop3Dialog.login(server.ports.pop3!, 'idle@loft.test');
    await next.command('STAT', true, /^1 /);
    await next.quit();
  });

  test('also before login, with a command line left unfinished', async () => {
    const pop = await Pop3Dialog.greeted(server.ports.pop3!);
    pop.write('NO');
    assert.ok(await pop.waitClosed(5000));
  });

  test('commands reset the timer', async () => {
    const pop = await Pop3Dialog.login(server.ports.pop3!, 'alice@loft.test');
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await pop.command('NOOP', true);
    }
    await pop.quit();
  });
});

describe('failed logins', () => {
  test('are delayed by auth.failure_delay', async () => {
    const slow = await startTestServer({ auth: { failure_delay: 0.3 } });
    try {
      await provision(slow, ['loft.test'], ['alice@loft.test']);
      const pop = await Pop3Dialog.greeted(slow.ports.pop3!);
      await pop.command('USER alice@loft.test', true);
      const started = Date.now();
      await pop.command('PASS wrong', false, /\[AUTH\]/);
      assert.ok(Date.now() - started >= 250, `answered after ${Date.now() - started} ms`);
      await pop.quit();
    } finally {
      await slow.close();
    }
  });

  test('are rate-limited per client address, across POP3 and SMTP: [LOGIN-DELAY]', async () => {
    const strict = await startTestServer({ auth: { max_failures_per_ip: 3 } });
    try {
      await provision(strict, ['loft.test'], ['alice@loft.test']);
      const smtp = await SmtpDialog.connect(strict.ports.submission!);
      await smtp.expect(220);
      await smtp.command('EHLO client.test', 250);
      await smtp.command(`AUTH PLAIN ${b64('\0alice@loft.test\0bad')}`, 535);
      smtp.close();
      const pop = await Pop3Dialog.greeted(strict.ports.pop3!);
      await pop.command('USER alice@loft.test', true);
      await pop.command('PASS bad', false, /^\[AUTH\]/);
      await pop.command(`AUTH PLAIN ${b64('\0alice@loft.test\0bad')}`, false, /^\[AUTH\]/);
      // Three failures: even the right password is refused now, by every way in.
      await pop.command('USER alice@loft.test', true);
      await pop.command('PASS secret', false, /^\[LOGIN-DELAY\] Too many failed logins/);
      await pop.command(`AUTH PLAIN ${b64('\0alice@loft.test\0secret')}`, false, /^\[LOGIN-DELAY\]/);
      await pop.quit();
    } finally {
      await strict.close();
    }
  });
});

describe('pipelining (RFC 2449 §6.6) and chunked input', () => {
  const SCRIPT =
    'CAPA\r\nUSER alice@loft.test\r\nPASS secret\r\nSTAT\r\nLIST\r\nUIDL\r\nRETR 1\r\nTOP 1 1\r\n' +
    'LIST 1\r\nRETR 9\r\nDELE 1\r\nSTAT\r\nRSET\r\nNOOP\r\nQUIT\r\n';

  /** Writes `chunks` (waiting a little between them) and returns everything the server sent until it closed. */
  async function transcript(chunks: Buffer[]): Promise<string> {
    const socket = net.connect({ host: '127.0.0.1', port: server.ports.pop3! });
    const received: Buffer[] = [];
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('data', (d: Buffer) => received.push(d));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    for (const chunk of chunks) {
      socket.write(chunk);
      if (chunks.length < 64) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await closed;
    return Buffer.concat(received).toString('latin1');
  }

  test('a whole session in one write is answered in order', async () => {
    const out = await transcript([Buffer.from(SCRIPT)]);
    const statuses = out.split('\r\n').filter((l) => /^(\+OK|-ERR)/.test(l));
    assert.equal(statuses.length, 16, out);
    assert.match(statuses[0]!, /^\+OK .*ready/);
    assert.match(statuses[3]!, /^\+OK Logged in/);
    assert.match(statuses[10]!, /^-ERR No such message/);
    assert.match(statuses[15]!, /^\+OK .*signing off/);
    assert.ok(out.includes('\r\n..first\r\n'), 'RETR content is byte-stuffed');
  });

  test('the same bytes in chunks of 1 … 512 octets give the same responses', async () => {
    const whole = await transcript([Buffer.from(SCRIPT)]);
    for (const size of CHUNK_SIZES) {
      const bytes = Buffer.from(SCRIPT);
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      assert.equal(await transcript(chunks), whole, `chunks of ${size}`);
    }
    assert.ok(await eventually(async () => (await mailboxContents(server, 'alice@loft.test')).length === 1));
  });
});
