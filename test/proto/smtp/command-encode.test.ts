/**
 * The client-side command encoders: what they write parses back, through the server's own parser,
 * into the same values; nothing can carry CR or LF.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseCommand } from '../../../src/proto/smtp/command.ts';
import {
  encodeBdat,
  encodeHelo,
  encodeMail,
  encodeOrcpt,
  encodeRcpt,
} from '../../../src/proto/smtp/command-encode.ts';

const alice = { localPart: 'alice', domain: 'a.test' };

function parse(line: string, smtputf8 = true) {
  assert.ok(line.endsWith('\r\n'));
  const r = parseCommand(line.slice(0, -2), { smtputf8 });
  assert.ok(r.ok, `parses: ${line}`);
  return r.command;
}

test('MAIL FROM with every parameter parses back', () => {
  const line = encodeMail(alice, {
    size: 1234,
    body: '8BITMIME',
    smtputf8: true,
    ret: 'HDRS',
    envid: 'id with spaces+=',
    requireTls: true,
  });
  assert.equal(
    line,
    'MAIL FROM:<alice@a.test> SIZE=1234 BODY=8BITMIME SMTPUTF8 REQUIRETLS RET=HDRS ENVID=id+20with+20spaces+2B+3D\r\n',
  );
  const cmd = parse(line);
  assert.ok(cmd.verb === 'MAIL');
  assert.deepEqual(cmd.params, {
    size: 1234,
    body: '8BITMIME',
    smtputf8: true,
    ret: 'HDRS',
    envid: 'id with spaces+=',
    requireTls: true,
  });
  assert.equal(encodeMail(null), 'MAIL FROM:<>\r\n');
});

test('RCPT TO with NOTIFY and ORCPT parses back, quoted local parts too', () => {
  const line = encodeRcpt(
    { localPart: 'b ob', domain: 'b.test' },
    { notify: ['SUCCESS', 'FAILURE'], orcpt: { addrType: 'rfc822', address: 'b ob@b.test' } },
  );
  assert.equal(line, 'RCPT TO:<"b ob"@b.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+20ob@b.test\r\n');
  const cmd = parse(line);
  assert.ok(cmd.verb === 'RCPT');
  assert.deepEqual(cmd.params, {
    notify: ['SUCCESS', 'FAILURE'],
    orcpt: { addrType: 'rfc822', address: 'b ob@b.test' },
  });
  assert.equal(
    encodeRcpt({ localPart: 'x', domain: 'b.test' }, { notify: 'NEVER' }),
    'RCPT TO:<x@b.test> NOTIFY=NEVER\r\n',
  );
  assert.equal(encodeRcpt('postmaster'), 'RCPT TO:<Postmaster>\r\n');
});

test('a non-ASCII ORCPT is sent as utf-8-addr-xtext (RFC 6533)', () => {
  assert.equal(encodeOrcpt({ addrType: 'rfc822', address: 'jörg@b.test' }), 'utf-8;j\\x{F6}rg@b.test');
  const cmd = parse(
    encodeRcpt(
      { localPart: 'jörg', domain: 'b.test' },
      { orcpt: { addrType: 'utf-8', address: 'jörg@b.test' } },
    ),
  );
  assert.ok(cmd.verb === 'RCPT');
  assert.deepEqual(cmd.params.orcpt, { addrType: 'utf-8', address: 'jörg@b.test' });
});

test('CR, LF and NUL never reach a command line', () => {
  assert.throws(() => encodeMail({ localPart: 'a\r\nRCPT TO:<x@y>', domain: 'a.test' }), RangeError);
  assert.throws(() => encodeRcpt({ localPart: 'a', domain: 'b.test\r\nDATA' }), RangeError);
  assert.throws(() => encodeHelo('EHLO', 'a\r\nb'), RangeError);
  fc.assert(
    fc.property(fc.string(), fc.string(), (envid, address) => {
      const mail = encodeMail(alice, { envid });
      const rcpt = encodeRcpt(alice, { orcpt: { addrType: 'rfc822', address } });
      for (const l of [mail, rcpt]) assert.equal(l.indexOf('\n'), l.length - 1);
    }),
  );
});

test('ENVID and ORCPT round-trip for any printable value', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[\x20-\x7e]{1,100}$/), (value) => {
      const mail = parse(encodeMail(alice, { envid: value }), false);
      assert.ok(mail.verb === 'MAIL' && mail.params.envid === value);
      const rcpt = parse(encodeRcpt(alice, { orcpt: { addrType: 'rfc822', address: value } }), false);
      assert.ok(rcpt.verb === 'RCPT' && rcpt.params.orcpt?.address === value);
    }),
  );
});

test('BDAT and EHLO lines', () => {
  assert.equal(encodeBdat(10, false), 'BDAT 10\r\n');
  assert.equal(encodeBdat(0, true), 'BDAT 0 LAST\r\n');
  assert.equal(encodeHelo('HELO', 'mx.a.test'), 'HELO mx.a.test\r\n');
});
