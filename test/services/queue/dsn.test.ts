/**
 * RFC 3464 reports, pure: the multipart/report structure (RFC 6522), the per-message and
 * per-recipient fields, the returned message or header, and no header injection from a remote
 * server's reply text.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { indexMessage } from '../../../src/mime/index.ts';
import { buildDsn, headerOf } from '../../../src/services/queue/dsn.ts';
import { parseDsn } from '../../queue/support.ts';

const original = Buffer.from('From: <alice@a.test>\r\nSubject: Hi\r\n\r\nHello there\r\n');

function report(overrides: Partial<Parameters<typeof buildDsn>[0]> = {}): Buffer {
  return buildDsn({
    hostname: 'mx.a.test',
    to: 'alice@a.test',
    date: new Date(Date.UTC(2026, 10, 28, 1, 2, 3)),
    id: 'abc',
    envId: 'ENV-1',
    arrivalDate: new Date(Date.UTC(2026, 10, 27)),
    recipients: [
      {
        address: 'bob@b.test',
        orcpt: { type: 'rfc822', address: 'Bob@B.test' },
        action: 'failed',
        status: '5.1.1',
        remoteMta: 'mx.b.test',
        diagnostic: '550 5.1.1 No such user',
        lastAttempt: new Date(Date.UTC(2026, 10, 28, 1)),
      },
      { address: 'carol@b.test', action: 'failed', status: '5.2.2', diagnostic: '552 5.2.2 Full' },
      {
        address: 'dan@c.test',
        action: 'failed',
        status: '5.1.10',
        diagnostic: 'Domain c.test accepts no mail (null MX, RFC 7505)',
        diagnosticType: 'X-Loft',
      },
    ],
    original,
    returnContent: 'full',
    ...overrides,
  });
}

test('a failure report: multipart/report with the RFC 3464 fields, the message returned', () => {
  const raw = report();
  const dsn = parseDsn(raw);
  assert.equal(dsn.reportType, 'delivery-status');
  assert.match(dsn.headers, /^From: Mail Delivery System <MAILER-DAEMON@mx\.a\.test>$/m);
  assert.match(dsn.headers, /^To: <alice@a\.test>$/m);
  assert.match(dsn.headers, /^Subject: Undelivered Mail Returned to Sender$/m);
  assert.match(dsn.headers, /^Date: Sat, 28 Nov 2026 01:02:03 \+0000$/m);
  assert.match(dsn.headers, /^Auto-Submitted: auto-replied$/m);
  assert.deepEqual(Object.fromEntries(dsn.perMessage), {
    'reporting-mta': 'dns; mx.a.test',
    'original-envelope-id': 'ENV-1',
    'arrival-date': 'Fri, 27 Nov 2026 00:00:00 +0000',
  });
  assert.deepEqual(Object.fromEntries(dsn.recipients[0]!), {
    'original-recipient': 'rfc822;Bob@B.test',
    'final-recipient': 'rfc822;bob@b.test',
    action: 'failed',
    status: '5.1.1',
    'remote-mta': 'dns; mx.b.test',
    'diagnostic-code': 'smtp; 550 5.1.1 No such user',
    'last-attempt-date': 'Sat, 28 Nov 2026 01:00:00 +0000',
  });
  assert.equal(dsn.recipients[1]!.get('final-recipient'), 'rfc822;carol@b.test');
  // RFC 3464 §2.3.6: a failure no SMTP server reported carries Loft's own diagnostic type.
  assert.equal(
    dsn.recipients[2]!.get('diagnostic-code'),
    'X-Loft; Domain c.test accepts no mail (null MX, RFC 7505)',
  );
  assert.equal(dsn.returned?.type, 'message/rfc822');
  assert.equal(dsn.returned?.content, `${original.toString()}`);
  // The MIME indexer sees three parts under multipart/report.
  const structure = indexMessage(raw);
  assert.equal(structure.root.type, 'multipart');
  assert.equal(structure.root.subtype, 'report');
  assert.deepEqual(
    structure.root.children?.map((p) => `${p.type}/${p.subtype}`),
    ['text/plain', 'message/delivery-status', 'message/rfc822'],
  );
});

test('headers only: text/rfc822-headers with the original header section', () => {
  const dsn = parseDsn(report({ returnContent: 'headers' }));
  assert.equal(dsn.returned?.type, 'text/rfc822-headers');
  assert.equal(dsn.returned?.content, headerOf(original).toString());
  assert.doesNotMatch(dsn.returned!.content, /Hello there/);
});

test('a delay notice says delayed and until when', () => {
  const dsn = parseDsn(
    report({
      recipients: [
        {
          address: 'bob@b.test',
          action: 'delayed',
          status: '4.2.2',
          willRetryUntil: new Date(Date.UTC(2026, 11, 2)),
        },
      ],
      returnContent: 'headers',
    }),
  );
  assert.match(dsn.headers, /^Subject: Delayed Mail \(still being retried\)$/m);
  assert.equal(dsn.recipients[0]!.get('action'), 'delayed');
  assert.equal(dsn.recipients[0]!.get('will-retry-until'), 'Wed, 2 Dec 2026 00:00:00 +0000');
});

test('text from a remote server cannot inject header lines or fields', () => {
  const raw = report({
    recipients: [
      {
        address: 'bob@b.test',
        action: 'failed',
        status: '5.0.0',
        diagnostic: '550 bad\r\nAction: delivered\r\nX: y',
      },
    ],
  }).toString();
  assert.doesNotMatch(raw, /\r\nAction: delivered/);
  assert.equal(parseDsn(Buffer.from(raw)).recipients[0]!.get('action'), 'failed');
});

test('an internationalized message (SMTPUTF8): RFC 6533 global types and utf-8 addresses', () => {
  const utf8 = Buffer.from('From: <jürgen@a.test>\r\nSubject: Grüße\r\n\r\nHallo\r\n');
  const recipients = [
    {
      address: 'дмитрий@b.test',
      action: 'failed' as const,
      status: '5.1.1',
      diagnostic: '550 5.1.1 unknown',
    },
    { address: 'bob@b.test', action: 'failed' as const, status: '5.1.1' },
  ];
  const full = parseDsn(report({ original: utf8, international: true, recipients }));
  assert.equal(full.reportType, 'global-delivery-status');
  assert.equal(full.statusType, 'message/global-delivery-status');
  assert.equal(full.recipients[0]!.get('final-recipient'), 'utf-8;дмитрий@b.test');
  assert.equal(
    full.recipients[1]!.get('final-recipient'),
    'rfc822;bob@b.test',
    'ASCII addresses stay rfc822',
  );
  assert.equal(full.returned?.type, 'message/global');
  assert.equal(full.returned?.content, utf8.toString());
  const headers = parseDsn(
    report({ original: utf8, international: true, recipients, returnContent: 'headers' }),
  );
  assert.equal(headers.returned?.type, 'message/global-headers');
  assert.doesNotMatch(headers.returned!.content, /Hallo/);
  // Without SMTPUTF8 the classic types, whatever the addresses.
  const classic = parseDsn(report({ recipients }));
  assert.equal(classic.reportType, 'delivery-status');
  assert.equal(classic.statusType, 'message/delivery-status');
  assert.equal(classic.recipients[0]!.get('final-recipient'), 'rfc822;дмитрий@b.test');
});
