import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readCommandName, readTag } from '../../../src/proto/imap/line-head.ts';

describe('readTag / readCommandName', () => {
  it('read the tag and the command name of a line', () => {
    assert.equal(readTag('A1 LOGIN x', false), 'A1');
    assert.equal(readTag('A1', false), 'A1');
    assert.equal(readTag('+A1 NOOP', false), undefined);
    assert.equal(readTag(' A1', false), undefined);
    assert.equal(readCommandName('A1 login x', 'A1'), 'LOGIN');
    assert.equal(readCommandName('A1 uid fetch 1', 'A1'), 'UID FETCH');
    assert.equal(readCommandName('A1 UID', 'A1'), 'UID');
    assert.equal(readCommandName('A1 (', 'A1'), undefined);
    assert.equal(readCommandName('A1 NOOP', undefined), undefined);
  });

  it('do not trust a tag cut short by truncation', () => {
    assert.equal(readTag('AAAAAAAA', true), undefined);
    assert.equal(readTag('AAAA BBBB', true), 'AAAA');
  });
});
