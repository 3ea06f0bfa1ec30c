/**
 * The queue runner's decisions, pure: what each outcome means (delivered, failed, retry with
 * backoff, expired), and who gets which report as RFC 3461 NOTIFY asks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decide, type QueueSchedule, retryDelay, wants } from '../../../src/services/queue/reports.ts';
import type { QueueMessageHead, QueueRecipientRecord } from '../../../src/store/store.ts';

const MIN = 60_000;
const schedule: QueueSchedule = {
  retryBase: 5 * MIN,
  retryFactor: 2,
  retryMax: 4 * 60 * MIN,
  maxAge: 5 * 24 * 60 * MIN,
  delayNotice: 4 * 60 * MIN,
};

const message: QueueMessageHead = {
  id: 1,
  sender: 'alice@a.test',
  blobId: 'b',
  blobOffset: 0,
  size: 10,
  envId: undefined,
  ret: undefined,
  requireTls: false,
  smtpUtf8: false,
  eightBit: false,
  accountId: undefined,
  createdAt: 0,
};

function recipient(id: number, extra: Partial<QueueRecipientRecord> = {}): QueueRecipientRecord {
  return {
    id,
    address: `r${id}@b.test`,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: 0,
    lastError: undefined,
    delayNotified: false,
    ...extra,
  };
}

const ok = { status: 'delivered' as const, code: 250, enhanced: '2.0.0', text: 'ok' };
const later = { status: 'temporary' as const, code: 451, enhanced: '4.3.0', text: 'later' };
const refused = { status: 'permanent' as const, code: 550, enhanced: '5.1.1', text: 'unknown' };

test('retry schedule: 5 minutes, doubling, at most the maximum', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 10].map((n) => retryDelay(schedule, n) / MIN),
    [5, 10, 20, 40, 80, 160, 240, 240],
  );
});

test('NOTIFY: absent means failures and delays; NEVER nothing; a list exactly that', () => {
  assert.deepEqual(
    (['SUCCESS', 'FAILURE', 'DELAY'] as const).map((e) => wants(recipient(1), e)),
    [false, true, true],
  );
  assert.deepEqual(
    (['SUCCESS', 'FAILURE', 'DELAY'] as const).map((e) => wants(recipient(1, { notify: ['NEVER'] }), e)),
    [false, false, false],
  );
  assert.deepEqual(
    (['SUCCESS', 'FAILURE', 'DELAY'] as const).map((e) => wants(recipient(1, { notify: ['SUCCESS'] }), e)),
    [true, false, false],
  );
});

test('2xx delivered, 5xx failed with a report, 4xx retried after the backoff', () => {
  const d = decide(
    message,
    [recipient(1), recipient(2), recipient(3, { attempts: 2 })],
    [ok, refused, later],
    {
      now: 10 * MIN,
      schedule,
      remoteMta: 'mx.b.test',
      dsn: true,
    },
  );
  assert.deepEqual(d.outcomes, [
    { recipientId: 1, status: 'delivered', detail: '250 2.0.0 ok' },
    { recipientId: 2, status: 'failed', error: '550 5.1.1 unknown' },
    { recipientId: 3, status: 'retry', at: 10 * MIN + 20 * MIN, error: '451 4.3.0 later' },
  ]);
  assert.equal(d.failed.length, 1);
  assert.deepEqual(
    [d.failed[0]!.address, d.failed[0]!.status, d.failed[0]!.remoteMta, d.failed[0]!.diagnostic],
    ['r2@b.test', '5.1.1', 'mx.b.test', '550 5.1.1 unknown'],
  );
  assert.deepEqual([d.delayed, d.relayed], [[], []], 'a peer with DSN reports success itself');
});

test('still failing temporarily after max_age: failed with 4.4.7', () => {
  const d = decide(message, [recipient(1)], [later], {
    now: schedule.maxAge,
    schedule,
    remoteMta: 'mx',
    dsn: false,
  });
  assert.equal(d.outcomes[0]!.status, 'failed');
  assert.match((d.outcomes[0] as { error: string }).error, /^Gave up after 5 days: 451 4\.3\.0 later$/);
  assert.equal(d.failed[0]!.status, '4.4.7');
});

test('a delay notice once the wait passes delay_notice, once, and only when asked', () => {
  const context = { now: 5 * 60 * MIN, schedule, remoteMta: 'mx', dsn: false };
  const d = decide(
    message,
    [recipient(1), recipient(2, { delayNotified: true }), recipient(3, { notify: ['FAILURE'] })],
    [later, later, later],
    context,
  );
  assert.deepEqual(
    d.delayed.map((r) => [r.address, r.action, r.status]),
    [['r1@b.test', 'delayed', '4.3.0']],
  );
  assert.equal((d.outcomes[0] as { delayNotified?: boolean }).delayNotified, true);
  assert.equal((d.outcomes[2] as { delayNotified?: boolean }).delayNotified, undefined);
  const early = decide(message, [recipient(1)], [later], { ...context, now: MIN });
  assert.deepEqual(early.delayed, []);
  const off = decide(message, [recipient(1)], [later], {
    ...context,
    schedule: { ...schedule, delayNotice: 0 },
  });
  assert.deepEqual(off.delayed, []);
});

test('NOTIFY=SUCCESS: "relayed" when the peer has no DSN; NOTIFY=NEVER: no failure report', () => {
  const d = decide(
    message,
    [recipient(1, { notify: ['SUCCESS'] }), recipient(2, { notify: ['NEVER'] })],
    [ok, refused],
    { now: 0, schedule, remoteMta: 'mx', dsn: false },
  );
  assert.deepEqual(
    d.relayed.map((r) => [r.address, r.action, r.status]),
    [['r1@b.test', 'relayed', '2.0.0']],
  );
  assert.deepEqual(d.failed, []);
  assert.equal(d.outcomes[1]!.status, 'failed');
});

test('a failure without a server reply (a check, DNS) keeps its enhanced code and text', () => {
  const d = decide(
    message,
    [recipient(1)],
    [{ status: 'permanent', code: null, enhanced: '5.1.10', text: 'b.test accepts no mail (null MX)' }],
    { now: 0, schedule, remoteMta: undefined, dsn: false },
  );
  assert.equal(d.failed[0]!.status, '5.1.10');
  assert.equal(d.failed[0]!.remoteMta, undefined);
  assert.equal(d.failed[0]!.diagnostic, '5.1.10 b.test accepts no mail (null MX)');
});

test('Diagnostic-Code: a remote reply is of type smtp; a failure Loft decided itself (null MX) is X-Loft (RFC 3464 §2.3.6)', () => {
  const nullMx = {
    status: 'permanent' as const,
    code: null,
    enhanced: '5.1.10',
    text: 'Domain b.test accepts no mail (null MX, RFC 7505)',
  };
  const d = decide(message, [recipient(1), recipient(2)], [nullMx, refused], {
    now: MIN,
    schedule,
    remoteMta: 'mx.b.test',
    dsn: false,
  });
  assert.deepEqual(
    d.failed.map((r) => [r.diagnosticType, r.diagnostic, r.remoteMta]),
    [
      ['X-Loft', '5.1.10 Domain b.test accepts no mail (null MX, RFC 7505)', undefined],
      ['smtp', '550 5.1.1 unknown', 'mx.b.test'],
    ],
  );
});
