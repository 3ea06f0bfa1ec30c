import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type Command,
  type CommandOptions,
  type CommandResult,
  decodeCommandLine,
  parseCommand,
} from '../../../src/proto/smtp/command.ts';
import { commandLineLimit } from '../../../src/proto/smtp/command-types.ts';

function ok(line: string, opts?: CommandOptions): Command {
  const r = parseCommand(line, opts);
  if (!r.ok) assert.fail(`expected ${JSON.stringify(line)} to parse, got ${r.code} ${r.enhanced} ${r.text}`);
  return r.command;
}

function err(line: string, code: number, enhanced: string, opts?: CommandOptions): string {
  const r = parseCommand(line, opts);
  if (r.ok) assert.fail(`expected ${JSON.stringify(line)} to fail, got ${JSON.stringify(r.command)}`);
  assert.equal(r.code, code, `${line}: ${r.text}`);
  assert.equal(r.enhanced, enhanced, `${line}: ${r.text}`);
  return r.text;
}

describe('verbs', () => {
  it('are case-insensitive (RFC 5321 §2.4)', () => {
    assert.deepEqual(ok('data'), { verb: 'DATA' });
    assert.deepEqual(ok('RsEt'), { verb: 'RSET' });
    assert.deepEqual(ok('quit'), { verb: 'QUIT' });
    assert.deepEqual(ok('StartTLS'), { verb: 'STARTTLS' });
  });

  it('unknown verbs give 500 5.5.2, obsolete ones 502 5.5.1', () => {
    err('FOO', 500, '5.5.2');
    err('', 500, '5.5.2');
    err('GET / HTTP/1.1', 500, '5.5.2');
    err('MAIL:FROM', 500, '5.5.2');
    err('ÉHLO x', 500, '5.5.2');
    err('TURN', 502, '5.5.1');
    err('etrn example.com', 502, '5.5.1');
  });

  it('control characters anywhere give 500 5.5.2', () => {
    err('NOOP a\0b', 500, '5.5.2');
    err('DATA\r', 500, '5.5.2');
    err('RSET\nMAIL FROM:<>', 500, '5.5.2');
  });

  it('commands without arguments refuse them (501 5.5.4) but tolerate trailing blanks', () => {
    for (const v of ['DATA', 'RSET', 'QUIT', 'STARTTLS']) {
      err(`${v} x`, 501, '5.5.4');
      assert.deepEqual(ok(`${v}  \t`), { verb: v });
    }
  });
});

describe('EHLO / HELO (RFC 5321 §4.1.1.1)', () => {
  it('parses domains and address literals', () => {
    assert.deepEqual(ok('EHLO Mail.Example.com'), {
      verb: 'EHLO',
      host: 'Mail.Example.com',
      domain: 'mail.example.com',
    });
    assert.deepEqual(ok('helo [192.0.2.1]'), { verb: 'HELO', host: '[192.0.2.1]', domain: '[192.0.2.1]' });
    assert.deepEqual(ok('EHLO [IPv6:2001:db8::1]'), {
      verb: 'EHLO',
      host: '[IPv6:2001:db8::1]',
      domain: '[IPv6:2001:db8::1]',
    });
  });

  it('keeps a name that is not a valid domain, with domain null, for the session to judge', () => {
    assert.deepEqual(ok('EHLO my_pc'), { verb: 'EHLO', host: 'my_pc', domain: null });
  });

  it('needs exactly one argument', () => {
    err('EHLO', 501, '5.5.4');
    err('HELO a b', 501, '5.5.4');
  });

  it('accepts U-labels only with SMTPUTF8', () => {
    err('EHLO bücher.example', 501, '5.5.4');
    assert.deepEqual(ok('EHLO bücher.example', { smtputf8: true }), {
      verb: 'EHLO',
      host: 'bücher.example',
      domain: 'xn--bcher-kva.example',
    });
  });
});

