import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ByteQueue } from '../../../src/proto/imap/byte-queue.ts';
import { LITERAL_BLOCK, LiteralReader } from '../../../src/proto/imap/literal-reader.ts';

describe('LiteralReader', () => {
  it('collects a literal larger than one block, fed in pieces, leaving what follows', () => {
    const data = randomBytes(LITERAL_BLOCK * 2 + 12345);
    const reader = new LiteralReader(data.length, false, true);
    const q = new ByteQueue();
    assert.equal(reader.untouched, true);
    for (let i = 0; i < data.length; i += 65536) {
      q.push(data.subarray(i, i + 65536));
      const done = reader.read(q);
      assert.equal(done, i + 65536 >= data.length);
      assert.equal(reader.untouched, false);
    }
    q.push(Buffer.from('\r\nnext'));
    assert.equal(reader.read(q), true);
    assert.ok(reader.data().equals(data));
    assert.equal(q.view().toString(), '\r\nnext');
    assert.deepEqual([reader.sync, reader.binary], [false, true]);
  });

  it('completes an empty literal at once', () => {
    const reader = new LiteralReader(0, true, false);
    assert.equal(reader.read(new ByteQueue()), true);
    assert.equal(reader.data().length, 0);
  });
});
