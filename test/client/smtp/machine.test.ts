/**
 * The pure client state machine, without sockets: replies in, commands and actions out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseEhlo } from '../../../src/client/smtp/extensions.ts';
import { ClientMachine, type MachineOptions, type Output } from '../../../src/client/smtp/machine.ts';
import type { Envelope } from '../../../src/client/smtp/types.ts';
import type { Reply } from '../../../src/proto/smtp/reply.ts';

const r = (code: number, ...lines: string[]): Reply => ({ code, lines });
const text = (out: Output) => Buffer.concat(out.send).toString('utf8');
const alice = { localPart: 'alice', domain: 'a.test' };
const rcpt = (localPart: string) => ({ address: { localPart, domain: 'b.test' } });
const TWO: Envelope = { from: alice, recipients: [rcpt('bob'), rcpt('carol')] };

/** A machine past the greeting and EHLO with the given keywords (no STARTTLS unless listed). */
function ready(keywords: string[], options: Partial<MachineOptions> = {}): ClientMachine {
  const m = new ClientMachine({ heloName: 'mx.a.test', peer: 'mx.b.test', ...options });
  assert.equal(m.timeout, 'initial');
  assert.equal(text(m.receive(r(220, 'mx.b.test ESMTP'))), 'EHLO mx.a.test\r\n');
  assert.equal(m.timeout, 'command');
  const out = m.receive(r(250, 'mx.b.test', ...keywords));
  assert.equal(out.send.length, 0);
  assert.ok(m.ready);
  return m;
}

describe('ClientMachine', () => {
  it('pipelines MAIL, every RCPT and DATA in one group (RFC 2920 §3.1)', () => {
    const m = ready(['PIPELINING', 'SIZE 1000', '8BITMIME']);
    const out = m.begin(TWO, 10);
    assert.equal(
      text(out),
      'MAIL FROM:<alice@a.test> SIZE=10\r\nRCPT TO:<bob@b.test>\r\nRCPT TO:<carol@b.test>\r\nDATA\r\n',
    );
    assert.equal(m.pending, 4);
    assert.equal(m.timeout, 'mail');
    m.receive(r(250));
    assert.equal(m.timeout, 'rcpt');
    m.receive(r(250));
    m.receive(r(550, '5.1.1 no'));
    assert.equal(m.timeout, 'dataInit');
    const content = m.receive(r(354));
    assert.equal(content.action, 'content');
    assert.equal(Buffer.concat(m.contentChunk(Buffer.from('.a\r\nb'))).toString(), '..a\r\nb');
    assert.equal(Buffer.concat(m.contentEnd()).toString(), '\r\n.\r\n');
    assert.equal(m.timeout, 'dataEnd');
    m.receive(r(250, '2.0.0 ok'));
    assert.ok(m.transactionDone);
    assert.deepEqual(
      m.finish().map((o) => [o.status, o.code, o.stage]),
      [
        ['delivered', 250, 'content'],
        ['permanent', 550, 'rcpt'],
      ],
    );
  });

  it('without PIPELINING sends one command at a time', () => {
    const m = ready([]);
    assert.equal(text(m.begin(TWO, 10)), 'MAIL FROM:<alice@a.test>\r\n');
    assert.equal(text(m.receive(r(250))), 'RCPT TO:<bob@b.test>\r\n');
    assert.equal(text(m.receive(r(250))), 'RCPT TO:<carol@b.test>\r\n');
    assert.equal(text(m.receive(r(250))), 'DATA\r\n');
    assert.equal(m.receive(r(354)).action, 'content');
  });

  it('with CHUNKING awaits the RCPT replies, then sends BDAT chunks, the last with LAST', () => {
    const m = ready(['PIPELINING', 'CHUNKING'], { chunkSize: 4 });
    assert.equal(
      text(m.begin(TWO, 10)),
      'MAIL FROM:<alice@a.test>\r\nRCPT TO:<bob@b.test>\r\nRCPT TO:<carol@b.test>\r\n',
    );
    m.receive(r(250));
    assert.equal(m.receive(r(250)).action, 'none');
    assert.equal(m.receive(r(250)).action, 'content');
    assert.equal(
      Buffer.concat(m.contentChunk(Buffer.from('0123456789'))).toString(),
      'BDAT 4\r\n0123BDAT 4\r\n4567',
    );
    // The missing final CRLF is added (RFC 5321 §2.3.8), in the last chunk.
    assert.equal(Buffer.concat(m.contentEnd()).toString(), 'BDAT 4 LAST\r\n89\r\n');
    assert.equal(m.pending, 3);
    assert.equal(m.timeout, 'dataBlock');
    m.receive(r(250));
    m.receive(r(250));
    assert.equal(m.timeout, 'dataEnd');
    m.receive(r(250));
    assert.deepEqual(
      m.finish().map((o) => o.status),
      ['delivered', 'delivered'],
    );
  });

  it('sends no content when every recipient is refused, and RSETs before the next transaction', () => {
    const m = ready(['PIPELINING', 'CHUNKING']);
    m.begin(TWO, 10);
    m.receive(r(250));
    m.receive(r(550));
    assert.equal(m.receive(r(450)).action, 'none');
    assert.ok(m.transactionDone);
    assert.deepEqual(
      m.finish().map((o) => o.status),
      ['permanent', 'temporary'],
    );
    assert.match(text(m.begin(TWO, 10)), /^RSET\r\nMAIL FROM/);
  });

  it('STARTTLS when offered, then EHLO again and forgets the old extensions (RFC 3207 §4.2)', () => {
    const m = new ClientMachine({ heloName: 'mx.a.test', peer: 'mx.b.test' });
    m.receive(r(220));
    assert.equal(text(m.receive(r(250, 'x', 'STARTTLS', 'SIZE 5'))), 'STARTTLS\r\n');
    assert.equal(m.receive(r(220, 'go')).action, 'starttls');
    assert.equal(text(m.tlsStarted()), 'EHLO mx.a.test\r\n');
    assert.equal(m.extensions.size, null);
    m.receive(r(250, 'x', 'SIZE 7'));
    assert.ok(m.ready && m.secure);
    assert.equal(m.extensions.size, 7);
  });

  it('goes on without TLS when STARTTLS is refused, unless TLS is required', () => {
    const opportunistic = new ClientMachine({ heloName: 'h', peer: 'p' });
    opportunistic.receive(r(220));
    opportunistic.receive(r(250, 'x', 'STARTTLS'));
    opportunistic.receive(r(454, '4.7.0 not now'));
    assert.ok(opportunistic.ready && !opportunistic.secure);
    const required = new ClientMachine({ heloName: 'h', peer: 'p', tls: 'require' });
    required.receive(r(220));
    required.receive(r(250, 'x', 'STARTTLS'));
    assert.equal(text(required.receive(r(454, '4.7.0 not now'))), 'QUIT\r\n');
    assert.equal(required.failure?.status, 'temporary');
    assert.equal(required.receive(r(221)).action, 'close');
    required.begin(TWO, 1);
    assert.ok(required.transactionDone);
    assert.ok(required.finish().every((o) => o.status === 'temporary' && o.stage === 'starttls'));
  });

  it('a network failure makes the unfinished recipients temporary, keeps the refused ones', () => {
    const m = ready(['PIPELINING']);
    m.begin(TWO, 10);
    m.receive(r(250));
    m.receive(r(250));
    m.receive(r(550, '5.1.1 no'));
    m.receive(r(354));
    m.networkFailure('Connection closed by mx.b.test');
    assert.deepEqual(
      m.finish().map((o) => [o.status, o.stage, o.text]),
      [
        ['temporary', 'content', 'Connection closed by mx.b.test'],
        ['permanent', 'rcpt', '5.1.1 no'],
      ],
    );
  });

  it('a reply nobody asked for ends the session', () => {
    const m = ready([]);
    assert.equal(m.receive(r(250)).action, 'close');
    assert.equal(m.failure?.status, 'temporary');
  });
});