describe('MAIL (RFC 5321 §4.1.1.2)', () => {
  it('parses a reverse path without parameters', () => {
    assert.deepEqual(ok('MAIL FROM:<Smith@bar.com>'), {
      verb: 'MAIL',
      from: { localPart: 'Smith', domain: 'bar.com' },
      params: { smtputf8: false, requireTls: false },
      utf8: false,
    });
    assert.deepEqual(ok('mail from:<>'), {
      verb: 'MAIL',
      from: null,
      params: { smtputf8: false, requireTls: false },
      utf8: false,
    });
  });

  it('tolerates spaces after the colon and between parameters', () => {
    const c = ok('MAIL FROM: <a@b.c>  SIZE=10   BODY=8bitmime');
    assert.equal(c.verb, 'MAIL');
    if (c.verb === 'MAIL')
      assert.deepEqual(c.params, { size: 10, body: '8BITMIME', smtputf8: false, requireTls: false });
  });

  it('parses every known parameter', () => {
    const c = ok(
      'MAIL FROM:<a@b.c> SIZE=1000000 BODY=BINARYMIME SMTPUTF8 RET=hdrs ENVID=QQ314159+2B AUTH=e+3Dmc2@example.com REQUIRETLS',
    );
    assert.deepEqual(c, {
      verb: 'MAIL',
      from: { localPart: 'a', domain: 'b.c' },
      params: {
        size: 1000000,
        body: 'BINARYMIME',
        smtputf8: true,
        ret: 'HDRS',
        envid: 'QQ314159+',
        auth: { localPart: 'e=mc2', domain: 'example.com' },
        requireTls: true,
      },
      utf8: false,
    });
    const n = ok('MAIL FROM:<> AUTH=<>');
    if (n.verb === 'MAIL') assert.equal(n.params.auth, null);
  });

  it('refuses malformed command syntax', () => {
    err('MAIL', 501, '5.5.4');
    err('MAIL TO:<a@b.c>', 501, '5.5.4');
    err('MAIL FROM', 501, '5.5.4');
    err('MAIL FROM:a@b.c', 501, '5.1.7');
    err('MAIL FROM:<a@b.c>SIZE=1', 501, '5.1.7');
    err('MAIL FROM:<a@@b.c>', 501, '5.1.7');
    err('MAIL FROM:<Postmaster>', 501, '5.1.7');
  });

  it('gives 555 for unknown parameters and 501 for duplicates or bad values', () => {
    assert.equal(err('MAIL FROM:<> XFOO=1', 555, '5.5.4'), 'Unrecognized parameter XFOO');
    err('MAIL FROM:<> SIZE=1 size=2', 501, '5.5.4');
    err('MAIL FROM:<> SIZE', 501, '5.5.4');
    err('MAIL FROM:<> SIZE=', 501, '5.5.4');
    err('MAIL FROM:<> SIZE=-1', 501, '5.5.4');
    err('MAIL FROM:<> SIZE=1e3', 501, '5.5.4');
    err(`MAIL FROM:<> SIZE=${'9'.repeat(21)}`, 501, '5.5.4');
    err('MAIL FROM:<> SMTPUTF8=yes', 501, '5.5.4');
    err('MAIL FROM:<> REQUIRETLS=1', 501, '5.5.4');
    err('MAIL FROM:<> RET=ALL', 501, '5.5.4');
    err('MAIL FROM:<> ENVID=a+zz', 501, '5.5.4');
    err(`MAIL FROM:<> ENVID=${'x'.repeat(101)}`, 501, '5.5.4');
    err('MAIL FROM:<> ENVID=a+0D+0Ab', 501, '5.5.4');
    err('MAIL FROM:<> AUTH=nobody', 501, '5.5.4');
    err('MAIL FROM:<> AUTH=a+0D@b.c', 501, '5.5.4');
    err('MAIL FROM:<> -SIZE=1', 501, '5.5.4');
    err('MAIL FROM:<> SIZE=1=2', 501, '5.5.4');
  });

  it('gives 504 for an unknown BODY value', () => {
    err('MAIL FROM:<> BODY=9BIT', 504, '5.5.4');
  });

  it('allows UTF-8 paths only with SMTPUTF8 and reports them (RFC 6531 §3.4)', () => {
    err('MAIL FROM:<jörg@example.com>', 501, '5.1.7');
    const c = ok('MAIL FROM:<jörg@bücher.example> SMTPUTF8', { smtputf8: true });
    assert.deepEqual(c, {
      verb: 'MAIL',
      from: { localPart: 'jörg', domain: 'xn--bcher-kva.example' },
      params: { smtputf8: true, requireTls: false },
      utf8: true,
    });
    const ascii = ok('MAIL FROM:<joe@example.com> SMTPUTF8', { smtputf8: true });
    if (ascii.verb === 'MAIL') assert.equal(ascii.utf8, false);
  });
});

