import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isIdleDone } from '../../../../src/proto/imap/parse/index.ts';
import { bad, ok } from '../helpers.ts';

describe('commands without arguments', () => {
  it('parse in any case, trailing spaces tolerated', () => {
    for (const name of [
      'CAPABILITY',
      'NOOP',
      'LOGOUT',
      'STARTTLS',
      'NAMESPACE',
      'IDLE',
      'CHECK',
      'CLOSE',
      'UNSELECT',
    ]) {
      assert.deepEqual(ok(`a1 ${name}`), { name });
      assert.deepEqual(ok(`a1 ${name.toLowerCase()}  `), { name });
    }
  });

  it('refuse arguments', () => {
    assert.match(bad('a1 NOOP now'), /Unexpected/);
    assert.match(bad('a1 CAPABILITY IMAP4rev2'), /Unexpected/);
    assert.match(bad('a1 LOGOUT {3+}\r\nabc'), /Unexpected/);
  });
});

describe('isIdleDone (RFC 2177 §3)', () => {
  it('accepts DONE in any case, nothing else', () => {
    assert.equal(isIdleDone(Buffer.from('DONE')), true);
    assert.equal(isIdleDone(Buffer.from('done')), true);
    assert.equal(isIdleDone(Buffer.from('DONE ')), false);
    assert.equal(isIdleDone(Buffer.from('A1 DONE')), false);
    assert.equal(isIdleDone(Buffer.from('')), false);
  });
});
