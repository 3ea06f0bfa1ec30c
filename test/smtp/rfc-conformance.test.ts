/**
 * Conformance transcripts for the SMTP server: what a strict client or peer MTA
 * expects from RFC 5321 and its extensions (SIZE, PIPELINING, CHUNKING, DSN, AUTH, SMTPUTF8,
 * 8BITMIME, enhanced status codes). Each expectation names the rule it checks; where an RFC
 * allows several reply codes, any of them is accepted.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { SmtpDialog } from '../helpers/smtp-dialog.ts';
import { greeted, plainResponse } from './support.ts';

const MAX_SIZE = 10_000;
let server: TestServer;

before(async () => {
  server = await startTestServer({ smtp: { max_message_size: MAX_SIZE } });
  // No postmaster account on purpose: RFC 5321 §4.5.1 makes the server handle it anyway.
  await provision(server, ['loft.test'], ['alice@loft.test', 'bob@loft.test']);
});
after(() => server.close());

const mx = () => server.ports.smtp!;

/** Sends a command and asserts the reply code is one of `codes`. */
async function oneOf(smtp: SmtpDialog, line: string, codes: number[], why: string) {
  smtp.send(line);
  const reply = await smtp.reply();
  assert.ok(reply, `${line}: connection closed`);
  assert.ok(
    codes.includes(reply.code),
    `${line}: got ${reply.code} ${reply.text}; ${why} allows ${codes.join('/')}`,
  );
  return reply;
}

/** Sends a command and asserts the reply is not a syntax error (500/501): the grammar allows it. */
async function parsed(smtp: SmtpDialog, line: string, why: string) {
  smtp.send(line);
  const reply = await smtp.reply();
  assert.ok(reply, `${line}: connection closed`);
  assert.ok(reply.code !== 500 && reply.code !== 501, `${line}: got ${reply.code} ${reply.text}; ${why}`);
  return reply;
}

