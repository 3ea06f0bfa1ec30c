/**
 * Unit tests of the benchmark's POP3 client: the response reader (status lines, listings,
 * message content counted and hashed, dot-unstuffing, pipelined and chunked input), the STAT
 * and listing parsers, and the client's pipelining window against a scripted server.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Pop3Client } from '../../bench/lib/pop3-client.ts';
import {
  type Expect,
  Pop3ProtocolError,
  parseListing,
  parseStat,
  parseStatusLine,
  type Response,
  ResponseReader,
} from '../../bench/lib/pop3-responses.ts';
import { warmUpClient } from '../../bench/lib/pop3-warmup.ts';

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** Dot-stuffs CRLF-ended content and appends the terminator (RFC 1939 §3). */
function stuffed(content: string): string {
  const lines = content.split('\r\n');
  lines.pop(); // content ends with CRLF
  return `${lines.map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n')}${lines.length > 0 ? '\r\n' : ''}.\r\n`;
}

/** Feeds `data` to a reader expecting `shapes`, in chunks of `size` octets; returns all responses. */
function readAll(shapes: Expect[], data: Buffer, size = data.length): Response[] {
  const reader = new ResponseReader();
  for (const shape of shapes) reader.expect(shape);
  const out: Response[] = [];
  for (let i = 0; i < data.length; i += Math.max(1, size))
    out.push(...reader.push(data.subarray(i, i + size)));
  assert.equal(reader.pending, 0, 'every expected response completed');
  return out;
}

describe('parseStatusLine', () => {
  it('reads +OK and -ERR with or without text (RFC 1939 §3)', () => {
    assert.deepEqual(parseStatusLine('+OK'), { ok: true, text: '' });
    assert.deepEqual(parseStatusLine('+OK 2 320'), { ok: true, text: '2 320' });
    assert.deepEqual(parseStatusLine('-ERR [IN-USE] locked'), { ok: false, text: '[IN-USE] locked' });
  });

  it('refuses what is neither', () => {
    assert.equal(parseStatusLine('+OKAY'), undefined);
    assert.equal(parseStatusLine('OK'), undefined);
    assert.equal(parseStatusLine('* OK imap'), undefined);
    assert.equal(parseStatusLine(''), undefined);
  });
});

describe('ResponseReader', () => {
  it('reads status lines, a listing with stuffed dots, and a message, pipelined in one chunk', () => {
    const content = 'Subject: x\r\n\r\n.leading dot\r\n..two\r\nend\r\n';
    const data = Buffer.from(
      `+OK hi\r\n+OK\r\n1 abc\r\n.. 2\r\n.\r\n+OK 43 octets\r\n${stuffed(content)}-ERR no\r\n`,
    );
    const responses = readAll(
      [{ kind: 'single' }, { kind: 'lines' }, { kind: 'message' }, { kind: 'message' }],
      data,
    );
    assert.deepEqual(responses[0], { kind: 'single', ok: true, text: 'hi' });
    assert.deepEqual(responses[1], { kind: 'lines', ok: true, text: '', lines: ['1 abc', '. 2'] });
    assert.deepEqual(responses[2], {
      kind: 'message',
      ok: true,
      text: '43 octets',
      octets: Buffer.byteLength(content),
      sha256: sha256(content),
    });
    // RFC 1939 §3: -ERR to a multi-line command is one line; nothing follows.
    assert.deepEqual(responses[3], { kind: 'message', ok: false, text: 'no', octets: 0, sha256: '' });
  });

  it('gives the same responses whatever the chunk boundaries', () => {
    const content = `${'a'.repeat(70)}\r\n.\r\n..\r\n.x\r\n\r\n`;
    const data = Buffer.from(`+OK\r\n${stuffed(content)}+OK\r\nUSER\r\n.\r\n+OK bye\r\n`);
    const shapes: Expect[] = [{ kind: 'message' }, { kind: 'lines' }, { kind: 'single' }];
    const whole = readAll(shapes, data);
    assert.equal((whole[0] as { octets: number }).octets, Buffer.byteLength(content));
    for (const size of [1, 2, 3, 4, 7, 16, 64])
      assert.deepEqual(readAll(shapes, data, size), whole, `chunks of ${size}`);
  });

  it('counts and hashes any content exactly, in any chunking (property)', () => {
    const line = fc.oneof(
      fc.constantFrom('', '.', '..', '.x', 'x.', ' .'),
      fc.string({ unit: fc.constantFrom('a', '.', ' ', 'é'), maxLength: 40 }),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.integer({ min: 1, max: 50 }), (lines, size) => {
        const content = lines.map((l) => `${l}\r\n`).join('');
        const data = Buffer.concat([Buffer.from('+OK\r\n'), Buffer.from(stuffed(content), 'utf8')]);
        const [response] = readAll([{ kind: 'message' }], data, size);
        assert.equal(response?.kind, 'message');
        if (response?.kind !== 'message') return;
        assert.equal(response.octets, Buffer.byteLength(content, 'utf8'));
        assert.equal(response.sha256, sha256(Buffer.from(content, 'utf8')));
      }),
    );
  });

  it('waits for the rest of a response split anywhere', () => {
    const reader = new ResponseReader();
    reader.expect({ kind: 'lines' });
    assert.deepEqual(reader.push(Buffer.from('+OK\r\n1 a\r')), []);
    assert.deepEqual(reader.push(Buffer.from('\n.')), []);
    assert.equal(reader.pending, 1);
    assert.deepEqual(reader.push(Buffer.from('\r\n')), [
      { kind: 'lines', ok: true, text: '', lines: ['1 a'] },
    ]);
  });

  it('refuses data nobody asked for, and lines that are not status lines', () => {
    assert.throws(() => new ResponseReader().push(Buffer.from('+OK\r\n')), Pop3ProtocolError);
    const reader = new ResponseReader();
    reader.expect({ kind: 'single' });
    assert.throws(() => reader.push(Buffer.from('220 smtp.example ESMTP\r\n')), /not a POP3 status line/);
  });
});

