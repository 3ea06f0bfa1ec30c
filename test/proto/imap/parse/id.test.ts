import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bad, ok } from '../helpers.ts';

describe('ID (RFC 2971)', () => {
  it('parses field/value pairs and NIL', () => {
    assert.deepEqual(ok('a023 ID ("name" "sodr" "version" "19.34" "vendor" "Pink Floyd Music Limited")'), {
      name: 'ID',
      params: [
        { field: 'name', value: 'sodr' },
        { field: 'version', value: '19.34' },
        { field: 'vendor', value: 'Pink Floyd Music Limited' },
      ],
    });
    assert.deepEqual(ok('a ID NIL'), { name: 'ID', params: null });
    assert.deepEqual(ok('a ID ()'), { name: 'ID', params: [] });
    assert.deepEqual(ok('a ID ("os" NIL "x" {2+}\r\nyz)'), {
      name: 'ID',
      params: [
        { field: 'os', value: null },
        { field: 'x', value: 'yz' },
      ],
    });
  });

  it('refuses odd lists and atoms', () => {
    bad('a ID ("name")');
    bad('a ID (name "x")');
    bad('a ID');
    bad('a ID "name" "x"');
  });
});
