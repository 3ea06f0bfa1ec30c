/**
 * The outbound queue runner against real sockets: a real Loft server submits, the test DNS
 * server gives the MX, and a fake SMTP server plays the remote side (accepting, refusing, down,
 * answering 4xx for a while). Bounces are read back from the sender's INBOX and parsed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFakeServer } from '../helpers/fake-smtp.ts';
import { mailboxContents } from '../helpers/server.ts';
import { SmtpDialog } from '../helpers/smtp-dialog.ts';
import { B_ZONES, eventually, parseDsn, senderWorld, submit } from './support.ts';

test('a submitted message for a remote domain is delivered through the MX, once, with its envelope', async () => {
  const remote = await startFakeServer({ ehlo: ['PIPELINING', '8BITMIME', 'SIZE 1000000', 'DSN'] });
  const world = await senderWorld(B_ZONES, remote.port);
  try {
    const code = await submit(world.sender, 'alice@a.test', ['bob@b.test', 'carol@b.test'], 'Hi Bob', {
      mailParams: 'RET=HDRS ENVID=env42',
      rcptParams: 'NOTIFY=FAILURE,DELAY',
    });
    assert.equal(code, 250);
    assert.ok(
      await eventually(async () => (await world.sender.services.store.listQueue()).length === 0, 10_000),
    );
    const messages = remote.sessions.flatMap((s) => s.messages);
    assert.equal(messages.length, 1, 'one transaction for both recipients at b.test');
    assert.match(messages[0]!.toString(), /Subject: hello\r\n/);
    assert.doesNotMatch(messages[0]!.toString(), /^Return-Path:/m, 'the local-only trace line is not sent');
    const lines = remote.sessions.flatMap((s) => s.lines);
    assert.ok(lines.some((l) => /^EHLO mx\.a\.test$/.test(l)));
    const mail = lines.find((l) => l.startsWith('MAIL FROM:'));
    assert.match(mail ?? '', /^MAIL FROM:<alice@a\.test>/);
    assert.match(mail ?? '', / RET=HDRS/);
    assert.match(mail ?? '', / ENVID=env42/);
    assert.ok(
      lines.some((l) => /^RCPT TO:<bob@b\.test> NOTIFY=FAILURE,DELAY/.test(l)),
      lines.join('\n'),
    );
    assert.ok(lines.some((l) => /^RCPT TO:<carol@b\.test>/.test(l)));
    assert.deepEqual(await mailboxContents(world.sender, 'alice@a.test'), [], 'no report');
  } finally {
    await world.close();
    await remote.close();
  }
});

test('the peer down, then up: the message is delivered after a retry', async () => {
  const probe = await startFakeServer();
  const port = probe.port;
  await probe.close();
  const world = await senderWorld(B_ZONES, port);
  try {
    assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'retry me'), 250);
    const store = world.sender.services.store;
    assert.ok(
      await eventually(async () => ((await store.listQueue())[0]?.recipients[0]?.attempts ?? 0) >= 1, 10_000),
      'a failed attempt is recorded',
    );
    const queued = (await store.listQueue())[0]!;
    assert.equal(queued.recipients[0]!.status, 'pending');
    assert.match(queued.recipients[0]!.lastError ?? '', /ECONNREFUSED|refused|connect/i);
    const remote = await startFakeServer({}, { port });
    try {
      assert.ok(await eventually(async () => (await store.listQueue()).length === 0, 10_000));
      assert.equal(remote.sessions.flatMap((s) => s.messages).length, 1);
    } finally {
      await remote.close();
    }
  } finally {
    await world.close();
  }
});

test('a refused recipient of an SMTPUTF8 message: the bounce uses RFC 6533 global types', async () => {
  const remote = await startFakeServer({
    ehlo: ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'DSN'],
    command: (line) => (/^RCPT TO:<nobody@b\.test>/.test(line) ? '550 5.1.1 No such user here' : undefined),
  });
  const world = await senderWorld(B_ZONES, remote.port);
  try {
    const code = await submit(world.sender, 'alice@a.test', ['nobody@b.test'], 'Grüße aus Köln', {
      mailParams: 'SMTPUTF8',
      subject: 'Grüße',
    });
    assert.equal(code, 250);
    let inbox: Buffer[] = [];
    assert.ok(
      await eventually(async () => {
        inbox = await mailboxContents(world.sender, 'alice@a.test');
        return inbox.length === 1;
      }, 10_000),
      'a bounce arrived',
    );
    const dsn = parseDsn(inbox[0]!);
    assert.equal(dsn.reportType, 'global-delivery-status');
    assert.equal(dsn.statusType, 'message/global-delivery-status');
    assert.equal(dsn.recipients[0]!.get('final-recipient'), 'rfc822;nobody@b.test');
    assert.equal(dsn.recipients[0]!.get('status'), '5.1.1');
    assert.equal(dsn.returned?.type, 'message/global');
    assert.match(dsn.returned!.content, /Grüße aus Köln/);
  } finally {
    await world.close();
    await remote.close();
  }
});

test('a refused recipient: a bounce in the sender INBOX with the RFC 3464 fields; the others delivered', async () => {
  const remote = await startFakeServer({
    ehlo: ['PIPELINING', '8BITMIME', 'DSN'],
    command: (line) => (/^RCPT TO:<nobody@b\.test>/.test(line) ? '550 5.1.1 No such user here' : undefined),
  });
  const world = await senderWorld(B_ZONES, remote.port);
  try {
    const code = await submit(world.sender, 'alice@a.test', ['nobody@b.test', 'bob@b.test'], 'Body text', {
      mailParams: 'ENVID=QQ314159',
      rcptParams: 'ORCPT=rfc822;orig@b.test',
    });
    assert.equal(code, 250);
    let inbox: Buffer[] = [];
    assert.ok(
      await eventually(async () => {
        inbox = await mailboxContents(world.sender, 'alice@a.test');
        return inbox.length === 1;
      }, 10_000),
      'a bounce arrived',
    );
    assert.equal(remote.sessions.flatMap((s) => s.messages).length, 1, 'bob got it');
    const raw = inbox[0]!;
    assert.match(raw.toString(), /^Return-Path: <>\r\n/, 'sent with the null sender');
    const dsn = parseDsn(raw);
    assert.equal(dsn.reportType, 'delivery-status');
    assert.match(dsn.headers, /Content-Type: multipart\/report/i);
    assert.match(dsn.headers, /From: Mail Delivery System <MAILER-DAEMON@mx\.a\.test>/);
    assert.match(dsn.headers, /Auto-Submitted: auto-replied/);
    assert.equal(dsn.perMessage.get('reporting-mta'), 'dns; mx.a.test');
    assert.equal(dsn.perMessage.get('original-envelope-id'), 'QQ314159');
    assert.equal(dsn.recipients.length, 1, 'only the failed recipient');
    const r = dsn.recipients[0]!;
    assert.equal(r.get('final-recipient'), 'rfc822;nobody@b.test');
    assert.equal(r.get('original-recipient'), 'rfc822;orig@b.test');
    assert.equal(r.get('action'), 'failed');
    assert.equal(r.get('status'), '5.1.1');
    assert.equal(r.get('remote-mta'), 'dns; mx.b.test');
    assert.equal(r.get('diagnostic-code'), 'smtp; 550 5.1.1 No such user here');
    assert.equal(dsn.returned?.type, 'message/rfc822', 'the whole message by default (small)');
    assert.match(dsn.returned!.content, /Body text/);
    // Reports are written before the outcomes are recorded (runner.ts), so the queue empties just after.
    assert.ok(
      await eventually(async () => (await world.sender.services.store.listQueue()).length === 0, 10_000),
      'nothing left queued',
    );
  } finally {
    await world.close();
    await remote.close();
  }
});

test('RET=HDRS returns only the header; NOTIFY=NEVER gets no bounce', async () => {
  const remote = await startFakeServer({
    command: (line) => (/^RCPT/.test(line) ? '550 5.7.1 Refused' : undefined),
  });
  const world = await senderWorld(B_ZONES, remote.port);
  try {
    assert.equal(
      await submit(world.sender, 'alice@a.test', ['x@b.test'], 'secret body', { mailParams: 'RET=HDRS' }),
      250,
    );
    assert.equal(
      await submit(world.sender, 'alice@a.test', ['y@b.test'], 'quiet', { rcptParams: 'NOTIFY=NEVER' }),
      250,
    );
    assert.ok(
      await eventually(async () => (await world.sender.services.store.listQueue()).length === 0, 10_000),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const inbox = await mailboxContents(world.sender, 'alice@a.test');
    assert.equal(inbox.length, 1, 'one bounce: NOTIFY=NEVER was respected');
    const dsn = parseDsn(inbox[0]!);
    assert.equal(dsn.recipients[0]!.get('final-recipient'), 'rfc822;x@b.test');
    assert.equal(dsn.returned?.type, 'text/rfc822-headers');
    assert.match(dsn.returned!.content, /Subject: hello/);
    assert.doesNotMatch(dsn.returned!.content, /secret body/);
  } finally {
    await world.close();
    await remote.close();
  }
});

test('4xx for a while, then accepted: retried with backoff and delivered; attempts and last error kept meanwhile', async () => {
  let refusals = 2;
  const remote = await startFakeServer({
    command: (line) =>
      /^RCPT/.test(line) && refusals-- > 0 ? '451 4.7.1 Greylisted, try again later' : undefined,
  });
  const world = await senderWorld(B_ZONES, remote.port);
  try {
    assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'grey'), 250);
    const store = world.sender.services.store;
    assert.ok(
      await eventually(async () => ((await store.listQueue())[0]?.recipients[0]?.attempts ?? 0) >= 1, 10_000),
    );
    const first = (await store.listQueue())[0];
    if (first) assert.match(first.recipients[0]!.lastError ?? '', /451 4\.7\.1 Greylisted/);
    assert.ok(await eventually(async () => (await store.listQueue()).length === 0, 10_000));
    // With PIPELINING the client ends a transaction without recipients by an empty DATA.
    assert.equal(remote.sessions.flatMap((s) => s.messages).filter((m) => m.length > 0).length, 1);
    const mails = remote.sessions.flatMap((s) => s.lines).filter((l) => l.startsWith('MAIL FROM:'));
    assert.equal(mails.length, 3, 'three transactions: two refused, one accepted');
    assert.equal(remote.sessions.length, 1, 'all on one connection, kept open between attempts');
    assert.deepEqual(await mailboxContents(world.sender, 'alice@a.test'), []);
  } finally {
    await world.close();
    await remote.close();
  }
});

test('NOTIFY=SUCCESS to a peer without DSN: a "relayed" report; a delay notice for NOTIFY=DELAY', async () => {
  let refuse = true;
  const remote = await startFakeServer({
    command: (line) => (/^RCPT TO:<slow@/.test(line) && refuse ? '452 4.2.2 Mailbox full' : undefined),
  });
  const world = await senderWorld(B_ZONES, remote.port, { delay_notice: 0.1 });
  try {
    assert.equal(
      await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'ok', { rcptParams: 'NOTIFY=SUCCESS' }),
      250,
    );
    assert.equal(
      await submit(world.sender, 'alice@a.test', ['slow@b.test'], 'wait', {
        rcptParams: 'NOTIFY=DELAY,FAILURE',
      }),
      250,
    );
    let inbox: Buffer[] = [];
    assert.ok(
      await eventually(async () => {
        inbox = await mailboxContents(world.sender, 'alice@a.test');
        return inbox.length >= 2;
      }, 10_000),
    );
    const reports = inbox.map(parseDsn);
    const relayed = reports.find((d) => d.recipients[0]?.get('action') === 'relayed');
    assert.ok(relayed, 'a relayed report');
    assert.equal(relayed.recipients[0]!.get('final-recipient'), 'rfc822;bob@b.test');
    const delayed = reports.find((d) => d.recipients[0]?.get('action') === 'delayed');
    assert.ok(delayed, 'a delay notice');
    assert.equal(delayed.recipients[0]!.get('status'), '4.2.2');
    assert.ok(delayed.recipients[0]!.get('will-retry-until'));
    refuse = false;
    assert.ok(
      await eventually(async () => (await world.sender.services.store.listQueue()).length === 0, 10_000),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(
      (await mailboxContents(world.sender, 'alice@a.test')).length,
      2,
      'the delay notice was sent once',
    );
  } finally {
    await world.close();
    await remote.close();
  }
});

test('a recipient domain that became local is delivered locally, never over the network', async () => {
  let refuse = true;
  const remote = await startFakeServer({
    command: (line) => (/^RCPT/.test(line) && refuse ? '451 4.3.0 later' : undefined),
  });
  const world = await senderWorld(B_ZONES, remote.port, { retry_initial: 60, retry_max: 60 });
  try {
    assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'now local'), 250);
    const store = world.sender.services.store;
    assert.ok(
      await eventually(async () => ((await store.listQueue())[0]?.recipients[0]?.attempts ?? 0) >= 1, 10_000),
    );
    await world.sender.services.directory.addDomain('b.test');
    await world.sender.services.directory.addUser('bob@b.test', 'secret');
    refuse = false;
    assert.equal(await store.retryQueue(undefined, Date.now()), 1);
    world.sender.queue!.wake();
    const messagesBefore = remote.sessions.flatMap((s) => s.messages).length;
    assert.ok(
      await eventually(async () => (await mailboxContents(world.sender, 'bob@b.test')).length === 1, 10_000),
    );
    assert.equal(remote.sessions.flatMap((s) => s.messages).length, messagesBefore, 'nothing sent out');
    assert.ok(
      await eventually(async () => (await store.listQueue()).length === 0, 10_000),
      'nothing left queued',
    );
  } finally {
    await world.close();
    await remote.close();
  }
});

test('a failed opportunistic STARTTLS: delivered without TLS on a new connection (RFC 7435)', async () => {
  const remoteSessions = (): number => remote.sessions.length;
  const remote = await startFakeServer({
    ehlo: ['PIPELINING', 'STARTTLS'],
    // "220", then the connection closes instead of a TLS handshake.
    command: (line) =>
      line === 'STARTTLS' && remoteSessions() === 1
        ? { reply: '220 2.0.0 go ahead', thenClose: true }
        : undefined,
  });
  const world = await senderWorld(B_ZONES, remote.port);
  try {
    assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'in clear'), 250);
    assert.ok(
      await eventually(async () => (await world.sender.services.store.listQueue()).length === 0, 10_000),
    );
    assert.equal(remote.sessions.length, 2);
    assert.ok(remote.sessions[0]!.lines.includes('STARTTLS'));
    assert.ok(!remote.sessions[1]!.lines.includes('STARTTLS'), 'the second session does not try TLS');
    assert.equal(remote.sessions[1]!.messages.length, 1);
  } finally {
    await world.close();
    await remote.close();
  }
});

test('a message from the null sender that fails is dropped without a report (RFC 3461 §6.2)', async () => {
  const remote = await startFakeServer({
    command: (line) => (/^RCPT/.test(line) ? '550 5.1.1 Unknown' : undefined),
  });
  const world = await senderWorld(B_ZONES, remote.port);
  try {
    // A bounce arriving at a.test for an alias that forwards outside: queued with sender <>.
    await world.sender.services.directory.addAlias('fwd@a.test', ['gone@b.test']);
    const smtp = await SmtpDialog.connect(world.sender.ports.smtp!);
    try {
      await smtp.expect(220);
      await smtp.command('EHLO remote.example', 250);
      await smtp.command('MAIL FROM:<>', 250);
      await smtp.command('RCPT TO:<fwd@a.test>', 250);
      await smtp.command('DATA', 354);
      smtp.write('Subject: a report\r\n\r\nundeliverable\r\n.\r\n');
      assert.equal((await smtp.reply())?.code, 250);
    } finally {
      smtp.close();
    }
    assert.ok(
      await eventually(
        () =>
          remote.sessions.some((s) =>
            s.lines.some((l) => l.startsWith('MAIL FROM:<> ') || l === 'MAIL FROM:<>'),
          ),
        10_000,
      ),
    );
    assert.ok(
      await eventually(async () => (await world.sender.services.store.listQueue()).length === 0, 10_000),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(await mailboxContents(world.sender, 'alice@a.test'), []);
    assert.equal((await world.sender.services.store.listQueue()).length, 0, 'no report queued either');
  } finally {
    await world.close();
    await remote.close();
  }
});

test('a delivery that lasts longer than the lease keeps it (renewed): sent once', async () => {
  const remote = await startFakeServer({ afterData: () => ({ reply: '250 2.0.0 at last', delayMs: 2500 }) });
  const world = await senderWorld(B_ZONES, remote.port, { lease: 0.6 });
  try {
    assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], 'slow server'), 250);
    assert.ok(
      await eventually(async () => (await world.sender.services.store.listQueue()).length === 0, 10_000),
    );
    assert.equal(
      remote.sessions.flatMap((s) => s.messages).length,
      1,
      'nobody took the recipient over meanwhile',
    );
  } finally {
    await world.close();
    await remote.close();
  }
});

test('connections are reused between messages; one the server closed meanwhile is replaced, nothing lost', async () => {
  let closeAfter = false;
  const remote = await startFakeServer({
    afterData: () => (closeAfter ? { reply: '250 2.0.0 ok, bye', thenClose: true } : '250 2.0.0 ok'),
  });
  const world = await senderWorld(B_ZONES, remote.port);
  try {
    const store = world.sender.services.store;
    for (const body of ['one', 'two']) {
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], body), 250);
      assert.ok(await eventually(async () => (await store.listQueue()).length === 0, 10_000));
    }
    assert.equal(remote.sessions.length, 1, 'the second message went over the first connection');
    closeAfter = true;
    for (const body of ['three', 'four']) {
      assert.equal(await submit(world.sender, 'alice@a.test', ['bob@b.test'], body), 250);
      assert.ok(await eventually(async () => (await store.listQueue()).length === 0, 10_000));
    }
    const bodies = remote.sessions
      .flatMap((s) => s.messages)
      .map((m) => /\r\n\r\n(\w+)/.exec(m.toString())?.[1]);
    assert.deepEqual(bodies, ['one', 'two', 'three', 'four'], 'each once, in order');
    assert.equal(remote.sessions.length, 2, 'a new connection after the server closed the pooled one');
  } finally {
    await world.close();
    await remote.close();
  }
});

test('no more than `concurrency` transactions at once, while outcomes are recorded in between; each message once', async () => {
  // A transaction is open from its MAIL FROM until its end of data is answered (a second later).
  // The count goes down just before each answer is written, so it never counts more than are open.
  let open = 0;
  let most = 0;
  const remote = await startFakeServer({
    command: (line) => {
      if (/^MAIL FROM:/i.test(line)) most = Math.max(most, ++open);
      return undefined;
    },
    afterData: () => {
      setTimeout(() => open--, 1000);
      return { reply: '250 2.0.0 ok', delayMs: 1000 };
    },
  });
  const world = await senderWorld(B_ZONES, remote.port, { concurrency: 2 });
  try {
    const store = world.sender.services.store;
    const names = ['message1', 'message2', 'message3', 'message4', 'message5', 'message6'];
    const codes = await Promise.all(
      names.map((body) => submit(world.sender, 'alice@a.test', ['bob@b.test'], body)),
    );
    assert.deepEqual(codes, [250, 250, 250, 250, 250, 250]);
    assert.ok(await eventually(async () => (await store.listQueue()).length === 0, 20_000));
    const bodies = remote.sessions
      .flatMap((s) => s.messages)
      .map((m) => /\r\n\r\n(\w+)/.exec(m.toString())?.[1])
      .sort();
    assert.deepEqual(bodies, names);
    assert.ok(most <= 2, `${most} transactions at once`);
  } finally {
    await world.close();
    await remote.close();
  }
});
