/**
 * `successNotice`, pure: who gets a success notice (RFC 3461 §5.2.3), with which action, and the
 * queue entry that carries it (from `<>`, asking for no reports itself).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AcceptedRecipient, InboundMessage } from '../../../src/services/delivery/delivery.ts';
import { successNotice } from '../../../src/services/delivery/success-notice.ts';
import { parseDsn } from '../../queue/support.ts';

const STORED = Buffer.from('Return-Path: <a@x.test>\r\nSubject: hi\r\n\r\nbody\r\n');
const CONTEXT = { id: 'abc', date: new Date('2026-11-28T12:00:00Z'), hostname: 'mx.x.test' };

function message(recipients: AcceptedRecipient[], sender = 'a@x.test', smtpUtf8 = false): InboundMessage {
  return {
    sender,
    recipients,
    content: [STORED],
    trace: {
      helo: 'c.test',
      remoteIp: '127.0.0.1',
      hostname: 'mx.x.test',
      esmtp: true,
      tls: undefined,
      authenticated: false,
      smtpUtf8,
    },
  };
}

const local = (address: string, notify?: AcceptedRecipient['notify'], accounts = [1]): AcceptedRecipient => ({
  address,
  notify,
  accounts,
  remote: [],
});

describe('successNotice', () => {
  test('none unless a local recipient asked SUCCESS, and never for the null sender', () => {
    assert.equal(successNotice(message([local('b@x.test')]), STORED, CONTEXT), undefined, 'default NOTIFY');
    assert.equal(
      successNotice(message([local('b@x.test', ['FAILURE', 'DELAY'])]), STORED, CONTEXT),
      undefined,
    );
    assert.equal(successNotice(message([local('b@x.test', ['NEVER'])]), STORED, CONTEXT), undefined);
    const remoteOnly: AcceptedRecipient = {
      address: 'r@y.test',
      notify: ['SUCCESS'],
      accounts: [],
      remote: ['r@y.test'],
    };
    assert.equal(successNotice(message([remoteOnly]), STORED, CONTEXT), undefined, 'the queue reports those');
    assert.equal(successNotice(message([local('b@x.test', ['SUCCESS'])], ''), STORED, CONTEXT), undefined);
  });

  test('one report for the recipients that asked: delivered, or expanded for several targets', () => {
    const alias: AcceptedRecipient = {
      address: 'team@x.test',
      notify: ['SUCCESS'],
      orcpt: { type: 'rfc822', address: 'Team@x.test' },
      accounts: [1, 2],
      remote: [],
    };
    const forward: AcceptedRecipient = {
      address: 'fwd@x.test',
      notify: ['SUCCESS'],
      accounts: [3],
      remote: ['f@y.test'],
    };
    const notice = successNotice(
      message([local('b@x.test', ['SUCCESS', 'FAILURE']), local('quiet@x.test'), alias, forward]),
      STORED,
      CONTEXT,
    );
    assert.ok(notice);
    assert.deepEqual(notice.queue.recipients, [{ address: 'a@x.test', notify: ['NEVER'] }]);
    assert.equal(notice.queue.sender, '');
    const dsn = parseDsn(notice.report);
    assert.deepEqual(
      dsn.recipients.map((r) => [
        r.get('final-recipient'),
        r.get('action'),
        r.get('status'),
        r.get('original-recipient'),
      ]),
      [
        ['rfc822;b@x.test', 'delivered', '2.0.0', undefined],
        ['rfc822;team@x.test', 'expanded', '2.0.0', 'rfc822;Team@x.test'],
        ['rfc822;fwd@x.test', 'expanded', '2.0.0', undefined],
      ],
    );
    assert.equal(dsn.returned?.type, 'text/rfc822-headers');
    assert.equal(dsn.returned?.content, 'Return-Path: <a@x.test>\r\nSubject: hi\r\n\r\n');
  });

  test('an internationalized message gets an RFC 6533 report, sent with SMTPUTF8', () => {
    const notice = successNotice(
      message([local('b@x.test', ['SUCCESS'])], 'ü@x.test', true),
      STORED,
      CONTEXT,
    );
    assert.ok(notice);
    assert.equal(notice.queue.smtpUtf8, true);
    assert.equal(parseDsn(notice.report).reportType, 'global-delivery-status');
  });
});
