/**
 * The outbound benchmark's SMTP sink: pipelined transactions, an empty message, a terminator
 * split across packets, the Message-ID of each message; and the exactly-once check.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { checkExactlyOnce, messageIdOf, SinkSession, startSink } from '../../bench/lib/sink.ts';
import { outboundId, outboundMessage } from '../../bench/smtp-outbound.ts';

test('the sink counts every message of pipelined sessions, whatever the packet boundaries', async () => {
  const sink = await startSink();
  try {
    const socket = net.connect({ host: '127.0.0.1', port: sink.port });
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      received += d;
    });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write('Subject: one\r\nMessage-ID: <1@x>\r\n\r\nbody\r');
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write('\n.');
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write('\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n.\r\nQUIT\r\n');
    await new Promise((resolve) => socket.once('close', resolve));
    assert.equal(sink.messages, 2);
    assert.equal(sink.connections, 1);
    assert.deepEqual(
      [...sink.ids],
      [
        ['1@x', 1],
        ['', 1],
      ],
    );
    assert.equal((received.match(/^250 2\.0\.0 sunk/gm) ?? []).length, 2);
    assert.match(received, /^221 /m);
    sink.reset();
    assert.deepEqual([sink.messages, sink.connections, sink.ids.size, sink.firstAt], [0, 0, 0, undefined]);
  } finally {
    await sink.close();
  }
});

describe('SinkSession', () => {
  const transaction = (content: Buffer): string =>
    `MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n${content.toString('latin1')}.\r\n`;

  test('finds each Message-ID, fed in chunks of any size', () => {
    const text = `EHLO x\r\n${transaction(outboundMessage(7))}${transaction(outboundMessage(8, 40_000))}QUIT\r\n`;
    for (const size of [1, 2, 3, 5, 64, 1000, text.length]) {
      const session = new SinkSession();
      const ended: string[] = [];
      let replies = '';
      let quit = false;
      for (let at = 0; at < text.length; at += size) {
        const out = session.push(text.slice(at, at + size));
        ended.push(...out.ended);
        replies += out.replies;
        quit ||= out.quit;
      }
      assert.deepEqual(ended, [outboundId(7), outboundId(8)], `chunks of ${size}`);
      assert.equal((replies.match(/^250 2\.0\.0 sunk\r$/gm) ?? []).length, 2);
      assert.ok(quit);
    }
  });

  test('a Message-ID only counts in the header', () => {
    assert.equal(messageIdOf('Subject: x\r\nmessage-id:  <a@b>\r\n\r\nbody'), 'a@b');
    assert.equal(messageIdOf('Subject: x\r\n\r\nMessage-ID: <a@b>\r\n'), '');
    assert.equal(messageIdOf('X-Message-ID: <a@b>\r\n\r\n'), '');
  });
});

describe('checkExactlyOnce', () => {
  test('every expected id once is ok; missing, duplicated and unexpected ones are not', () => {
    const expected = ['a', 'b', 'c'];
    assert.deepEqual(
      checkExactlyOnce(
        new Map([
          ['a', 1],
          ['b', 1],
          ['c', 1],
        ]),
        expected,
      ),
      {
        ok: true,
        missing: 0,
        duplicated: 0,
        unexpected: 0,
      },
    );
    const bad = checkExactlyOnce(
      new Map([
        ['a', 2],
        ['b', 1],
        ['', 1],
        ['z', 1],
      ]),
      expected,
    );
    assert.deepEqual([bad.ok, bad.missing, bad.duplicated, bad.unexpected], [false, 1, 1, 2]);
    assert.match(bad.problem ?? '', /1 messages never, 1 more than once, and 2 it was not sent/);
  });
});