describe('RCPT (RFC 5321 §4.1.1.3, RFC 3461)', () => {
  it('parses forward paths, Postmaster and source routes', () => {
    assert.deepEqual(ok('RCPT TO:<Jones@XYZ.COM>'), {
      verb: 'RCPT',
      to: { localPart: 'Jones', domain: 'xyz.com' },
      params: {},
      utf8: false,
    });
    assert.deepEqual(ok('rcpt to:<postmaster>'), { verb: 'RCPT', to: 'postmaster', params: {}, utf8: false });
    const r = ok('RCPT TO:<@hosta.int,@jkl.org:userc@d.bar.org>');
    if (r.verb === 'RCPT') assert.deepEqual(r.to, { localPart: 'userc', domain: 'd.bar.org' });
  });

  it('parses NOTIFY and ORCPT (RFC 3461 §4.1, §4.2)', () => {
    const c = ok('RCPT TO:<a@b.c> NOTIFY=success,Delay ORCPT=rfc822;Joe+2BSmith@example.com');
    assert.deepEqual(c, {
      verb: 'RCPT',
      to: { localPart: 'a', domain: 'b.c' },
      params: {
        notify: ['SUCCESS', 'DELAY'],
        orcpt: { addrType: 'rfc822', address: 'Joe+Smith@example.com' },
      },
      utf8: false,
    });
    const never = ok('RCPT TO:<a@b.c> NOTIFY=NEVER');
    if (never.verb === 'RCPT') assert.equal(never.params.notify, 'NEVER');
    const dup = ok('RCPT TO:<a@b.c> NOTIFY=FAILURE,FAILURE');
    if (dup.verb === 'RCPT') assert.deepEqual(dup.params.notify, ['FAILURE']);
  });

  it('decodes utf-8 ORCPT values (RFC 6533 §3)', () => {
    const x = ok('RCPT TO:<a@b.c> ORCPT=UTF-8;j\\x{F6}rg@example.com');
    if (x.verb === 'RCPT')
      assert.deepEqual(x.params.orcpt, { addrType: 'utf-8', address: 'jörg@example.com' });
    const u = ok('RCPT TO:<a@b.c> ORCPT=utf-8;jörg@example.com', { smtputf8: true });
    if (u.verb === 'RCPT')
      assert.deepEqual(u.params.orcpt, { addrType: 'utf-8', address: 'jörg@example.com' });
  });

  it('refuses bad NOTIFY / ORCPT and unknown parameters', () => {
    err('RCPT TO:<a@b.c> NOTIFY=NEVER,SUCCESS', 501, '5.5.4');
    err('RCPT TO:<a@b.c> NOTIFY=SUCCESS,NEVER', 501, '5.5.4');
    err('RCPT TO:<a@b.c> NOTIFY=SOMETIMES', 501, '5.5.4');
    err('RCPT TO:<a@b.c> NOTIFY=', 501, '5.5.4');
    err('RCPT TO:<a@b.c> NOTIFY=SUCCESS,', 501, '5.5.4');
    err('RCPT TO:<a@b.c> ORCPT=rfc822', 501, '5.5.4');
    err('RCPT TO:<a@b.c> ORCPT=;a@b.c', 501, '5.5.4');
    err('RCPT TO:<a@b.c> ORCPT=rfc822;a+0A@b.c', 501, '5.5.4');
    err('RCPT TO:<a@b.c> ORCPT=rfc822;a+0', 501, '5.5.4');
    // A conflicting repeat is refused; an exact repeat changes nothing (smtplib repeats SMTPUTF8).
    err('RCPT TO:<a@b.c> NOTIFY=NEVER NOTIFY=SUCCESS', 501, '5.5.4');
    assert.deepEqual(ok('RCPT TO:<a@b.c> NOTIFY=NEVER NOTIFY=NEVER'), ok('RCPT TO:<a@b.c> NOTIFY=NEVER'));
    assert.deepEqual(ok('MAIL FROM:<a@b.c> SMTPUTF8 SMTPUTF8'), ok('MAIL FROM:<a@b.c> SMTPUTF8'));
    err('RCPT TO:<a@b.c> SIZE=10', 555, '5.5.4');
    err('RCPT TO:<a@b.c> RRVS=2024-01-01T00:00:00Z', 555, '5.5.4');
  });

  it('refuses bad paths with 501 5.1.3', () => {
    err('RCPT TO:<>', 501, '5.1.3');
    err('RCPT TO:<a@b.c', 501, '5.1.3');
    err('RCPT TO:a@b.c', 501, '5.1.3');
    err(`RCPT TO:<${'a'.repeat(65)}@b.c>`, 501, '5.1.3');
    err('RCPT', 501, '5.5.4');
    err('RCPT FROM:<a@b.c>', 501, '5.5.4');
  });
});

