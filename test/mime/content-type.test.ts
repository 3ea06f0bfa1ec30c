import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  defaultContentType,
  getParam,
  parseContentDisposition,
  parseContentLanguage,
  parseContentType,
  parseTransferEncoding,
} from '../../src/mime/content-type.ts';

describe('parseContentType (RFC 2045 §5.1)', () => {
  it('lower-cases type and subtype, keeps parameter values as sent', () => {
    assert.deepEqual(parseContentType('Text/HTML; Charset="UTF-8"; Format=Flowed'), {
      type: 'text',
      subtype: 'html',
      params: [
        ['charset', 'UTF-8'],
        ['format', 'Flowed'],
      ],
      valid: true,
    });
  });

  it('adds charset=us-ascii to text/* without one (RFC 2046 §4.1.2), not to other types', () => {
    assert.deepEqual(parseContentType('text/plain').params, [['charset', 'us-ascii']]);
    assert.deepEqual(parseContentType('image/png').params, []);
  });

  it('drops comments and white space, resolves quoted-pairs', () => {
    const ct = parseContentType(
      ' (c) text / plain (x) ; charset = us-ascii (Plain text) ; name="a\\"b\\\\c"',
    );
    assert.deepEqual(ct.params, [
      ['charset', 'us-ascii'],
      ['name', 'a"b\\c'],
    ]);
    assert.equal(`${ct.type}/${ct.subtype}`, 'text/plain');
  });

  it('is lenient with what real mail sends', () => {
    const p = (v: string) => parseContentType(v).params;
    assert.deepEqual(p('application/pdf; name=My File.pdf'), [['name', 'My File.pdf']]);
    assert.deepEqual(p('multipart/mixed; boundary=----=_Part_1_2.3'), [['boundary', '----=_Part_1_2.3']]);
    assert.deepEqual(p('multipart/mixed;; ; boundary="abc";'), [['boundary', 'abc']]);
    assert.deepEqual(p('text/plain; charset=utf-8 format=flowed'), [
      ['charset', 'utf-8'],
      ['format', 'flowed'],
    ]);
    assert.deepEqual(p('multipart/mixed; boundary="abc" charset=x'), [
      ['boundary', 'abc'],
      ['charset', 'x'],
    ]);
    assert.deepEqual(p('application/x; novalue; a=1'), [['a', '1']]);
    assert.deepEqual(p('application/x; name="unterminated'), [['name', 'unterminated']]);
    assert.deepEqual(p('application/x; name="caf\u00e9"'), [['name', 'caf\u00e9']]);
  });

  it('falls back to the default on an invalid value (RFC 2045 §5.2), message/rfc822 in a digest', () => {
    for (const bad of ['', 'text', '/plain', 'text/', '"text/plain"', ';charset=utf-8']) {
      assert.deepEqual(parseContentType(bad), { ...defaultContentType('text'), valid: false }, bad);
    }
    assert.deepEqual(parseContentType('garbage', 'digest'), {
      type: 'message',
      subtype: 'rfc822',
      params: [],
      valid: false,
    });
    assert.deepEqual(defaultContentType('digest').params, []);
  });

  it('merges RFC 2231 continuations', () => {
    assert.deepEqual(parseContentType('application/x; name*0="a b"; name*1="c"').params, [['name', 'a bc']]);
  });

  it('never throws and always gives lower-case names', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (value) => {
        const ct = parseContentType(value);
        assert.ok(ct.type !== '' && ct.subtype !== '');
        for (const [name] of ct.params) assert.equal(name, name.toLowerCase());
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', '/', ';', '=', '"', '\\', '(', ')', ' ', '*0*', "'"), {
          maxLength: 40,
        }),
        (pieces) => {
          parseContentType(`text/plain;${pieces.join('')}`);
          parseContentDisposition(pieces.join(''));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('other Content-* fields', () => {
  it('Content-Disposition (RFC 2183): type lower-cased with parameters; none without a token', () => {
    assert.deepEqual(parseContentDisposition('Attachment; filename="a.txt"; size=12'), {
      type: 'attachment',
      params: [
        ['filename', 'a.txt'],
        ['size', '12'],
      ],
    });
    assert.equal(parseContentDisposition('  ; filename=x'), undefined);
  });

  it('Content-Transfer-Encoding (RFC 2045 §6.1): a lower-cased token, or nothing', () => {
    assert.equal(parseTransferEncoding(' Quoted-Printable (comment)'), 'quoted-printable');
    assert.equal(parseTransferEncoding('?invalid'), undefined);
    assert.equal(parseTransferEncoding(''), undefined);
  });

  it('Content-Language (RFC 3282): comma-separated tags', () => {
    assert.deepEqual(parseContentLanguage('en, fr-CA (Canadian) ,, de'), ['en', 'fr-CA', 'de']);
    assert.deepEqual(parseContentLanguage('<>'), []);
  });

  it('getParam finds the first parameter by name', () => {
    const params: [string, string][] = [
      ['a', '1'],
      ['a', '2'],
    ];
    assert.equal(getParam(params, 'A'), '1');
    assert.equal(getParam(params, 'b'), undefined);
  });
});
