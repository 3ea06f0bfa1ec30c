/**
 * The command table: every keyword the parser knows has a handler and a state (RFC 1939 §9
 * summary), checked in one place.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { POP3_VERBS } from '../../src/proto/pop3/command.ts';
import { COMMANDS } from '../../src/server/pop3/table.ts';

test('every keyword has a handler, in the RFC 1939 §9 / RFC 2449 state', () => {
  assert.deepEqual(Object.keys(COMMANDS).sort(), [...POP3_VERBS].sort());
  const states = Object.fromEntries(Object.entries(COMMANDS).map(([verb, spec]) => [verb, spec.state]));
  assert.deepEqual(states, {
    USER: 'authorization',
    PASS: 'authorization',
    APOP: 'authorization',
    AUTH: 'authorization',
    STLS: 'authorization',
    UTF8: 'authorization',
    CAPA: 'any',
    QUIT: 'any',
    STAT: 'transaction',
    LIST: 'transaction',
    RETR: 'transaction',
    DELE: 'transaction',
    NOOP: 'transaction',
    RSET: 'transaction',
    TOP: 'transaction',
    UIDL: 'transaction',
  });
  for (const spec of Object.values(COMMANDS)) assert.equal(typeof spec.handler, 'function');
});
