import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findLiteralMarker } from '../../../src/proto/imap/literal.ts';

const find = (s: string, truncated = false) => findLiteralMarker(Buffer.from(s, 'latin1'), truncated);

describe('findLiteralMarker (RFC 9051 §9 literal, literal8; RFC 7888)', () => {
  it('finds the four forms at the end of a line', () => {
    assert.deepEqual(find('A1 LOGIN {5}'), { size: 5, sync: true, binary: false, length: 3 });
    assert.deepEqual(find('A1 LOGIN {12+}'), { size: 12, sync: false, binary: false, length: 5 });
    assert.deepEqual(find('A1 APPEND x ~{7}'), { size: 7, sync: true, binary: true, length: 4 });
    assert.deepEqual(find('A1 APPEND x ~{0+}'), { size: 0, sync: false, binary: true, length: 5 });
    assert.deepEqual(find('{1}'), { size: 1, sync: true, binary: false, length: 3 });
  });

  it('finds nothing elsewhere', () => {
    for (const s of [
      '',
      '}',
      '{}',
      '{+}',
      'A1 {5} x',
      'A1 {5',
      'A1 5}',
      'A1 {5++}',
      'A1 {+5}',
      'A1 {5 }',
      'A1 {x}',
    ]) {
      assert.equal(find(s), null, s);
    }
  });

  it('reports sizes it cannot count as overflow', () => {
    assert.equal(find('A1 {9007199254740991}')?.size, 9007199254740991);
    assert.equal(find('A1 {9007199254740992}')?.size, null);
    assert.equal(find('A1 {99999999999999999999+}')?.size, null);
    assert.equal(find('A1 {0000000000000000000000005}')?.size, 5);
  });

  it('takes digits reaching the start of a truncated tail as an overflowing marker', () => {
    assert.deepEqual(find('12345+}', true), { size: null, sync: false, binary: false, length: 7 });
    assert.equal(find('12345+}', false), null);
  });
});
