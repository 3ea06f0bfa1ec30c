/**
 * Outbound delivery and its delivery status notifications, black box, against the RFCs: MX
 * selection (RFC 5321 §5.1, RFC 7505), retries and per-recipient results (RFC 5321 §4.2,
 * §4.5.4, §3.8), the client's use of extensions (EHLO/HELO, PIPELINING, 8BITMIME, DSN) and the
 * reports (RFC 3461, RFC 3464, RFC 6522). A real Loft submits on port 587; a loopback DNS server
 * gives the routes; fake SMTP servers on 127.0.0.x play the remote hosts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestZones } from '../helpers/dns-server.ts';
import { type FakeScript, type FakeServer, startFakeServer } from '../helpers/fake-smtp.ts';
import { mailboxContents } from '../helpers/server.ts';
import { SmtpDialog } from '../helpers/smtp-dialog.ts';
import {
  B_ZONES,
  eventually,
  inboxHolding,
  mimeParts,
  type ParsedDsn,
  parseDsn,
  type QueueWorld,
  queueEmpty,
  senderWorld,
  submit,
} from './support.ts';

/** b.test with two MX hosts: preference 10 on 127.0.0.2, preference 20 (the backup) on 127.0.0.3. */
const TWO_MX: TestZones = {
  'b.test': {
    MX: [
      [10, 'mx10.b.test'],
      [20, 'mx20.b.test'],
    ],
  },
  'mx10.b.test': { A: ['127.0.0.2'] },
  'mx20.b.test': { A: ['127.0.0.3'] },
};

/** Waits until alice's INBOX holds at least `count` messages; returns them parsed as DSNs. */
async function reports(world: QueueWorld, count: number, timeoutMs = 10_000): Promise<ParsedDsn[]> {
  return (await inboxHolding(world, 'alice@a.test', count, timeoutMs)).map(parseDsn);
}

async function attempted(world: QueueWorld, atLeast = 1): Promise<void> {
  assert.ok(
    await eventually(
      async () =>
        ((await world.sender.services.store.listQueue())[0]?.recipients[0]?.attempts ?? 0) >= atLeast,
      10_000,
    ),
    `at least ${atLeast} attempt(s) recorded`,
  );
}

async function noReports(world: QueueWorld): Promise<void> {
  await sleep(300);
  assert.deepEqual(await mailboxContents(world.sender, 'alice@a.test'), [], 'no report');
}

const lines = (...servers: FakeServer[]) => servers.flatMap((s) => s.sessions.flatMap((x) => x.lines));
const delivered = (...servers: FakeServer[]) =>
  servers.flatMap((s) => s.sessions.flatMap((x) => x.messages)).filter((m) => m.length > 0);

/** Two fake servers on the same port, on 127.0.0.2 and 127.0.0.3 (the queue has one port). */
async function twoHosts(a: FakeScript, b: FakeScript): Promise<[FakeServer, FakeServer]> {
  for (let attempt = 0; ; attempt++) {
    const first = await startFakeServer(a, { host: '127.0.0.2' });
    try {
      return [first, await startFakeServer(b, { host: '127.0.0.3', port: first.port })];
    } catch (err) {
      await first.close();
      if (attempt > 5) throw err;
    }
  }
}

/** RFC 3464 §2.3.4: status-code = DIGIT "." 1*3DIGIT "." 1*3DIGIT, first digit 2, 4 or 5. */
const STATUS = /^[245]\.\d{1,3}\.\d{1,3}$/;

/**
 * RFC 3464 §2.1: the delivery-status body is groups of RFC 822-style fields, separated by blank
 * lines; every line is a field ("Name: value") or the continuation of one (leading WSP).
 */
function assertWellFormedStatus(raw: Buffer): void {
  const part = mimeParts(raw).parts.find((p) =>
    /content-type:\s*message\/(global-)?delivery-status/i.test(p.head),
  );
  assert.ok(part, 'a delivery-status part');
  for (const line of part.body.replace(/\r\n$/, '').split('\r\n')) {
    if (line === '') continue;
    assert.match(
      line,
      /^([!-9;-~]+:[ \t]*\S.*|[ \t]+\S.*)$/,
      `a field or its continuation: ${JSON.stringify(line)}`,
    );
  }
}

