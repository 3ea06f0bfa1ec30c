import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  formatLocalPart,
  formatMailbox,
  formatPath,
  isDotString,
  type Mailbox,
  needsSmtputf8,
  parseForwardPath,
  parseMailbox,
  parseReversePath,
  scanReversePath,
} from '../../../src/proto/smtp/address.ts';

const mb = (localPart: string, domain: string): Mailbox => ({ localPart, domain });

describe('parseMailbox (RFC 5321 §4.1.2 Mailbox)', () => {
  it('parses dot-strings and lower-cases the domain only', () => {
    assert.deepEqual(parseMailbox('John.Smith@Example.COM'), {
      ok: true,
      value: mb('John.Smith', 'example.com'),
    });
    assert.deepEqual(parseMailbox("a!#$%&'*+-/=?^_`{|}~@x.y"), {
      ok: true,
      value: mb("a!#$%&'*+-/=?^_`{|}~", 'x.y'),
    });
  });

  it('decodes quoted local parts', () => {
    assert.deepEqual(parseMailbox('"john smith"@example.com'), {
      ok: true,
      value: mb('john smith', 'example.com'),
    });
    assert.deepEqual(parseMailbox('"a\\"b\\\\c"@example.com'), {
      ok: true,
      value: mb('a"b\\c', 'example.com'),
    });
    assert.deepEqual(parseMailbox('""@example.com'), { ok: true, value: mb('', 'example.com') });
    assert.deepEqual(parseMailbox('"a@b"@example.com'), { ok: true, value: mb('a@b', 'example.com') });
  });

  it('accepts address literals', () => {
    assert.deepEqual(parseMailbox('root@[192.0.2.1]'), { ok: true, value: mb('root', '[192.0.2.1]') });
    assert.deepEqual(parseMailbox('root@[IPv6:2001:DB8::1]'), {
      ok: true,
      value: mb('root', '[IPv6:2001:db8::1]'),
    });
  });

  it('refuses malformed mailboxes', () => {
    for (const s of [
      'a@',
      '@b.c',
      'a',
      'a..b@c',
      '.a@c',
      'a.@c',
      'a b@c',
      '"a@c',
      '"a\tb"@c',
      '"a\\\u0001"@c',
      'a@b@c',
      'a@b..c',
      'a@[1.2.3.999]',
      'a@b.c ',
    ]) {
      assert.equal(parseMailbox(s).ok, false, s);
    }
  });

  it('allows UTF-8 only with SMTPUTF8 (RFC 6531 §3.3), converting the domain to A-labels', () => {
    assert.equal(parseMailbox('jörg@example.com').ok, false);
    assert.equal(parseMailbox('"jörg"@example.com').ok, false);
    assert.equal(parseMailbox('joe@bücher.example').ok, false);
    assert.deepEqual(parseMailbox('Jörg@Bücher.example', { smtputf8: true }), {
      ok: true,
      value: mb('Jörg', 'xn--bcher-kva.example'),
    });
    assert.deepEqual(parseMailbox('"jö rg"@example.com', { smtputf8: true }), {
      ok: true,
      value: mb('jö rg', 'example.com'),
    });
  });

  it('limits the local part to 64 octets (RFC 5321 §4.5.3.1.1), counting UTF-8 octets', () => {
    assert.equal(parseMailbox(`${'a'.repeat(64)}@x.y`).ok, true);
    assert.deepEqual(parseMailbox(`${'a'.repeat(65)}@x.y`), { ok: false, reason: 'local part too long' });
    assert.equal(parseMailbox(`${'ä'.repeat(32)}@x.y`, { smtputf8: true }).ok, true);
    assert.equal(parseMailbox(`${'ä'.repeat(33)}@x.y`, { smtputf8: true }).ok, false);
  });
});

