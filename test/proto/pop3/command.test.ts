/**
 * The POP3 command parser: RFC 1939 / RFC 2449 / RFC 5034 examples, every error, and fuzzing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  decodeCommandLine,
  type ParseResult,
  POP3_VERBS,
  type Pop3Command,
  parseCommand,
} from '../../../src/proto/pop3/command.ts';

function command(line: string): Pop3Command {
  const r = parseCommand(line);
  assert.ok(r.ok, `expected ${JSON.stringify(line)} to parse, got ${r.ok ? '' : r.error}`);
  return r.command;
}

function error(line: string): string {
  const r = parseCommand(line);
  assert.ok(!r.ok, `expected ${JSON.stringify(line)} to be refused, got ${JSON.stringify(r)}`);
  return r.error;
}

describe('RFC 1939 commands', () => {
  test('commands without arguments, in any case', () => {
    for (const verb of ['STAT', 'NOOP', 'RSET', 'QUIT', 'STLS', 'CAPA', 'UTF8']) {
      assert.deepEqual(command(verb), { verb });
      assert.deepEqual(command(verb.toLowerCase()), { verb });
      assert.deepEqual(command(`${verb}  `), { verb }, 'trailing spaces are tolerated');
      assert.match(error(`${verb} extra`), new RegExp(`^${verb} takes no arguments`));
    }
  });

  test('USER name (RFC 1939 §7 example)', () => {
    assert.deepEqual(command('USER mrose'), { verb: 'USER', name: 'mrose' });
    assert.deepEqual(command('user alice@loft.test'), { verb: 'USER', name: 'alice@loft.test' });
    assert.deepEqual(command('USER   alice@loft.test '), { verb: 'USER', name: 'alice@loft.test' });
    assert.deepEqual(command('USER josé@exämple.test'), { verb: 'USER', name: 'josé@exämple.test' });
    assert.match(error('USER'), /^Syntax: USER name/);
    assert.match(error('USER '), /^Syntax: USER name/);
    assert.match(error('USER a b'), /^Syntax: USER name/);
  });

  test('PASS keeps the rest of the line exactly, spaces included (RFC 1939 §7)', () => {
    assert.deepEqual(command('PASS secret'), { verb: 'PASS', password: 'secret' });
    assert.deepEqual(command('pass correct horse battery'), {
      verb: 'PASS',
      password: 'correct horse battery',
    });
    assert.deepEqual(command('PASS  lead'), { verb: 'PASS', password: ' lead' });
    assert.deepEqual(command('PASS trail '), { verb: 'PASS', password: 'trail ' });
    assert.match(error('PASS'), /^Syntax: PASS/);
    assert.match(error('PASS '), /^Syntax: PASS/);
  });

  test('APOP is recognised (and refused by the session)', () => {
    assert.deepEqual(command('APOP mrose c4c9334bac560ecc979e58001b3e22fb'), { verb: 'APOP' });
  });

  test('LIST and UIDL with and without a message number', () => {
    assert.deepEqual(command('LIST'), { verb: 'LIST', msg: null });
    assert.deepEqual(command('LIST 2'), { verb: 'LIST', msg: 2 });
    assert.deepEqual(command('uidl'), { verb: 'UIDL', msg: null });
    assert.deepEqual(command('UIDL 3'), { verb: 'UIDL', msg: 3 });
    assert.match(error('LIST 1 2'), /^Syntax: LIST \[msg\]/);
    assert.match(error('LIST x'), /^Invalid message number/);
    assert.match(error('UIDL -1'), /^Invalid message number/);
    assert.match(error('UIDL 1.5'), /^Invalid message number/);
  });

  test('RETR and DELE need one message number', () => {
    assert.deepEqual(command('RETR 1'), { verb: 'RETR', msg: 1 });
    assert.deepEqual(command('dele 10'), { verb: 'DELE', msg: 10 });
    assert.deepEqual(command('RETR 0'), { verb: 'RETR', msg: 0 }, 'range is the session’s to check');
    assert.deepEqual(command('RETR 007'), { verb: 'RETR', msg: 7 });
    assert.match(error('RETR'), /^Syntax: RETR msg/);
    assert.match(error('DELE'), /^Syntax: DELE msg/);
    assert.match(error('RETR one'), /^Invalid message number/);
    assert.match(error('RETR +1'), /^Invalid message number/);
    assert.match(error('RETR 0x1'), /^Invalid message number/);
    assert.match(error('DELE 1 2'), /^Syntax: DELE msg/);
    const huge = command('RETR 99999999999999999999999');
    assert.equal(huge.verb, 'RETR');
    assert.ok(
      huge.verb === 'RETR' && !Number.isSafeInteger(huge.msg),
      'a huge number parses but is out of any range',
    );
  });

  test('TOP msg n (RFC 1939 §7)', () => {
    assert.deepEqual(command('TOP 1 10'), { verb: 'TOP', msg: 1, lines: 10 });
    assert.deepEqual(command('top 1 0'), { verb: 'TOP', msg: 1, lines: 0 });
    assert.match(error('TOP'), /^Syntax: TOP msg n/);
    assert.match(error('TOP 1'), /^Syntax: TOP msg n/);
    assert.match(error('TOP 1 2 3'), /^Syntax: TOP msg n/);
    assert.match(error('TOP x 1'), /^Invalid message number/);
    assert.match(error('TOP 1 -1'), /^Invalid line count/);
    assert.match(error('TOP 1 x'), /^Invalid line count/);
  });
});

describe('AUTH (RFC 5034 §4)', () => {
  test('mechanism alone, with an initial response, and "=" for an empty one', () => {
    assert.deepEqual(command('AUTH'), { verb: 'AUTH', mechanism: null, initialResponse: undefined });
    assert.deepEqual(command('AUTH plain'), { verb: 'AUTH', mechanism: 'PLAIN', initialResponse: undefined });
    const plain = Buffer.from('\0alice\0secret').toString('base64');
    assert.deepEqual(command(`AUTH PLAIN ${plain}`), {
      verb: 'AUTH',
      mechanism: 'PLAIN',
      initialResponse: Buffer.from('\0alice\0secret'),
    });
    assert.deepEqual(command('AUTH SCRAM-SHA-256 ='), {
      verb: 'AUTH',
      mechanism: 'SCRAM-SHA-256',
      initialResponse: Buffer.alloc(0),
    });
  });

  test('bad base64 and bad mechanism names are refused before anything runs', () => {
    assert.match(error('AUTH PLAIN AGFsaWNl*'), /^Invalid base64/);
    assert.match(error('AUTH PLAIN AGFsaWN'), /^Invalid base64/, 'padding is required (RFC 4648 §4)');
    assert.match(error('AUTH PLAIN AGFsaWN='), /^Invalid base64/, 'pad bits must be zero (RFC 4648 §3.5)');
    assert.match(error('AUTH PLAIN a b'), /^Syntax: AUTH/);
    assert.match(error('AUTH PL@IN'), /^Syntax: AUTH/);
    assert.match(error(`AUTH ${'X'.repeat(21)}`), /^Syntax: AUTH/);
  });
});

describe('lines that are not commands', () => {
  test('unknown keywords, empty lines, leading spaces', () => {
    for (const line of ['', ' ', ' STAT', 'HELO x', 'LAST', 'XTND XMIT', 'STATS', 'ST', 'É', '+OK']) {
      assert.equal(error(line), 'Unknown command', JSON.stringify(line));
    }
  });

  test('control characters are refused, even in PASS', () => {
    for (const line of ['STAT\0', 'PASS a\tb', 'USER a\x7f', 'NOOP\x1b[31m']) {
      assert.match(error(line), /^Control characters/, JSON.stringify(line));
    }
  });

  test('decodeCommandLine accepts UTF-8 and refuses ill-formed octets', () => {
    assert.equal(decodeCommandLine(Buffer.from('USER josé')), 'USER josé');
    assert.equal(decodeCommandLine(Buffer.from([0x55, 0xc3])), undefined);
    assert.equal(decodeCommandLine(Buffer.from([0xc0, 0xaf])), undefined, 'overlong form');
  });
});

describe('fuzzing', () => {
  const words = fc.constantFrom(...POP3_VERBS, 'NOPE', 'LAST', '', 'X');
  const arg = fc.oneof(
    fc.nat({ max: 1000 }).map(String),
    fc.string({ maxLength: 12 }),
    fc.constantFrom('=', '*', '-1', 'AAAA', 'PLAIN', 'AGFsaWNlAHNlY3JldA=='),
  );
  const line = fc
    .tuple(words, fc.array(arg, { maxLength: 4 }), fc.boolean())
    .map(([w, args, lower]) => [lower ? w.toLowerCase() : w, ...args].join(' '));

  test('never throws; either a known command or a one-line error text', () => {
    fc.assert(
      fc.property(fc.oneof(line, fc.string({ maxLength: 300 })), (text) => {
        const r: ParseResult = parseCommand(text);
        if (r.ok) {
          assert.ok(POP3_VERBS.includes(r.command.verb));
          assert.equal(r.command.verb, text.split(' ')[0]!.toUpperCase());
        } else {
          assert.ok(r.error.length > 0 && !/[\r\n]/.test(r.error));
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('message numbers round-trip', () => {
    fc.assert(
      fc.property(fc.constantFrom('RETR', 'DELE', 'LIST', 'UIDL'), fc.nat(), (verb, n) => {
        const r = parseCommand(`${verb} ${n}`);
        assert.ok(r.ok && 'msg' in r.command);
        assert.equal(r.command.msg, n);
      }),
    );
  });

  test('PASS keeps any printable password intact', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 60 }).filter((s) => !/[\x00-\x1f\x7f]/.test(s)),
        (password) => {
          const r = parseCommand(`PASS ${password}`);
          assert.ok(r.ok);
          assert.deepEqual(r.command, { verb: 'PASS', password });
        },
      ),
    );
  });
});