describe('parseEhlo', () => {
  it('decodes keywords case-insensitively, SIZE with and without a limit, AUTH mechanisms', () => {
    const ext = parseEhlo(
      r(250, 'mx.b.test hi', 'pipelining', 'SIZE 35882577', 'auth plain LOGIN', 'X-UNKNOWN a b', 'DSN'),
    );
    assert.equal(ext.pipelining, true);
    assert.equal(ext.size, 35882577);
    assert.deepEqual(ext.auth, ['PLAIN', 'LOGIN']);
    assert.equal(ext.dsn, true);
    assert.equal(ext.chunking, false);
    assert.equal(ext.keywords.get('X-UNKNOWN'), 'a b');
    assert.equal(parseEhlo(r(250, 'x', 'SIZE')).size, 0);
    assert.equal(parseEhlo(r(250, 'x')).size, null);
  });
});

describe('ClientMachine outcomes, for any replies', () => {
  it('each recipient ends delivered only with RCPT 2xx and a final 2xx, else with the deciding reply', () => {
    const code = fc.constantFrom(250, 251, 450, 452, 550, 553);
    fc.assert(
      fc.property(
        fc.array(code, { minLength: 1, maxLength: 6 }),
        fc.constantFrom(250, 451, 554),
        fc.constantFrom(250, 452, 552),
        fc.subarray(['PIPELINING', 'CHUNKING']),
        (rcptCodes, mailCode, finalCode, keywords) => {
          const m = ready(keywords);
          const envelope: Envelope = { from: alice, recipients: rcptCodes.map((_, i) => rcpt(`r${i}`)) };
          m.begin(envelope, 10);
          const pipelined = keywords.includes('PIPELINING');
          const chunking = keywords.includes('CHUNKING');
          const accepted = rcptCodes.filter((c) => c < 300).length;
          // Answer in protocol order, as a server would.
          m.receive(r(mailCode));
          if (mailCode < 300 || pipelined) for (const c of rcptCodes) m.receive(r(mailCode < 300 ? c : 503));
          if (!chunking && (pipelined || (mailCode < 300 && accepted > 0))) {
            const dataOk = mailCode < 300 && accepted > 0;
            const out = m.receive(r(dataOk ? 354 : 554));
            if (dataOk) {
              assert.equal(out.action, 'content');
              m.contentChunk(Buffer.from('x\r\n'));
              m.contentEnd();
              m.receive(r(finalCode));
            }
          } else if (chunking && mailCode < 300 && accepted > 0) {
            m.contentChunk(Buffer.from('x\r\n'));
            m.contentEnd();
            m.receive(r(finalCode));
          }
          assert.ok(m.transactionDone, 'every reply consumed, every recipient decided');
          const outcomes = m.finish();
          outcomes.forEach((o, i) => {
            const expected = mailCode >= 300 ? mailCode : rcptCodes[i]! >= 300 ? rcptCodes[i]! : finalCode;
            assert.equal(o.code, expected);
            assert.equal(o.status, expected < 300 ? 'delivered' : expected < 500 ? 'temporary' : 'permanent');
          });
        },
      ),
    );
  });
});
