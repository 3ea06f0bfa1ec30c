/**
 * Loft's SMTP client against small fake servers, for what Loft's own server never does: silence,
 * dropped connections, garbage, 4xx/5xx at each stage, no EHLO, no SMTPUTF8, DSN. Every network
 * problem and timeout is a temporary outcome; nothing throws.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { type ClientOptions, deliverMessage } from '../../../src/client/smtp/client.ts';
import { type Envelope, messageFromBuffer, type RecipientOutcome } from '../../../src/client/smtp/types.ts';
import { type FakeScript, type FakeServer, startFakeServer } from '../../helpers/fake-smtp.ts';

const alice = { localPart: 'alice', domain: 'a.test' };
const rcpt = (localPart: string) => ({ address: { localPart, domain: 'b.test' } });
const ENVELOPE: Envelope = { from: alice, recipients: [rcpt('bob'), rcpt('carol')] };
const CONTENT = messageFromBuffer(Buffer.from('Subject: t\r\n\r\n.dot\r\nbody\r\n'));
const SHORT = {
  connect: 300,
  initial: 300,
  command: 300,
  mail: 300,
  rcpt: 300,
  dataInit: 300,
  dataBlock: 300,
  dataEnd: 300,
};

async function withFake(
  script: FakeScript,
  run: (server: FakeServer, options: ClientOptions) => Promise<void>,
): Promise<void> {
  const server = await startFakeServer(script);
  try {
    await run(server, {
      host: '127.0.0.1',
      port: server.port,
      heloName: 'mx.a.test',
      peerName: 'fake.test',
      timeouts: SHORT,
    });
  } finally {
    await server.close();
  }
}

function summary(outcomes: RecipientOutcome[]): string[] {
  return outcomes.map((o) => `${o.recipient.localPart} ${o.status} ${o.code ?? '-'} ${o.stage}`);
}

async function send(options: ClientOptions, envelope = ENVELOPE): Promise<RecipientOutcome[]> {
  return (await deliverMessage(options, envelope, CONTENT)).recipients;
}

describe('network failures and timeouts are temporary', () => {
  it('a refused connection', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const out = await send({ host: '127.0.0.1', port, heloName: 'mx.a.test', timeouts: SHORT });
    assert.deepEqual(summary(out), ['bob temporary - connect', 'carol temporary - connect']);
    assert.match(out[0]!.text, /ECONNREFUSED/);
  });

  it('a server that never greets', async () => {
    await withFake({ greeting: null }, async (_s, options) => {
      const out = await send(options);
      assert.deepEqual(summary(out), ['bob temporary - greeting', 'carol temporary - greeting']);
      assert.match(out[0]!.text, /Timed out after 300 ms/);
    });
  });

  it('a server that never answers the end of data', async () => {
    await withFake({ afterData: () => null }, async (server, options) => {
      const out = await send(options);
      assert.deepEqual(summary(out), ['bob temporary - content', 'carol temporary - content']);
      assert.equal(server.sessions[0]!.messages.length, 1);
    });
  });

  it('a server that drops the connection after MAIL, or during DATA', async () => {
    await withFake(
      { command: (line) => (line.startsWith('MAIL') ? 'close' : undefined) },
      async (_s, options) => {
        const out = await send({ ...options });
        assert.ok(out.every((o) => o.status === 'temporary'));
        assert.match(out[0]!.text, /closed|reset|ECONNRESET/i);
      },
    );
    await withFake(
      { command: (line) => (line === 'DATA' ? '354 go' : undefined), afterData: () => 'close' },
      async (_s, options) => {
        const out = await send(options);
        assert.deepEqual(summary(out), ['bob temporary - content', 'carol temporary - content']);
      },
    );
  });

  it('garbage and endless lines', async () => {
    await withFake({ greeting: 'hello there' }, async (_s, options) => {
      const out = await send(options);
      assert.equal(out[0]!.status, 'temporary');
      assert.match(out[0]!.text, /Malformed reply/);
    });
    await withFake({ greeting: `220 ${'x'.repeat(10000)}` }, async (_s, options) => {
      const out = await send(options);
      assert.match(out[0]!.text, /Malformed reply.*too long/);
    });
  });
});

describe('replies at each stage', () => {
  it('a 4xx or 5xx greeting skips the host (temporary)', async () => {
    for (const greeting of ['421 busy', '554 no service for you']) {
      await withFake({ greeting }, async (server, options) => {
        const out = await send(options);
        assert.equal(out[0]!.status, 'temporary');
        assert.equal(out[0]!.stage, 'greeting');
        assert.equal(out[0]!.code, Number(greeting.slice(0, 3)));
        assert.ok(!server.sessions[0]!.lines.some((l) => l.startsWith('MAIL')));
      });
    }
  });

  it('falls back to HELO when EHLO is refused, then uses plain DATA', async () => {
    await withFake(
      { command: (line) => (line.startsWith('EHLO') ? '502 what?' : undefined) },
      async (server, options) => {
        const out = await send(options);
        assert.deepEqual(summary(out), ['bob delivered 250 content', 'carol delivered 250 content']);
        const lines = server.sessions[0]!.lines;
        assert.deepEqual(lines.slice(0, 5), [
          'EHLO mx.a.test',
          'HELO mx.a.test',
          'MAIL FROM:<alice@a.test>',
          'RCPT TO:<bob@b.test>',
          'RCPT TO:<carol@b.test>',
        ]);
        assert.equal(server.sessions[0]!.messages[0]!.toString(), 'Subject: t\r\n\r\n.dot\r\nbody\r\n');
      },
    );
  });

  it('MAIL refused: every recipient gets its reply', async () => {
    for (const [reply, status] of [
      ['451 4.3.0 try later', 'temporary'],
      ['550 5.7.1 go away', 'permanent'],
    ] as const) {
      await withFake(
        { command: (line) => (line.startsWith('MAIL') ? reply : undefined) },
        async (server, options) => {
          const out = await send(options);
          assert.deepEqual(summary(out), [
            `bob ${status} ${reply.slice(0, 3)} mail`,
            `carol ${status} ${reply.slice(0, 3)} mail`,
          ]);
          assert.equal(out[0]!.enhanced, reply.slice(4, 9));
          assert.equal(out[0]!.text, reply.slice(10));
          // RFC 2920 §3.1: the pipelined DATA was accepted by this server, so an empty message closes it.
          assert.ok(server.sessions[0]!.messages.every((m) => m.length === 0));
        },
      );
    }
  });

  it('RCPT replies per recipient, with and without pipelining', async () => {
    const envelope: Envelope = {
      from: alice,
      recipients: [rcpt('bob'), rcpt('later'), rcpt('never'), rcpt('carol')],
    };
    const command = (line: string) =>
      line.includes('later@')
        ? '450 4.2.1 mailbox busy'
        : line.includes('never@')
          ? '550 5.1.1 no such user'
          : undefined;
    for (const ehlo of [['PIPELINING'], []]) {
      await withFake({ ehlo, command }, async (_s, options) => {
        const out = await send(options, envelope);
        assert.deepEqual(summary(out), [
          'bob delivered 250 content',
          'later temporary 450 rcpt',
          'never permanent 550 rcpt',
          'carol delivered 250 content',
        ]);
      });
    }
  });

  it('DATA refused, end of data refused, 421 mid-transaction', async () => {
    await withFake(
      { command: (line) => (line === 'DATA' ? '554 5.5.1 no valid recipients' : undefined) },
      async (_s, options) => {
        assert.deepEqual(summary(await send(options)), [
          'bob permanent 554 data',
          'carol permanent 554 data',
        ]);
      },
    );
    await withFake({ afterData: () => '452 4.3.1 insufficient storage' }, async (_s, options) => {
      assert.deepEqual(summary(await send(options)), [
        'bob temporary 452 content',
        'carol temporary 452 content',
      ]);
    });
    await withFake(
      { ehlo: [], command: (line) => (line.includes('carol') ? '421 4.3.2 shutting down' : undefined) },
      async (server, options) => {
        assert.deepEqual(summary(await send(options)), [
          'bob temporary 421 rcpt',
          'carol temporary 421 rcpt',
        ]);
        assert.ok(!server.sessions[0]!.lines.includes('QUIT'), 'no QUIT after 421');
      },
    );
  });

  it('a refused BDAT chunk ends the transaction', async () => {
    let chunks = 0;
    await withFake(
      {
        ehlo: ['CHUNKING'],
        command: (line) => (line.startsWith('BDAT') && ++chunks === 2 ? '552 5.3.4 too much' : undefined),
      },
      async (server, options) => {
        const big = messageFromBuffer(Buffer.from('x'.repeat(50)));
        const out = (await deliverMessage({ ...options, chunkSize: 10 }, ENVELOPE, big)).recipients;
        assert.deepEqual(summary(out), ['bob permanent 552 content', 'carol permanent 552 content']);
        assert.equal(
          server.sessions[0]!.lines.filter((l) => l.startsWith('BDAT')).length,
          2,
          'no chunk after the refusal',
        );
      },
    );
  });
});

describe('extensions the peer lacks or offers', () => {
  it('a message that needs SMTPUTF8 to a server without it fails permanently before MAIL', async () => {
    await withFake({}, async (server, options) => {
      const envelope: Envelope = {
        from: alice,
        recipients: [{ address: { localPart: 'jörg', domain: 'b.test' } }],
      };
      const out = await send(options, envelope);
      assert.equal(out[0]!.status, 'permanent');
      assert.equal(out[0]!.enhanced, '5.6.7');
      assert.match(out[0]!.text, /needs SMTPUTF8 .* fake\.test does not support it/);
      const flagged = await send(options, { ...ENVELOPE, smtputf8: true });
      assert.equal(flagged[0]!.enhanced, '5.6.7');
      assert.ok(!server.sessions.some((s) => s.lines.some((l) => l.startsWith('MAIL'))));
    });
    await withFake({ ehlo: ['SMTPUTF8', '8BITMIME'] }, async (server, options) => {
      const envelope: Envelope = {
        from: alice,
        recipients: [{ address: { localPart: 'jörg', domain: 'b.test' } }],
        body: '8BITMIME',
      };
      const out = await send(options, envelope);
      assert.equal(out[0]!.status, 'delivered');
      assert.deepEqual(server.sessions[0]!.lines.slice(1, 3), [
        'MAIL FROM:<alice@a.test> BODY=8BITMIME SMTPUTF8',
        'RCPT TO:<jörg@b.test>',
      ]);
    });
  });

  it('8-bit content to a server without 8BITMIME fails permanently', async () => {
    await withFake({ ehlo: ['PIPELINING'] }, async (_s, options) => {
      const out = await send(options, { ...ENVELOPE, body: '8BITMIME' });
      assert.equal(out[0]!.enhanced, '5.6.3');
    });
  });

  it('passes DSN parameters on only when the peer offers DSN', async () => {
    const envelope: Envelope = {
      from: alice,
      ret: 'HDRS',
      envid: 'Q123',
      recipients: [
        {
          ...rcpt('bob'),
          notify: ['FAILURE', 'DELAY'],
          orcpt: { addrType: 'rfc822', address: 'bob@b.test' },
        },
      ],
    };
    await withFake({ ehlo: ['DSN', 'SIZE 0'] }, async (server, options) => {
      await send(options, envelope);
      assert.deepEqual(server.sessions[0]!.lines.slice(1, 3), [
        'MAIL FROM:<alice@a.test> SIZE=26 RET=HDRS ENVID=Q123',
        'RCPT TO:<bob@b.test> NOTIFY=FAILURE,DELAY ORCPT=rfc822;bob@b.test',
      ]);
    });
    await withFake({ ehlo: [] }, async (server, options) => {
      await send(options, envelope);
      assert.deepEqual(server.sessions[0]!.lines.slice(1, 3), [
        'MAIL FROM:<alice@a.test>',
        'RCPT TO:<bob@b.test>',
      ]);
    });
  });

  it('requires TLS when told: no STARTTLS offered is a temporary failure', async () => {
    await withFake({}, async (server, options) => {
      const out = await send({ ...options, tls: 'require' });
      assert.deepEqual(summary(out), ['bob temporary - starttls', 'carol temporary - starttls']);
      assert.match(out[0]!.text, /TLS is required/);
      assert.ok(!server.sessions[0]!.lines.some((l) => l.startsWith('MAIL')));
    });
  });
});

describe('local problems', () => {
  it('a message that cannot be read, or an abort, ends the session with temporary outcomes', async () => {
    await withFake({}, async (_s, options) => {
      const broken = {
        size: 10,
        // biome-ignore lint/correctness/useYield: fails before its first chunk on purpose
        async *chunks(): AsyncIterable<Uint8Array> {
          throw new Error('EIO reading the message file');
        },
      };
      const out = (await deliverMessage(options, ENVELOPE, broken)).recipients;
      assert.deepEqual(summary(out), ['bob temporary - content', 'carol temporary - content']);
      assert.match(out[0]!.text, /Local error while sending: EIO/);
    });
    await withFake({ afterData: () => null }, async (_s, options) => {
      const controller = new AbortController();
      const pending = deliverMessage(
        { ...options, signal: controller.signal, timeouts: { ...SHORT, dataEnd: 60_000 } },
        ENVELOPE,
        CONTENT,
      );
      setTimeout(() => controller.abort(), 100);
      const out = (await pending).recipients;
      assert.deepEqual(summary(out), ['bob temporary - content', 'carol temporary - content']);
      assert.match(out[0]!.text, /aborted/);
    });
  });
});
