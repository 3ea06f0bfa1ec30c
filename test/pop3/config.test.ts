/**
 * The `[pop3]` configuration section and the POP3 listener defaults, and the settings a listener
 * derives from them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../src/config/load.ts';
import { FailureLimiter } from '../../src/core/rate-limit.ts';
import type { TlsMaterial } from '../../src/server/net/tls.ts';
import { pop3Listener, pop3Settings } from '../../src/server/pop3/server.ts';

test('defaults: ports 110 and 995, 10-minute idle timeout, RETR sets \\Seen, 255-octet lines', () => {
  const config = validateConfig({});
  assert.deepEqual(config.listen.pop3, ['0.0.0.0:110']);
  assert.deepEqual(config.listen.pop3s, ['0.0.0.0:995']);
  assert.deepEqual(config.pop3, { idle_timeout: 600, retr_sets_seen: true, max_command_line: 255 });
});

test('invalid values are refused with the key named', () => {
  const cases: [unknown, RegExp][] = [
    [{ pop3: { idle_timeout: 0 } }, /pop3\.idle_timeout/],
    [{ pop3: { idle_timeout: -5 } }, /pop3\.idle_timeout/],
    [{ pop3: { retr_sets_seen: 'yes' } }, /pop3\.retr_sets_seen/],
    [{ pop3: { max_command_line: 100 } }, /pop3\.max_command_line/],
    [{ pop3: { max_command_line: 100_000 } }, /pop3\.max_command_line/],
    [{ pop3: { unknown_key: 1 } }, /pop3/],
    [{ listen: { pop3s: ['995'] } }, /listen\.pop3s/],
  ];
  for (const [input, pattern] of cases) assert.throws(() => validateConfig(input, 'loft.toml'), pattern);
});

test('listener settings follow the configuration; pop3s is implicit TLS, pop3 is not', () => {
  const config = validateConfig({
    pop3: { idle_timeout: 900, retr_sets_seen: false, max_command_line: 512 },
  });
  const tls = { context: {} } as unknown as TlsMaterial;
  const input = {
    name: 'pop3' as const,
    host: '127.0.0.1',
    port: 0,
    config,
    hostname: 'mx.test',
    tls,
    services: {} as never,
    authFailures: new FailureLimiter({ max: 1, windowMs: 1 }),
    secret: Buffer.alloc(32),
  };
  const settings = pop3Settings(input);
  assert.equal(settings.idleTimeoutMs, 900_000);
  assert.equal(settings.retrSetsSeen, false);
  assert.equal(settings.maxCommandLine, 512);
  assert.ok(settings.maxAuthLine >= 8192);
  assert.equal(settings.plaintextAuth, 'tls-or-loopback');
  assert.equal(pop3Listener(input).tls, undefined);
  assert.equal(pop3Listener({ ...input, name: 'pop3s' }).tls, tls.context);
});
