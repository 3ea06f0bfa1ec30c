import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodedParam, decodeExtendedValue, mergeContinuations } from '../../src/mime/rfc2231.ts';
import type { MimeParam } from '../../src/mime/types.ts';

describe('mergeContinuations (RFC 2231 §3)', () => {
  it('joins plain segments in number order, where the first one appeared', () => {
    const params: MimeParam[] = [
      ['a', '1'],
      ['title*1', ' world'],
      ['b', '2'],
      ['title*0', 'hello'],
    ];
    assert.deepEqual(mergeContinuations(params), [
      ['a', '1'],
      ['title', 'hello world'],
      ['b', '2'],
    ]);
  });

  it('an extended segment makes the whole value extended, plain segments percent-encoded', () => {
    assert.deepEqual(
      mergeContinuations([
        ['name*0*', "utf-8'en'%E2%82%AC"],
        ['name*1', ' & more'],
      ]),
      [['name*', "utf-8'en'%E2%82%AC%20&%20more"]],
    );
    assert.deepEqual(
      mergeContinuations([
        ['name*0', 'caf\u00e9'],
        ['name*1*', '%21'],
      ]),
      [['name*', "''caf%C3%A9%21"]],
    );
  });

  it('stops at a gap, keeps a first duplicate, leaves names without segment 0 alone', () => {
    assert.deepEqual(
      mergeContinuations([
        ['x*0', 'a'],
        ['x*0', 'z'],
        ['x*1', 'b'],
        ['x*3', 'd'],
      ]),
      [['x', 'ab']],
    );
    assert.deepEqual(
      mergeContinuations([
        ['y*1', 'b'],
        ['y*2*', 'c'],
      ]),
      [
        ['y*1', 'b'],
        ['y*2*', 'c'],
      ],
    );
    const plain: MimeParam[] = [['name*', "utf-8''x"]];
    assert.deepEqual(mergeContinuations(plain), plain);
  });
});

describe('decoding parameter values', () => {
  it('decodeExtendedValue: charset, language and percent-encoding (RFC 2231 §4)', () => {
    assert.equal(decodeExtendedValue("utf-8'en'%E2%82%AC%20rates"), '€ rates');
    assert.equal(decodeExtendedValue("iso-8859-1''caf%E9"), 'café');
    assert.equal(decodeExtendedValue('no%20quotes%zz'), 'no quotes%zz');
    assert.equal(decodeExtendedValue("unknown-charset''ok"), 'ok');
  });

  it('decodedParam prefers name*, decodes RFC 2047 words in a plain value', () => {
    assert.equal(decodedParam([['filename*', "utf-8''%C3%A9t%C3%A9.txt"]], 'filename'), 'été.txt');
    assert.equal(decodedParam([['filename', '=?UTF-8?B?w6l0w6kudHh0?=']], 'FILENAME'), 'été.txt');
    assert.equal(decodedParam([['filename', 'plain.txt']], 'filename'), 'plain.txt');
    assert.equal(decodedParam([], 'filename'), undefined);
  });

  it('never throws', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('n', 'n*', 'n*0', 'n*0*', 'n*1', 'n*1*', 'n*99999'), fc.string())),
        (params) => {
          for (const [name, value] of mergeContinuations(params)) {
            decodedParam([[name, value]], 'n');
            decodeExtendedValue(value);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
