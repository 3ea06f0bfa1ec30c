import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandFramer, type CommandUnit, type FrameEvent } from '../../../src/proto/imap/framer.ts';
import { CHUNK_SIZES, frame } from './helpers.ts';

function lines(e: FrameEvent | undefined): string[] {
  assert.equal(e?.kind, 'command', JSON.stringify(e));
  return e.kind === 'command' ? e.unit.lines.map((l) => l.toString('latin1')) : [];
}

function unit(e: FrameEvent | undefined): CommandUnit {
  if (e?.kind !== 'command') assert.fail(`expected a command, got ${JSON.stringify(e)}`);
  return e.unit;
}

function literals(e: FrameEvent | undefined): string[] {
  assert.equal(e?.kind, 'command');
  return e.kind === 'command' ? e.unit.literals.map((l) => l.data.toString('latin1')) : [];
}

/** Frames `input` whole and in every chunk size, asserting identical events; returns them. */
function same(input: string, options?: Parameters<typeof frame>[2]): FrameEvent[] {
  const whole = frame(input, undefined, options);
  for (const size of CHUNK_SIZES) assert.deepEqual(frame(input, size, options), whole, `chunk size ${size}`);
  return whole;
}

describe('CommandFramer: lines', () => {
  it('splits pipelined commands at CRLF, identically for every chunk size', () => {
    const events = same('a1 NOOP\r\na2 CAPABILITY\r\n\r\n');
    assert.equal(events.length, 3);
    assert.deepEqual(lines(events[0]), ['a1 NOOP']);
    assert.deepEqual(lines(events[1]), ['a2 CAPABILITY']);
    assert.deepEqual(lines(events[2]), ['']);
    assert.equal(unit(events[0]).tag, 'a1');
    assert.equal(unit(events[0]).size, 9);
  });

  it('ends a line only at CRLF: bare LF and bare CR stay in the line (RFC 9051 §2.2)', () => {
    const events = same('a1 NOOP\na2 NOOP\rx\r\n');
    assert.equal(events.length, 1);
    assert.deepEqual(lines(events[0]), ['a1 NOOP\na2 NOOP\rx']);
  });

  it('waits for the rest of a line', () => {
    const f = new CommandFramer();
    f.push(Buffer.from('a1 NO'));
    assert.equal(f.next(), null);
    f.push(Buffer.from('OP\r'));
    assert.equal(f.next(), null);
    f.push(Buffer.from('\n'));
    assert.deepEqual(lines(f.next() ?? undefined), ['a1 NOOP']);
    assert.equal(f.next(), null);
    assert.equal(f.buffered, 0);
  });

  it('reads the tag of a line even when the rest is malformed', () => {
    const tagOf = (input: string) => {
      const e = frame(input)[0];
      return e?.kind === 'command' ? e.unit.tag : 'none';
    };
    assert.equal(tagOf('A1 ((("\r\n'), 'A1');
    assert.equal(tagOf('tag]x NOOP\r\n'), 'tag]x');
    assert.equal(tagOf('+x NOOP\r\n'), undefined);
    assert.equal(tagOf('"a" NOOP\r\n'), undefined);
    assert.equal(tagOf('A1\tNOOP\r\n'), undefined);
    assert.equal(tagOf('A1\r\n'), 'A1');
  });
});

