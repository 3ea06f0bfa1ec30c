/**
 * The outbound benchmark's SMTP sink: pipelined transactions, an empty message, a terminator
 * split across packets; and the table of the outbound benchmark.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { startSink } from '../../bench/lib/sink.ts';
import { formatOutbound } from '../../bench/smtp-outbound.ts';

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
    socket.write('Subject: one\r\n\r\nbody\r');
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write('\n.');
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write('\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n.\r\nQUIT\r\n');
    await new Promise((resolve) => socket.once('close', resolve));
    assert.equal(sink.messages, 2);
    assert.equal(sink.connections, 1);
    assert.equal((received.match(/^250 2\.0\.0 sunk/gm) ?? []).length, 2);
    assert.match(received, /^221 /m);
  } finally {
    await sink.close();
  }
});

test('the outbound table', () => {
  const table = formatOutbound([
    { server: 'loft', messages: 10000, seconds: 12.5, perSecond: 800, connections: 20, peakMemoryMb: 150 },
    {
      server: 'postfix',
      messages: 10000,
      seconds: 20,
      perSecond: 500,
      connections: 40,
      peakMemoryMb: undefined,
    },
  ]);
  assert.deepEqual(table.split('\n'), [
    ' server  messages  seconds  msg/s  connections  peak MB',
    '   loft     10000    12.50    800           20      150',
    'postfix     10000    20.00    500           40        -',
  ]);
});