// Each test has its own Loft, DNS server and fake servers: they run a few at a time.
describe('outbound delivery and DSNs against the RFCs', { concurrency: 4 }, () => {
  // ---------------------------------------------------------------------------------------------
  // MX selection: RFC 5321 §5.1, RFC 7505
  // ---------------------------------------------------------------------------------------------

  test('MX records are tried in preference order: the lowest preference value gets the message', async () => {
    const [worse, best] = await twoHosts({}, {});
    const world = await senderWorld(
      {
        // Listed worst first, so the order of the answer is not the order of preference.
        'b.test': {
          MX: [
            [20, 'mx20.b.test'],
            [10, 'mx10.b.test'],
          ],
        },
        'mx20.b.test': { A: ['127.0.0.2'] },
        'mx10.b.test': { A: ['127.0.0.3'] },
      },
      best.port,
    );
    try {
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'by preference'), 250);
      await queueEmpty(world);
      // RFC 5321 §5.1: "Multiple MX records contain a preference indication that MUST be used in
      // sorting ... Lower numbers are more preferred than higher ones."
      assert.equal(delivered(best).length, 1, 'the preference-10 host got the message');
      assert.equal(worse.sessions.length, 0, 'the preference-20 host was not contacted');
    } finally {
      await world.close();
      await worse.close();
      await best.close();
    }
  });

  test('the most preferred MX refuses connections: the next MX gets the message in the same attempt', async () => {
    const backup = await startFakeServer({}, { host: '127.0.0.3' }); // nothing listens on 127.0.0.2 at that port
    const world = await senderWorld(TWO_MX, backup.port, { retry_initial: 60, retry_max: 60 });
    try {
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'to the backup'), 250);
      // RFC 5321 §5.1: "the SMTP client MUST be able to try (and retry) each of the relevant
      // addresses in this list in order, until a delivery attempt succeeds." (No retry within 60 s.)
      await queueEmpty(world, 20_000);
      assert.equal(delivered(backup).length, 1);
      await noReports(world);
    } finally {
      await world.close();
      await backup.close();
    }
  });

  test('421 in the greeting of the most preferred MX: the next MX is tried, nothing bounces', async () => {
    const [busy, backup] = await twoHosts(
      { greeting: { reply: '421 4.3.2 mx10 busy', thenClose: true } },
      {},
    );
    const world = await senderWorld(TWO_MX, busy.port, { retry_initial: 60, retry_max: 60 });
    try {
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'greeting 421'), 250);
      // RFC 5321 §3.1/§4.2.1: 421 is transient; §5.1: the next MX in order is tried.
      await queueEmpty(world, 20_000);
      assert.ok(busy.sessions.length >= 1, 'the busy host was tried first');
      assert.equal(delivered(busy).length, 0);
      assert.equal(delivered(backup).length, 1);
      await noReports(world);
    } finally {
      await world.close();
      await busy.close();
      await backup.close();
    }
  });

  test('MX records of equal preference are used in random order (load spread over both)', async () => {
    const [one, two] = await twoHosts({}, {});
    const world = await senderWorld(
      {
        'b.test': {
          MX: [
            [10, 'one.b.test'],
            [10, 'two.b.test'],
          ],
        },
        'one.b.test': { A: ['127.0.0.2'] },
        'two.b.test': { A: ['127.0.0.3'] },
      },
      one.port,
      { reuse_idle: 0 },
    );
    try {
      const codes = await Promise.all(
        Array.from({ length: 14 }, (_, i) =>
          submit(world.sender, 'alice@a.test', ['bob@b.test'], `spread ${i}`),
        ),
      );
      assert.ok(codes.every((c) => c === 250));
      await queueEmpty(world);
      // RFC 5321 §5.1: "If there are multiple destinations with the same preference and there is no
      // clear reason to favor one ..., then the sender-SMTP MUST randomize them to spread the load".
      // 14 messages all on one host would happen with probability 2^-13 if the order were random.
      assert.equal(delivered(one, two).length, 14);
      assert.ok(delivered(one).length > 0, `host one got ${delivered(one).length}`);
      assert.ok(delivered(two).length > 0, `host two got ${delivered(two).length}`);
    } finally {
      await world.close();
      await one.close();
      await two.close();
    }
  });

  test('no MX records: the implicit MX, the domain address itself, gets the message', async () => {
    const remote = await startFakeServer();
    const world = await senderWorld({ 'b.test': { A: ['127.0.0.1'] } }, remote.port);
    try {
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'implicit'), 250);
      await queueEmpty(world);
      // RFC 5321 §5.1: "If an empty list of MXs is returned, the address is treated as if it was
      // associated with an implicit MX RR, with a preference of 0, pointing to that host."
      assert.equal(delivered(remote).length, 1);
      assert.ok(world.dns.queries.includes('MX b.test'), 'the MX lookup came first');
      await noReports(world);
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('no MX records and only an AAAA record: the implicit MX is reached over IPv6', async (t) => {
    let remote: FakeServer;
    try {
      remote = await startFakeServer({}, { host: '::1' });
    } catch {
      t.skip('no IPv6 loopback here');
      return;
    }
    const world = await senderWorld({ 'b.test': { AAAA: ['::1'] } }, remote.port);
    try {
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'implicit v6'), 250);
      await queueEmpty(world);
      // RFC 5321 §5.1: the implicit MX is the domain's address records, "A/AAAA" (§2.3.5, §5.2).
      assert.equal(delivered(remote).length, 1);
      await noReports(world);
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('MX records present: the address records of the domain itself are never used', async () => {
    const remote = await startFakeServer(); // on 127.0.0.1, the domain's own A record
    const world = await senderWorld(
      {
        'b.test': { MX: [[10, 'mx.b.test']], A: ['127.0.0.1'] },
        'mx.b.test': { A: ['127.0.0.2'] }, // nothing listens there
      },
      remote.port,
      { retry_initial: 60, retry_max: 60 },
    );
    try {
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'not to the A record'), 250);
      await attempted(world);
      // RFC 5321 §5.1: "If one or more MX RRs are found for a given name, SMTP systems MUST NOT
      // utilize any address RRs associated with that name unless they are located using the MX RRs".
      assert.equal(remote.sessions.length, 0, 'the A record of b.test was not contacted');
      const queued = (await world.sender.services.store.listQueue())[0];
      assert.equal(queued?.recipients[0]?.status, 'pending', 'a connection failure is retried');
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('a temporary DNS failure of the MX lookup: queued and retried, no implicit MX, then delivered', async () => {
    const remote = await startFakeServer();
    const world = await senderWorld({ 'b.test': { MX: 'SERVFAIL', A: ['127.0.0.1'] } }, remote.port);
    try {
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'dns trouble'), 250);
      await attempted(world);
      // RFC 5321 §5.1: "If a temporary error is returned, the message MUST be queued and retried
      // later"; the implicit MX "applies only if there are no MX records present".
      assert.equal(remote.sessions.length, 0, 'no fallback to the A record on SERVFAIL');
      assert.equal((await world.sender.services.store.listQueue())[0]?.recipients[0]?.status, 'pending');
      assert.deepEqual(await mailboxContents(world.sender, 'alice@a.test'), [], 'not bounced');
      world.dns.setRecords(B_ZONES);
      await queueEmpty(world);
      assert.equal(delivered(remote).length, 1);
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('a domain that does not exist (NXDOMAIN): reported as a permanent failure', async () => {
    const world = await senderWorld(
      { 'b.test': { MX: [[10, 'mx.b.test']] }, 'mx.b.test': { A: ['127.0.0.1'] } },
      9,
    );
    try {
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@nowhere.b.test'], 'nx'), 250);
      const [dsn] = await reports(world, 1);
      // RFC 5321 §5.1: "If a non-existent domain error is returned, this situation MUST be reported
      // as an error." RFC 3464 §2.3.3/§2.3.4: Action failed, a permanent (5.x.x) status.
      const r = dsn!.recipients[0]!;
      assert.equal(r.get('final-recipient')?.toLowerCase(), 'rfc822;bob@nowhere.b.test');
      assert.equal(r.get('action'), 'failed');
      assert.match(r.get('status') ?? '', /^5\.\d{1,3}\.\d{1,3}$/);
      await queueEmpty(world);
    } finally {
      await world.close();
    }
  });

  test('a recipient domain that is a CNAME: its target name is processed as the initial name', async () => {
    const remote = await startFakeServer();
    const world = await senderWorld(
      {
        'b.test': { CNAME: 'c.test' },
        'c.test': { MX: [[10, 'mx.c.test']] },
        'mx.c.test': { A: ['127.0.0.1'] },
      },
      remote.port,
    );
    try {
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'via alias'), 250);
      await queueEmpty(world);
      // RFC 5321 §5.1: "If a CNAME record is found, the resulting name is processed as if it were the
      // initial name." The address itself is not rewritten.
      assert.equal(delivered(remote).length, 1);
      assert.ok(lines(remote).some((l) => /^RCPT TO:<bob@b\.test>/.test(l)));
      await noReports(world);
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('this host among the MX records: it and every worse MX are discarded; none left → returned', async () => {
    const remote = await startFakeServer();
    const world = await senderWorld(
      {
        // b.test: this host (mx.a.test) is the best MX: nothing is left, the mail would loop.
        'b.test': {
          MX: [
            [10, 'mx.a.test'],
            [20, 'other.b.test'],
          ],
        },
        'other.b.test': { A: ['127.0.0.1'] },
        'mx.a.test': { A: ['127.0.0.9'] },
        // c.test: a better MX than this host remains and is used.
        'c.test': {
          MX: [
            [5, 'mx.c.test'],
            [10, 'mx.a.test'],
          ],
        },
        'mx.c.test': { A: ['127.0.0.1'] },
      },
      remote.port,
    );
    try {
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'loop'), 250);
      assert.equal(await submit(world.sender, 'alice@a.test', ['carol@c.test'], 'better mx'), 250);
      const [dsn] = await reports(world, 1);
      await queueEmpty(world);
      // RFC 5321 §5.1: "If a matching record is found, all records at that preference level and
      // higher-numbered ones MUST be discarded from consideration. If there are no records left at
      // that point, it is an error condition, and the message MUST be returned as undeliverable."
      assert.ok(!lines(remote).some((l) => /^RCPT TO:<bob@b\.test>/.test(l)), 'other.b.test (20) not used');
      assert.equal(dsn!.recipients[0]!.get('final-recipient')?.toLowerCase(), 'rfc822;bob@b.test');
      assert.equal(dsn!.recipients[0]!.get('action'), 'failed');
      assert.match(dsn!.recipients[0]!.get('status') ?? '', /^5\./);
      // "If records do remain, they SHOULD be tried, best preference first".
      assert.ok(
        lines(remote).some((l) => /^RCPT TO:<carol@c\.test>/.test(l)),
        'mx.c.test (5) used',
      );
      assert.equal((await mailboxContents(world.sender, 'alice@a.test')).length, 1, 'one report only');
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('a null MX ("0 ."): no delivery attempt, no fallback to A, returned at once with 5.1.10', async () => {
    const remote = await startFakeServer();
    const world = await senderWorld(
      { 'b.test': { MX: [[0, '.']], A: ['127.0.0.1'] } },
      remote.port,
      // A retry would come only after a minute: a report within seconds means "at once".
      { retry_initial: 60, retry_max: 60 },
    );
    try {
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'to nobody'), 250);
      const [dsn] = await reports(world, 1, 20_000);
      // RFC 7505 §3/§4: a domain with a null MX accepts no mail; a client MUST NOT attempt delivery
      // (no implicit MX either), and the failure is reported with X.1.10 (RFC 7505 §5, 556 5.1.10).
      assert.equal(remote.sessions.length, 0, 'no connection to the A record');
      const r = dsn!.recipients[0]!;
      assert.equal(r.get('action'), 'failed');
      assert.equal(r.get('status'), '5.1.10');
      await queueEmpty(world);
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('a failure decided locally (null MX, NXDOMAIN): any "smtp" Diagnostic-Code is an SMTP reply (556 for null MX)', async () => {
    const world = await senderWorld(
      { 'b.test': { MX: [[0, '.']] }, 'c.test': { MX: [[10, 'mx.c.test']] } },
      9,
    );
    try {
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'null mx'), 250);
      assert.equal(await submit(world.sender, 'alice@a.test', ['carol@nowhere.c.test'], 'nxdomain'), 250);
      const all = (await reports(world, 2)).flatMap((d) => d.recipients);
      const byRecipient = (address: string) =>
        all.find((r) => r.get('final-recipient')?.toLowerCase() === `rfc822;${address}`);
      const nullMx = byRecipient('bob@b.test');
      const nx = byRecipient('carol@nowhere.c.test');
      assert.ok(nullMx && nx, 'one report each');
      for (const r of [nullMx, nx]) {
        const diagnostic = r.get('diagnostic-code');
        // RFC 3464 §2.3.6: Diagnostic-Code carries "the actual diagnostic code issued by the mail
        // transport", typed by diagnostic-type; for type "smtp" that is an SMTP reply: a 3-digit
        // reply code, then text (RFC 3464 §2.3.6 / RFC 3461 §6.3). Loft-made text without a reply
        // code is not an "smtp" diagnostic.
        if (diagnostic !== undefined && /^smtp;/i.test(diagnostic)) {
          assert.match(diagnostic, /^smtp; *[245]\d\d[ -]/, `Diagnostic-Code: ${diagnostic}`);
        }
      }
      // RFC 7504 §3 / RFC 7505 §3-§4: a client that finds a null MX reports it with reply code 556
      // and enhanced status code 5.1.10.
      const d = nullMx.get('diagnostic-code');
      if (d !== undefined && /^smtp;/i.test(d)) assert.match(d, /^smtp; *556 5\.1\.10/, d);
      assert.equal(nullMx.get('status'), '5.1.10');
    } finally {
      await world.close();
    }
  });

  // ---------------------------------------------------------------------------------------------
  // Replies, retries and per-recipient results: RFC 5321 §4.2, §4.5.4, §3.3, §3.8
  // ---------------------------------------------------------------------------------------------

  test('after a failed attempt the retry is delayed (no immediate hammering of the destination)', async () => {
    const seen: number[] = [];
    const remote = await startFakeServer({
      greeting: '220-fake.test ESMTP\r\n220 a multiline greeting',
      command: (line) => {
        if (!/^RCPT/.test(line)) return undefined;
        seen.push(Date.now());
        return seen.length === 1 ? '451 4.3.0 Try again later' : undefined;
      },
    });
    const world = await senderWorld(B_ZONES, remote.port, { retry_initial: 1.5, retry_max: 1.5 });
    try {
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'patience'), 250);
      await queueEmpty(world);
      // RFC 5321 §4.2 / §4.2.1: a multiline greeting is one reply; §4.5.4.1: "the sender MUST delay
      // retrying a particular destination after one attempt has failed" (here queue.retry_initial).
      assert.equal(seen.length, 2);
      assert.ok(seen[1]! - seen[0]! >= 1400, `retried after ${seen[1]! - seen[0]!} ms`);
      assert.equal(delivered(remote).length, 1);
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('the client sends QUIT before it closes a connection', async () => {
    const remote = await startFakeServer();
    const world = await senderWorld(B_ZONES, remote.port, { reuse_idle: 0 });
    try {
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'bye'), 250);
      await queueEmpty(world);
      assert.ok(await eventually(() => remote.sessions[0]?.lines.at(-1) === 'QUIT', 5000));
      // RFC 5321 §4.1.1.10: "The sender MUST NOT intentionally close the transmission channel
      // until it sends a QUIT command".
      assert.deepEqual(
        remote.sessions.map((s) => s.lines.at(-1)),
        remote.sessions.map(() => 'QUIT'),
      );
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('multiline replies: a multiline 451 is retried, a multiline 550 bounces with its enhanced code', async () => {
    let attempt = 0;
    const remote = await startFakeServer({
      ehlo: ['PIPELINING', '8BITMIME', 'DSN'],
      command: (line) => {
        if (!/^RCPT/.test(line)) return undefined;
        attempt++;
        return attempt === 1
          ? '451-4.7.1 Greylisted\r\n451-4.7.1 please come back\r\n451 4.7.1 later'
          : '550-5.1.1 The account does not exist.\r\n550-5.1.1 Please check the address\r\n550 5.1.1 and try again.';
      },
    });
    const world = await senderWorld(B_ZONES, remote.port);
    try {
      assert.equal(await submit(world.sender, 'alice@a.test', ['gone@b.test'], 'multiline'), 250);
      const inbox = await reports(world, 1);
      await queueEmpty(world);
      // RFC 5321 §4.2.1 (multiline format), §4.5.4.1: the 4yz was retried, the 5yz bounced.
      assert.equal(attempt, 2, 'one retry after the 451, none after the 550');
      const r = inbox[0]!.recipients[0]!;
      assert.equal(r.get('action'), 'failed');
      // RFC 3464 §2.3.4 / RFC 3463: the status is the reply's enhanced code.
      assert.equal(r.get('status'), '5.1.1');
      // RFC 3464 §2.3.6: Diagnostic-Code: smtp; <the reply>.
      assert.match(r.get('diagnostic-code') ?? '', /^smtp; *550/i);
      // RFC 3461 §6.3: without ENVID no Original-Envelope-Id, without ORCPT no Original-Recipient.
      assert.equal(inbox[0]!.perMessage.get('original-envelope-id'), undefined);
      assert.equal(r.get('original-recipient'), undefined);
      const raw = (await mailboxContents(world.sender, 'alice@a.test'))[0]!;
      assertWellFormedStatus(raw);
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('the server closes the connection mid-transaction (at DATA): retried, delivered once, no report', async () => {
    let dropped = false;
    const remote = await startFakeServer({
      command: (line) => {
        if (/^DATA$/i.test(line) && !dropped) {
          dropped = true;
          return 'close';
        }
        return undefined;
      },
    });
    const world = await senderWorld(B_ZONES, remote.port);
    try {
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'dropped'), 250);
      await queueEmpty(world);
      // RFC 5321 §3.8: a client that sees the connection close SHOULD treat the transaction as if
      // a 451 had been received: retried, not failed.
      assert.ok(dropped);
      assert.equal(delivered(remote).length, 1);
      await noReports(world);
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('per-recipient replies: 250 delivered once, 451 retried alone, 550 alone returned', async () => {
    let laterRefused = false;
    const remote = await startFakeServer({
      ehlo: ['PIPELINING', '8BITMIME', 'DSN'],
      command: (line) => {
        if (/^RCPT TO:<gone@/.test(line)) return '550 5.1.1 No such user';
        if (/^RCPT TO:<later@/.test(line) && !laterRefused) {
          laterRefused = true;
          return '451 4.2.1 Mailbox busy';
        }
        return undefined;
      },
    });
    const world = await senderWorld(B_ZONES, remote.port);
    try {
      assert.equal(
        await submit(world.sender, 'alice@a.test', ['ok@b.test', 'later@b.test', 'gone@b.test'], 'mixed'),
        250,
      );
      await queueEmpty(world);
      const inbox = await reports(world, 1);
      await sleep(300);
      const rcpts = lines(remote).filter((l) => l.startsWith('RCPT TO:'));
      // RFC 5321 §3.3/§4.2.5: each RCPT has its own reply; the accepted recipient is done (§6.1:
      // the receiver took responsibility), so it is not sent again with the retry.
      assert.equal(rcpts.filter((l) => l.startsWith('RCPT TO:<ok@')).length, 1, rcpts.join('\n'));
      assert.equal(rcpts.filter((l) => l.startsWith('RCPT TO:<later@')).length, 2, rcpts.join('\n'));
      assert.equal(rcpts.filter((l) => l.startsWith('RCPT TO:<gone@')).length, 1, rcpts.join('\n'));
      // Only the refused recipient is reported, once.
      assert.equal((await mailboxContents(world.sender, 'alice@a.test')).length, 1);
      const failed = inbox.flatMap((d) => d.recipients).filter((r) => r.get('action') === 'failed');
      assert.deepEqual(
        failed.map((r) => r.get('final-recipient')?.toLowerCase()),
        ['rfc822;gone@b.test'],
      );
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('554 after the end of data: every accepted recipient is returned, with the reply as Diagnostic-Code', async () => {
    const remote = await startFakeServer({ afterData: () => '554 5.6.0 Content rejected' });
    const world = await senderWorld(B_ZONES, remote.port);
    try {
      assert.equal(
        await submit(world.sender, 'alice@a.test', ['bob@b.test', 'carol@b.test'], 'rejected'),
        250,
      );
      await queueEmpty(world);
      await sleep(300);
      const all = (await mailboxContents(world.sender, 'alice@a.test'))
        .map(parseDsn)
        .flatMap((d) => d.recipients);
      // RFC 5321 §4.1.1.4: the reply to the end of data applies to the whole transaction.
      assert.equal(all.length, 2);
      for (const r of all) {
        assert.equal(r.get('action'), 'failed');
        assert.equal(r.get('status'), '5.6.0');
        // RFC 3464 §2.3.5/§2.3.6: Remote-MTA "dns; name", Diagnostic-Code "smtp; reply".
        assert.equal(r.get('remote-mta'), 'dns; mx.b.test');
        assert.match(r.get('diagnostic-code') ?? '', /^smtp; *554 5\.6\.0 Content rejected$/);
      }
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('a message still deferred after queue.max_age is returned as failed, and no longer retried', async () => {
    const remote = await startFakeServer({
      command: (line) => (/^RCPT/.test(line) ? '451 4.3.0 Try later' : undefined),
    });
    const world = await senderWorld(B_ZONES, remote.port, { max_age: 1 });
    try {
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'too old'), 250);
      const [dsn] = await reports(world, 1);
      await queueEmpty(world);
      // RFC 5321 §4.5.4.1: the sender gives up after a while; RFC 3464 §2.3.3: "failed" means no
      // further attempts; §2.3.4: a valid status code.
      const r = dsn!.recipients[0]!;
      assert.equal(r.get('action'), 'failed');
      assert.match(r.get('status') ?? '', STATUS);
      const attempts = lines(remote).filter((l) => l.startsWith('RCPT')).length;
      await sleep(800);
      assert.equal(
        lines(remote).filter((l) => l.startsWith('RCPT')).length,
        attempts,
        'no retry after failing',
      );
    } finally {
      await world.close();
      await remote.close();
    }
  });

  // ---------------------------------------------------------------------------------------------
  // The reports: RFC 3461, RFC 3464, RFC 6522, RFC 5321 §4.5.5
  // ---------------------------------------------------------------------------------------------

  test('a bounce to a remote sender: sent with MAIL FROM:<> to the sender, as a well-formed multipart/report', async () => {
    const remote = await startFakeServer({
      command: (line) => (/^RCPT TO:<gone@b\.test>/.test(line) ? '550 5.1.1 No such user' : undefined),
    });
    const world = await senderWorld(
      {
        ...B_ZONES,
        'c.test': { MX: [[10, 'mx.c.test']] },
        'mx.c.test': { A: ['127.0.0.1'] },
      },
      remote.port,
    );
    try {
      // Mail from carol@c.test to an alias of a.test forwarding to b.test: the bounce goes back to c.test.
      await world.sender.services.directory.addAlias('fwd@a.test', ['gone@b.test']);
      const smtp = await SmtpDialog.connect(world.sender.ports.smtp!);
      try {
        await smtp.expect(220);
        await smtp.command('EHLO mx.c.test', 250);
        await smtp.command('MAIL FROM:<carol@c.test>', 250);
        await smtp.command('RCPT TO:<fwd@a.test>', 250);
        await smtp.command('DATA', 354);
        smtp.write('From: <carol@c.test>\r\nTo: <fwd@a.test>\r\nSubject: forwarded\r\n\r\nhello\r\n.\r\n');
        assert.equal((await smtp.reply())?.code, 250);
        await smtp.command('QUIT', 221);
      } finally {
        smtp.close();
      }
      let report: { mail: string; rcpt: string[]; content: Buffer } | undefined;
      assert.ok(
        await eventually(() => {
          for (const s of remote.sessions) {
            const rcpt = s.lines.filter((l) => /^RCPT TO:<carol@c\.test>/.test(l));
            const mail = s.lines.find((l) => l.startsWith('MAIL FROM:<>'));
            const content = s.messages.find((m) => /multipart\/report/i.test(m.toString()));
            if (rcpt.length > 0 && mail && content) {
              report = { mail, rcpt, content };
              return true;
            }
          }
          return false;
        }, 10_000),
        lines(remote).join('\n'),
      );
      // RFC 5321 §4.5.5 and §6.1, RFC 3461 §6.2: a non-delivery notification MUST be sent with the
      // null reverse-path, to the reverse-path of the original message.
      assert.match(report!.mail, /^MAIL FROM:<>( |$)/);
      const raw = report!.content;
      const dsn = parseDsn(raw);
      // RFC 6522 §3 / RFC 3464 §2: multipart/report; report-type=delivery-status.
      assert.match(dsn.headers, /^Content-Type:\s*multipart\/report/im);
      assert.equal(dsn.reportType?.toLowerCase(), 'delivery-status');
      const { parts } = mimeParts(raw);
      assert.ok(parts.length >= 2 && parts.length <= 3, `${parts.length} parts`);
      // RFC 6522 §3: the first part is the human-readable explanation, the second the
      // machine-readable report, the optional third the returned message (RFC 3464 §2).
      assert.doesNotMatch(parts[0]!.head, /delivery-status/i);
      assert.match(parts[1]!.head, /content-type:\s*message\/delivery-status/i);
      if (parts[2]) assert.match(parts[2].head, /content-type:\s*(message\/rfc822|text\/rfc822-headers)/i);
      assertWellFormedStatus(raw);
      // RFC 3464 §2.2.2: Reporting-MTA is required, "mta-name-type; mta-name".
      assert.match(dsn.perMessage.get('reporting-mta') ?? '', /^dns; *mx\.a\.test$/i);
      // RFC 3464 §2.2.5: Arrival-Date, when present, is an RFC 822 date-time.
      const arrival = dsn.perMessage.get('arrival-date');
      if (arrival !== undefined) assert.ok(!Number.isNaN(Date.parse(arrival)), arrival);
      // RFC 3464 §2.3: Final-Recipient, Action and Status are required per recipient.
      assert.equal(dsn.recipients.length, 1);
      const r = dsn.recipients[0]!;
      assert.equal(r.get('final-recipient')?.toLowerCase(), 'rfc822;gone@b.test');
      assert.equal(r.get('action'), 'failed');
      assert.equal(r.get('status'), '5.1.1');
      assert.match(r.get('diagnostic-code') ?? '', /^smtp; *550 5\.1\.1 No such user$/);
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('ENVID and ORCPT go unchanged (xtext) to a DSN-capable next hop; the report has them decoded', async () => {
    const remote = await startFakeServer({
      ehlo: ['PIPELINING', '8BITMIME', 'DSN'],
      command: (line) => (/^RCPT TO:<gone@b\.test>/.test(line) ? '550 5.1.1 No such user' : undefined),
    });
    const world = await senderWorld(B_ZONES, remote.port);
    try {
      assert.equal(
        await submit(world.sender, 'alice@a.test', ['gone@b.test'], 'xtext', {
          mailParams: 'ENVID=QQ+2B314',
          rcptParams: 'NOTIFY=FAILURE ORCPT=rfc822;orig+2Btag@b.test',
        }),
        250,
      );
      const [dsn] = await reports(world, 1);
      const mail = lines(remote).find((l) => l.startsWith('MAIL FROM:')) ?? '';
      const rcpt = lines(remote).find((l) => l.startsWith('RCPT TO:')) ?? '';
      // RFC 3461 §4.4 and §4.2: ENVID and ORCPT are xtext, passed on unchanged when relaying to a DSN-capable server (§5.2).
      assert.match(mail, / ENVID=QQ\+2B314( |$)/, mail);
      assert.match(rcpt, / ORCPT=rfc822;orig\+2Btag@b\.test( |$)/i, rcpt);
      assert.match(rcpt, / NOTIFY=FAILURE( |$)/, rcpt);
      // RFC 3461 §6.3: Original-Envelope-Id from ENVID and Original-Recipient from ORCPT, xtext decoded.
      assert.equal(dsn!.perMessage.get('original-envelope-id'), 'QQ+314');
      assert.equal(dsn!.recipients[0]!.get('original-recipient'), 'rfc822;orig+tag@b.test');
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('NOTIFY=SUCCESS to a DSN-capable next hop: passed on, and Loft itself sends no success report', async () => {
    const remote = await startFakeServer({ ehlo: ['PIPELINING', '8BITMIME', 'DSN'] });
    const world = await senderWorld(B_ZONES, remote.port);
    try {
      assert.equal(
        await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'tell me', {
          rcptParams: 'NOTIFY=SUCCESS',
        }),
        250,
      );
      await queueEmpty(world);
      // RFC 3461 §4.1 / §6.2: the next hop supports DSN, so the request travels on and the final
      // MTA reports; "relayed" (RFC 3464 §2.3.3) is only for a hop that will not report.
      assert.ok(
        lines(remote).some((l) => /^RCPT TO:<bob@b\.test> .*NOTIFY=SUCCESS/.test(l)),
        lines(remote).join('\n'),
      );
      await noReports(world);
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('a next hop without DSN: no DSN parameters on MAIL or RCPT', async () => {
    const remote = await startFakeServer({ ehlo: ['PIPELINING', '8BITMIME'] });
    const world = await senderWorld(B_ZONES, remote.port);
    try {
      assert.equal(
        await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'no dsn there', {
          mailParams: 'RET=HDRS ENVID=abc',
          rcptParams: 'NOTIFY=FAILURE ORCPT=rfc822;bob@b.test',
        }),
        250,
      );
      await queueEmpty(world);
      // RFC 5321 §2.2.1 / RFC 1869 §4: an extension's parameters are used only when the server
      // announced it; RFC 3461 §5.2: relaying to a server without DSN.
      const mail = lines(remote).find((l) => l.startsWith('MAIL FROM:')) ?? '';
      const rcpt = lines(remote).find((l) => l.startsWith('RCPT TO:')) ?? '';
      assert.doesNotMatch(mail, /\b(RET|ENVID)=/i, mail);
      assert.doesNotMatch(rcpt, /\b(NOTIFY|ORCPT)=/i, rcpt);
      assert.equal(delivered(remote).length, 1);
      await noReports(world);
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('NOTIFY decides which reports are sent: DELAY alone gets no bounce, FAILURE alone no delay notice', async () => {
    let greylist = 3;
    const remote = await startFakeServer({
      command: (line) => {
        if (/^RCPT TO:<gone@/.test(line)) return '550 5.1.1 No such user';
        if (/^RCPT TO:<slow@/.test(line) && greylist-- > 0) return '451 4.7.1 Greylisted';
        return undefined;
      },
    });
    const world = await senderWorld(B_ZONES, remote.port, { delay_notice: 0.1 });
    try {
      assert.equal(
        await submit(world.sender, 'alice@a.test', ['gone@b.test'], 'delay only', {
          rcptParams: 'NOTIFY=DELAY',
        }),
        250,
      );
      assert.equal(
        await submit(world.sender, 'alice@a.test', ['slow@b.test'], 'failure only', {
          rcptParams: 'NOTIFY=FAILURE',
        }),
        250,
      );
      await queueEmpty(world);
      assert.ok(greylist < 0, 'the greylisted recipient was retried past the delay-notice age');
      // RFC 3461 §4.1: NOTIFY lists the conditions under which a DSN is requested; a failure DSN
      // only "FAILURE", a delay DSN only "DELAY" (§6.2: a DSN is issued for the requested conditions).
      await noReports(world);
    } finally {
      await world.close();
      await remote.close();
    }
  });

  // ---------------------------------------------------------------------------------------------
  // The client's use of SMTP and its extensions
  // ---------------------------------------------------------------------------------------------

  test('EHLO refused with 500: the client falls back to HELO and delivers without any extension', async () => {
    const remote = await startFakeServer({
      command: (line) => (/^EHLO /i.test(line) ? '500 5.5.1 Command unrecognized' : undefined),
    });
    const world = await senderWorld(B_ZONES, remote.port);
    try {
      assert.equal(
        await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'old server', {
          mailParams: 'RET=FULL ENVID=x1',
          rcptParams: 'NOTIFY=FAILURE',
        }),
        250,
      );
      await queueEmpty(world);
      const all = lines(remote);
      // RFC 5321 §3.2 / §4.1.4: a client facing a server that rejects EHLO falls back to HELO.
      assert.ok(
        all.some((l) => /^HELO mx\.a\.test$/i.test(l)),
        all.join('\n'),
      );
      // RFC 5321 §4.1.1.1 / §2.2.1: no extension was announced, so none is used.
      assert.ok(all.includes('MAIL FROM:<alice@a.test>'), all.join('\n'));
      assert.ok(all.includes('RCPT TO:<bob@b.test>'), all.join('\n'));
      assert.equal(delivered(remote).length, 1);
      await noReports(world);
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('a server without PIPELINING: the client waits for each reply before the next command', async () => {
    const answered = { mail: false, rcpt: false };
    const early: string[] = [];
    const remote = await startFakeServer({
      ehlo: ['8BITMIME', 'SIZE 1000000'],
      command: (line) => {
        if (/^RCPT/.test(line) && !answered.mail) early.push(line);
        if (/^DATA$/.test(line) && !answered.rcpt) early.push(line);
        if (/^MAIL/.test(line)) {
          setTimeout(() => (answered.mail = true), 200);
          return { reply: '250 2.1.0 ok', delayMs: 200 };
        }
        if (/^RCPT/.test(line)) {
          setTimeout(() => (answered.rcpt = true), 200);
          return { reply: '250 2.1.5 ok', delayMs: 200 };
        }
        return undefined;
      },
    });
    const world = await senderWorld(B_ZONES, remote.port);
    try {
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'one at a time'), 250);
      await queueEmpty(world);
      // RFC 5321 §4.3.1: "Unless other arrangements are negotiated through service extensions, the
      // sender MUST wait for this response before sending further commands." (RFC 2920: pipelining
      // only when the server announces PIPELINING.)
      assert.deepEqual(early, [], 'commands sent before the previous reply');
      assert.equal(delivered(remote).length, 1);
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('an 8-bit message to a server without 8BITMIME: never sent as 8-bit data', async () => {
    const remote = await startFakeServer({ ehlo: ['PIPELINING', 'SIZE 1000000'] });
    const world = await senderWorld(B_ZONES, remote.port);
    try {
      assert.equal(
        await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'Grüße aus Köln, ½ € für dich', {
          mailParams: 'BODY=8BITMIME',
        }),
        250,
      );
      await queueEmpty(world);
      await sleep(300);
      // RFC 6152 §3 (after RFC 1652): without 8BITMIME the client MUST NOT transfer content with
      // octets above 127, nor use BODY=8BITMIME; it converts to 7 bit or returns the message.
      const mail = lines(remote).filter((l) => l.startsWith('MAIL FROM:'));
      for (const m of mail) assert.doesNotMatch(m, /BODY=8BITMIME/i, m);
      for (const m of delivered(remote)) {
        assert.ok(
          m.every((b) => b < 0x80),
          '8-bit octets sent to a server without 8BITMIME',
        );
      }
      if (delivered(remote).length === 0) {
        const [dsn] = await reports(world, 1);
        assert.equal(dsn!.recipients[0]!.get('action'), 'failed');
      }
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('the local-part keeps its case, a quoted local-part its quotes, on the outbound RCPT', async () => {
    const remote = await startFakeServer();
    const world = await senderWorld(B_ZONES, remote.port);
    try {
      assert.equal(
        await submit(world.sender, 'alice@a.test', ['Bob.Smith@b.test', '"john doe"@b.test'], 'case matters'),
        250,
      );
      await queueEmpty(world);
      // RFC 5321 §2.4: "The local-part of a mailbox MUST BE treated as case sensitive. Therefore,
      // SMTP implementations MUST take care to preserve the case of mailbox local-parts."
      // §4.1.2: Local-part = Dot-string / Quoted-string.
      const rcpts = lines(remote).filter((l) => l.startsWith('RCPT TO:'));
      assert.ok(
        rcpts.some((l) => l.startsWith('RCPT TO:<Bob.Smith@b.test>')),
        rcpts.join('\n'),
      );
      assert.ok(
        rcpts.some((l) => l.startsWith('RCPT TO:<"john doe"@b.test>')),
        rcpts.join('\n'),
      );
    } finally {
      await world.close();
      await remote.close();
    }
  });

  test('lines beginning with a period are dot-stuffed on the way out; the message arrives intact', async () => {
    const remote = await startFakeServer();
    const world = await senderWorld(B_ZONES, remote.port);
    try {
      // Dot-stuffed for the submission itself: the message holds ".leading", ".." and ". end".
      assert.equal(
        await submit(world.sender, 'alice@a.test', ['bob@b.test'], '..leading\r\n...\r\n.. end'),
        250,
      );
      await queueEmpty(world);
      // RFC 5321 §4.5.2: "Before sending a line of mail text, the SMTP client checks the first
      // character of the line. If it is a period, one additional period is inserted".
      const [message] = delivered(remote);
      assert.ok(message);
      assert.match(message.toString(), /\r\n\r\n\.leading\r\n\.\.\r\n\. end\r\n$/);
    } finally {
      await world.close();
      await remote.close();
    }
  });
});
