/**
 * Configuration: defaults that work with no file, and errors that name the key and the problem.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../src/config/load.ts';

test('defaults with no file: standard ports, 50 MB messages, 100 recipients', () => {
  const config = validateConfig({});
  assert.deepEqual(config.listen.smtp, ['0.0.0.0:25']);
  assert.deepEqual(config.listen.submission, ['0.0.0.0:587']);
  assert.deepEqual(config.listen.submissions, ['0.0.0.0:465']);
  assert.equal(config.smtp.max_recipients, 100);
  assert.equal(config.smtp.max_command_line, 512);
  assert.equal(config.smtp.max_text_line, 1000);
  assert.equal(config.auth.plaintext, 'tls-or-loopback');
  assert.equal(config.data, './loft-data');
  assert.deepEqual(config.dns, { servers: [], timeout: 5, tries: 2 });
});

test('dns.servers takes IP addresses with optional ports', () => {
  const config = validateConfig({
    dns: { servers: ['127.0.0.1:5353', '[::1]:53', '192.0.2.1', '2001:db8::1'] },
  });
  assert.deepEqual(config.dns.servers, ['127.0.0.1:5353', '[::1]:53', '192.0.2.1', '2001:db8::1']);
});

test('each problem names its key', () => {
  const cases: [unknown, RegExp][] = [
    [{ smtp: { max_recipients: 'many' } }, /smtp\.max_recipients: .*expected number/],
    [{ listen: { smtp: ['nowhere'] } }, /listen\.smtp\.0: expected HOST:PORT/],
    [{ listen: { gopher: [] } }, /listen: Unrecognized key: "gopher"/],
    [{ auth: { plaintext: 'sometimes' } }, /auth\.plaintext: /],
    [{ tls: { cert: '/x.pem' } }, /tls: tls\.cert and tls\.key go together/],
    [{ smtp: { max_command_line: 100 } }, /smtp\.max_command_line: .*>=512/],
    [{ dns: { servers: ['ns.example.com:53'] } }, /dns\.servers\.0: expected an IP address/],
    [{ dns: { servers: ['300.1.1.1:53'] } }, /dns\.servers\.0: expected an IP address/],
    [{ dns: { tries: 0 } }, /dns\.tries: /],
    [{ frobnicate: true }, /\(top level\): Unrecognized key: "frobnicate"/],
  ];
  for (const [input, pattern] of cases) {
    assert.throws(
      () => validateConfig(input, 'loft.toml'),
      (err: Error) => {
        assert.match(err.message, /^loft\.toml: /);
        assert.match(err.message, pattern);
        return true;
      },
    );
  }
});

test('imap.max_connections_per_user: 10 by default, a positive whole number', () => {
  assert.equal(validateConfig({}).imap.max_connections_per_user, 10);
  assert.equal(validateConfig({ imap: { max_connections_per_user: 3 } }).imap.max_connections_per_user, 3);
  for (const bad of [0, -1, 2.5, 'ten']) {
    assert.throws(
      () => validateConfig({ imap: { max_connections_per_user: bad } }, 'loft.toml'),
      /imap\.max_connections_per_user: /,
    );
  }
});

test('mail authentication: checks and signing on, DMARC reject refuses and quarantine goes to Junk by default', () => {
  const config = validateConfig({});
  assert.equal(config.auth.verify_mx, true);
  assert.equal(config.auth.dkim_sign, true);
  assert.deepEqual(config.dmarc, { on_reject: 'reject', on_quarantine: 'junk' });
  assert.deepEqual(validateConfig({ dmarc: { on_reject: 'accept' } }).dmarc, {
    on_reject: 'accept',
    on_quarantine: 'junk',
  });
  assert.throws(() => validateConfig({ dmarc: { on_reject: 'bounce' } }, 'loft.toml'), /dmarc\.on_reject: /);
  assert.throws(() => validateConfig({ dmarc: { pct: 50 } }, 'loft.toml'), /dmarc: Unrecognized key: "pct"/);
  assert.throws(() => validateConfig({ auth: { verify_mx: 'yes' } }, 'loft.toml'), /auth\.verify_mx: /);
});