describe('CommandFramer: literals (RFC 9051 §4.3, RFC 7888)', () => {
  it('asks for a continuation before a synchronizing literal arrives', () => {
    const f = new CommandFramer();
    f.push(Buffer.from('A1 LOGIN {4}\r\n'));
    assert.deepEqual(f.next(), { kind: 'continue', tag: 'A1', command: 'LOGIN', size: 4, binary: false });
    assert.equal(f.next(), null);
    assert.equal(f.inCommand, true);
    f.push(Buffer.from('fred {6}\r\n'));
    assert.deepEqual(f.next(), { kind: 'continue', tag: 'A1', command: 'LOGIN', size: 6, binary: false });
    f.push(Buffer.from('secret\r\n'));
    const e = f.next() ?? undefined;
    assert.deepEqual(lines(e), ['A1 LOGIN {4}', ' {6}', '']);
    assert.deepEqual(literals(e), ['fred', 'secret']);
    assert.equal(unit(e).size, 'A1 LOGIN {4}\r\nfred {6}\r\nsecret\r\n'.length);
    assert.equal(f.inCommand, false);
  });

  it('reads non-synchronizing literals without a continuation (RFC 7888 §3)', () => {
    const events = same('A1 LOGIN {4+}\r\nfred {6+}\r\nsecret\r\nA2 NOOP\r\n');
    assert.equal(events.length, 2);
    assert.deepEqual(literals(events[0]), ['fred', 'secret']);
    const lit = unit(events[0]).literals[0];
    assert.deepEqual(lit && { sync: lit.sync, binary: lit.binary }, { sync: false, binary: false });
    assert.deepEqual(lines(events[1]), ['A2 NOOP']);
  });

  it('takes literal octets verbatim: CRLF, braces and NUL inside are data', () => {
    const data = 'x\r\n{3}\r\nA9 LOGOUT\r\n\0';
    const events = same(`A1 APPEND box ~{${data.length}}\r\n${data}\r\nA2 NOOP\r\n`);
    assert.equal(events[0]!.kind, 'continue');
    assert.deepEqual(events[0], {
      kind: 'continue',
      tag: 'A1',
      command: 'APPEND',
      size: data.length,
      binary: true,
    });
    assert.deepEqual(literals(events[1]), [data]);
    assert.equal(unit(events[1]).literals[0]!.binary, true);
    assert.deepEqual(lines(events[2]), ['A2 NOOP']);
    assert.equal(events.length, 3);
  });

  it('handles empty literals, literal8 with "+", and a literal at the end of a command', () => {
    const events = same('A1 LOGIN {0}\r\n {0+}\r\n\r\nA2 APPEND b ~{2+}\r\nhi\r\n');
    assert.deepEqual(
      events.map((e) => e.kind),
      ['continue', 'command', 'command'],
    );
    assert.deepEqual(literals(events[1]), ['', '']);
    assert.deepEqual(literals(events[2]), ['hi']);
    assert.equal(unit(events[2]).size, 'A2 APPEND b ~{2+}\r\nhi\r\n'.length);
  });

  it('does not take a brace group that is not a literal marker for one', () => {
    for (const line of ['A1 X {5', 'A1 X {}', 'A1 X {a}', 'A1 X {5+ }', 'A1 X 5}', 'A1 X {-5}']) {
      const events = frame(`${line}\r\nA2 NOOP\r\n`);
      assert.deepEqual(
        events.map((e) => e.kind),
        ['command', 'command'],
        line,
      );
    }
  });

  it('names UID commands in continuation requests', () => {
    const [e] = frame('u1 UID SEARCH TEXT {3}\r\n');
    assert.deepEqual(e, { kind: 'continue', tag: 'u1', command: 'UID SEARCH', size: 3, binary: false });
  });
});

