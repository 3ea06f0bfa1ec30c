import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SYSTEM_FLAGS } from '../../../../src/proto/imap/parse/index.ts';
import { bad, ok } from '../helpers.ts';

function flags(list: string): readonly string[] {
  const c = ok(`A1 STORE 1 FLAGS ${list}`);
  assert.ok(c.name === 'STORE');
  return c.flags;
}

describe('flags (RFC 9051 §2.3.2, §9 flag)', () => {
  it('canonicalises system flags and keeps keywords as sent', () => {
    assert.deepEqual(flags('(\\answered \\Flagged \\deleted \\SEEN \\DRAFT)'), SYSTEM_FLAGS);
    assert.deepEqual(flags('($MDNSent NonJunk $label1)'), ['$MDNSent', 'NonJunk', '$label1']);
    assert.deepEqual(flags('()'), []);
  });

  it('refuses unknown system flags, \\Recent, and non-atoms', () => {
    for (const f of ['\\Recent', '\\Foo', '\\*', '\\', '"x"', '(a (b))', 'a]'])
      bad(`A1 STORE 1 FLAGS (${f})`);
  });
});