describe('BDAT (RFC 3030 §2)', () => {
  it('parses the size and LAST', () => {
    assert.deepEqual(ok('BDAT 86'), { verb: 'BDAT', size: 86, last: false });
    assert.deepEqual(ok('bdat 0 last'), { verb: 'BDAT', size: 0, last: true });
  });

  it('refuses anything else', () => {
    for (const l of ['BDAT', 'BDAT x', 'BDAT 1 2', 'BDAT -1', 'BDAT 1 LASTX', 'BDAT 99999999999999999999'])
      err(l, 501, '5.5.4');
  });
});

describe('AUTH (RFC 4954 §4)', () => {
  it('parses the mechanism and an optional initial response', () => {
    assert.deepEqual(ok('AUTH plain'), { verb: 'AUTH', mechanism: 'PLAIN', initialResponse: null });
    assert.deepEqual(ok('AUTH PLAIN ='), {
      verb: 'AUTH',
      mechanism: 'PLAIN',
      initialResponse: Buffer.alloc(0),
    });
    assert.deepEqual(ok('AUTH PLAIN AHRlc3QAMTIzNA=='), {
      verb: 'AUTH',
      mechanism: 'PLAIN',
      initialResponse: Buffer.from('\0test\x001234'),
    });
    assert.deepEqual(ok('AUTH SCRAM-SHA-256'), {
      verb: 'AUTH',
      mechanism: 'SCRAM-SHA-256',
      initialResponse: null,
    });
  });

  it('refuses bad mechanisms, extra arguments and bad base64', () => {
    err('AUTH', 501, '5.5.4');
    err('AUTH PL/AIN', 501, '5.5.4');
    err(`AUTH ${'X'.repeat(21)}`, 501, '5.5.4');
    err('AUTH PLAIN abcd efgh', 501, '5.5.4');
    err('AUTH PLAIN abc', 501, '5.5.2');
    err('AUTH PLAIN ab=c', 501, '5.5.2');
  });
});

describe('VRFY, EXPN, NOOP, HELP', () => {
  it('keep their string arguments', () => {
    assert.deepEqual(ok('VRFY Smith'), { verb: 'VRFY', arg: 'Smith', smtputf8: false });
    assert.deepEqual(ok('EXPN Example-People'), { verb: 'EXPN', arg: 'Example-People', smtputf8: false });
    assert.deepEqual(ok('VRFY "John Smith" smtputf8'), { verb: 'VRFY', arg: '"John Smith"', smtputf8: true });
    assert.deepEqual(ok('NOOP'), { verb: 'NOOP', arg: null });
    assert.deepEqual(ok('NOOP hello there'), { verb: 'NOOP', arg: 'hello there' });
    assert.deepEqual(ok('HELP MAIL'), { verb: 'HELP', arg: 'MAIL' });
  });

  it('VRFY and EXPN need an argument; 8-bit needs SMTPUTF8', () => {
    err('VRFY', 501, '5.5.4');
    err('EXPN', 501, '5.5.4');
    err('VRFY jörg', 501, '5.5.4');
    assert.deepEqual(ok('VRFY jörg SMTPUTF8', { smtputf8: true }), {
      verb: 'VRFY',
      arg: 'jörg',
      smtputf8: true,
    });
  });
});

