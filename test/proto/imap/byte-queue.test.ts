import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ByteQueue } from '../../../src/proto/imap/byte-queue.ts';

describe('ByteQueue', () => {
  it('keeps octets in order across growth and consumption', () => {
    const q = new ByteQueue();
    q.push(Buffer.from('hello '));
    q.push(Buffer.alloc(10_000, 0x78));
    assert.equal(q.length, 10_006);
    assert.equal(q.view().subarray(0, 7).toString(), 'hello x');
    const out = Buffer.alloc(5);
    q.copyTo(out, 0, 5);
    assert.equal(out.toString(), 'hello');
    q.consume(6);
    assert.equal(q.length, 10_000);
    q.consume(10_000);
    assert.equal(q.length, 0);
    assert.equal(q.view().length, 0);
  });

  it('behaves as a plain concatenation (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.uint8Array({ maxLength: 3000 }), fc.nat({ max: 4000 }))), (steps) => {
        const q = new ByteQueue();
        let model = Buffer.alloc(0);
        for (const [chunk, take] of steps) {
          q.push(chunk);
          model = Buffer.concat([model, chunk]);
          const n = Math.min(take, model.length);
          q.consume(n);
          model = model.subarray(n);
          assert.deepEqual(q.view(), model);
        }
      }),
      { numRuns: 200 },
    );
  });
});