describe('STAT and listings', () => {
  it('reads STAT (RFC 1939 §5)', () => {
    assert.deepEqual(parseStat('2 320'), { count: 2, octets: 320 });
    assert.deepEqual(parseStat('0 0 maildrop empty'), { count: 0, octets: 0 });
    assert.equal(parseStat('two 320'), undefined);
  });

  it('reads UIDL and LIST lines and refuses disorder or junk', () => {
    const good = parseListing(['1 whqtswO00WBw418f9t5JxYwZ', '2 QhdPYR:00WBw1Ph7x7']);
    assert.ok(good.ok);
    assert.equal(good.values.get(2), 'QhdPYR:00WBw1Ph7x7');
    assert.deepEqual(parseListing(['2 a', '1 b']), {
      ok: false,
      error: 'message numbers not increasing at "1 b"',
    });
    assert.equal(parseListing(['1']).ok, false);
    assert.equal(parseListing(['1 a b']).ok, false);
  });
});

/**
 * A scripted POP3 server for the client: answers RETR n with a message of n lines after a
 * short delay, and records the most RETRs it ever held unanswered.
 */
async function scriptedServer(): Promise<{ port: number; maxOutstanding: () => number; close: () => void }> {
  let max = 0;
  const server = net.createServer((socket) => {
    let buffer = '';
    let outstanding = 0;
    socket.write('+OK scripted\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const retr = /^RETR (\d+)$/.exec(line);
        if (!retr) {
          socket.write(line === 'QUIT' ? '+OK bye\r\n' : '-ERR unknown\r\n');
          continue;
        }
        outstanding += 1;
        max = Math.max(max, outstanding);
        const n = Number(retr[1]);
        setTimeout(() => {
          outstanding -= 1;
          const body = Array.from({ length: n }, (_, i) => (i % 2 ? `.line ${i}` : `line ${i}`));
          socket.write(`+OK\r\n${stuffed(body.map((l) => `${l}\r\n`).join(''))}`);
        }, 2);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return { port: address.port, maxOutstanding: () => max, close: () => server.close() };
}

describe('Pop3Client', () => {
  it('keeps at most `depth` RETRs outstanding and gets every reply in order', async () => {
    for (const depth of [1, 4]) {
      const server = await scriptedServer();
      const client = await Pop3Client.connect({ port: server.port, timeoutMs: 5000 });
      try {
        assert.equal(client.greeting, 'scripted');
        const seen: number[] = [];
        const numbers = Array.from({ length: 20 }, (_, i) => i + 1);
        await client.retrieveAll(numbers, depth, (n, response) => {
          seen.push(n);
          assert.ok(response.ok);
          // n lines "line i" / ".line i" (stuffed on the wire), each with CRLF
          const expected = Array.from({ length: n }, (_, i) => `${i % 2 ? '.' : ''}line ${i}\r\n`).join('');
          assert.equal(response.octets, expected.length);
          assert.equal(response.sha256, sha256(expected));
        });
        assert.deepEqual(seen, numbers);
        assert.equal(server.maxOutstanding(), depth, `depth ${depth}`);
        assert.deepEqual(await client.single('QUIT'), { kind: 'single', ok: true, text: 'bye' });
      } finally {
        client.close();
        server.close();
      }
    }
  });

  it('stops and rejects when the per-message callback throws', async () => {
    const server = await scriptedServer();
    const client = await Pop3Client.connect({ port: server.port, timeoutMs: 5000 });
    try {
      let calls = 0;
      await assert.rejects(
        client.retrieveAll([1, 2, 3, 4, 5, 6], 2, () => {
          calls += 1;
          if (calls === 2) throw new Error('bad message');
        }),
        /bad message/,
      );
      await new Promise((resolve) => setTimeout(resolve, 50)); // the replies still in flight arrive
      assert.equal(calls, 2);
    } finally {
      client.close();
      server.close();
    }
  });

  it('rejects pending commands when the server drops the connection', async () => {
    const server = net.createServer((socket) => {
      socket.write('+OK\r\n');
      socket.once('data', () => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = await Pop3Client.connect({
      port: (server.address() as net.AddressInfo).port,
      timeoutMs: 5000,
    });
    await assert.rejects(client.lines('UIDL'), /closed/);
    await assert.rejects(client.single('NOOP'), /closed/);
    server.close();
  });

  it('refuses a server whose greeting is -ERR', async () => {
    const server = net.createServer((socket) => socket.end('-ERR go away\r\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await assert.rejects(
      Pop3Client.connect({ port: (server.address() as net.AddressInfo).port, timeoutMs: 5000 }),
      /greeting: -ERR go away/,
    );
    server.close();
  });
});

describe('the client warm-up (bench/lib/pop3-warmup.ts)', () => {
  it('downloads every message, dot-stuffed lines and a message without a final CRLF included', async () => {
    const messages = [
      Buffer.from('Subject: a\r\n\r\n.leading dot\r\n..two\r\n'),
      Buffer.from('Subject: b\r\n\r\nno final line end'),
      ...Array.from({ length: 40 }, (_, i) => Buffer.from(`Subject: ${i}\r\n\r\n${'x'.repeat(i * 50)}\r\n`)),
    ];
    // Rejects when the session's checks fail (a count, an octet count, a listing).
    await warmUpClient(messages, 8);
  });
});