describe('paths (RFC 5321 §4.1.2)', () => {
  it('parses the null reverse path', () => {
    assert.deepEqual(parseReversePath('<>'), { ok: true, value: null });
    assert.equal(parseForwardPath('<>').ok, false);
  });

  it('parses <Postmaster> without domain in forward paths only (§4.1.1.3)', () => {
    assert.deepEqual(parseForwardPath('<Postmaster>'), { ok: true, value: 'postmaster' });
    assert.deepEqual(parseForwardPath('<POSTMASTER>'), { ok: true, value: 'postmaster' });
    assert.deepEqual(parseForwardPath('<postmaster@Example.com>'), {
      ok: true,
      value: mb('postmaster', 'example.com'),
    });
    assert.equal(parseReversePath('<Postmaster>').ok, false);
  });

  it('accepts and ignores source routes (§4.1.1.3, Appendix C)', () => {
    assert.deepEqual(parseForwardPath('<@hosta.int,@jkl.org:userc@d.bar.org>'), {
      ok: true,
      value: mb('userc', 'd.bar.org'),
    });
    assert.deepEqual(parseReversePath('<@a.example:x@b.example>'), { ok: true, value: mb('x', 'b.example') });
    for (const bad of ['<@a.example,x@b.example>', '<@:x@b.example>', '<@a..b:x@b.example>', '<@a,b:x@c>']) {
      assert.equal(parseForwardPath(bad).ok, false, bad);
    }
  });

  it('requires the angle brackets', () => {
    for (const bad of ['a@b.c', '<a@b.c', 'a@b.c>', '<<a@b.c>>', '< a@b.c>', '<a@b.c >']) {
      assert.equal(parseReversePath(bad).ok, false, bad);
    }
  });

  it('limits a path to 256 octets including punctuation (§4.5.3.1.3)', () => {
    const label = 'd'.repeat(60);
    const domain = [label, label, label, 'd'.repeat(54)].join('.'); // 237
    const path = `<${'l'.repeat(17)}@${domain}>`; // 1 + 17 + 1 + 237 + 1 = 257
    assert.equal(path.length, 257);
    assert.deepEqual(parseForwardPath(path), { ok: false, reason: 'path too long' });
    assert.equal(parseForwardPath(`<${'l'.repeat(16)}@${domain}>`).ok, true);
  });

  it('scans from a position and reports where the path ends', () => {
    assert.deepEqual(scanReversePath('FROM:<a@b.c> SIZE=10', 5), {
      ok: true,
      value: mb('a', 'b.c'),
      end: 12,
    });
  });
});

describe('formatting', () => {
  it('writes dot-strings as is and quotes the rest', () => {
    assert.equal(formatMailbox(mb('john.smith', 'example.com')), 'john.smith@example.com');
    assert.equal(formatMailbox(mb('john smith', 'example.com')), '"john smith"@example.com');
    assert.equal(formatMailbox(mb('a"b\\c', 'x')), '"a\\"b\\\\c"@x');
    assert.equal(formatMailbox(mb('', 'x')), '""@x');
    assert.equal(formatMailbox(mb('a..b', 'x')), '"a..b"@x');
    assert.equal(formatLocalPart('jörg'), 'jörg');
    assert.throws(() => formatLocalPart('a\r\nb'), RangeError);
  });

  it('formats paths', () => {
    assert.equal(formatPath(null), '<>');
    assert.equal(formatPath('postmaster'), '<Postmaster>');
    assert.equal(formatPath(mb('a', '[192.0.2.1]')), '<a@[192.0.2.1]>');
  });

  it('tells when SMTPUTF8 is needed', () => {
    assert.equal(needsSmtputf8(mb('jörg', 'xn--bcher-kva.example')), true);
    assert.equal(needsSmtputf8(mb('joe', 'xn--bcher-kva.example')), false);
  });

  it('isDotString follows Dot-string = Atom *("." Atom)', () => {
    assert.equal(isDotString('a.b'), true);
    assert.equal(isDotString('a..b'), false);
    assert.equal(isDotString('jörg', false), false);
    assert.equal(isDotString('jörg', true), true);
  });
});

describe('properties', () => {
  // Printable ASCII plus some non-ASCII characters, as a parsed local part can hold.
  const localChar = fc.oneof(
    fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    fc.constantFrom('ä', 'ß', '中', '😀'),
  );
  const localPart = fc.array(localChar, { maxLength: 12 }).map((a) => a.join(''));
  const domain = fc.domain().filter((d) => d.length <= 200);

  it('parse(format(m)) == m', () => {
    fc.assert(
      fc.property(localPart, domain, (lp, d) => {
        const m = mb(lp, d.toLowerCase());
        const r = parseMailbox(formatMailbox(m), { smtputf8: true });
        assert.deepEqual(r, { ok: true, value: m });
        assert.deepEqual(parseForwardPath(formatPath(m), { smtputf8: true }), { ok: true, value: m });
      }),
    );
  });

  it('parsers never throw on random input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), fc.boolean(), (s, utf8) => {
        parseMailbox(s, { smtputf8: utf8 });
        parseReversePath(`<${s}>`, { smtputf8: utf8 });
        parseForwardPath(s, { smtputf8: utf8 });
      }),
    );
  });
});
