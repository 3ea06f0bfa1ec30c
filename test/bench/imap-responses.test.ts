/**
 * Unit tests of the IMAP benchmark's response reader and the helpers that read FETCH, SEARCH and
 * status responses: whole responses with literals, whatever the chunking, counting by kind.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  fetchFlags,
  fetchUid,
  type ImapResponse,
  ResponseCounter,
  ResponseReader,
  responseCode,
  responseKind,
  searchNumbers,
} from '../../bench/lib/imap-responses.ts';

/** Feeds `data` in chunks of `size` octets; returns every response read. */
function readAll(data: Buffer, size = data.length): ImapResponse[] {
  const out: ImapResponse[] = [];
  const reader = new ResponseReader((r) => out.push(r));
  for (let i = 0; i < data.length; i += Math.max(1, size)) reader.push(data.subarray(i, i + size));
  assert.equal(reader.idle, true, 'no response left half read');
  assert.equal(reader.octets, data.length);
  return out;
}

const body = 'Subject: x\r\n\r\nline one\r\n{5}\r\n* 3 FETCH (UID 9)\r\n';
const stream = Buffer.from(
  [
    '* 2 EXISTS\r\n',
    `* 1 FETCH (UID 7 BODY[] {${Buffer.byteLength(body)}}\r\n${body} FLAGS (\\Seen))\r\n`,
    '* 2 FETCH (UID 8 BODY[] {0}\r\n)\r\n',
    '* 3 FETCH (ENVELOPE ("date" {3}\r\nabc NIL) BODY[1] {2+}\r\nhi)\r\n',
    '* SEARCH 4 8 15\r\n',
    '+ idling\r\n',
    'A1 OK [READ-WRITE] done\r\n',
  ].join(''),
);

describe('the IMAP response reader', () => {
  it('reads lines and literals whole, never looking into a literal', () => {
    const responses = readAll(stream);
    assert.equal(responses.length, 7);
    assert.equal(responses[0]!.text, '* 2 EXISTS');
    assert.equal(responses[1]!.text, `* 1 FETCH (UID 7 BODY[] {${Buffer.byteLength(body)}} FLAGS (\\Seen))`);
    assert.deepEqual(
      responses[1]!.literals.map((l) => l.toString()),
      [body],
    );
    assert.deepEqual(
      responses[2]!.literals.map((l) => l.length),
      [0],
    );
    assert.deepEqual(
      responses[3]!.literals.map((l) => l.toString()),
      ['abc', 'hi'],
    );
    assert.equal(responses[6]!.text, 'A1 OK [READ-WRITE] done');
  });

  it('reads the same responses whatever the chunk sizes', () => {
    const whole = JSON.stringify(readAll(stream));
    for (const size of [1, 2, 3, 7, 64, 512])
      assert.equal(JSON.stringify(readAll(stream, size)), whole, `chunks of ${size}`);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 20 }), (cuts) => {
        const out: ImapResponse[] = [];
        const reader = new ResponseReader((r) => out.push(r));
        let at = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          reader.push(stream.subarray(at, Math.max(at, cut)));
          at = Math.max(at, cut);
        }
        reader.push(stream.subarray(at));
        assert.equal(JSON.stringify(out), whole);
      }),
    );
  });

  it('accepts bare LF line ends', () => {
    assert.deepEqual(
      readAll(Buffer.from('* OK hi\nA1 OK done\n')).map((r) => r.text),
      ['* OK hi', 'A1 OK done'],
    );
  });
});

describe('reading responses', () => {
  it('tells tagged, untagged and continuation responses apart', () => {
    assert.deepEqual(responseKind('* 12 FETCH (UID 3)'), { type: 'untagged', name: 'FETCH', number: 12 });
    assert.deepEqual(responseKind('* 0 exists'), { type: 'untagged', name: 'EXISTS', number: 0 });
    assert.deepEqual(responseKind('* SEARCH 1 2'), { type: 'untagged', name: 'SEARCH', number: undefined });
    assert.deepEqual(responseKind('* SEARCH'), { type: 'untagged', name: 'SEARCH', number: undefined });
    assert.deepEqual(responseKind('+ idling'), { type: 'continuation' });
    assert.deepEqual(responseKind('+'), { type: 'continuation' });
    assert.deepEqual(responseKind('A7 no [CANNOT] x'), { type: 'tagged', tag: 'A7', status: 'NO' });
  });

  it('counts untagged responses by name', () => {
    const counter = new ResponseCounter();
    for (const r of readAll(stream)) {
      const kind = responseKind(r.text);
      if (kind.type === 'untagged') counter.add(kind.name);
    }
    assert.equal(counter.get('FETCH'), 3);
    assert.equal(counter.get('EXISTS'), 1);
    assert.equal(counter.get('SEARCH'), 1);
    assert.equal(counter.get('EXPUNGE'), 0);
    assert.equal(counter.total, 5);
  });

  it('reads UID and FLAGS out of a FETCH, wherever they stand', () => {
    assert.equal(fetchUid('* 1 FETCH (UID 42 FLAGS (\\Seen))'), 42);
    assert.equal(fetchUid('* 1 FETCH (FLAGS () UID 43)'), 43);
    assert.equal(fetchUid('* 1 FETCH (FLAGS ())'), undefined);
    assert.deepEqual(fetchFlags('* 1 FETCH (UID 42 FLAGS (\\Seen \\Flagged))'), ['\\Seen', '\\Flagged']);
    assert.deepEqual(fetchFlags('* 1 FETCH (FLAGS () UID 4)'), []);
    assert.equal(fetchFlags('* 1 FETCH (UID 4)'), undefined);
  });

  it("reads a SEARCH's numbers, and nothing from another response", () => {
    assert.deepEqual(searchNumbers('* SEARCH 4 8 15'), [4, 8, 15]);
    assert.deepEqual(searchNumbers('* SEARCH'), []);
    assert.deepEqual(searchNumbers('* SEARCH 2 3 (MODSEQ 9)'), [2, 3]);
    assert.equal(searchNumbers('* 3 FETCH (UID 1)'), undefined);
  });

  it('reads response codes', () => {
    assert.equal(responseCode('* OK [UIDNEXT 5] Predicted', 'UIDNEXT'), '5');
    assert.equal(responseCode('A1 OK [READ-WRITE] done', 'READ-WRITE'), '');
    assert.equal(responseCode('A1 OK done', 'READ-WRITE'), undefined);
  });
});
