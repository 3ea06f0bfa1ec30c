/**
 * The delivery point reads the header section of incoming content (Received fields for loop
 * detection, RFC 5321 §6.3; forged Authentication-Results, RFC 8601 §5) without copying the
 * body: `splitHead` cuts the chunks after the header's empty line wherever the chunks split it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { removeForgedAuthResults } from '../../../src/auth/results.ts';
import { countReceived, splitHead } from '../../../src/services/delivery/delivery.ts';

const MESSAGE =
  'Received: from a by b; Thu, 1 Jan 2026 00:00:00 +0000\r\n' +
  'received : from c by d; Thu, 1 Jan 2026 00:00:00 +0000\r\n' +
  'Subject: Received: not a field\r\n' +
  '\r\n' +
  'Received: in the body, not counted\r\n' +
  'x'.repeat(5000) +
  '\r\n';

/** `text` cut into chunks at the given offsets. */
function chunks(text: string, cuts: number[]): Buffer[] {
  const bytes = Buffer.from(text, 'latin1');
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(bytes.subarray(from, cut));
    from = cut;
  }
  return out;
}

test('the header section is found wherever the chunks cut its empty line, and the rest is left as it came', () => {
  const end = MESSAGE.indexOf('\r\n\r\n');
  for (let cut = end - 2; cut <= end + 5; cut++) {
    for (const extra of [[], [end + 200], [end + 200, end + 300]]) {
      const content = chunks(
        MESSAGE,
        [3, cut, ...extra].filter((c, i, a) => i === 0 || c > a[i - 1]!),
      );
      const { head, rest } = splitHead(content);
      assert.equal(Buffer.concat([head, ...rest]).toString('latin1'), MESSAGE, `cut at ${cut}`);
      assert.ok(head.toString('latin1').includes('\r\n\r\n'), `cut at ${cut}: the head holds the empty line`);
      // Only the chunks up to the empty line are in the head: the rest are the same buffers.
      for (const piece of rest)
        assert.ok(content.includes(piece), `cut at ${cut}: a chunk after the head was copied`);
      // The head ends with the chunk that completes the empty line.
      let boundary = 0;
      for (const piece of content) {
        boundary += piece.length;
        if (boundary >= end + 4) break;
      }
      assert.equal(head.length, boundary, `cut at ${cut}: the head goes past the chunk that ends the header`);
      assert.equal(countReceived(head), 2, `cut at ${cut}`);
    }
  }
});

test('one chunk is its own head, without a copy', () => {
  const content = [Buffer.from(MESSAGE, 'latin1')];
  const { head, rest } = splitHead(content);
  assert.equal(head, content[0]);
  assert.deepEqual(rest, []);
});

test('an empty line first is an empty header section, even split across chunks; Received fields of the body do not count', () => {
  const text = '\r\nReceived: from a by b; Thu, 1 Jan 2026 00:00:00 +0000\r\n\r\nbody\r\n';
  for (const cuts of [[], [1], [2], [1, 2], [4]]) {
    const { head, rest } = splitHead(chunks(text, cuts));
    assert.equal(Buffer.concat([head, ...rest]).toString('latin1'), text);
    assert.equal(countReceived(head), 0, `cuts ${cuts}`);
  }
});

test('content without an empty line is all header', () => {
  const text = 'Received: from a by b\r\nReceived: from c by d\r\nSubject: no body';
  const { head, rest, complete } = splitHead(chunks(text, [5, 30]));
  assert.equal(head.toString('latin1'), text);
  assert.deepEqual(rest, []);
  assert.equal(complete, false);
  assert.equal(countReceived(head), 2);
});

test('with a limit, reading stops at the chunk that reaches it: the rest is not copied', () => {
  const text = `Received: from a by b\r\n${'X-Long: y\r\n'.repeat(100)}`;
  const content = chunks(text, [100, 200, 300, 400]);
  const { head, rest, complete } = splitHead(content, 150);
  assert.equal(complete, false);
  assert.equal(head.toString('latin1'), text.slice(0, 200));
  assert.deepEqual(rest, content.slice(2));
  assert.equal(countReceived(head), 1);
  // An empty line within the limit is found as without one.
  assert.equal(splitHead(chunks(MESSAGE, [50, 300]), 100_000).complete, true);
});

test('a forged Authentication-Results field is removed from the head, and the chunks after it follow unchanged', () => {
  const text =
    'Authentication-Results: mx.loft.test; dmarc=pass header.from=bank.test\r\n' +
    'Authentication-Results: relay.test; spf=pass smtp.mailfrom=a.test\r\n' +
    'Subject: hi\r\n\r\n' +
    `${'body line\r\n'.repeat(50)}`;
  const content = chunks(text, [20, 150, 200, 400]);
  const { head, rest } = splitHead(content);
  const cleaned = Buffer.concat([removeForgedAuthResults(head, 'mx.loft.test'), ...rest]).toString('latin1');
  assert.equal(cleaned, text.replace(/^Authentication-Results: mx\.loft\.test;[^\r]*\r\n/, ''));
});
