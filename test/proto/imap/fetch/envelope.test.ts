import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { address, envelope } from '../../../../src/proto/imap/fetch/envelope.ts';
import { load, message, render } from './helpers.ts';

describe('ENVELOPE (RFC 9051 §7.5.2)', () => {
  it('the RFC 3501 §8 sample message', () => {
    const { s } = message([
      'Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)',
      'From: Terry Gray <gray@cac.washington.edu>',
      'Subject: IMAP4rev1 WG mtg summary and minutes',
      'To: imap@cac.washington.edu',
      'cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>',
      'Message-Id: <B27397-0100000@cac.washington.edu>',
      'MIME-Version: 1.0',
      'Content-Type: TEXT/PLAIN; CHARSET=US-ASCII',
      '',
      'Hello Joe, do you think we can meet at 3:30 tomorrow?',
      '',
    ]);
    assert.equal(
      render(envelope(s.envelope)),
      '("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" ' +
        '(("Terry Gray" NIL "gray" "cac.washington.edu")) ' +
        '(("Terry Gray" NIL "gray" "cac.washington.edu")) ' +
        '(("Terry Gray" NIL "gray" "cac.washington.edu")) ' +
        '((NIL NIL "imap" "cac.washington.edu")) ' +
        '((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) ' +
        'NIL NIL "<B27397-0100000@cac.washington.edu>")',
    );
  });

  it('a fixture: folded subject unfolded, quoted names unquoted, in-reply-to and message-id', () => {
    const { s } = load('simple-text.eml');
    const env = envelope(s.envelope);
    assert.equal(env.length, 10);
    assert.equal(env[0], 'Mon, 15 Jan 2024 10:29:59 +0100');
    assert.equal(env[1], 'Lunch on Friday?');
    assert.equal(render(env[5]!), '(("Bob" NIL "bob" "example.com")(NIL NIL "carol" "example.com"))');
    assert.equal(render(env[6]!), '(("Dave, the Third" NIL "dave" "example.net"))');
    assert.equal(env[7], null);
    assert.equal(env[8], '<prev@example.com>');
    assert.equal(env[9], '<20240115.1@example.org>');
  });

  it('Sender and Reply-To default to From when absent or empty; their own value otherwise', () => {
    const absent = message(['From: a@example.org', '', 'x']).s;
    const fromList = render(envelope(absent.envelope)[2]!);
    assert.equal(fromList, '((NIL NIL "a" "example.org"))');
    assert.equal(render(envelope(absent.envelope)[3]!), fromList);
    assert.equal(render(envelope(absent.envelope)[4]!), fromList);

    const empty = message(['From: a@example.org', 'Sender:', 'Reply-To: ', '', 'x']).s;
    assert.equal(render(envelope(empty.envelope)[3]!), fromList);
    assert.equal(render(envelope(empty.envelope)[4]!), fromList);

    const own = message([
      'From: a@example.org',
      'Sender: s@example.org',
      'Reply-To: r@example.org',
      '',
      'x',
    ]).s;
    assert.equal(render(envelope(own.envelope)[3]!), '((NIL NIL "s" "example.org"))');
    assert.equal(render(envelope(own.envelope)[4]!), '((NIL NIL "r" "example.org"))');
  });

  it('absent fields are NIL, present but empty unstructured fields the empty string', () => {
    const none = message(['X-Other: y', '', 'body']).s;
    assert.deepEqual(envelope(none.envelope), [null, null, null, null, null, null, null, null, null, null]);

    const empty = message(['Date:', 'Subject:', 'To:', 'Cc: ', 'In-Reply-To:', 'Message-ID:', '', 'x']).s;
    const env = envelope(empty.envelope);
    assert.equal(env[0], '');
    assert.equal(env[1], '');
    assert.equal(env[5], null, 'an empty To is NIL');
    assert.equal(env[6], null, 'an empty Cc is NIL');
    assert.equal(env[8], '');
    assert.equal(env[9], '');
  });

  it('group syntax: a start marker, the members, an end marker', () => {
    const { s } = message([
      'From: a@example.org',
      'To: Friends: b@example.com, "C D" <c@example.net>;, e@example.org',
      'Bcc: undisclosed-recipients:;',
      '',
      'x',
    ]);
    const env = envelope(s.envelope);
    assert.equal(
      render(env[5]!),
      '((NIL NIL "Friends" NIL)(NIL NIL "b" "example.com")("C D" NIL "c" "example.net")' +
        '(NIL NIL NIL NIL)(NIL NIL "e" "example.org"))',
    );
    assert.equal(render(env[7]!), '((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL))');
  });

  it('a source route goes to addr-adl', () => {
    const { s } = message(['From: Old <@relay.example,@hop.example:old@example.org>', '', 'x']);
    assert.equal(
      render(envelope(s.envelope)[2]!),
      '(("Old" "@relay.example,@hop.example" "old" "example.org"))',
    );
  });

  it('8-bit header text is kept as decoded text, encoded words left to the client', () => {
    const { s } = load('eight-bit-headers.eml');
    const env = envelope(s.envelope);
    assert.equal(env[1], 'Grüße aus Köln');
    assert.equal(render(env[2]!), '(("=?UTF-8?B?SsO2cmc=?=" NIL "joerg" "example.de"))');
    assert.equal(render(env[5]!), '(("Zoë" NIL "zoe" "example.com"))');
    assert.equal(render(env[6]!), '(("=?ISO-8859-1?Q?Ren=E9?= Dupont" NIL "rene" "example.fr"))');
  });

  it('address() keeps the member order name, adl, mailbox, host', () => {
    assert.deepEqual(address({ name: 'N', adl: null, mailbox: 'm', host: 'h' }), ['N', null, 'm', 'h']);
  });
});