describe('decodeCommandLine', () => {
  it('decodes UTF-8 and refuses invalid octets', () => {
    assert.equal(decodeCommandLine(Buffer.from('EHLO bücher.example')), 'EHLO bücher.example');
    assert.equal(decodeCommandLine(Buffer.from([0x45, 0xff, 0x4c])), null);
    // A byte-order mark is kept, so it cannot hide in front of a verb.
    const bom = decodeCommandLine(Buffer.from('\ufeffQUIT'));
    assert.equal(bom, '\ufeffQUIT');
    assert.equal(parseCommand(bom!).ok, false);
  });
});

describe('properties', () => {
  const verbs = ['EHLO', 'HELO', 'MAIL FROM:', 'RCPT TO:', 'DATA', 'BDAT', 'AUTH', 'VRFY', 'NOOP', 'XYZ', ''];
  const line = fc
    .tuple(fc.constantFrom(...verbs), fc.constantFrom('', ' '), fc.string({ unit: 'binary', maxLength: 60 }))
    .map(([v, sp, rest]) => v + sp + rest);
  const paramish = fc
    .tuple(
      fc.constantFrom('MAIL FROM:<a@b.c>', 'RCPT TO:<a@b.c>', 'MAIL FROM:<>'),
      fc.array(
        fc.tuple(
          fc.constantFrom('SIZE', 'BODY', 'RET', 'ENVID', 'AUTH', 'NOTIFY', 'ORCPT', 'SMTPUTF8', 'X'),
          fc.option(fc.string({ unit: 'binary-ascii', maxLength: 12 })),
        ),
        { maxLength: 4 },
      ),
    )
    .map(([head, ps]) => [head, ...ps.map(([k, v]) => (v === null ? k : `${k}=${v}`))].join(' '));

  function check(r: CommandResult): void {
    if (!r.ok) {
      assert.ok([500, 501, 502, 504, 555].includes(r.code));
      assert.match(r.enhanced, /^5\.\d\.\d$/);
      assert.doesNotMatch(r.text, /[\r\n]/);
      assert.ok(r.text.length > 0);
    } else {
      assert.equal(typeof r.command.verb, 'string');
    }
  }

  it('never throws, and returns a command or a 5xx reply', () => {
    fc.assert(
      fc.property(fc.oneof(line, paramish, fc.string({ unit: 'binary' })), fc.boolean(), (l, utf8) => {
        check(parseCommand(l, { smtputf8: utf8 }));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('command line limits with extensions (RFC 5321 §4.5.3.1.4)', () => {
  const limit = (line: string) => commandLineLimit(512, Buffer.from(line, 'latin1'));
  it('MAIL may be longer by the parameters of SIZE, BODY, DSN, AUTH, SMTPUTF8 and REQUIRETLS', () => {
    assert.equal(limit('MAIL FROM:<a@b.example> SIZE=1'), 512 + 26 + 16 + 100 + 500 + 10 + 11);
    assert.equal(limit('mail from:<a@b.example>'), limit('MAIL FROM:<a@b.example>'));
  });
  it('RCPT may be longer by 500 for NOTIFY and ORCPT (RFC 3461 §4)', () => {
    assert.equal(limit('RCPT TO:<a@b.example> NOTIFY=NEVER'), 1012);
    assert.equal(limit('Rcpt TO:<a@b.example>'), 1012);
  });
  it('other commands keep the base limit', () => {
    for (const line of ['EHLO client.example', 'DATA', 'VRFY x', 'RSET', 'QUI', ''])
      assert.equal(limit(line), 512);
  });
});