/** A socket that returns each reply as its raw lines (CRLF stripped), for byte-exact checks. */
class RawSmtp {
  #buffer = '';
  #closed = false;
  #waiters: (() => void)[] = [];
  readonly socket: net.Socket;
  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.#buffer += d;
      this.#wake();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }
  static async connect(port: number): Promise<RawSmtp> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawSmtp(socket);
  }
  #wake() {
    for (const w of this.#waiters.splice(0)) w();
  }
  /** The raw lines of the next complete reply (RFC 5321 §4.2: last line has SP or nothing after the code). */
  async reply(): Promise<string[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const lines: string[] = [];
      let rest = this.#buffer;
      for (;;) {
        const at = rest.indexOf('\r\n');
        if (at === -1) break;
        const line = rest.slice(0, at);
        rest = rest.slice(at + 2);
        lines.push(line);
        if (/^\d{3}(?: |$)/.test(line)) {
          this.#buffer = rest;
          return lines;
        }
      }
      if (this.#closed) throw new Error(`closed; have ${JSON.stringify(this.#buffer)}`);
      if (Date.now() > deadline) throw new Error(`timed out; have ${JSON.stringify(this.#buffer)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
  async command(line: string): Promise<string[]> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }
  close() {
    this.socket.destroy();
  }
}

describe('command sequencing (RFC 5321 §4.1.4, §4.3.2)', () => {
  test('MAIL before HELO/EHLO is 503, and the session goes on', async () => {
    const smtp = await SmtpDialog.connect(mx());
    await smtp.expect(220);
    // RFC 5321 §4.1.4: a client MUST issue HELO or EHLO before a mail transaction; §4.3.2 lists 503 for MAIL.
    await smtp.command('MAIL FROM:<a@b.example>', 503);
    await smtp.command('EHLO client.example', 250);
    await smtp.command('MAIL FROM:<a@b.example>', 250);
    smtp.close();
  });

  test('a second MAIL in an open transaction is 503; RCPT before MAIL is 503; DATA without RCPT is 503/554', async () => {
    const smtp = await greeted(mx());
    // RFC 5321 §4.3.2: RCPT's error replies include 503 (bad sequence).
    await smtp.command('RCPT TO:<alice@loft.test>', 503);
    await smtp.command('MAIL FROM:<a@b.example>', 250);
    // RFC 5321 §4.1.4: "MAIL command MUST NOT be sent if a mail transaction is already open"; 503.
    await smtp.command('MAIL FROM:<c@d.example>', 503);
    // RFC 5321 §3.3: DATA with no accepted RCPT: 503 or 554.
    await oneOf(smtp, 'DATA', [503, 554], 'RFC 5321 §3.3');
    // The first MAIL is still in force (the nested one was refused): RCPT now works.
    await smtp.command('RCPT TO:<alice@loft.test>', 250);
    smtp.close();
  });

  test('RSET in the middle of a transaction discards sender and recipients', async () => {
    const smtp = await greeted(mx());
    await smtp.command('MAIL FROM:<a@b.example>', 250);
    await smtp.command('RCPT TO:<alice@loft.test>', 250);
    // RFC 5321 §4.1.1.5: RSET aborts the transaction; sender and recipients are discarded; reply 250.
    await smtp.command('RSET', 250);
    await smtp.command('RCPT TO:<alice@loft.test>', 503);
    await oneOf(smtp, 'DATA', [503, 554], 'RFC 5321 §3.3');
    await smtp.command('MAIL FROM:<a@b.example>', 250);
    smtp.close();
  });

  test('EHLO again in the middle of a transaction resets it', async () => {
    const smtp = await greeted(mx());
    await smtp.command('MAIL FROM:<a@b.example>', 250);
    await smtp.command('RCPT TO:<alice@loft.test>', 250);
    // RFC 5321 §4.1.4: a later EHLO "MUST clear all buffers and reset the state exactly as if a
    // RSET command had been issued".
    await smtp.command('EHLO client2.example', 250);
    await oneOf(smtp, 'DATA', [503, 554], 'RFC 5321 §3.3 after the reset');
    await smtp.command('MAIL FROM:<a@b.example>', 250, /^2\.1\.0/);
    smtp.close();
  });

  test('HELO/EHLO without a domain is 501; EHLO with an address literal is 250', async () => {
    const smtp = await SmtpDialog.connect(mx());
    await smtp.expect(220);
    // RFC 5321 §4.1.1.1: ehlo = "EHLO" SP ( Domain / address-literal ) CRLF; §4.3.2 lists 501.
    await smtp.command('HELO', 501);
    await smtp.command('EHLO', 501);
    await smtp.command('EHLO [127.0.0.1]', 250);
    await smtp.command('EHLO [IPv6:::1]', 250);
    smtp.close();
  });

  test('verbs, FROM:/TO: and extension keywords are case-insensitive', async () => {
    const smtp = await SmtpDialog.connect(mx());
    await smtp.expect(220);
    // RFC 5321 §2.4: "Verbs and argument values (e.g., "TO:" or "to:" in the RCPT command and
    // extension name keywords) are not case sensitive".
    await smtp.command('ehlo client.example', 250);
    await smtp.command('mail from:<a@b.example> body=8bitmime size=100', 250);
    await smtp.command('Rcpt To:<alice@loft.test> notify=never', 250);
    await smtp.command('data', 354);
    smtp.write('Subject: lower\r\n\r\nx\r\n.\r\n');
    await smtp.expect(250);
    await smtp.command('quit', 221);
  });
});

describe('paths (RFC 5321 §4.1.1.2, §4.1.1.3, §4.1.2)', () => {
  test('a path without angle brackets is a syntax error; trailing junk is an unknown parameter', async () => {
    const smtp = await greeted(mx());
    // RFC 5321 §4.1.2: Reverse-path = Path / "<>", Path = "<" [ A-d-l ":" ] Mailbox ">"; §4.3.2 501.
    await oneOf(smtp, 'MAIL FROM:a@b.example', [501, 553], 'RFC 5321 §4.1.2 grammar / §4.3.2');
    // "junk" is an esmtp-keyword without value (§4.1.2 Mail-parameters); unknown: 555 (§4.1.1.11), or 501.
    await oneOf(smtp, 'MAIL FROM:<a@b.example> junk', [555, 501], 'RFC 5321 §4.1.1.11');
    await smtp.command('MAIL FROM:<a@b.example>', 250);
    smtp.close();
  });

  test('unknown MAIL and RCPT parameters get 555 and the session goes on', async () => {
    const smtp = await greeted(mx());
    // RFC 5321 §4.1.1.11: "If the server SMTP does not recognize or cannot implement one or more
    // of the parameters associated with a particular MAIL FROM or RCPT TO command, it will return code 555."
    await smtp.command('MAIL FROM:<a@b.example> XFOO=BAR', 555);
    await smtp.command('MAIL FROM:<a@b.example>', 250);
    await smtp.command('RCPT TO:<alice@loft.test> XFOO=BAR', 555);
    await smtp.command('RCPT TO:<alice@loft.test>', 250);
    smtp.close();
  });

  test('source routes are accepted and ignored; the mail reaches the final mailbox', async () => {
    const before = (await mailboxContents(server, 'alice@loft.test')).length;
    const smtp = await greeted(mx());
    // RFC 5321 §4.1.1.3 / Appendix C: servers MUST be prepared to encounter a source route and
    // SHOULD ignore it (or MAY decline the relaying it implies); it is never a syntax error.
    await smtp.command('MAIL FROM:<@hop1.example,@hop2.example:a@b.example>', 250);
    const r = await parsed(
      smtp,
      'RCPT TO:<@mx.loft.test:alice@loft.test>',
      'A-d-l is valid RFC 5321 §4.1.2 syntax',
    );
    if (r.code === 250) {
      await smtp.command('DATA', 354);
      smtp.write('Subject: routed\r\n\r\nvia a route\r\n.\r\n');
      await smtp.expect(250);
      const after = await mailboxContents(server, 'alice@loft.test');
      assert.equal(after.length, before + 1);
      assert.match(after.at(-1)!.toString(), /Subject: routed/);
    }
    smtp.close();
  });

  test('RCPT TO:<Postmaster> without a domain, in any case, MUST be accepted', async () => {
    const smtp = await greeted(mx());
    await smtp.command('MAIL FROM:<a@b.example>', 250);
    // RFC 5321 §4.5.1: "the reserved mailbox name "postmaster" may be used in a RCPT command
    // without domain qualification (see Section 4.1.1.3) and MUST be accepted if so used."
    await smtp.command('RCPT TO:<Postmaster>', 250);
    await smtp.command('RCPT TO:<POSTMASTER>', 250);
    // RFC 5321 §4.5.1: postmaster@domain MUST be supported for every domain the server accepts mail for.
    await smtp.command('RCPT TO:<postmaster@loft.test>', 250);
    await smtp.command('DATA', 354);
    smtp.write('Subject: to postmaster\r\n\r\nhello\r\n.\r\n');
    await smtp.expect(250);
    smtp.close();
  });

  test('quoted local parts and address literals are parsed, not syntax errors', async () => {
    const smtp = await greeted(mx());
    await smtp.command('MAIL FROM:<"john smith"@b.example>', 250);
    // RFC 5321 §4.1.2: Local-part = Dot-string / Quoted-string; Domain / address-literal.
    const why = 'RFC 5321 §4.1.2 grammar allows it';
    await parsed(smtp, 'RCPT TO:<"alice"@loft.test>', why);
    await parsed(smtp, 'RCPT TO:<"no such user"@loft.test>', why);
    await parsed(smtp, 'RCPT TO:<"a\\"b"@loft.test>', why);
    await parsed(smtp, 'RCPT TO:<x@[127.0.0.1]>', why);
    await parsed(smtp, 'RCPT TO:<x@[IPv6:::1]>', why);
    smtp.close();
  });

  test('100 recipients are accepted; more get 452 (or 552)', async () => {
    const smtp = await greeted(mx());
    await smtp.command('MAIL FROM:<a@b.example>', 250);
    // RFC 5321 §4.5.3.1.8: the minimum total number of recipients that MUST be buffered is 100.
    // Subaddresses are distinct recipients.
    let batch = '';
    for (let i = 1; i <= 100; i++) batch += `RCPT TO:<alice+r${i}@loft.test>\r\n`;
    smtp.write(batch); // RFC 2920: PIPELINING is offered.
    for (let i = 1; i <= 100; i++) await smtp.expect(250);
    // RFC 5321 §4.5.3.1.10: too many recipients → 452 (552 tolerated from old servers).
    await oneOf(smtp, 'RCPT TO:<bob@loft.test>', [452, 552], 'RFC 5321 §4.5.3.1.10');
    smtp.close();
  });
});

describe('extensions on MAIL and RCPT', () => {
  test('SIZE over the limit at MAIL is 552; a bad SIZE value is a syntax error', async () => {
    const smtp = await greeted(mx());
    // RFC 1870 §6.1: a declared size over the fixed maximum → 552 (452 if only temporary).
    await oneOf(smtp, `MAIL FROM:<a@b.example> SIZE=${MAX_SIZE + 1}`, [552, 452], 'RFC 1870 §6.1');
    // RFC 1870 §3: size-value ::= 1*20DIGIT.
    await oneOf(smtp, 'MAIL FROM:<a@b.example> SIZE=ten', [501, 555], 'RFC 1870 §3 grammar');
    await smtp.command(`MAIL FROM:<a@b.example> SIZE=${MAX_SIZE}`, 250);
    smtp.close();
  });

  test('content over the limit without SIZE gets 552 at the end of DATA; the next transaction works', async () => {
    const smtp = await greeted(mx());
    await smtp.command('MAIL FROM:<a@b.example>', 250);
    await smtp.command('RCPT TO:<alice@loft.test>', 250);
    await smtp.command('DATA', 354);
    smtp.write(`Subject: big\r\n\r\n${`${'x'.repeat(98)}\r\n`.repeat(150)}.\r\n`);
    // RFC 1870 §6.2/§6.3 and RFC 5321 §4.5.3.1.10: 552 (exceeded storage allocation).
    await smtp.expect(552);
    await smtp.command('MAIL FROM:<a@b.example>', 250);
    await smtp.command('RCPT TO:<alice@loft.test>', 250);
    await smtp.command('DATA', 354);
    smtp.write('Subject: small\r\n\r\nok\r\n.\r\n');
    await smtp.expect(250);
    smtp.close();
  });

  test('BODY=7BIT and BODY=8BITMIME are accepted; other values (BINARYMIME is not offered) are refused', async () => {
    const smtp = await greeted(mx());
    // RFC 6152 §2: body-value ::= "7BIT" / "8BITMIME".
    await smtp.command('MAIL FROM:<a@b.example> BODY=7BIT', 250);
    await smtp.command('RSET', 250);
    await smtp.command('MAIL FROM:<a@b.example> BODY=8BITMIME', 250);
    await smtp.command('RSET', 250);
    // RFC 3030 §3: BINARYMIME may be used only when offered; an unknown value is 501/504/555.
    await oneOf(smtp, 'MAIL FROM:<a@b.example> BODY=BINARYMIME', [501, 504, 555], 'RFC 3030 §3');
    await oneOf(smtp, 'MAIL FROM:<a@b.example> BODY=9BIT', [501, 504, 555], 'RFC 6152 §2');
    smtp.close();
  });

  test('SMTPUTF8: a non-ASCII address needs the SMTPUTF8 parameter', async () => {
    const smtp = await greeted(mx());
    // RFC 6531 §3.4/§3.5: non-ASCII mailboxes only in an SMTPUTF8 transaction; else 553 (5.6.7).
    await oneOf(smtp, 'MAIL FROM:<jöran@b.example>', [553, 550, 555, 501], 'RFC 6531 §3.5');
    await smtp.command('MAIL FROM:<a@b.example>', 250);
    await oneOf(smtp, 'RCPT TO:<jöran@loft.test>', [553, 550, 555, 501], 'RFC 6531 §3.5');
    await smtp.command('RSET', 250);
    await smtp.command('MAIL FROM:<jöran@b.example> SMTPUTF8', 250);
    await smtp.command('RCPT TO:<alice@loft.test>', 250);
    await smtp.command('DATA', 354);
    smtp.write('Subject: grüße\r\nFrom: jöran@b.example\r\n\r\nhej\r\n.\r\n');
    await smtp.expect(250);
    smtp.close();
  });

  test('DSN: NOTIFY=NEVER alone, bad NOTIFY, bad ORCPT, RET and ENVID syntax', async () => {
    const smtp = await greeted(mx());
    // RFC 3461 §4.3: RET=FULL / RET=HDRS; §4.4: ENVID is xtext (+XX hex pairs).
    await smtp.command('MAIL FROM:<a@b.example> RET=HDRS ENVID=QQ314159+2Babc', 250);
    // RFC 3461 §4.1: NOTIFY=NEVER, or any combination of SUCCESS, FAILURE, DELAY.
    await smtp.command('RCPT TO:<alice@loft.test> NOTIFY=SUCCESS,FAILURE,DELAY', 250);
    await smtp.command('RCPT TO:<bob@loft.test> NOTIFY=NEVER', 250);
    // RFC 3461 §4.1: "NEVER ... MUST NOT" be combined with other values; a syntax error.
    await oneOf(smtp, 'RCPT TO:<alice@loft.test> NOTIFY=NEVER,SUCCESS', [501, 555], 'RFC 3461 §4.1');
    await oneOf(smtp, 'RCPT TO:<alice@loft.test> NOTIFY=SOMETIMES', [501, 555], 'RFC 3461 §4.1');
    // RFC 3461 §4.2: orcpt-parameter = "ORCPT=" addr-type ";" xtext.
    await smtp.command('RCPT TO:<alice@loft.test> ORCPT=rfc822;alice+2Bdsn@loft.test', 250);
    await oneOf(smtp, 'RCPT TO:<alice@loft.test> ORCPT=alice@loft.test', [501, 555], 'RFC 3461 §4.2');
    await smtp.command('RSET', 250);
    await oneOf(smtp, 'MAIL FROM:<a@b.example> RET=ALL', [501, 555], 'RFC 3461 §4.3');
    // RFC 3461 §4.4: xtext hexchar is "+" and two upper-case hex digits.
    await oneOf(smtp, 'MAIL FROM:<a@b.example> ENVID=a+zz', [501, 555], 'RFC 3461 §4 xtext');
    smtp.close();
  });

  test('a RCPT with DSN parameters may be longer than 512 octets (limit raised by 500)', async () => {
    const smtp = await greeted(mx());
    await smtp.command('MAIL FROM:<a@b.example>', 250);
    // A valid ORCPT: 64-octet local part of "+" (xtext "+2B" each) at a 252-octet domain.
    const domain = `${Array.from({ length: 4 }, () => 'd'.repeat(60)).join('.')}.example`;
    const orcpt = `rfc822;${'+2B'.repeat(64)}@${domain}`;
    const line = `RCPT TO:<alice+${'x'.repeat(50)}@loft.test> NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=${orcpt}`;
    assert.ok(line.length + 2 > 512 && line.length + 2 <= 512 + 500, `line is ${line.length + 2} octets`);
    // RFC 3461 §4: "the maximum length of a RCPT TO command line is increased by 500 characters
    // by the possible addition of the NOTIFY and ORCPT keywords and values"; RFC 5321 §4.5.3.1.4.
    await smtp.command(line, 250);
    await smtp.command('NOOP', 250);
    smtp.close();
  });

  test('a command line over the limit gets one 500 reply, and the next command is answered in order', async () => {
    const smtp = await greeted(mx());
    // RFC 5321 §4.5.3.1.4 (512 octets) and §4.3.2: 500 "may include errors such as command line too long".
    smtp.write(`NOOP ${'a'.repeat(2000)}\r\nRSET\r\n`);
    await smtp.expect(500);
    // RFC 5321 §4.2 / RFC 2920 §3.1: one reply per command, in order; the RSET's 250 comes next.
    await smtp.expect(250, /^2\.0\.0/);
    await oneOf(smtp, 'HELP', [211, 214], 'RFC 5321 §4.1.1.8');
    smtp.close();
  });
});

describe('CHUNKING / BDAT (RFC 3030 §2)', () => {
  test('chunks, BDAT 0 LAST, DATA after BDAT is 503, and the stored message is the chunks joined', async () => {
    const smtp = await greeted(mx());
    await smtp.command('MAIL FROM:<a@b.example>', 250);
    await smtp.command('RCPT TO:<bob@loft.test>', 250);
    const part1 = 'Subject: chunked\r\n\r\n';
    smtp.write(`BDAT ${part1.length}\r\n${part1}`);
    await smtp.expect(250);
    // RFC 3030 §2: "DATA and BDAT commands cannot be used in the same transaction"; 503.
    await smtp.command('DATA', 503);
    const part2 = 'line one\r\n.dot line\r\n';
    smtp.write(`BDAT ${part2.length}\r\n${part2}`);
    await smtp.expect(250);
    // RFC 3030 §2: a zero-length last chunk ("BDAT 0 LAST") is legal.
    await smtp.command('BDAT 0 LAST', 250);
    const stored = (await mailboxContents(server, 'bob@loft.test')).at(-1)!.toString();
    // No dot-stuffing with BDAT: ".dot line" is kept as sent.
    assert.ok(stored.endsWith(`${part1}${part2}`), JSON.stringify(stored.slice(-60)));
    smtp.close();
  });

  test('BDAT after BDAT LAST, and BDAT without a transaction, are 503 and the chunk is still consumed', async () => {
    const smtp = await greeted(mx());
    await smtp.command('MAIL FROM:<a@b.example>', 250);
    await smtp.command('RCPT TO:<bob@loft.test>', 250);
    const msg = 'Subject: one\r\n\r\nbody\r\n';
    smtp.write(`BDAT ${msg.length} LAST\r\n${msg}`);
    await smtp.expect(250);
    // RFC 3030 §2: "Any BDAT command sent after the BDAT LAST is illegal and MUST be replied to
    // with a 503"; the chunk's octets are data, not commands (the receiver must read the chunk).
    smtp.write('BDAT 6\r\nHELP\r\n');
    await smtp.expect(503);
    await smtp.command('RSET', 250);
    // No transaction at all: still 503 for BDAT, and "HELP\r\n" inside the chunk is not run.
    smtp.write('BDAT 6 LAST\r\nHELP\r\n');
    await smtp.expect(503);
    await smtp.command('NOOP', 250);
    smtp.close();
  });
});

describe('other commands (RFC 5321 §4.1.1, RFC 3207)', () => {
  test('VRFY, EXPN, HELP, NOOP with an argument, STARTTLS with an argument, QUIT', async () => {
    const smtp = await greeted(mx());
    // RFC 5321 §3.5.3 / §4.3.2: VRFY answers 250, 251, 252 or a 5yz; 252 when not verifying.
    await oneOf(smtp, 'VRFY alice@loft.test', [250, 251, 252, 550, 551, 553, 502], 'RFC 5321 §4.3.2');
    // vrfy = "VRFY" SP String CRLF (§4.1.1.6): no argument is a syntax error.
    await smtp.command('VRFY', 501);
    // RFC 5321 §3.5.2 / §7.3: EXPN may be disabled (502) or answered 250/252/550.
    await oneOf(smtp, 'EXPN staff', [250, 252, 502, 550], 'RFC 5321 §4.3.2');
    // RFC 5321 §4.1.1.8: HELP [SP String]; 211 or 214.
    await oneOf(smtp, 'HELP', [211, 214], 'RFC 5321 §4.1.1.8');
    await oneOf(smtp, 'HELP MAIL', [211, 214, 504], 'RFC 5321 §4.1.1.8');
    // RFC 5321 §4.1.1.9: noop = "NOOP" [ SP String ]; the parameter is ignored; "250 OK".
    await smtp.command('NOOP anything at all', 250);
    // RFC 3207 §4: "501 Syntax error (no parameters allowed)".
    await smtp.command('STARTTLS now', 501);
    // RFC 5321 §4.1.1.10: QUIT → 221, then the server closes.
    await smtp.command('QUIT', 221);
    assert.ok(await smtp.closedByServer());
  });

  test('PIPELINING: a batch with failures in the middle gets one reply per command, in order', async () => {
    const smtp = await greeted(mx());
    // RFC 2920 §3.1: replies in the order of the commands; a failed RCPT does not stop the batch.
    smtp.write(
      'MAIL FROM:<a@b.example>\r\nRCPT TO:<nobody@loft.test>\r\nRCPT TO:<x@elsewhere.example>\r\nRCPT TO:<bob@loft.test>\r\nDATA\r\n',
    );
    await smtp.expect(250);
    const r1 = await smtp.reply();
    const r2 = await smtp.reply();
    assert.ok(r1 && r1.code >= 500, `unknown user refused: ${r1?.code}`);
    assert.ok(r2 && r2.code >= 500, `relay refused: ${r2?.code}`);
    await smtp.expect(250);
    await smtp.expect(354);
    smtp.write('Subject: piped\r\n\r\nok\r\n.\r\nNOOP\r\n');
    await smtp.expect(250);
    await smtp.expect(250);
    smtp.close();
  });
});

describe('AUTH on the submission port (RFC 4954 §4, §6)', () => {
  const sub = () => server.ports.submission!;

  test('530 before AUTH; 504, 501 for "*" and bad base64; 235; then 503 for a second AUTH', async () => {
    const smtp = await greeted(sub());
    // RFC 4954 §6: "530 5.7.0 Authentication required".
    await smtp.command('MAIL FROM:<alice@loft.test>', 530);
    // RFC 4954 §4: an unsupported mechanism → 504.
    await smtp.command('AUTH X-NO-SUCH-MECH', 504);
    // RFC 4954 §4: "*" cancels; the server "MUST reject the AUTH command by sending a 501 reply".
    await smtp.command('AUTH PLAIN', 334);
    await smtp.command('*', 501);
    await smtp.command('AUTH LOGIN', 334);
    await smtp.command('*', 501);
    // RFC 4954 §4: a response that is not base64 → "MUST reject the AUTH command with a 501 reply".
    await smtp.command('AUTH PLAIN %%%not-base64%%%', 501);
    await smtp.command('AUTH PLAIN', 334);
    await smtp.command('!!!', 501);
    // RFC 4954 §4: "=" is an empty initial response; empty PLAIN is invalid → 501 or 535.
    await oneOf(smtp, 'AUTH PLAIN =', [501, 535], 'RFC 4954 §4, §6');
    await smtp.command(`AUTH PLAIN ${plainResponse('alice@loft.test', 'secret')}`, 235);
    // RFC 4954 §4: after a successful AUTH "a server MUST reject any further AUTH commands with a 503 reply".
    await smtp.command(`AUTH PLAIN ${plainResponse('alice@loft.test', 'secret')}`, 503);
    await smtp.command('MAIL FROM:<alice@loft.test> AUTH=<>', 250);
    smtp.close();
  });

  test('a 334 with an empty challenge keeps the space after the code', async () => {
    const raw = await RawSmtp.connect(sub());
    await raw.reply();
    await raw.command('EHLO client.example');
    // RFC 4954 §8: continue-req = "334" SP [base64] CRLF.
    assert.deepEqual(await raw.command('AUTH PLAIN'), ['334 ']);
    await raw.command('*');
    raw.close();
  });

  test('a MAIL with SIZE, BODY, RET, ENVID and AUTH may be longer than 512 octets', async () => {
    const smtp = await greeted(sub());
    await smtp.command(`AUTH PLAIN ${plainResponse('alice@loft.test', 'secret')}`, 235);
    const domain = `${Array.from({ length: 4 }, () => 'd'.repeat(60)).join('.')}.example`;
    const authMailbox = `${'a+3D'.repeat(30)}@${domain}`; // "a=a=…"@domain, "=" xtext-encoded
    const line = `MAIL FROM:<alice@loft.test> SIZE=100 BODY=8BITMIME RET=HDRS ENVID=${'e'.repeat(100)} AUTH=${authMailbox}`;
    assert.ok(line.length + 2 > 512, `line is ${line.length + 2} octets`);
    // RFC 5321 §4.5.3.1.4: extensions raise the 512 limit: RFC 1870 §4 (+26 for SIZE),
    // RFC 3461 §4 (+100 for RET/ENVID), RFC 4954 §5 (+500 for AUTH=).
    await smtp.command(line, 250);
    smtp.close();
  });
});

describe('enhanced status codes (RFC 2034 §3, RFC 3463 §2)', () => {
  test('every line of every reply after EHLO starts with a class-matching code, except 334 and 354', async () => {
    const raw = await RawSmtp.connect(server.ports.submission!);
    await raw.reply(); // the greeting is exempt (RFC 2034 §3)
    await raw.command('EHLO client.example'); // so is the reply to EHLO
    const commands = [
      'NOOP',
      'RSET',
      'VRFY alice@loft.test',
      'EXPN staff',
      'HELP',
      'XYZZY',
      'MAIL FROM:<alice@loft.test>',
      'AUTH X-NO-SUCH-MECH',
      'AUTH PLAIN',
      '*',
      `AUTH PLAIN ${plainResponse('alice@loft.test', 'wrong')}`,
      `AUTH PLAIN ${plainResponse('alice@loft.test', 'secret')}`,
      'MAIL FROM:<alice@loft.test> XFOO=1',
      'MAIL FROM:<alice@loft.test>',
      'RCPT TO:<nobody@loft.test>',
      'RCPT TO:<bob@loft.test> NOTIFY=NEVER,SUCCESS',
      'RCPT TO:<bob@loft.test>',
      'DATA',
      'Subject: codes\r\n\r\nx\r\n.',
      'STARTTLS x',
      'QUIT',
    ];
    const bad: string[] = [];
    for (const command of commands) {
      const lines = await raw.command(command);
      const code = lines[0]!.slice(0, 3);
      if (code === '334' || code === '354') continue; // 334 text is base64 (RFC 4954 §4)
      for (const line of lines) {
        const m = /^(\d)\d\d[ -]([245])\.\d{1,3}\.\d{1,3}(?: |$)/.exec(line);
        if (!m || m[1] !== m[2]) bad.push(`${command} -> ${line}`);
      }
    }
    assert.deepEqual(bad, []);
    raw.close();
  });
});