describe('CommandFramer: limits', () => {
  it('skips an overlong line, reports it with its tag, and goes on', () => {
    const long = `A1 LOGIN ${'x'.repeat(300)}\r\nA2 NOOP\r\n`;
    const events = same(long, { maxLineLength: 100 });
    assert.deepEqual(events[0], {
      kind: 'error',
      tag: 'A1',
      command: 'LOGIN',
      reason: 'line-too-long',
      text: 'Command line too long',
      fatal: false,
    });
    assert.deepEqual(lines(events[1]), ['A2 NOOP']);
    assert.equal(events.length, 2);
  });

  it('keeps memory bounded while skipping an endless line', () => {
    const f = new CommandFramer({ maxLineLength: 1000 });
    f.push(Buffer.from('A1 '));
    for (let i = 0; i < 1000; i++) {
      f.push(Buffer.alloc(1000, 0x61));
      assert.equal(f.next(), null);
      assert.ok(f.buffered <= 2000, `buffered ${f.buffered}`);
    }
    f.push(Buffer.from('\r\nA2 NOOP\r\n'));
    assert.equal(f.next()?.kind, 'error');
    assert.deepEqual(lines(f.next() ?? undefined), ['A2 NOOP']);
  });

  it('accepts a line of exactly the limit', () => {
    const line = `A1 NOOP ${'x'.repeat(92)}`;
    assert.equal(line.length, 100);
    assert.deepEqual(lines(same(`${line}\r\n`, { maxLineLength: 100 })[0]), [line]);
  });

  it('still discards the literal announced at the end of an overlong line', () => {
    const input = `A1 APPEND ${'x'.repeat(200)} {10+}\r\n0123456789\r\nA2 NOOP\r\n`;
    const events = same(input, { maxLineLength: 100 });
    assert.deepEqual(
      events.map((e) => (e.kind === 'error' ? e.reason : e.kind)),
      ['line-too-long', 'command'],
    );
    assert.deepEqual(lines(events[1]), ['A2 NOOP']);
  });

  it('refuses a synchronizing literal that is too large without reading it', () => {
    const events = same('A1 APPEND INBOX {2000}\r\nA2 NOOP\r\n', { maxLiteralSize: 1000 });
    assert.deepEqual(events[0], {
      kind: 'error',
      tag: 'A1',
      command: 'APPEND',
      reason: 'literal-too-large',
      text: 'Literal too large',
      fatal: false,
    });
    assert.deepEqual(lines(events[1]), ['A2 NOOP']);
  });

  it('reads and discards a non-synchronizing literal over the LITERAL- limit (RFC 7888 §4)', () => {
    const data = 'y'.repeat(5000);
    const input = `A1 APPEND INBOX {5000+}\r\n${data} {3+}\r\nabc\r\nA2 NOOP\r\n`;
    const events = same(input, { maxNonSyncLiteralSize: 4096 });
    assert.deepEqual(
      events.map((e) => (e.kind === 'error' ? `${e.tag} ${e.reason} ${e.fatal}` : e.kind)),
      ['A1 literal-too-large false', 'command'],
    );
    assert.deepEqual(lines(events[1]), ['A2 NOOP']);
    // The same literal is fine when synchronizing.
    const sync = frame(`A1 APPEND INBOX {5000}\r\n${data}\r\n`, undefined, { maxNonSyncLiteralSize: 4096 });
    assert.deepEqual(
      sync.map((e) => e.kind),
      ['continue', 'command'],
    );
  });

  it('ends a skipped command at a later synchronizing literal (the client waits for "+")', () => {
    const input = `A1 APPEND INBOX {50+}\r\n${'z'.repeat(50)} {5}\r\nA2 NOOP\r\n`;
    const events = same(input, { maxLiteralSize: 10 });
    assert.deepEqual(
      events.map((e) => (e.kind === 'error' ? e.reason : e.kind)),
      ['literal-too-large', 'command'],
    );
  });

  it('refuses literal sizes that overflow: non-fatal when synchronizing, fatal otherwise', () => {
    const sync = same('A1 LOGIN {99999999999999999999}\r\nA2 NOOP\r\n');
    assert.deepEqual(
      sync.map((e) => (e.kind === 'error' ? `${e.reason} ${e.fatal}` : e.kind)),
      ['literal-overflow false', 'command'],
    );
    const f = new CommandFramer();
    f.push(Buffer.from('A1 LOGIN {99999999999999999999+}\r\nA2 NOOP\r\n'));
    const e = f.next();
    assert.equal(e?.kind === 'error' && `${e.reason} ${e.fatal}`, 'literal-overflow true');
    assert.equal(f.next(), null);
    f.push(Buffer.from('A3 NOOP\r\n'));
    assert.equal(f.next(), null);
  });

  it('accepts leading zeros in literal sizes', () => {
    const events = frame('A1 LOGIN {00000000000000000000003+}\r\nabc {1+}\r\nd\r\n');
    assert.deepEqual(literals(events[0]), ['abc', 'd']);
  });

  it('limits the whole command size', () => {
    const input = `A1 APPEND box {60+}\r\n${'a'.repeat(60)} {60+}\r\n${'b'.repeat(60)}\r\nA2 NOOP\r\n`;
    const events = same(input, { maxCommandSize: 100 });
    assert.deepEqual(
      events.map((e) => (e.kind === 'error' ? e.reason : e.kind)),
      ['command-too-large', 'command'],
    );
    const sync = same(`A1 APPEND box {60}\r\n${'a'.repeat(60)} {60}\r\nA2 NOOP\r\n`, { maxCommandSize: 100 });
    assert.deepEqual(
      sync.map((e) => (e.kind === 'error' ? e.reason : e.kind)),
      ['continue', 'command-too-large', 'command'],
    );
  });

  it('applies new limits given with setOptions', () => {
    const f = new CommandFramer();
    f.setOptions({ maxLiteralSize: 3 });
    f.push(Buffer.from('A1 LOGIN {4}\r\n'));
    assert.equal(f.next()?.kind, 'error');
  });
});

