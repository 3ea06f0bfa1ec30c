import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMMAND_NAMES } from '../../../../src/proto/imap/parse/index.ts';
import { bad, ok, parse } from '../helpers.ts';

describe('parseCommand', () => {
  it('reads the tag (RFC 9051 §9 tag)', () => {
    assert.equal(parse('a.b-c]d NOOP').tag, 'a.b-c]d');
    assert.equal(parse('0001 NOOP').tag, '0001');
  });

  it('answers a line without a valid tag with an untagged BAD', () => {
    for (const line of [
      '',
      ' NOOP',
      '+A NOOP',
      '"A" NOOP',
      '*',
      'A{1}\r\nx NOOP',
      'A(1 NOOP',
      'A%1 NOOP',
      'A\\1 NOOP',
    ]) {
      const r = parse(line);
      assert.deepEqual(
        r,
        { ok: false, tag: undefined, kind: 'BAD', text: 'Missing or invalid tag' },
        JSON.stringify(line),
      );
    }
  });

  it('answers unknown or missing commands with a tagged BAD', () => {
    assert.deepEqual(parse('A1 FROB'), { ok: false, tag: 'A1', kind: 'BAD', text: 'Unknown command' });
    assert.deepEqual(parse('A1 XAPPLEPUSHSERVICE aps-version 2'), {
      ok: false,
      tag: 'A1',
      kind: 'BAD',
      text: 'Unknown command',
    });
    assert.equal(parse('A1').ok, false);
    assert.equal(parse('A1 ').tag, 'A1');
    assert.equal(parse('A1 GET / HTTP/1.1').tag, 'A1');
  });

  it('knows every command of RFC 9051, RFC 3501 and the extensions', () => {
    for (const name of [
      'CAPABILITY',
      'NOOP',
      'LOGOUT',
      'STARTTLS',
      'AUTHENTICATE',
      'LOGIN',
      'ENABLE',
      'SELECT',
      'EXAMINE',
      'CREATE',
      'DELETE',
      'RENAME',
      'SUBSCRIBE',
      'UNSUBSCRIBE',
      'LIST',
      'LSUB',
      'NAMESPACE',
      'STATUS',
      'APPEND',
      'IDLE',
      'CHECK',
      'CLOSE',
      'UNSELECT',
      'EXPUNGE',
      'SEARCH',
      'FETCH',
      'STORE',
      'COPY',
      'MOVE',
      'UID',
      'ID',
    ]) {
      assert.ok(COMMAND_NAMES.includes(name), name);
    }
  });

  it('refuses control characters and bare line ends inside a command', () => {
    bad('A1 NOOP\nA2 NOOP');
    bad('A1 LOGIN a\tb c');
    bad('A1 SELECT "a\rb"');
  });

  it('limits nesting depth (parentheses, NOT, OR)', () => {
    const deep = `A1 SEARCH ${'('.repeat(30)}ALL${')'.repeat(30)}`;
    // 30 parentheses and the key inside them: 31 levels.
    assert.match(bad(deep, { maxDepth: 30 }), /Too deeply nested/);
    assert.equal(ok(deep, { maxDepth: 31 }).name, 'SEARCH');
    assert.equal(ok(deep).name, 'SEARCH');
    assert.match(bad(`A1 SEARCH ${'NOT '.repeat(50)}ALL`, { maxDepth: 20 }), /Too deeply nested/);
    assert.match(bad(`A1 SEARCH ${'OR ALL '.repeat(50)}ALL`, { maxDepth: 20 }), /Too deeply nested/);
    // The default limit stops an attack long before the stack would overflow.
    const attack = `A1 SEARCH ${'NOT '.repeat(100_000)}ALL`;
    assert.match(bad(attack, { maxLineLength: 1_000_000 }), /Too deeply nested/);
    const parens = `A1 SEARCH ${'('.repeat(100_000)}`;
    assert.match(bad(parens, { maxLineLength: 1_000_000 }), /Too deeply nested/);
  });

  it('gives the same result for a command whatever the chunking (checked by every parse)', () => {
    assert.equal(ok('A1 LOGIN {4}\r\nfred {6+}\r\nsecret').name, 'LOGIN');
  });
});
