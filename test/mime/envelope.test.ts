import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imapAddresses, readEnvelope, toImapEnvelope } from '../../src/mime/envelope.ts';
import { indexFields, parseHeaderBlock } from '../../src/mime/header.ts';

function envelopeOf(header: string) {
  const raw = Buffer.from(`${header}\r\n\r\n`);
  return readEnvelope(raw, indexFields(parseHeaderBlock(raw, 0)));
}

describe('readEnvelope', () => {
  it('takes the first occurrence, unfolds and trims unstructured members', () => {
    const env = envelopeOf(
      'Subject:  first\r\n  line \r\nSubject: second\r\nMessage-ID: <a@b>\r\nIn-Reply-To:\r\n <p@q>\r\nDate: Thu, 13 Feb 1969 23:32:54 -0330',
    );
    assert.deepEqual(env, {
      subject: 'first  line',
      messageId: '<a@b>',
      inReplyTo: '<p@q>',
      date: 'Thu, 13 Feb 1969 23:32:54 -0330',
      time: Date.UTC(1969, 1, 14, 3, 2, 54),
    });
  });

  it('keeps a Date it cannot parse, without a time', () => {
    assert.deepEqual(envelopeOf('Date: someday'), { date: 'someday' });
  });

  it('an address field present but empty gives an empty list', () => {
    assert.deepEqual(envelopeOf('To:\r\nCc: ,'), { to: [], cc: [] });
  });
});

describe('toImapEnvelope (RFC 9051 §7.5.2)', () => {
  it('gives NIL for absent members and copies From into absent or empty Sender and Reply-To', () => {
    const env = envelopeOf('From: A <a@x.test>\r\nSender:\r\nBcc: b@y.test');
    const from = [{ name: 'A', adl: null, mailbox: 'a', host: 'x.test' }];
    assert.deepEqual(toImapEnvelope(env), {
      date: null,
      subject: null,
      from,
      sender: from,
      replyTo: from,
      to: null,
      cc: null,
      bcc: [{ name: null, adl: null, mailbox: 'b', host: 'y.test' }],
      inReplyTo: null,
      messageId: null,
    });
    assert.deepEqual(toImapEnvelope({}).from, null);
    assert.deepEqual(toImapEnvelope({}).sender, null);
  });

  it('keeps a Sender that is present', () => {
    const env = envelopeOf('From: a@x.test\r\nSender: s@x.test\r\nReply-To: r@x.test');
    assert.equal(toImapEnvelope(env).sender?.[0]?.mailbox, 's');
    assert.equal(toImapEnvelope(env).replyTo?.[0]?.mailbox, 'r');
  });

  it('writes groups with start and end markers; fills a missing mailbox or host as Dovecot', () => {
    assert.deepEqual(
      imapAddresses([
        { group: 'Team', members: [{ mailbox: 'ann', host: 'x.test', route: '@r.test' }] },
        { mailbox: 'nohost', host: '' },
        { mailbox: '', host: 'only.test', name: '' },
      ]),
      [
        { name: null, adl: null, mailbox: 'Team', host: null },
        { name: null, adl: '@r.test', mailbox: 'ann', host: 'x.test' },
        { name: null, adl: null, mailbox: null, host: null },
        { name: null, adl: null, mailbox: 'nohost', host: 'MISSING_DOMAIN' },
        { name: null, adl: null, mailbox: 'MISSING_MAILBOX', host: 'only.test' },
      ],
    );
    assert.equal(imapAddresses([]), null);
  });
});