describe('CommandFramer: skipCommand', () => {
  it('drops a command whose literal the session refuses, without reading the literal', () => {
    const f = new CommandFramer();
    f.push(Buffer.from('A1 APPEND nosuchbox {10}\r\n'));
    assert.equal(f.next()?.kind, 'continue');
    assert.equal(f.skipCommand(), true);
    assert.equal(f.inCommand, false);
    f.push(Buffer.from('A2 NOOP\r\n'));
    assert.deepEqual(lines(f.next() ?? undefined), ['A2 NOOP']);
    assert.equal(f.skipCommand(), false);
  });

  it('refuses to skip once literal octets have been read', () => {
    const f = new CommandFramer();
    f.push(Buffer.from('A1 APPEND box {10}\r\n'));
    assert.equal(f.next()?.kind, 'continue');
    f.push(Buffer.from('abc'));
    assert.equal(f.next(), null);
    assert.equal(f.skipCommand(), false);
  });
});

describe('CommandFramer: clear', () => {
  it('drops input buffered before a STARTTLS handshake (CVE-2011-0411)', () => {
    const f = new CommandFramer();
    f.push(Buffer.from('A1 STARTTLS\r\nA2 LOGIN {5}\r\nA3 DELE'));
    assert.deepEqual(lines(f.next() ?? undefined), ['A1 STARTTLS']);
    f.clear();
    assert.equal(f.buffered, 0);
    assert.equal(f.inCommand, false);
    assert.equal(f.next(), null);
    f.push(Buffer.from('A4 NOOP\r\n'));
    assert.deepEqual(lines(f.next() ?? undefined), ['A4 NOOP']);
  });

  it('abandons a command in progress', () => {
    const f = new CommandFramer();
    f.push(Buffer.from('A1 LOGIN {5+}\r\nab'));
    assert.equal(f.next(), null);
    assert.equal(f.inCommand, true);
    f.clear();
    f.push(Buffer.from('A2 NOOP\r\n'));
    assert.deepEqual(lines(f.next() ?? undefined), ['A2 NOOP']);
  });
});

describe('CommandFramer: line mode (IDLE, AUTHENTICATE)', () => {
  it('returns plain lines, untagged, with no literal processing', () => {
    const f = new CommandFramer();
    f.push(
      Buffer.from('A1 IDLE\r\nDONE\r\nA2 AUTHENTICATE PLAIN\r\nAGZyZWQAc2VjcmV0 {5}\r\n*\r\nA3 NOOP\r\n'),
    );
    assert.deepEqual(lines(f.next() ?? undefined), ['A1 IDLE']);
    f.setMode('line');
    assert.equal(f.mode, 'line');
    assert.deepEqual(f.next(), { kind: 'line', line: Buffer.from('DONE') });
    f.setMode('command');
    assert.deepEqual(lines(f.next() ?? undefined), ['A2 AUTHENTICATE PLAIN']);
    f.setMode('line');
    assert.deepEqual(
      [f.next(), f.next()],
      [
        { kind: 'line', line: Buffer.from('AGZyZWQAc2VjcmV0 {5}') },
        { kind: 'line', line: Buffer.from('*') },
      ],
    );
    f.setMode('command');
    assert.deepEqual(lines(f.next() ?? undefined), ['A3 NOOP']);
  });

  it('reports an overlong continuation line as an untagged error', () => {
    const f = new CommandFramer({ maxLineLength: 10 });
    f.setMode('line');
    f.push(Buffer.from(`${'a'.repeat(50)}\r\nok\r\n`));
    const e = f.next();
    assert.equal(e?.kind === 'error' && `${e.tag} ${e.reason}`, 'undefined line-too-long');
    assert.deepEqual(f.next(), { kind: 'line', line: Buffer.from('ok') });
  });
});
